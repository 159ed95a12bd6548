/* ipc-name.h — POSIX IPC names as ipcfs sees them.
 *
 * Names are given without the leading slash. A valid name is non-empty, is not
 * "." or "..", holds no '/', and is at most max_len bytes long.
 */
#pragma once

#include <stddef.h>

/* Longest name of a queue or shm object (the kernel's and glibc's NAME_MAX). */
#define IPC_NAME_MAX 255
/* Longest semaphore name: glibc stores semaphore NAME as /dev/shm/sem.NAME. */
#define IPC_SEM_NAME_MAX (IPC_NAME_MAX - 4)

/* Returns 0 if @name is valid, -EINVAL if it is empty, "." or ".." or holds a
 * '/', -ENAMETOOLONG if it is longer than @max_len bytes. */
int ipc_name_check(const char *name, size_t max_len);
