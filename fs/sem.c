/* sem.c — POSIX named semaphores as sem/NAME/value.
 *
 * post N and trywait N are one atomic step each (ipc-sem.c) and run in the
 * worker. A wait that cannot take its count at once goes to the waiter pool:
 * a semaphore has no descriptor to poll, so waits need threads, and the
 * filesystem's own workers must never be tied up. The pool has a fixed
 * number of threads, all started with the daemon, and waits take turns on
 * them: a wait holds a thread for one slice at most, then goes back to the
 * end of the line. Between slices it looks for an interrupt, its caller
 * dying or the daemon stopping; an abandoned wait gives back every count it
 * took and answers EINTR (ENOTCONN at shutdown), so it takes nothing. Slices
 * shrink as waits crowd the pool, so each wait is looked at about every
 * WAIT_SLICE_MS whatever their number.
 */
#define G_LOG_DOMAIN "ipcfs"

#include "caller.h"
#include "ipcfs.h"

#include <errno.h>
#include <unistd.h>

#define WAIT_SLICE_MS 100
#define MIN_SLICE_MS  5
#define WAITER_THREADS 32

typedef struct {
	fuse_req_t req;
	IpcSem *sem;
	unsigned count;
	unsigned taken; /* counts taken so far, given back if the wait is abandoned */
	size_t size;    /* bytes of the command, reported written */
} SemWait;

static GThreadPool *waiters; /* runs SemWaits, a slice at a time */
static gint stopping;        /* atomic */
static gint waits_now;       /* atomic: SemWaits in the pool */

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

/* How long one slice may hold a pool thread. */
static int slice_ms(void)
{
	int waits = MAX(g_atomic_int_get(&waits_now), 1);

	return CLAMP(WAIT_SLICE_MS * WAITER_THREADS / waits, MIN_SLICE_MS, WAIT_SLICE_MS);
}

/* Takes counts for one slice. Returns 0 when all are taken, -EAGAIN to go
 * on later, or why the wait ends. */
static int wait_slice(SemWait *w)
{
	gint64 end = g_get_monotonic_time() + slice_ms() * 1000;
	int r = 0;

	while (w->taken < w->count && r == 0) {
		int left_ms = (end - g_get_monotonic_time()) / 1000;

		r = left_ms > 0 ? ipc_sem_timedwait(w->sem, left_ms) : -ETIMEDOUT;
		if (r == 0)
			w->taken++;
	}
	/* Look once more just before the answer: a waiter that is gone takes nothing. */
	if (r == 0 || r == -ETIMEDOUT || r == -EINTR)
		r = wait_abandoned(w->req) ?: (r == 0 ? 0 : -EAGAIN);
	return r;
}

static void wait_end(SemWait *w, int r)
{
	g_atomic_int_add(&waits_now, -1);
	if (r < 0 && w->taken > 0)
		ipc_sem_post(w->sem, w->taken);
	if (r < 0)
		ipcfs_reply_err(w->req, r);
	else if (fuse_reply_write(w->req, w->size) < 0)
		ipc_sem_post(w->sem, w->taken);
	g_free(w);
}

/* Runs on a pool thread. The open file (and its IpcSem) stays while a
 * request on it waits: the kernel sends RELEASE only after every reply. */
static void wait_run(gpointer data, gpointer unused)
{
	SemWait *w = data;
	int r = wait_slice(w);

	if (r == -EAGAIN)
		g_thread_pool_push(waiters, w, NULL); /* never fails: no thread is started */
	else
		wait_end(w, r);
}

static void value_write(fuse_req_t req, IpcfsHandle *h, const char *buf, size_t size, off_t off,
			int flags)
{
	SemWait *w;
	IpcSemOp op;
	unsigned count;
	int r = ipc_sem_parse_command(buf, size, &op, &count);

	if (r == 0)
		r = op == IPC_SEM_POST ? ipc_sem_post(h->sem, count) : ipc_sem_trywait(h->sem, count);
	/* Only a wait that found too little goes on, to wait; one that must
	 * not wait is a trywait. */
	if (r != -EAGAIN || op != IPC_SEM_WAIT || (flags & O_NONBLOCK)) {
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
	g_atomic_int_inc(&waits_now);
	g_thread_pool_push(waiters, w, NULL);
}

/* Starts every waiter thread now: a pool that never has to start one never
 * fails to take a wait. */
int ipcfs_sem_init(void)
{
	g_autoptr(GError) error = NULL;

	waiters = g_thread_pool_new(wait_run, NULL, WAITER_THREADS, TRUE, &error);
	if (!waiters) {
		g_printerr("ipcfs: cannot start the semaphore waiters: %s\n", error->message);
		return -1;
	}
	return 0;
}

/* Ends every wait (ENOTCONN, nothing taken) and the waiter threads. */
void ipcfs_sem_shutdown(void)
{
	g_atomic_int_set(&stopping, 1);
	/* Each wait sees it at the end of its slice and leaves the pool. */
	while (g_atomic_int_get(&waits_now) > 0)
		g_usleep(MIN_SLICE_MS * 1000);
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

static const IpcfsFile *const sem_files[] = {&value_file, &ipcfs_holders_file, NULL};

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
	.held_key = ipcfs_shm_held_key,
};
