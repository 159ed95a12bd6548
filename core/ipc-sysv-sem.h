/* ipc-sysv-sem.h — System V semaphore sets (semget).
 *
 * A set holds nsems semaphores; one semop applies several operations to it
 * atomically: all of them or none. The daemon never uses SEM_UNDO (undo
 * would run when the daemon exits, or when a thread changes its IPC
 * namespace). Operations are struct sembuf, with sem_flg 0.
 */
#pragma once

#include "ipc-sysv.h"

#include <sys/sem.h>

/* The kernel's largest semaphore value (SEMVMX). */
#define IPC_SYSV_SEM_VALUE_MAX 32767

typedef struct {
	IpcSysvPerm perm;
	unsigned nsems;
	time_t otime; /* last semop */
} IpcSysvSemInfo;

/* One semaphore of a set. */
typedef struct {
	int value;
	int ncount; /* processes waiting for it to grow */
	int zcount; /* processes waiting for it to be zero */
	pid_t pid;  /* last to operate on it */
} IpcSysvSemState;

/* Creates a set of @nsems semaphores (all 0) exclusively. Returns its ID or
 * -errno (-EEXIST, -EINVAL for nsems 0 or above semmsl, -ENOSPC). */
int ipc_sysv_sem_create(key_t key, unsigned nsems, mode_t mode);

int ipc_sysv_sem_list(GArray **ids);

/* Attributes, without read permission; -EINVAL if @id names no set. */
int ipc_sysv_sem_info(int id, IpcSysvSemInfo *info);

/* Semaphore @num of set @id (needs read permission). -EINVAL if @num is
 * out of range. */
int ipc_sysv_sem_state(int id, unsigned num, IpcSysvSemState *state);

int ipc_sysv_sem_remove(int id);

/* IPC_SET of owner, group and mode (-1: unchanged). */
int ipc_sysv_sem_set(int id, uid_t uid, gid_t gid, mode_t mode);

/* One atomic semop of @n operations. @timeout_ms 0: never waits (-EAGAIN
 * if it would); < 0: waits as long as it takes; > 0: waits at most that
 * long (-EAGAIN when time ran out). -EINVAL for a semaphore index out of
 * range (the kernel says EFBIG), -ERANGE for a value that would pass
 * SEMVMX, -E2BIG for more operations than semopm, -EIDRM if the set is
 * removed while waiting, -EINTR for a signal. Nothing changes on failure. */
int ipc_sysv_sem_op(int id, struct sembuf *ops, size_t n, int timeout_ms);

/* Parses an `op` line: words "INDEX:DELTA" separated by one or more
 * spaces, INDEX decimal 0 .. 65535, DELTA "0" (wait for zero) or "+N"/"-N"
 * with N 1 .. 32767; optionally the word "nowait" last; optionally one final
 * newline. At least one operation. Returns 0, *ops (a new GArray of struct
 * sembuf, sem_flg 0) and *nowait, or -EINVAL. */
int ipc_sysv_sem_parse_op(const char *buf, size_t len, GArray **ops, bool *nowait);
