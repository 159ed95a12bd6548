/* target.c — -o target=PID: the whole mount serves process PID's IPC objects.
 *
 * main calls this once, before any thread exists. The main thread joins the
 * target's IPC namespace, and every thread and child the daemon starts later
 * (FUSE workers, the watcher, the semaphore waiters, the children that create
 * queues for callers) inherits it. So every mq_open, every System V call and
 * every read of /proc/sys/fs/mqueue acts in the target's namespace, with no
 * work per request. Listing queues needs that namespace's mqueue filesystem:
 * a private detached mount of it, made after the join, becomes mq_dirfd.
 * POSIX shm and semaphores are files in the /dev/shm of the target's mount
 * namespace, which a threaded process cannot join: it is opened through
 * /proc/PID/root and becomes shm_dirfd. The watcher (watch.c) watches both
 * descriptors, so names stay exact.
 *
 * The kernel decides who may target whom: reading /proc/PID/ns/ipc and
 * /proc/PID/root needs the ptrace read right on the process, and joining
 * another IPC namespace needs CAP_SYS_ADMIN. A refusal ends the daemon
 * before it mounts.
 *
 * When the target exits, nothing here notices, and nothing needs to: the
 * daemon's threads hold the IPC namespace, and the open /dev/shm descriptor
 * its tmpfs, so what the target left behind lives on until unmount, and what
 * it removed is ENOENT like anywhere else.
 */
#define G_LOG_DOMAIN "ipcfs"

#include "ipc-mq.h"
#include "ipc-ns.h"
#include "ipcfs.h"
#include "ns.h"
#include "target.h"

#include <errno.h>
#include <unistd.h>

static int parse_pid(const char *text, pid_t *pid)
{
	gint64 value;

	if (!g_ascii_string_to_signed(text, 10, 1, G_MAXINT32, &value, NULL)) {
		g_printerr("ipcfs: target=%s: not a process ID\n", text);
		return -1;
	}
	*pid = value;
	return 0;
}

static void say_join_error(pid_t pid, int err)
{
	if (err == -ESRCH)
		g_printerr("ipcfs: target=%d: no such process\n", pid);
	else if (err == -EACCES)
		g_printerr("ipcfs: target=%d: you may not inspect process %d "
			   "(the kernel's ptrace rule refuses it: %s)\n",
			   pid, pid, g_strerror(-err));
	else if (err == -EPERM)
		g_printerr("ipcfs: target=%d: joining its IPC namespace needs root "
			   "(CAP_SYS_ADMIN): %s\n",
			   pid, g_strerror(-err));
	else
		g_printerr("ipcfs: target=%d: cannot join its IPC namespace: %s\n", pid,
			   g_strerror(-err));
}

/* After a join the daemon's /dev/mqueue shows another namespace's queues:
 * only a private mount made from inside shows the right ones. */
static int open_mq_dir(pid_t pid)
{
	ipcfs_ns_home.mq_dirfd = ipc_mq_private_dir_open();
	if (ipcfs_ns_home.mq_dirfd < 0) {
		g_printerr("ipcfs: target=%d: cannot mount its namespace's mqueue filesystem: %s\n",
			   pid, g_strerror(-ipcfs_ns_home.mq_dirfd));
		return -1;
	}
	return 0;
}

static int open_target(pid_t pid, int procfd)
{
	int joined = ipc_ns_join_ipc(procfd);

	if (joined < 0) {
		say_join_error(pid, joined);
		return -1;
	}
	ipcfs_ns_home.shm_dirfd = ipc_ns_shm_dir_open(procfd);
	if (ipcfs_ns_home.shm_dirfd == -EMEDIUMTYPE) {
		g_printerr("ipcfs: target=%d: its /dev/shm is not a tmpfs\n", pid);
		return -1;
	}
	if (ipcfs_ns_home.shm_dirfd < 0) {
		g_printerr("ipcfs: target=%d: cannot open its /dev/shm: %s\n", pid,
			   g_strerror(-ipcfs_ns_home.shm_dirfd));
		return -1;
	}
	ipcfs_ns_home.shm_pid = pid;
	g_debug("target %d: IPC namespace %s", pid, joined ? "joined" : "is the daemon's own");
	return joined ? open_mq_dir(pid) : 0;
}

int ipcfs_target_open(const char *pid_text)
{
	pid_t pid;
	int procfd, r;

	if (parse_pid(pid_text, &pid) < 0)
		return -1;
	procfd = ipc_ns_proc_open(pid);
	if (procfd < 0) {
		say_join_error(pid, procfd);
		return -1;
	}
	r = open_target(pid, procfd);
	close(procfd);
	return r;
}
