/* ipc-sysv-sem.c — System V semaphore sets (see ipc-sysv-sem.h).
 */
#include "ipc-sysv-sem.h"
#include "ipc-util.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The caller must define it (semctl(2)). */
union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
	struct seminfo *__buf;
};

int ipc_sysv_sem_create(key_t key, unsigned nsems, mode_t mode)
{
	int id = semget(key, nsems, IPC_CREAT | IPC_EXCL | (mode & 0777));

	return id < 0 ? -errno : id;
}

static int stat_any(int index, void *buf)
{
	int id = semctl(index, 0, SEM_STAT_ANY, (union semun){.buf = buf});

	return id < 0 ? -errno : id;
}

int ipc_sysv_sem_list(GArray **ids)
{
	struct seminfo si;
	struct semid_ds ds;
	int max = semctl(0, 0, SEM_INFO, (union semun){.__buf = &si});

	if (max < 0)
		return -errno;
	return ipc_sysv_list(max, stat_any, &ds, ids);
}

int ipc_sysv_sem_info(int id, IpcSysvSemInfo *info)
{
	struct semid_ds ds;
	int r = ipc_sysv_stat_by_id(id, stat_any, &ds);

	if (r < 0)
		return r;
	ipc_sysv_perm_from(&info->perm, &ds.sem_perm, id, ds.sem_ctime);
	info->nsems = ds.sem_nsems;
	info->otime = ds.sem_otime;
	return 0;
}

static int sem_get(int id, unsigned num, int cmd)
{
	int v = semctl(id, num, cmd);

	return v < 0 ? -errno : v;
}

int ipc_sysv_sem_state(int id, unsigned num, IpcSysvSemState *state)
{
	int v = sem_get(id, num, GETVAL);
	int n = v < 0 ? v : sem_get(id, num, GETNCNT);
	int z = n < 0 ? n : sem_get(id, num, GETZCNT);
	int pid = z < 0 ? z : sem_get(id, num, GETPID);

	if (pid < 0)
		return pid;
	*state = (IpcSysvSemState){.value = v, .ncount = n, .zcount = z, .pid = pid};
	return 0;
}

int ipc_sysv_sem_remove(int id)
{
	return semctl(id, 0, IPC_RMID) < 0 ? -errno : 0;
}

int ipc_sysv_sem_set(int id, uid_t uid, gid_t gid, mode_t mode)
{
	struct semid_ds ds;
	IpcSysvPerm cur;
	int r = ipc_sysv_stat_by_id(id, stat_any, &ds);

	if (r < 0)
		return r;
	ipc_sysv_perm_from(&cur, &ds.sem_perm, id, ds.sem_ctime);
	ipc_sysv_perm_set(&ds.sem_perm, &cur, uid, gid, mode);
	return semctl(id, 0, IPC_SET, (union semun){.buf = &ds}) < 0 ? -errno : 0;
}

/* A straight system call: glibc's wrapper is a cancellation point. */
int ipc_sysv_sem_op(int id, struct sembuf *ops, size_t n, int timeout_ms)
{
	struct timespec ts = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000};
	short flag = timeout_ms == 0 ? IPC_NOWAIT : 0;

	for (size_t i = 0; i < n; i++)
		ops[i].sem_flg = flag;
	if (syscall(SYS_semtimedop, id, ops, n, timeout_ms > 0 ? &ts : NULL) == 0)
		return 0;
	return errno == EFBIG ? -EINVAL : -errno;
}

/* Parses "INDEX:DELTA" into @op. */
static int parse_one(const char *w, size_t len, struct sembuf *op)
{
	const char *colon = memchr(w, ':', len);
	const char *d;
	size_t dlen;
	guint64 index, n = 0;

	if (!colon || ipc_parse_number(w, colon - w, 10, USHRT_MAX, &index) < 0)
		return -EINVAL;
	d = colon + 1;
	dlen = len - (d - w);
	if (!(dlen == 1 && d[0] == '0') &&
	    (dlen < 2 || (d[0] != '+' && d[0] != '-') ||
	     ipc_parse_number(d + 1, dlen - 1, 10, IPC_SYSV_SEM_VALUE_MAX, &n) < 0 || n == 0))
		return -EINVAL;
	op->sem_num = index;
	op->sem_op = d[0] == '-' ? -(short)n : (short)n;
	op->sem_flg = 0;
	return 0;
}

int ipc_sysv_sem_parse_op(const char *buf, size_t len, GArray **ops, bool *nowait)
{
	g_autoptr(GArray) out = g_array_new(FALSE, FALSE, sizeof(struct sembuf));
	bool saw_nowait = false;
	const char *w;
	size_t pos = 0, wlen;

	if (len > 0 && buf[len - 1] == '\n')
		len--;
	while ((w = ipc_next_word(buf, len, &pos, &wlen))) {
		struct sembuf op;

		/* "nowait" only as the last word. */
		if (saw_nowait)
			return -EINVAL;
		if (wlen == 6 && memcmp(w, "nowait", 6) == 0) {
			saw_nowait = true;
			continue;
		}
		if (parse_one(w, wlen, &op) < 0)
			return -EINVAL;
		g_array_append_val(out, op);
	}
	if (out->len == 0)
		return -EINVAL;
	*ops = g_steal_pointer(&out);
	*nowait = saw_nowait;
	return 0;
}
