/* ipc-ns.h — reaching another process's IPC objects.
 *
 * A process's POSIX queues and System V objects belong to its IPC namespace;
 * its POSIX shm objects and semaphores are files in the /dev/shm of its mount
 * namespace. The IPC namespace is joined (setns, the calling thread only);
 * the mount namespace cannot be joined by a threaded process, so /dev/shm is
 * opened through /proc/PID/root instead.
 *
 * Both need the kernel's ptrace read rule to grant the caller the process
 * (the same rule that guards /proc/PID/ns and /proc/PID/root); joining an
 * IPC namespace also needs CAP_SYS_ADMIN. Every function returns a
 * non-negative result or a negative errno, and logs nothing.
 */
#pragma once

#include <sys/types.h>

/* Opens /proc/PID as a directory. The descriptor stands for that process
 * and no other: if it exits and its PID is reused, what is opened through
 * it fails (-ESRCH or -ENOENT) rather than reaching the newcomer. -ESRCH if
 * there is no such process. */
int ipc_ns_proc_open(pid_t pid);

/* Moves the calling thread into the IPC namespace of process @procfd.
 * Returns 1 if it moved, 0 if the thread was there already; -EACCES if the
 * ptrace rule refuses the process, -EPERM without CAP_SYS_ADMIN, -ESRCH if
 * the process is gone. */
int ipc_ns_join_ipc(int procfd);

/* Opens the /dev/shm of process @procfd's mount namespace as a directory,
 * resolving the path inside the process's root (an absolute symlink there
 * stays in the process's tree). -EACCES as above; -ENOENT if it has none. */
int ipc_ns_shm_dir_open(int procfd);
