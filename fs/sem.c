/* sem.c — POSIX named semaphores as sem/NAME/value.
 *
 * post N and trywait N are one atomic step each (ipc-sem.c) and run in the
 * worker. A wait that cannot take its count at once is a SemWait answered
 * later (later.c): a semaphore has no descriptor to poll, so it waits on the
 * waiter pool, a slice at a time. A wait N takes counts one by one; one that
 * ends without all of them (interrupted, its caller killed, the daemon
 * stopping) gives back what it took, so it takes nothing.
 */
#define G_LOG_DOMAIN "ipcfs"

#include "ipc-sem.h"
#include "ipc-util.h"
#include "ipcfs.h"
#include "later.h"
#include "ns.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

typedef struct {
	IpcfsLater later;
	IpcSem *sem;
	unsigned count;
	unsigned taken; /* counts taken so far, given back if the wait ends without all */
	size_t size;    /* bytes of the command, reported written */
} SemWait;

static int sem_list(GPtrArray **names)
{
	return ipc_sem_list(ipcfs_ns_here()->shm_dirfd, names);
}

static int sem_stat(const char *name, struct stat *st)
{
	return ipc_sem_stat(ipcfs_ns_here()->shm_dirfd, name, st);
}

static int sem_create(const char *name, mode_t mode)
{
	g_autoptr(IpcSem) sem = NULL;

	return ipc_sem_create(ipcfs_ns_here()->shm_dirfd, name, mode, 0, &sem);
}

static int sem_remove(const char *name)
{
	return ipc_sem_unlink(ipcfs_ns_here()->shm_dirfd, name);
}

static int sem_backing(const char *name, int *dirfd, char **file)
{
	*dirfd = ipcfs_ns_here()->shm_dirfd;
	*file = g_strconcat("sem.", name, NULL);
	return 0;
}

/* The open file holds the semaphore (h->state) and its file, for stat. */
static int value_open(IpcfsHandle *h, int flags)
{
	IpcSem *sem = NULL;
	int r = ipc_sem_open(ipcfs_ns_here()->shm_dirfd, h->name, &sem);

	h->state = sem;
	/* Borrowed, for stat; closed with the semaphore. */
	if (r == 0)
		h->fd = ipc_sem_fd(sem);
	return r;
}

void ipcfs_sem_release(IpcfsHandle *h)
{
	if (h->state)
		ipc_sem_close(h->state);
}

int ipcfs_sem_snapshot(IpcfsHandle *h, fuse_req_t req)
{
	int value;
	int r = ipc_sem_getvalue(h->state, &value);

	if (r == 0)
		g_string_printf(h->text, "%d\n", value);
	return r;
}

static int wait_try(IpcfsLater *l)
{
	SemWait *w = (SemWait *)l;
	int r = ipc_sem_trywait(w->sem, w->count - w->taken);

	if (r == 0)
		w->taken = w->count;
	return r;
}

/* Takes counts one at a time for up to @ms. */
static int wait_some(IpcfsLater *l, int ms)
{
	SemWait *w = (SemWait *)l;
	gint64 end = g_get_monotonic_time() + ms * 1000;
	int r = 0;

	while (w->taken < w->count && r == 0) {
		int left_ms = (end - g_get_monotonic_time()) / 1000;

		r = left_ms > 0 ? ipc_sem_timedwait(w->sem, left_ms) : -ETIMEDOUT;
		if (r == 0)
			w->taken++;
	}
	return r == -ETIMEDOUT || r == -EINTR ? -EAGAIN : r;
}

static int wait_reply(IpcfsLater *l)
{
	return fuse_reply_write(l->req, ((SemWait *)l)->size);
}

static void wait_undo(IpcfsLater *l)
{
	SemWait *w = (SemWait *)l;

	if (w->taken > 0)
		ipc_sem_post(w->sem, w->taken);
	w->taken = 0;
}

static void wait_free(IpcfsLater *l)
{
	g_free(l);
}

static const IpcfsLaterOps wait_ops = {
	.try = wait_try,
	.wait = wait_some,
	.reply = wait_reply,
	.undo = wait_undo,
	.free = wait_free,
};

#define SEM_AT "sem@"

int ipcfs_sem_at_offset(const char *fname, off_t size, off_t *offset)
{
	const char *digits = fname + strlen(SEM_AT);
	guint64 n;

	if (!g_str_has_prefix(fname, SEM_AT) ||
	    ipc_parse_number(digits, strlen(digits), 10, G_MAXINT64, &n) < 0)
		return -ENOENT;
	*offset = n;
	return ipc_sem_offset_check(size, n);
}

/* Every semaphore waits on the pool; their waits need no line of their
 * own: the kernel orders them. */
static const IpcfsLaterKind semaphore_kind = {.what = "semaphore"};

/* The open file (and its IpcSem) stays while a wait on it is parked: the
 * kernel sends RELEASE only after every reply. */
void ipcfs_sem_write(fuse_req_t req, IpcfsHandle *h, const char *buf, size_t size, off_t off,
		     int flags)
{
	SemWait *w;
	IpcSemOp op;
	unsigned count;
	int r = ipc_sem_parse_command(buf, size, &op, &count);

	if (r == 0 && op == IPC_SEM_POST)
		r = ipc_sem_post(h->state, count);
	else if (r == 0 && op == IPC_SEM_TRYWAIT)
		r = ipc_sem_trywait(h->state, count);
	if (r < 0 || op != IPC_SEM_WAIT) {
		if (r < 0)
			ipcfs_reply_err(req, r);
		else
			fuse_reply_write(req, size);
		return;
	}
	w = g_new0(SemWait, 1);
	w->later = (IpcfsLater){
		.ops = &wait_ops,
		.req = req,
		.obj = {.kind = &semaphore_kind, .fd = -1},
		.way = IPCFS_LATER_IN,
	};
	w->sem = h->state;
	w->count = count;
	w->size = size;
	/* A wait that must not wait is a trywait. */
	ipcfs_later_submit(&w->later, flags & O_NONBLOCK);
}

static const IpcfsFile value_file = {
	.name = "value",
	.perm_mask = 0666,
	.inode_per_open = true,
	.open = value_open,
	.snapshot = ipcfs_sem_snapshot,
	.write = ipcfs_sem_write,
	.release = ipcfs_sem_release,
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
