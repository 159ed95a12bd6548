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

#include <stdbool.h>
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
 * stays in the process's tree). -EACCES as above; -ENOENT if it has none;
 * -EMEDIUMTYPE if it is not a tmpfs: a process could mount there a
 * filesystem that never answers, and hang whoever looks. */
int ipc_ns_shm_dir_open(int procfd);

/* Opens an empty read-only directory of its own (a private tmpfs), for a
 * namespace without a usable /dev/shm: nothing listed, nothing made. */
int ipc_ns_empty_dir_open(void);

/* Opens the IPC namespace of process @procfd (its ns/ipc), which holds the
 * namespace alive and is what setns joins; its inode number, the
 * namespace's ID (as "ipc:[ID]" reads), goes to *id. -EACCES as above. */
int ipc_ns_ipc_open(int procfd, ino_t *id);

/* Calls @visit for every process whose IPC namespace the calling thread may
 * see (the ptrace read rule, with the thread's fs credentials), in /proc's
 * order, until @visit returns false. Processes that exit meanwhile are left
 * out. Returns 0, or -errno if /proc cannot be read. */
typedef bool (*IpcNsVisit)(pid_t pid, ino_t ns_id, void *data);
int ipc_ns_scan(IpcNsVisit visit, void *data);

/* The ID of the IPC namespace of process @pid, if the calling thread may
 * see it: 0 or -errno. */
int ipc_ns_of(pid_t pid, ino_t *id);

/* Parses "ipc:[ID]" exactly as readlink(/proc/PID/ns/ipc) writes it:
 * 0, or -EINVAL. */
int ipc_ns_parse(const char *name, ino_t *id);

/* The name (comm) of process @pid in @buf: 0, or -errno (then "?"). */
int ipc_ns_comm(pid_t pid, char *buf, size_t size);
