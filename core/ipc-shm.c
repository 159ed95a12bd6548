/* ipc-shm.c — POSIX shared memory objects.
 *
 * Objects are files in a /dev/shm directory given as a descriptor: the
 * daemon's own, or a container's (reached through /proc/PID/root). They are
 * created, opened and removed there with openat and unlinkat, exactly as
 * glibc's shm_open(3) and shm_unlink(3) do in /dev/shm, errno mapping
 * included.
 */
#include "ipc-shm.h"
#include "ipc-name.h"
#include "ipc-util.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int ipc_shm_dir_open(void)
{
	int fd = open("/dev/shm", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int ipc_shm_name_check(const char *name)
{
	int r = ipc_name_check(name, IPC_NAME_MAX);

	if (r == 0 && g_str_has_prefix(name, IPC_SEM_PREFIX))
		r = -EINVAL;
	return r;
}

/* shm_open(3) in @dirfd: never through a symlink; a directory is EINVAL. */
static int shm_openat(int dirfd, const char *name, int oflag, mode_t mode)
{
	int fd = openat(dirfd, name, oflag | O_NOFOLLOW | O_CLOEXEC, mode);

	if (fd < 0)
		return errno == EISDIR ? -EINVAL : -errno;
	return fd;
}

int ipc_shm_create(int dirfd, const char *name, int oflag, mode_t mode)
{
	int r = ipc_shm_name_check(name);

	if (r < 0)
		return r;
	return shm_openat(dirfd, name, oflag | O_CREAT | O_EXCL, mode);
}

int ipc_shm_open(int dirfd, const char *name, int oflag)
{
	struct stat st;
	int fd = ipc_shm_name_check(name);

	if (fd < 0)
		return fd;
	/* O_NONBLOCK: a FIFO someone left in /dev/shm must not hang the open
	 * (on a regular file the flag changes nothing). */
	fd = shm_openat(dirfd, name, oflag | O_NONBLOCK, 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

int ipc_shm_unlink(int dirfd, const char *name)
{
	int r = ipc_shm_name_check(name);

	if (r < 0)
		return r;
	if (unlinkat(dirfd, name, 0) == 0)
		return 0;
	/* The sticky directory says EPERM; shm_unlink(3) reports EACCES. */
	return errno == EPERM ? -EACCES : -errno;
}

int ipc_shm_resize(int fd, off_t size)
{
	return ftruncate(fd, size) < 0 ? -errno : 0;
}

off_t ipc_shm_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) < 0 ? -errno : st.st_size;
}

ssize_t ipc_shm_read(int fd, void *buf, size_t size, off_t off)
{
	ssize_t n = pread(fd, buf, size, off);

	return n < 0 ? -errno : n;
}

ssize_t ipc_shm_write(int fd, const void *buf, size_t size, off_t off)
{
	ssize_t n = pwrite(fd, buf, size, off);

	return n < 0 ? -errno : n;
}

int ipc_shm_stat(int dirfd, const char *name, struct stat *st)
{
	if (ipc_shm_name_check(name) < 0)
		return -ENOENT;
	if (fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return S_ISREG(st->st_mode) ? 0 : -ENOENT;
}

static const char *shm_filter(const char *name)
{
	return ipc_shm_name_check(name) == 0 ? name : NULL;
}

int ipc_shm_list(int dirfd, GPtrArray **names)
{
	return ipc_dir_list(dirfd, shm_filter, names);
}
