/* target.h — -o target=PID: serve another process's IPC namespace. */
#pragma once

/* Joins the IPC namespace of process @pid_text (a decimal PID) and sets
 * ipcfs_config.shm_dirfd to its /dev/shm and, if the namespace is not the
 * daemon's own, mq_dirfd to that namespace's mqueue filesystem (else
 * mq_dirfd stays -1 for the caller to open as usual). Call before any
 * thread starts. Returns 0, or -1 after
 * saying why on stderr. */
int ipcfs_target_open(const char *pid_text);
