/* sem.c — POSIX named semaphores as sem/NAME/value.
 *
 * post and trywait never wait and run in the worker. A wait that cannot
 * finish at once goes to a waiter thread from a pool that grows with demand
 * (a semaphore has no descriptor to poll), so the filesystem's own workers
 * are never tied up; so do big counts, which take one sem_post or
 * sem_trywait per unit (2^31 of them take seconds). The waiter waits in
 * slices of WAIT_SLICE_MS and looks for an interrupt (or shutdown) between
 * slices: an interrupted wait gives back every count it took and answers
 * EINTR (ENOTCONN at shutdown), so it takes nothing.
 */
#define G_LOG_DOMAIN "ipcfs"

#include "caller.h"
#include "ipcfs.h"

#include <errno.h>
#include <unistd.h>

#define WAIT_SLICE_MS 100
/* Counts up to this run in the worker (microseconds at most). */
#define INLINE_COUNT 4096

typedef struct {
	fuse_req_t req;
	IpcSem *sem;
	IpcSemOp op;
	unsigned count;
	size_t size; /* bytes of the command, reported written */
} SemJob;

static GThreadPool *waiters; /* runs SemJobs */
static gint stopping; /* atomic */

static int sem_list(GPtrArray **names)
{
	return ipc_sem_list(ipcfs_config.shm_dirfd, names);
}

static int sem_stat(const char *name, struct stat *st)
{
	return ipc_sem_stat(ipcfs_config.shm_dirfd, name, st);
}

static int sem_create(const char *name, mode_t mode)
{
	g_autoptr(IpcSem) sem = NULL;

	return ipc_sem_create(ipcfs_config.shm_dirfd, name, mode, 0, &sem);
}

static int sem_remove(const char *name)
{
	return ipc_sem_unlink(ipcfs_config.shm_dirfd, name);
}

static int sem_backing(const char *name, int *dirfd, char **file)
{
	*dirfd = ipcfs_config.shm_dirfd;
	*file = g_strconcat("sem.", name, NULL);
	return 0;
}

static int value_open(IpcfsHandle *h, int flags)
{
	int r = ipc_sem_open(ipcfs_config.shm_dirfd, h->name, &h->sem);

	/* Borrowed, for stat; closed with the semaphore. */
	if (r == 0)
		h->fd = ipc_sem_fd(h->sem);
	return r;
}

static void value_release(IpcfsHandle *h)
{
	ipc_sem_close(h->sem);
}

static int value_snapshot(IpcfsHandle *h, fuse_req_t req)
{
	int value;
	int r = ipc_sem_getvalue(h->sem, &value);

	if (r == 0)
		g_string_printf(h->text, "%d\n", value);
	return r;
}

/* Why a wait must end now: -EINTR (interrupted, or its caller is being
 * killed), -ENOTCONN (the daemon is stopping), else 0. */
static int wait_abandoned(fuse_req_t req)
{
	if (g_atomic_int_get(&stopping))
		return -ENOTCONN;
	return fuse_req_interrupted(req) || ipcfs_caller_dying(req) ? -EINTR : 0;
}

/* Takes j->count, waiting; on failure gives back what it took. */
static int wait_all(SemJob *j, unsigned *taken)
{
	int r = 0;

	while (*taken < j->count && r == 0) {
		r = ipc_sem_timedwait(j->sem, WAIT_SLICE_MS);
		if (r == 0)
			(*taken)++;
		else if (r == -ETIMEDOUT || r == -EINTR)
			r = wait_abandoned(j->req);
	}
	/* Last look just before the answer: a waiter that is gone takes nothing. */
	if (r == 0)
		r = wait_abandoned(j->req);
	if (r < 0 && *taken > 0)
		ipc_sem_post(j->sem, *taken);
	return r;
}

/* Runs on a pool thread. */
static void job_run(gpointer data, gpointer unused)
{
	SemJob *j = data;
	unsigned taken = 0;
	int r;

	if (j->op == IPC_SEM_WAIT)
		r = wait_all(j, &taken);
	else if (j->op == IPC_SEM_POST)
		r = ipc_sem_post(j->sem, j->count);
	else
		r = ipc_sem_trywait(j->sem, j->count);
	if (r < 0)
		ipcfs_reply_err(j->req, r);
	else if (fuse_reply_write(j->req, j->size) < 0 && taken > 0)
		ipc_sem_post(j->sem, taken);
	g_free(j);
}

static void value_write(fuse_req_t req, IpcfsHandle *h, const char *buf, size_t size, off_t off,
			int flags)
{
	SemJob *j;
	IpcSemOp op;
	unsigned count;
	int r = ipc_sem_parse_command(buf, size, &op, &count);

	if (r < 0) {
		ipcfs_reply_err(req, r);
		return;
	}
	/* A wait that must not wait is a trywait. */
	if (op == IPC_SEM_WAIT && (flags & O_NONBLOCK))
		op = IPC_SEM_TRYWAIT;
	if (count <= INLINE_COUNT) {
		r = op == IPC_SEM_POST ? ipc_sem_post(h->sem, count) : ipc_sem_trywait(h->sem, count);
		/* Only a wait that found too little goes on, to wait. */
		if (!(op == IPC_SEM_WAIT && r == -EAGAIN)) {
			if (r < 0)
				ipcfs_reply_err(req, r);
			else
				fuse_reply_write(req, size);
			return;
		}
	}
	j = g_new0(SemJob, 1);
	j->req = req;
	j->sem = h->sem;
	j->op = op;
	j->count = count;
	j->size = size;
	g_thread_pool_push(waiters, j, NULL);
}

void ipcfs_sem_init(void)
{
	waiters = g_thread_pool_new(job_run, NULL, -1, FALSE, NULL);
}

/* Ends every wait (ENOTCONN, nothing taken) and the waiter threads. */
void ipcfs_sem_shutdown(void)
{
	g_atomic_int_set(&stopping, 1);
	g_thread_pool_free(waiters, FALSE, TRUE);
}

static const IpcfsFile value_file = {
	.name = "value",
	.perm_mask = 0666,
	.inode_per_open = true,
	.open = value_open,
	.snapshot = value_snapshot,
	.write = value_write,
	.release = value_release,
};

static const IpcfsFile *const sem_files[] = {&value_file, NULL};

const IpcfsKind ipcfs_sem_kind = {
	.dirname = "sem",
	.ino = IPCFS_INO_SEM,
	.files = sem_files,
	.name_check = ipc_sem_name_check,
	.list = sem_list,
	.stat = sem_stat,
	.create = sem_create,
	.remove = sem_remove,
	.backing = sem_backing,
};
