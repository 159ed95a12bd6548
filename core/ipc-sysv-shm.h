/* ipc-sysv-shm.h — System V shared memory segments (shmget).
 *
 * A segment's bytes are reached through an attachment (shmat) made by the
 * caller of ipc_sysv_shm_attach, with the calling thread's rights. A segment
 * never changes size, so accesses bounded by its size cannot fault past its
 * end; writes still run under IPC_GUARDED (ipc-guard.h), as a huge-page
 * segment may find no page to fault in. An attachment keeps the segment
 * alive after IPC_RMID (it is then "removed" but present), and counts in its
 * nattch, as any process's does.
 */
#pragma once

#include "ipc-sysv.h"

typedef struct {
	IpcSysvPerm perm;
	guint64 size;
	guint64 nattch;
	pid_t cpid, lpid;
	time_t atime, dtime;
} IpcSysvShmInfo;

typedef struct IpcSysvShm IpcSysvShm; /* an attachment */

/* Creates a segment exclusively (IPC_CREAT|IPC_EXCL; @key may be
 * IPC_PRIVATE). Returns its ID or -errno: -EEXIST (key taken), -EINVAL (size
 * 0 or above shmmax), -ENOSPC (shmmni or shmall), -ENOMEM, -EACCES. */
int ipc_sysv_shm_create(key_t key, size_t size, mode_t mode);

/* Every segment of the IPC namespace: a new GArray of int IDs. */
int ipc_sysv_shm_list(GArray **ids);

/* A segment's attributes, without needing read permission. -EINVAL if @id
 * names no segment. */
int ipc_sysv_shm_info(int id, IpcSysvShmInfo *info);

/* IPC_RMID: the segment goes once nothing is attached. */
int ipc_sysv_shm_remove(int id);

/* IPC_SET: the owner @uid, group @gid and mode bits @mode, each left as it
 * is when -1. */
int ipc_sysv_shm_set(int id, uid_t uid, gid_t gid, mode_t mode);

/* Attaches segment @id, read-only unless @writable. Returns 0 and *shm, or
 * -errno (-EACCES, -EINVAL, -EIDRM, -ENOMEM). */
int ipc_sysv_shm_attach(int id, bool writable, IpcSysvShm **shm);

/* Detaches and frees; NULL is fine. */
void ipc_sysv_shm_detach(IpcSysvShm *shm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(IpcSysvShm, ipc_sysv_shm_detach)

/* The attached segment's size in bytes. */
size_t ipc_sysv_shm_size(const IpcSysvShm *shm);

/* The bytes a read of @size at @off gives, in place: their address in the
 * attachment, and their count in *len (short, or 0 at or past the end). For
 * the kernel to copy from (a write(2) of them): a fault there is an EFAULT
 * for that call, never a signal in the caller. */
const void *ipc_sysv_shm_span(const IpcSysvShm *shm, size_t size, off_t off, size_t *len);

/* Copies @size bytes into the segment at @off; never grows it: a write that
 * runs past the end is short, one that starts at or past it fails with
 * -ENOSPC (as on a full device). -EBADF if attached read-only. */
ssize_t ipc_sysv_shm_write(IpcSysvShm *shm, const void *buf, size_t size, off_t off);
