/* sem.c — POSIX named semaphores as sem/NAME/value.
 *
 * post and trywait never wait and run in the worker. A wait that cannot
 * finish at once goes to a waiter thread from a pool that grows with demand
 * (a semaphore has no descriptor to poll), so the filesystem's own workers
 * are never tied up. The waiter waits in slices of WAIT_SLICE_MS and looks
 * for an interrupt (or shutdown) between slices: an interrupted wait gives
 * back every count it took and answers EINTR (ENOTCONN at shutdown), so it
 * takes nothing.
 */
#define G_LOG_DOMAIN "ipcfs"

#include "caller.h"
#include "ipcfs.h"

#include <errno.h>
#include <unistd.h>

#define WAIT_SLICE_MS 100

typedef struct {
	fuse_req_t req;
	IpcSem *sem;
	unsigned count;
	size_t size; /* bytes of the command, reported written */
} SemWait;

static GThreadPool *waiters;
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

/* Runs on a waiter thread: takes w->count, or nothing. */
static void wait_run(gpointer data, gpointer unused)
{
	SemWait *w = data;
	unsigned taken = 0;
	int r = 0;

	while (taken < w->count && r == 0) {
		r = ipc_sem_timedwait(w->sem, WAIT_SLICE_MS);
		if (r == 0)
			taken++;
		else if (r == -ETIMEDOUT || r == -EINTR)
			r = wait_abandoned(w->req);
	}
	/* Last look just before the answer: a waiter that is gone takes nothing. */
	if (r == 0)
		r = wait_abandoned(w->req);
	if (r < 0 && taken > 0)
		ipc_sem_post(w->sem, taken);
	if (r < 0)
		ipcfs_reply_err(w->req, r);
	else if (fuse_reply_write(w->req, w->size) < 0)
		ipc_sem_post(w->sem, taken);
	g_free(w);
}

static void value_wait(fuse_req_t req, IpcfsHandle *h, unsigned count, size_t size, int flags)
{
	SemWait *w;
	int r = ipc_sem_trywait(h->sem, count);

	if (r != -EAGAIN || (flags & O_NONBLOCK)) {
		if (r < 0)
			ipcfs_reply_err(req, r);
		else
			fuse_reply_write(req, size);
		return;
	}
	w = g_new0(SemWait, 1);
	w->req = req;
	w->sem = h->sem;
	w->count = count;
	w->size = size;
	g_thread_pool_push(waiters, w, NULL);
}

static void value_write(fuse_req_t req, IpcfsHandle *h, const char *buf, size_t size, off_t off,
			int flags)
{
	IpcSemOp op;
	unsigned count;
	int r = ipc_sem_parse_command(buf, size, &op, &count);

	if (r == 0 && op == IPC_SEM_WAIT) {
		value_wait(req, h, count, size, flags);
		return;
	}
	if (r == 0)
		r = op == IPC_SEM_POST ? ipc_sem_post(h->sem, count) : ipc_sem_trywait(h->sem, count);
	if (r < 0)
		ipcfs_reply_err(req, r);
	else
		fuse_reply_write(req, size);
}

void ipcfs_sem_init(void)
{
	waiters = g_thread_pool_new(wait_run, NULL, -1, FALSE, NULL);
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
