/* creds.h — act with the caller's credentials.
 *
 * A root daemon mounted with allow_other serves many users. Around every
 * call that touches a kernel object on a caller's behalf, the worker thread
 * takes on that caller's effective (and so fs) uid and gid and supplementary
 * groups (System V checks the effective ids, the rest the fs ones) and gives up
 * every effective capability, so the kernel itself grants or refuses, as it
 * would for that process, and what it creates belongs to the caller. Only the
 * calling thread changes (raw syscalls: glibc's wrappers would change every
 * thread). Root callers keep the daemon's rights. A daemon that is not root
 * acts as its own user anyway, and these do nothing.
 *
 * The real uid is not changed (see creds.c for why): what depends on it, the
 * RLIMIT_MSGQUEUE accounting of new queues, is handled by
 * ipcfs_creds_mq_create.
 */
#pragma once

#include <fuse_lowlevel.h>
#include <sys/types.h>

/* Takes on the credentials of @req's caller. Returns 0 or -errno (the caller's
 * groups could not be read: it has gone; -EPERM if the thread could not drop
 * the daemon's rights, and then nothing changed). Pair with
 * ipcfs_creds_leave(). */
int ipcfs_creds_enter(fuse_req_t req);

/* Names the credentials this thread acts with now, between enter and leave
 * ("daemon" when it acts as itself): two callers with the same name are
 * granted and refused the same things. g_free it. */
char *ipcfs_creds_key(void);

/* Returns to the daemon's own credentials. */
void ipcfs_creds_leave(void);

/* The caller's credentials, kept to act for it again later on any thread
 * (a request that waits is tried again from a waiter thread). */
typedef struct IpcfsCreds IpcfsCreds;
/* A copy of what this thread acts as, between enter and leave; NULL when it
 * acts as the daemon (then entering it later changes nothing). g_free it. */
IpcfsCreds *ipcfs_creds_save(void);
/* As ipcfs_creds_enter, for saved credentials @c (NULL: nothing to do). */
int ipcfs_creds_enter_saved(const IpcfsCreds *c);

/* As ipc_mq_create(), between enter and leave: for a non-root caller the
 * queue is created by a short-lived child process that is entirely the
 * caller (real, effective, saved and fs ids, groups, its RLIMIT_MSGQUEUE read
 * from /proc/PID/limits, no capabilities), so the kernel applies msg_max,
 * msgsize_max, queues_max and RLIMIT_MSGQUEUE and charges the queue's memory
 * to the caller's uid, exactly as for the caller's own mq_open. Returns the
 * queue descriptor (passed back over a socket) or -errno; -EINTR if the
 * child died or gave no answer within a deadline (the caller may stop it:
 * it is the caller's process), and then it is killed. */
int ipcfs_creds_mq_create(const char *name, int oflag, mode_t mode, long maxmsg, long msgsize);
