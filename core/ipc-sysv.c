/* ipc-sysv.c — what the System V modules share (see ipc-sysv.h).
 */
#include "ipc-sysv.h"
#include "ipc-util.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

/* The index part of an id, for both layouts of ipc/util.h: 15 bits, or 24
 * with the ipcmni_extend boot option. */
#define IDX_MASK_NORMAL 0x7fff
#define IDX_MASK_EXTEND 0xffffff

int ipc_sysv_parse_key(const char *p, size_t len, key_t *key)
{
	guint64 v;

	if (len == 7 && memcmp(p, "private", 7) == 0) {
		*key = IPC_PRIVATE;
		return 0;
	}
	if (len > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		p += 2;
		len -= 2;
		if (len > 8)
			return -EINVAL;
		v = 0;
		for (size_t i = 0; i < len; i++) {
			int d = g_ascii_xdigit_value(p[i]);

			if (d < 0)
				return -EINVAL;
			v = v * 16 + d;
		}
	} else if (ipc_parse_number(p, len, 10, UINT32_MAX, &v) < 0) {
		return -EINVAL;
	}
	*key = (key_t)(guint32)v;
	return 0;
}

enum { OPT_KEY, OPT_MODE, OPT_SIZE, OPT_NSEMS, N_OPTS };

static const char *const opt_names[N_OPTS] = {"key=", "mode=", "size=", "nsems="};

/* Which option @word (of @len bytes) sets, or -1. */
static int opt_of(const char *word, size_t len)
{
	for (int i = 0; i < N_OPTS; i++) {
		size_t n = strlen(opt_names[i]);

		if (len >= n && memcmp(word, opt_names[i], n) == 0)
			return i;
	}
	return -1;
}

static bool opt_allowed(IpcSysvKind kind, int opt)
{
	if (opt == OPT_SIZE)
		return kind == IPC_SYSV_SHM;
	if (opt == OPT_NSEMS)
		return kind == IPC_SYSV_SEM;
	return opt >= 0;
}

static int parse_value(int opt, const char *p, size_t len, IpcSysvCreate *c)
{
	guint64 v;

	switch (opt) {
	case OPT_KEY:
		return ipc_sysv_parse_key(p, len, &c->key);
	case OPT_MODE:
		if (ipc_parse_number(p, len, 8, 0777, &v) < 0)
			return -EINVAL;
		c->mode = v;
		return 0;
	case OPT_SIZE:
		if (ipc_parse_number(p, len, 10, SIZE_MAX, &c->size) < 0 || c->size == 0)
			return -EINVAL;
		return 0;
	default:
		if (ipc_parse_number(p, len, 10, USHRT_MAX, &c->nsems) < 0 || c->nsems == 0)
			return -EINVAL;
		return 0;
	}
}

int ipc_sysv_parse_create(IpcSysvKind kind, const char *buf, size_t len, IpcSysvCreate *c)
{
	IpcSysvCreate out = {.key = IPC_PRIVATE, .mode = 0600};
	unsigned seen = 0;
	const char *word;
	size_t pos = 0, wlen;

	if (len > 0 && buf[len - 1] == '\n')
		len--;
	while ((word = ipc_next_word(buf, len, &pos, &wlen))) {
		int opt = opt_of(word, wlen);
		size_t nlen = opt >= 0 ? strlen(opt_names[opt]) : 0;

		if (!opt_allowed(kind, opt) || (seen & (1u << opt)) ||
		    parse_value(opt, word + nlen, wlen - nlen, &out) < 0)
			return -EINVAL;
		seen |= 1u << opt;
	}
	if ((kind == IPC_SYSV_SHM && !(seen & (1u << OPT_SIZE))) ||
	    (kind == IPC_SYSV_SEM && !(seen & (1u << OPT_NSEMS))))
		return -EINVAL;
	*c = out;
	return 0;
}

int ipc_sysv_parse_id(const char *name, int *id)
{
	size_t len = strlen(name);
	guint64 v;

	if (len > 1 && name[0] == '0')
		return -EINVAL;
	if (ipc_parse_number(name, len, 10, INT_MAX, &v) < 0)
		return -EINVAL;
	*id = v;
	return 0;
}

void ipc_sysv_perm_from(IpcSysvPerm *perm, const struct ipc_perm *kp, int id, time_t ctime)
{
	perm->id = id;
	perm->key = kp->__key;
	perm->mode = kp->mode & 0777;
	/* SHM_DEST, the only such state: queues and sets go at once. */
	perm->removed = (kp->mode & 01000) != 0;
	perm->uid = kp->uid;
	perm->gid = kp->gid;
	perm->cuid = kp->cuid;
	perm->cgid = kp->cgid;
	perm->ctime = ctime;
}

void ipc_sysv_perm_set(struct ipc_perm *kp, const IpcSysvPerm *cur, uid_t uid, gid_t gid,
		       mode_t mode)
{
	memset(kp, 0, sizeof(*kp));
	kp->uid = uid == (uid_t)-1 ? cur->uid : uid;
	kp->gid = gid == (gid_t)-1 ? cur->gid : gid;
	kp->mode = mode == (mode_t)-1 ? cur->mode : (mode & 0777);
}

int ipc_sysv_stat_by_id(int id, int (*stat_any)(int index, void *buf), void *buf)
{
	static const int masks[] = {IDX_MASK_NORMAL, IDX_MASK_EXTEND};

	if (id < 0)
		return -EINVAL;
	for (size_t i = 0; i < G_N_ELEMENTS(masks); i++)
		if (stat_any(id & masks[i], buf) == id)
			return 0;
	return -EINVAL;
}

int ipc_sysv_list(int max_index, int (*stat_any)(int index, void *buf), void *buf,
		  GArray **ids)
{
	GArray *out = g_array_new(FALSE, FALSE, sizeof(int));

	for (int i = 0; i <= max_index; i++) {
		int id = stat_any(i, buf);

		if (id >= 0)
			g_array_append_val(out, id);
	}
	*ids = out;
	return 0;
}
