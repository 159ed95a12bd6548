/* ipc-holders.h — who holds which IPC object, from one scan of /proc.
 *
 * A scan reads every process's descriptors (/proc/PID/fd and fdinfo) and,
 * if asked, its mappings (/proc/PID/maps), and keeps what refers to an IPC
 * object: pipes, FIFOs, files of chosen filesystems (the mqueue filesystem,
 * /dev/shm), System V segments, and files of one FUSE mount (the ipcfs mount
 * itself, whose files stand for objects). Its cost grows linearly with the
 * number of descriptors (and mapping lines) on the host: one readlink per
 * descriptor, one statx per descriptor that names a path, one fdinfo read per
 * descriptor kept.
 *
 * The scan sees what the calling thread's credentials let /proc show it: a
 * process whose fd table or maps it may not read is simply not there.
 *
 * Nothing here opens an object or a pipe end: a pipe's readers and writers are
 * counted by the kernel per open, and an extra open would change what they
 * see (EOF, SIGPIPE). Files are looked at with readlink, statx with
 * AT_STATX_DONT_SYNC (a FUSE or network file system is never asked, so the
 * scan never waits on one, its own mount included) and fdinfo.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

typedef enum {
	IPC_HELD_FILE,     /* a file by device and inode: a queue, a /dev/shm object, a FIFO */
	IPC_HELD_PIPE,     /* an anonymous pipe by its pipefs inode (dev 0) */
	/* System V objects by their ID, dev being the ID of their IPC
	 * namespace (an ID is only unique within one): a segment by its shmid;
	 * queues and semaphore sets, which have no descriptor nor mapping, so
	 * only the users of the mount hold them. */
	IPC_HELD_SYSV_SHM,
	IPC_HELD_SYSV_MSG,
	IPC_HELD_SYSV_SEM,
} IpcHeldType;

typedef struct {
	IpcHeldType type;
	dev_t dev;
	ino_t ino;
} IpcHeldKey;

#define IPC_HOLD_R 1u
#define IPC_HOLD_W 2u

/* What a hold's fd field holds besides a descriptor number. */
#define IPC_HOLD_MAP   (-1) /* a mapping */
#define IPC_HOLD_MOUNT (-2) /* files of the FUSE mount (see IpcScanSetup) */

typedef struct {
	IpcHeldKey key;
	pid_t pid;
	int fd;          /* descriptor number, IPC_HOLD_MAP or IPC_HOLD_MOUNT */
	unsigned mode;   /* IPC_HOLD_R | IPC_HOLD_W */
	bool fifo;       /* key is a FIFO */
	const char *comm; /* process name; owned by the scan */
} IpcHold;

/* Maps the inode number of a file of the FUSE mount to the object it stands
 * for; false to leave that descriptor out. */
typedef bool (*IpcMountResolver)(ino_t ino, IpcHeldKey *key, void *data);

typedef struct {
	pid_t skip_pid;           /* a process left out (the daemon itself), or 0 */
	const dev_t *devs;        /* files of these devices are kept (any FIFO is) */
	size_t n_devs;
	bool maps;                /* read mappings too (for shared memory) */
	/* The FUSE mount: descriptors whose path starts with @mount_prefix
	 * ("/mnt/ipc/") and whose fdinfo mnt_id is @mount_id, or that statx
	 * shows on @mount_dev (the mount seen from another mount namespace),
	 * are resolved by @resolve into one IPC_HOLD_MOUNT hold per process
	 * and object. @resolve NULL: the mount is left out. */
	const char *mount_prefix;
	int mount_id;
	dev_t mount_dev;
	IpcMountResolver resolve;
	void *resolve_data;
} IpcScanSetup;

typedef struct IpcHoldScan IpcHoldScan;

/* Scans /proc. Returns the scan (never NULL; processes that vanish or hide
 * are left out). Free with ipc_holders_free. */
IpcHoldScan *ipc_holders_scan(const IpcScanSetup *setup);
void ipc_holders_free(IpcHoldScan *scan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(IpcHoldScan, ipc_holders_free)

/* Whether the scan read mappings. */
bool ipc_holders_have_maps(const IpcHoldScan *scan);

/* The holds of @key, ordered by pid, then descriptors (ascending), then
 * mapping, then mount use; *n gets their number (0: NULL). Valid as long as
 * the scan. */
const IpcHold *ipc_holders_of(const IpcHoldScan *scan, const IpcHeldKey *key, size_t *n);

/* Every pipe and FIFO the scan saw (IpcHeldKey), one per inode number. */
GArray *ipc_holders_pipes(const IpcHoldScan *scan);

/* The first pipe or FIFO whose inode is @ino, or false. */
bool ipc_holders_find_pipe(const IpcHoldScan *scan, ino_t ino, IpcHeldKey *key);

/* The path of FIFO @key as its first holder's descriptor reads (maybe
 * ending in " (deleted)"), or NULL. */
const char *ipc_holders_fifo_path(const IpcHoldScan *scan, const IpcHeldKey *key);

/* Fills @st with the attributes of pipe or FIFO @key (owner, mode, times)
 * as its first holder's descriptor shows them (statx, no open). -ENOENT if
 * no holder's descriptor is that pipe any more. */
int ipc_holders_pipe_stat(const IpcHoldScan *scan, const IpcHeldKey *key, struct stat *st);

/* Capacity and queued bytes of pipe or FIFO @key, read through a duplicate of
 * a holder's own descriptor (pidfd_getfd: the same open file description, so
 * no reader or writer is added) that is closed at once. Needs the right to
 * ptrace-attach the holder. -errno if no holder's descriptor could be had. */
int ipc_holders_pipe_fill(const IpcHoldScan *scan, const IpcHeldKey *key, long *capacity,
			  long *queued);

/* The mount ID and device of the topmost mount at @path (absolute, as
 * realpath gives it) in /proc/self/mountinfo. */
int ipc_holders_mount_of(const char *path, int *mount_id, dev_t *dev);
