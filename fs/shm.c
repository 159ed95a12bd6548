/* shm.c — POSIX shared memory as shm/NAME/{data,info}.
 *
 * data is served straight from the object's descriptor: reads are handed to
 * libfuse as a file-descriptor buffer (spliced into /dev/fuse where the
 * kernel allows it), writes are pwrite()s. The bytes are the tmpfs pages that
 * every program mapping the object sees, so nothing is cached or copied
 * between them, and an object shrunk by someone else gives short reads, never
 * SIGBUS.
 */
#define G_LOG_DOMAIN "ipcfs"

#include "creds.h"
#include "ipc-name.h"
#include "ipc-sem.h"
#include "ipc-shm.h"
#include "ipcfs.h"
#include "ns.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

static int shm_list(GPtrArray **names)
{
	return ipc_shm_list(ipcfs_ns_here()->shm_dirfd, names);
}

static int shm_stat(const char *name, struct stat *st)
{
	return ipc_shm_stat(ipcfs_ns_here()->shm_dirfd, name, st);
}

static int shm_create(const char *name, mode_t mode)
{
	int fd = ipc_shm_create(ipcfs_ns_here()->shm_dirfd, name, O_RDONLY, mode);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

static int shm_remove(const char *name)
{
	return ipc_shm_unlink(ipcfs_ns_here()->shm_dirfd, name);
}

static int shm_backing(const char *name, int *dirfd, char **file)
{
	*dirfd = ipcfs_ns_here()->shm_dirfd;
	*file = g_strdup(name);
	return 0;
}

static int data_open(IpcfsHandle *h, int flags)
{
	h->fd = ipc_shm_open(ipcfs_ns_here()->shm_dirfd, h->name, flags & (O_ACCMODE | O_TRUNC));
	return h->fd < 0 ? h->fd : 0;
}

static int info_open(IpcfsHandle *h, int flags)
{
	h->fd = ipc_shm_open(ipcfs_ns_here()->shm_dirfd, h->name, O_RDONLY);
	return h->fd < 0 ? h->fd : 0;
}

static void fd_release(IpcfsHandle *h)
{
	if (h->fd >= 0)
		close(h->fd);
}

static void data_read(fuse_req_t req, IpcfsHandle *h, size_t size, off_t off, int flags)
{
	struct fuse_bufvec buf = FUSE_BUFVEC_INIT(size);

	buf.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	buf.buf[0].fd = h->fd;
	buf.buf[0].pos = off;
	fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
}

static void data_write(fuse_req_t req, IpcfsHandle *h, const char *buf, size_t size, off_t off,
		       int flags)
{
	ssize_t n;

	/* The kernel's idea of the end may be stale: others resize the object. */
	if (flags & O_APPEND) {
		off = ipc_shm_size(h->fd);
		if (off < 0) {
			ipcfs_reply_err(req, off);
			return;
		}
	}
	n = ipc_shm_write(h->fd, buf, size, off);
	if (n < 0)
		ipcfs_reply_err(req, n);
	else
		fuse_reply_write(req, n);
}

static int data_truncate(IpcfsHandle *h, const char *name, off_t size)
{
	int fd = h ? h->fd : ipc_shm_open(ipcfs_ns_here()->shm_dirfd, name, O_RDWR);
	int r = fd < 0 ? fd : ipc_shm_resize(fd, size);

	if (!h && fd >= 0)
		close(fd);
	return r;
}

static off_t data_size(const struct stat *object)
{
	return object->st_size;
}

static int info_snapshot(IpcfsHandle *h, fuse_req_t req)
{
	off_t size = ipc_shm_size(h->fd);

	if (size < 0)
		return size;
	g_string_printf(h->text, "size %lld\n", (long long)size);
	return 0;
}

static const IpcfsFile data_file = {
	.name = "data",
	.perm_mask = 0666,
	.open = data_open,
	.read = data_read,
	.write = data_write,
	.truncate = data_truncate,
	.release = fd_release,
	.size = data_size,
};

static const IpcfsFile info_file = {
	.name = "info",
	.perm_mask = 0444,
	.open = info_open,
	.snapshot = info_snapshot,
	.release = fd_release,
};

static const IpcfsFile *const shm_files[] = {&data_file, &info_file, &ipcfs_holders_file, NULL};

void ipcfs_shm_held_key(ino_t object_id, IpcHeldKey *key)
{
	*key = (IpcHeldKey){IPC_HELD_FILE, ipcfs_ns_here()->shm_dev, object_id};
}

/* sem@OFFSET: the unnamed semaphore at that offset of the object, as
 * sem/NAME/value shows a named one. Using it needs read and write
 * permission on the object. The semaphore's file descriptor (h->fd, borrowed)
 * is the object's, for fstat. */
static int sem_at_open(IpcfsHandle *h, int flags)
{
	IpcSem *sem = NULL;
	int fd = ipc_shm_open(ipcfs_ns_here()->shm_dirfd, h->name, O_RDWR);
	int r = fd < 0 ? fd : ipc_sem_open_in(fd, h->arg, &sem);

	if (fd >= 0)
		close(fd);
	h->state = sem;
	if (r == 0)
		h->fd = ipc_sem_fd(sem);
	return r;
}

static const IpcfsFile sem_at_file = IPCFS_SEM_FILE("sem@", sem_at_open);

/* There is a sem@OFFSET for every aligned OFFSET that leaves room for a
 * sem_t: far too many to list. */
static int shm_unlisted_file(const char *name, const char *fname, const IpcfsFile **file,
			     off_t *arg)
{
	struct stat st;
	int r = shm_stat(name, &st);

	*file = &sem_at_file;
	return r < 0 ? r : ipcfs_sem_at_offset(fname, st.st_size, arg);
}

const IpcfsKind ipcfs_shm_kind = {
	.dirname = "shm",
	.ino = IPCFS_INO_SHM,
	.files = shm_files,
	.name_check = ipc_shm_name_check,
	.list = shm_list,
	.stat = shm_stat,
	.create = shm_create,
	.remove = shm_remove,
	.backing = shm_backing,
	.unlisted_file = shm_unlisted_file,
	.held_key = ipcfs_shm_held_key,
};
