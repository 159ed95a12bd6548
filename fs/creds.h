/* creds.h — act with the caller's credentials.
 *
 * A root daemon mounted with allow_other serves many users. Around every
 * call that touches a kernel object on a caller's behalf, the worker thread
 * takes on that caller's fsuid, fsgid and supplementary groups, so the kernel
 * itself grants or refuses, as it would for that process, and what it creates
 * belongs to the caller. Only the calling thread changes (raw syscalls: glibc's
 * wrappers would change every thread). A daemon that is not root acts as its
 * own user anyway, and these do nothing.
 */
#pragma once

#include <fuse_lowlevel.h>

/* Takes on the credentials of @req's caller. Returns 0 or -errno (the caller's
 * groups could not be read: it has gone). Pair with ipcfs_creds_leave(). */
int ipcfs_creds_enter(fuse_req_t req);

/* Returns to the daemon's own credentials. */
void ipcfs_creds_leave(void);
