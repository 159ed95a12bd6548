/* ipc-shm.h — POSIX shared memory objects.
 *
 * errno-returning equivalents of shm_open(3) and friends that act in a given
 * /dev/shm directory (@dirfd: the daemon's own, or a container's). Objects live in
 * /dev/shm, which they share with glibc's named semaphores (a semaphore NAME
 * is the file sem.NAME): so a shared memory name starting with "sem." is
 * refused, and listing leaves every sem.* file out.
 *
 * Data is moved with pread/pwrite on the object's descriptor, never through a
 * mapping: the bytes are the same tmpfs pages any program maps, so writes are
 * seen at once both ways, and an object shrunk by another process yields
 * short reads instead of SIGBUS.
 */
#pragma once

#include <glib.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Opens /dev/shm as a directory fd for listing and stat, or returns -errno. */
int ipc_shm_dir_open(void);

/* Checks a shared memory object name: as ipc_name_check(name, IPC_NAME_MAX),
 * and -EINVAL for names starting with "sem." (a semaphore's backing file). */
int ipc_shm_name_check(const char *name);

/* Creates object @name in @dirfd exclusively (O_CREAT|O_EXCL added to @oflag, which
 * holds O_RDONLY or O_RDWR) with @mode (the umask applies), size 0. Returns
 * its fd or -errno (-EEXIST, -EACCES, -EINVAL for a bad name, ...). */
int ipc_shm_create(int dirfd, const char *name, int oflag, mode_t mode);

/* Opens existing object @name in @dirfd with @oflag (O_RDONLY or O_RDWR, maybe
 * O_TRUNC). Returns its fd or -errno; -ENOENT for anything in /dev/shm that
 * is not a regular file (never waits, even on a FIFO). */
int ipc_shm_open(int dirfd, const char *name, int oflag);

/* Removes object @name from @dirfd (shm_unlink): open descriptors and mappings live on. */
int ipc_shm_unlink(int dirfd, const char *name);

/* Sets the object's size (ftruncate); growing fills with zeros. -EFBIG,
 * -ENOSPC, -EINVAL (negative size) pass through from the kernel. */
int ipc_shm_resize(int fd, off_t size);

/* Returns the object's current size, or -errno. */
off_t ipc_shm_size(int fd);

/* pread: returns bytes read, short or 0 at or past the end. */
ssize_t ipc_shm_read(int fd, void *buf, size_t size, off_t off);

/* pwrite: writing past the end grows the object. Returns bytes written. */
ssize_t ipc_shm_write(int fd, const void *buf, size_t size, off_t off);

/* Stats object @name in the /dev/shm directory @dirfd, without following
 * symlinks; -ENOENT for anything that is not a regular file or that a valid
 * shm name cannot reach. */
int ipc_shm_stat(int dirfd, const char *name, struct stat *st);

/* Lists the shared memory objects in @dirfd: regular files whose names are
 * valid shm names (so no sem.* files). *names as for ipc_mq_list. */
int ipc_shm_list(int dirfd, GPtrArray **names);
