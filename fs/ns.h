/* ns.h — the IPC namespaces a mount serves.
 *
 * A mount serves its own namespace (the daemon's, or the target's with
 * -o target) at its top level, and every namespace on the host under
 * ns/ipc:[ID]/. What a process calls its IPC objects comes from two places:
 * queues and System V objects belong to its IPC namespace, POSIX shm objects
 * and semaphores are files in the /dev/shm of its mount namespace. An
 * IpcfsNs holds what the daemon needs to act in one namespace: the
 * namespace itself (joined per thread with setns) and both directories.
 *
 * Every request acts in the namespace of its node: tree.c and file.c enter
 * it at the start of a request and leave it at the end. Between the two the
 * thread is in that IPC namespace (setns, this thread only), and
 * ipcfs_ns_here() gives its directories, so the kinds' code (mq_open,
 * System V calls, the child that creates a queue for a caller, listings
 * through the directories) acts there unchanged. The mount's own namespace
 * costs nothing: no system call.
 */
#pragma once

#include "ipcfs.h"

struct IpcfsNs {
	ino_t id;      /* the namespace's ID, as "ipc:[ID]" reads */
	int ipc_fd;    /* its nsfs file: keeps it alive; what setns joins */
	int mq_dirfd;  /* its mqueue filesystem, or -1 if none could be had */
	int shm_dirfd; /* the /dev/shm of shm_pid's mount namespace */
	dev_t mq_dev;  /* devices of the two (0 if none): what holders look */
	dev_t shm_dev; /* for in other processes' descriptors */
	pid_t shm_pid; /* the process whose /dev/shm that is; 0: the daemon */
	int refs;      /* nodes and requests that use it (not the home one);
			* protected by ns.c's lock */
};

/* The mount's own namespace. Set up by main (and target.c) before any
 * thread exists; read-only afterwards. */
extern IpcfsNs ipcfs_ns_home;

/* Opens ipcfs_ns_home's namespace (the calling thread's). 0 or -errno. */
int ipcfs_ns_home_init(void);
void ipcfs_ns_home_free(void);

/* The namespace this thread acts in now. */
IpcfsNs *ipcfs_ns_here(void);

/* Makes this thread act in @ns (NULL: the mount's own) until
 * ipcfs_ns_leave(*was). Nests. Needs the daemon's own credentials (setns
 * needs CAP_SYS_ADMIN): enter before ipcfs_creds_enter, leave after
 * ipcfs_creds_leave. 0 or -errno (then nothing changed). */
int ipcfs_ns_enter(IpcfsNs *ns, IpcfsNs **was);
void ipcfs_ns_leave(IpcfsNs *was);

/* Counts a user of @ns (NULL and the home one are not counted); the last
 * unref lets the namespace go. Returns @ns. */
IpcfsNs *ipcfs_ns_ref(IpcfsNs *ns);
void ipcfs_ns_unref(IpcfsNs *ns);

/* ns/: the names ("ipc:[ID]") of the namespaces that have a process @req's
 * caller may inspect. 0 or -errno. */
int ipcfs_ns_list(fuse_req_t req, GPtrArray **names);
/* The namespace called @name, with a reference, if @req's caller may
 * inspect a process in it; NULL and -ENOENT otherwise (or -EPERM if the
 * daemon may not join it). */
IpcfsNs *ipcfs_ns_lookup(fuse_req_t req, const char *name, int *err);

/* The IDs (ino_t) of the namespaces in use that no process is in any more:
 * only files the kernel still holds under ns/ipc:[ID] keep them. */
GArray *ipcfs_ns_ended(void);

/* ns/ipc:[ID]/info. */
extern const IpcfsFile ipcfs_ns_info_file;
