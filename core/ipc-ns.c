/* ipc-ns.c — reaching another process's IPC objects (see ipc-ns.h). */
#include "ipc-ns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int ipc_ns_proc_open(pid_t pid)
{
	char path[32];
	int fd;

	if (pid <= 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	return fd;
}

/* Same namespace: same inode on the same nsfs device. */
static int ns_same(int fd_a, int fd_b)
{
	struct stat a, b;

	if (fstat(fd_a, &a) < 0 || fstat(fd_b, &b) < 0)
		return -errno;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int ipc_ns_join_ipc(int procfd)
{
	int target, own, r;

	target = openat(procfd, "ns/ipc", O_RDONLY | O_CLOEXEC);
	if (target < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	own = open("/proc/thread-self/ns/ipc", O_RDONLY | O_CLOEXEC);
	r = own < 0 ? -errno : ns_same(target, own);
	if (r == 1) /* there already */
		r = 0;
	else if (r == 0)
		r = setns(target, CLONE_NEWIPC) < 0 ? -errno : 1;
	if (own >= 0)
		close(own);
	close(target);
	return r;
}

int ipc_ns_shm_dir_open(int procfd)
{
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int root, fd;

	root = openat(procfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	fd = syscall(SYS_openat2, root, "dev/shm", &how, sizeof(how));
	if (fd < 0)
		fd = -errno;
	close(root);
	return fd;
}
