/* ipc-sem.h — POSIX named semaphores, the glibc way, but safe.
 *
 * glibc keeps semaphore NAME in the file /dev/shm/sem.NAME, which holds one
 * sem_t. sem_open(3) maps that file without checking it, so a stray file of
 * the wrong size (anyone can write /dev/shm) kills the caller with SIGBUS.
 * These functions open the file themselves, check that it is a regular file
 * of sizeof(sem_t) bytes, map it, and touch the mapping only under
 * IPC_GUARDED (ipc-guard.h): a file truncated afterwards gives -EFAULT for
 * that one semaphore, nothing worse. The result is the very semaphore that
 * sem_open() gives any program.
 *
 * Creation follows glibc: the sem_t is initialised in a temporary file that
 * is then linked to sem.NAME, so no one ever sees a half-made semaphore, and
 * an existing one is never overwritten (-EEXIST).
 */
#pragma once

#include <glib.h>
#include <sys/stat.h>
#include <sys/types.h>

typedef struct IpcSem IpcSem; /* an open, mapped semaphore */

typedef enum {
	IPC_SEM_POST,
	IPC_SEM_WAIT,
	IPC_SEM_TRYWAIT,
} IpcSemOp;

/* Checks a semaphore name: as ipc_name_check(name, IPC_SEM_NAME_MAX). */
int ipc_sem_name_check(const char *name);

/* Creates semaphore @name exclusively with permission bits @mode (umask
 * applies) and initial @value in /dev/shm (@dirfd from ipc_shm_dir_open), and
 * opens it. Returns 0 and *sem, or -errno (-EEXIST, -EACCES, -EINVAL for a bad
 * name or a value above SEM_VALUE_MAX, -ENAMETOOLONG). */
int ipc_sem_create(int dirfd, const char *name, mode_t mode, unsigned value, IpcSem **sem);

/* Opens existing semaphore @name. -ENOENT if missing, -EACCES without read
 * and write permission, -EINVAL if sem.NAME is not a semaphore (wrong type or
 * size). */
int ipc_sem_open(int dirfd, const char *name, IpcSem **sem);

/* Whether a sem_t may sit at @offset of an object of @size bytes: 0, -EINVAL
 * (not aligned for a sem_t, or no room for one), -ENOENT (past the end). */
int ipc_sem_offset_check(off_t size, off_t offset);

/* Opens the unnamed semaphore (sem_init with pshared 1) at @offset of the
 * regular file @fd, such as a shm object: the same checks as
 * ipc_sem_offset_check. The mapping is guarded like any other: an object
 * shrunk under it gives -EFAULT. */
int ipc_sem_open_in(int fd, off_t offset, IpcSem **sem);

/* The same for the sem_t at @offset of System V segment @id, attached
 * read-write with the calling thread's rights (-EACCES without them). A
 * segment never shrinks. ipc_sem_fd gives -1. */
int ipc_sem_open_sysv(int id, off_t offset, IpcSem **sem);

/* Unmaps and frees; NULL is fine. */
void ipc_sem_close(IpcSem *sem);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(IpcSem, ipc_sem_close)

/* Removes semaphore @name (sem_unlink); open ones live on. */
int ipc_sem_unlink(int dirfd, const char *name);

/* Posts @count times; all or nothing: -EOVERFLOW (value would pass
 * SEM_VALUE_MAX) leaves the value as it was. */
int ipc_sem_post(IpcSem *sem, unsigned count);

/* Decrements @count times without waiting; all or nothing: -EAGAIN if the
 * value is below @count, and then the value is unchanged. */
int ipc_sem_trywait(IpcSem *sem, unsigned count);

/* Decrements once, waiting at most @timeout_ms (< 0: as long as it takes).
 * Returns 0, -ETIMEDOUT, -EINTR (a signal), -EFAULT (the file was truncated). */
int ipc_sem_timedwait(IpcSem *sem, int timeout_ms);

/* The descriptor of the semaphore's file (for fstat, also once the name is
 * gone), -1 for one in a System V segment; it belongs to @sem. */
int ipc_sem_fd(const IpcSem *sem);

/* Stores the current value in *value. */
int ipc_sem_getvalue(IpcSem *sem, int *value);

/* Stats semaphore @name (its sem.NAME file) in @dirfd; -ENOENT if missing or
 * not a regular file. */
int ipc_sem_stat(int dirfd, const char *name, struct stat *st);

/* Lists the semaphores in @dirfd: every regular file sem.NAME with a valid
 * semaphore name, as NAME. *names as for ipc_mq_list. */
int ipc_sem_list(int dirfd, GPtrArray **names);

/* Parses one command written to a semaphore's value file: "post", "wait" or
 * "trywait", optionally followed by one space and a count N (decimal,
 * 1 <= N <= SEM_VALUE_MAX, no sign, no leading zeros needed), optionally
 * followed by one newline. Nothing else is accepted: returns 0 with *op and
 * *count (1 when not given), or -EINVAL. */
int ipc_sem_parse_command(const char *buf, size_t len, IpcSemOp *op, unsigned *count);
