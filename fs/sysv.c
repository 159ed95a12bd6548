/* sysv.c — what the System V kinds share (see sysv.h).
 *
 * Names: an object's directory is its ID in decimal, as ipcs shows it; its
 * st_ino (the node table's object_id) is the ID plus one, so that no object
 * is 0, and a segment removed but still attached is another object: the
 * kernel holds the directory that rmdir removed as dead. by-key/KEY names
 * the object whose key is KEY (0x%08x, as ipcs prints it), for every key but
 * IPC_PRIVATE.
 */
#define G_LOG_DOMAIN "ipcfs"

#include "sysv.h"
#include "ns.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Above every ID: set in the object_id of a removed segment. */
#define REMOVED_BIT (G_GUINT64_CONSTANT(1) << 40)

static ino_t object_id(const IpcSysvPerm *perm)
{
	return ((ino_t)perm->id + 1) | (perm->removed ? REMOVED_BIT : 0);
}

int ipcfs_sysv_id(const char *name)
{
	int id;

	return ipc_sysv_parse_id(name, &id) < 0 ? -ENOENT : id;
}

int ipcfs_sysv_gone(int r)
{
	return r == -EINVAL || r == -EIDRM ? -ENOENT : r;
}

int ipcfs_sysv_name_check(const char *name)
{
	int id;

	return ipc_sysv_parse_id(name, &id);
}

int ipcfs_sysv_list(const IpcfsSysvType *t, GPtrArray **names)
{
	g_autoptr(GArray) ids = NULL;
	int r = t->list(&ids);

	if (r < 0)
		return r;
	*names = g_ptr_array_new_full(ids->len, g_free);
	for (guint i = 0; i < ids->len; i++)
		g_ptr_array_add(*names, g_strdup_printf("%d", g_array_index(ids, int, i)));
	return 0;
}

int ipcfs_sysv_stat(const IpcfsSysvType *t, const char *name, struct stat *st)
{
	IpcSysvPerm perm;
	int id = ipcfs_sysv_id(name);
	int r;

	if (id < 0)
		return id;
	memset(st, 0, sizeof(*st));
	r = t->info(id, &perm, st);
	if (r < 0)
		return ipcfs_sysv_gone(r);
	st->st_ino = object_id(&perm);
	st->st_mode = S_IFDIR | perm.mode;
	st->st_uid = perm.uid;
	st->st_gid = perm.gid;
	st->st_ctime = perm.ctime;
	return 0;
}

int ipcfs_sysv_remove(const IpcfsSysvType *t, const char *name)
{
	int id = ipcfs_sysv_id(name);

	return id < 0 ? id : ipcfs_sysv_gone(t->remove(id));
}

/* chmod and chown are IPC_SET; an object has no times to set. */
int ipcfs_sysv_set_attrs(const IpcfsSysvType *t, const char *name, const struct stat *attr,
			 int to_set)
{
	int id = ipcfs_sysv_id(name);

	if (id < 0)
		return id;
	if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME))
		return -EPERM;
	/* System V keeps nine permission bits: setuid, setgid and sticky do
	 * not exist there. */
	if ((to_set & FUSE_SET_ATTR_MODE) && (attr->st_mode & 07000))
		return -EINVAL;
	return ipcfs_sysv_gone(
	    t->set(id, (to_set & FUSE_SET_ATTR_UID) ? attr->st_uid : (uid_t)-1,
		   (to_set & FUSE_SET_ATTR_GID) ? attr->st_gid : (gid_t)-1,
		   (to_set & FUSE_SET_ATTR_MODE) ? attr->st_mode & 0777 : (mode_t)-1));
}

static char *key_name(key_t key)
{
	return g_strdup_printf("0x%08x", (unsigned)key);
}

/* Calls @found for each object with a key; stops when it returns true. */
static void for_each_key(const IpcfsSysvType *t, bool (*found)(int id, key_t key, void *data),
			 void *data)
{
	g_autoptr(GArray) ids = NULL;
	struct stat st;

	if (t->list(&ids) < 0)
		return;
	for (guint i = 0; i < ids->len; i++) {
		int id = g_array_index(ids, int, i);
		IpcSysvPerm perm;

		if (t->info(id, &perm, &st) == 0 && perm.key != IPC_PRIVATE &&
		    found(id, perm.key, data))
			return;
	}
}

typedef struct {
	key_t key;
	int id;
} KeySearch;

static bool match_key(int id, key_t key, void *data)
{
	KeySearch *s = data;

	if (key != s->key)
		return false;
	s->id = id;
	return true;
}

