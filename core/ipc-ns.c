/* ipc-ns.c — reaching another process's IPC objects (see ipc-ns.h). */
#include "ipc-ns.h"
#include "ipc-util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
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

int ipc_ns_ipc_open(int procfd, ino_t *id)
{
	struct stat st;
	int fd = openat(procfd, "ns/ipc", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -errno;
	}
	*id = st.st_ino;
	return fd;
}

int ipc_ns_join_ipc(int procfd)
{
	ino_t id;
	int target, own, r;

	target = ipc_ns_ipc_open(procfd, &id);
	if (target < 0)
		return target;
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
	struct statfs sfs;
	int root, fd;

	root = openat(procfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	fd = syscall(SYS_openat2, root, "dev/shm", &how, sizeof(how));
	if (fd < 0)
		fd = -errno;
	close(root);
	if (fd >= 0 && (fstatfs(fd, &sfs) < 0 || sfs.f_type != TMPFS_MAGIC)) {
		close(fd);
		fd = -EMEDIUMTYPE;
	}
	return fd;
}

int ipc_ns_empty_dir_open(void)
{
	return ipc_detached_mount_open("tmpfs", "size", "4k", MOUNT_ATTR_RDONLY);
}

int ipc_ns_of(pid_t pid, ino_t *id)
{
	char path[48];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/ipc", (int)pid);
	/* stat follows the link: the namespace's own inode. */
	if (stat(path, &st) < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	*id = st.st_ino;
	return 0;
}

int ipc_ns_scan(pid_t skip_pid, IpcNsVisit visit, void *data)
{
	DIR *proc = opendir("/proc");
	struct dirent *e;
	struct stat st;
	char path[sizeof(e->d_name) + 8];
	gint64 pid;

	if (!proc)
		return -errno;
	while ((e = readdir(proc))) {
		if (!g_ascii_string_to_signed(e->d_name, 10, 1, G_MAXINT32, &pid, NULL) ||
		    pid == skip_pid)
			continue;
		snprintf(path, sizeof(path), "%s/ns/ipc", e->d_name);
		if (fstatat(dirfd(proc), path, &st, 0) < 0)
			continue;
		if (!visit(pid, st.st_ino, data))
			break;
	}
	closedir(proc);
	return 0;
}

int ipc_ns_parse(const char *name, ino_t *id)
{
	guint64 value;
	char *end;

	if (!g_str_has_prefix(name, "ipc:[") || !g_ascii_isdigit(name[5]) || name[5] == '0')
		return -EINVAL;
	errno = 0;
	value = g_ascii_strtoull(name + 5, &end, 10);
	if (errno || value == 0 || value > UINT32_MAX || strcmp(end, "]") != 0)
		return -EINVAL;
	*id = value;
	return 0;
}

int ipc_ns_comm(pid_t pid, char *buf, size_t size)
{
	int dir = ipc_ns_proc_open(pid);
	int r;

	if (dir < 0) {
		g_strlcpy(buf, "?", size);
		return dir;
	}
	r = ipc_proc_comm(dir, buf, size);
	close(dir);
	return r;
}