int ipcfs_sysv_key_lookup(const IpcfsSysvType *t, const char *key, ino_t *object_id,
			  char **name)
{
	KeySearch s = {.id = -1};
	g_autofree char *canonical = NULL;

	/* Only the name ipcs prints: one name per key. */
	if (ipc_sysv_parse_key(key, strlen(key), &s.key) < 0 || s.key == IPC_PRIVATE)
		return -ENOENT;
	canonical = key_name(s.key);
	if (strcmp(canonical, key) != 0)
		return -ENOENT;
	for_each_key(t, match_key, &s);
	if (s.id < 0)
		return -ENOENT;
	*object_id = (ino_t)s.id + 1; /* a key names no removed segment */
	*name = g_strdup_printf("%d", s.id);
	return 0;
}

static bool add_key(int id, key_t key, void *data)
{
	g_ptr_array_add(data, key_name(key));
	return false;
}

int ipcfs_sysv_keys(const IpcfsSysvType *t, GPtrArray **keys)
{
	*keys = g_ptr_array_new_with_free_func(g_free);
	for_each_key(t, add_key, *keys);
	return 0;
}

/* Holders know an object by its ID in its namespace. */
void ipcfs_sysv_held_key(const IpcfsSysvType *t, ino_t object_id, IpcHeldKey *key)
{
	*key = (IpcHeldKey){t->held, ipcfs_ns_here()->id, (object_id & ~REMOVED_BIT) - 1};
}

void ipcfs_sysv_create_write(const IpcfsSysvType *t, fuse_req_t req, IpcfsHandle *h,
			     const char *buf, size_t size)
{
	IpcSysvCreate c;
	int r = ipc_sysv_parse_create(t->kind, buf, size, &c);

	if (r == 0)
		r = ipcfs_creds_enter(req);
	if (r == 0) {
		r = t->create(&c);
		ipcfs_creds_leave();
	}
	g_debug("sysv create: %s", r < 0 ? g_strerror(-r) : "done");
	if (r < 0) {
		ipcfs_reply_err(req, r);
		return;
	}
	g_mutex_lock(&h->lock);
	if (!h->text)
		h->text = g_string_new(NULL);
	g_string_printf(h->text, "%d\n", r);
	g_mutex_unlock(&h->lock);
	fuse_reply_write(req, size);
}

/* Hands out what is left of the ID line: reads take it from the front. */
void ipcfs_sysv_create_read(fuse_req_t req, IpcfsHandle *h, size_t size, off_t off, int flags)
{
	g_autofree char *slice = NULL;
	size_t n = 0;

	g_mutex_lock(&h->lock);
	if (h->text) {
		n = MIN(size, h->text->len);
		slice = g_memdup2(h->text->str, n);
		g_string_erase(h->text, 0, n);
	}
	g_mutex_unlock(&h->lock);
	fuse_reply_buf(req, slice, n);
}

void ipcfs_sysv_print_perm(GString *out, const IpcSysvPerm *perm)
{
	g_string_append_printf(out,
			       "key 0x%08x\nid %d\nmode %04o\nuid %u\ngid %u\ncuid %u\n"
			       "cgid %u\n",
			       (unsigned)perm->key, perm->id, (unsigned)perm->mode,
			       (unsigned)perm->uid, (unsigned)perm->gid, (unsigned)perm->cuid,
			       (unsigned)perm->cgid);
}

/* later.h's object ID of System V object @id of this thread's namespace:
 * IDs are only unique within a namespace. */
static guint64 later_id(int id)
{
	return (guint64)ipcfs_ns_here()->id << 32 | (guint32)id;
}

/* attempt() as the caller, in its namespace: an error to take on either
 * fails the request. */
static int attempt_as_caller(IpcfsLater *l, int ms)
{
	IpcfsSysvWait *w = (IpcfsSysvWait *)l;
	IpcfsNs *was;
	int r = ipcfs_ns_enter(w->ns, &was);

	if (r < 0)
		return r;
	r = ipcfs_creds_enter_saved(w->creds);
	if (r == 0) {
		r = w->attempt(l, ms);
		ipcfs_creds_leave();
	}
	ipcfs_ns_leave(was);
	return r;
}

int ipcfs_sysv_try(IpcfsLater *l)
{
	return attempt_as_caller(l, 0);
}

int ipcfs_sysv_wait(IpcfsLater *l, int ms)
{
	return attempt_as_caller(l, MAX(ms, 1));
}

void ipcfs_sysv_wait_init(IpcfsSysvWait *w, fuse_req_t req, const IpcfsLaterKind *kind, int id,
			  IpcfsLaterWay way, const IpcfsLaterOps *ops)
{
	w->later.ops = ops;
	w->later.req = req;
	w->later.obj = (IpcfsLaterObject){.kind = kind, .id = later_id(id), .fd = -1};
	w->later.way = way;
	w->creds = ipcfs_creds_save();
	w->ns = ipcfs_ns_ref(ipcfs_ns_here());
}

void ipcfs_sysv_wait_clear(IpcfsSysvWait *w)
{
	g_free(w->creds);
	ipcfs_ns_unref(w->ns);
}
