/* ipc-mq.c — POSIX message queues.
 *
 * Queues are opened and created with mq_open(3); the mqueue filesystem (the
 * one at /dev/mqueue, or a private detached mount of it) serves listing, stat
 * and stat. A queue descriptor also reads as the queue's text, for QSIZE.
 */
#include "ipc-mq.h"
#include "ipc-name.h"
#include "ipc-util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's ipc/mqueue.c; no uapi header carries it. */
#define MQUEUE_MAGIC 0x19800202

/* Checks @name and writes "/NAME", the form mq_open(3) wants, to @path. */
static int mq_path(const char *name, char path[static IPC_NAME_MAX + 2])
{
	int r = ipc_name_check(name, IPC_NAME_MAX);

	if (r < 0)
		return r;
	path[0] = '/';
	strcpy(path + 1, name);
	return 0;
}

int ipc_mq_private_dir_open(void)
{
	int dir = ipc_detached_mount_open("mqueue", NULL, NULL, 0);

	return dir < 0 ? -ENOENT : dir;
}

int ipc_mq_dir_open(void)
{
	struct statfs sfs;
	int fd;

	fd = open("/dev/mqueue", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		if (fstatfs(fd, &sfs) == 0 && sfs.f_type == MQUEUE_MAGIC)
			return fd;
		close(fd);
	}
	return ipc_mq_private_dir_open();
}

int ipc_mq_create(const char *name, int oflag, mode_t mode, long maxmsg, long msgsize)
{
	struct mq_attr attr = {.mq_maxmsg = maxmsg, .mq_msgsize = msgsize};
	char path[IPC_NAME_MAX + 2];
	int r;

	r = mq_path(name, path);
	if (r < 0)
		return r;
	if ((maxmsg == 0) != (msgsize == 0))
		return -EINVAL;
	oflag |= O_CREAT | O_EXCL | O_CLOEXEC;
	r = mq_open(path, oflag, mode, maxmsg ? &attr : NULL);
	return r < 0 ? -errno : r;
}

int ipc_mq_open(const char *name, int oflag)
{
	char path[IPC_NAME_MAX + 2];
	int r;

	r = mq_path(name, path);
	if (r < 0)
		return r;
	r = mq_open(path, oflag | O_CLOEXEC);
	return r < 0 ? -errno : r;
}

void ipc_mq_close(int mqd)
{
	if (mqd >= 0)
		mq_close(mqd);
}

int ipc_mq_unlink(const char *name)
{
	char path[IPC_NAME_MAX + 2];
	int r;

	r = mq_path(name, path);
	if (r < 0)
		return r;
	return mq_unlink(path) < 0 ? -errno : 0;
}

/* The kernel says ETIMEDOUT for a deadline already past; to a caller that
 * asked not to wait at all, that means "would block". */
static int mq_errno(int timeout_ms)
{
	return errno == ETIMEDOUT && timeout_ms == 0 ? -EAGAIN : -errno;
}

/* Straight system calls: in a threaded process glibc's wrappers make every
 * call a cancellation point, and that bookkeeping cost a batch of receives
 * about 15 % (measured). A NULL deadline waits as long as it takes. */
int ipc_mq_send(int mqd, const void *buf, size_t len, unsigned prio, int timeout_ms)
{
	struct timespec ts;
	const struct timespec *deadline = ipc_deadline(CLOCK_REALTIME, timeout_ms, &ts);

	if (syscall(SYS_mq_timedsend, mqd, buf, len, prio, deadline) < 0)
		return mq_errno(timeout_ms);
	return 0;
}

ssize_t ipc_mq_receive(int mqd, void *buf, size_t size, unsigned *prio, int timeout_ms)
{
	struct timespec ts;
	const struct timespec *deadline = ipc_deadline(CLOCK_REALTIME, timeout_ms, &ts);
	ssize_t n = syscall(SYS_mq_timedreceive, mqd, buf, size, prio, deadline);

	return n < 0 ? mq_errno(timeout_ms) : n;
}

/* Reads QSIZE and NOTIFY_PID from a queue's own text: "QSIZE:%-10lu
 * NOTIFY:%-5d SIGNO:%-5d NOTIFY_PID:%-6d". Every queue descriptor reads it
 * (pread leaves the position alone), but only if it was opened for reading. */
static void read_queue_text(int mqd, IpcMqInfo *info)
{
	const char *pid;
	char buf[128];
	ssize_t n;

	info->qsize = -1;
	info->notify_pid = 0;
	n = pread(mqd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return;
	buf[n] = '\0';
	if (sscanf(buf, "QSIZE:%lld", &info->qsize) != 1)
		info->qsize = -1;
	pid = strstr(buf, "NOTIFY_PID:");
	if (pid)
		info->notify_pid = atoi(pid + strlen("NOTIFY_PID:"));
}

int ipc_mq_getattr(int mqd, IpcMqInfo *info)
{
	struct mq_attr attr;

	if (mq_getattr(mqd, &attr) < 0)
		return -errno;
	*info = (IpcMqInfo){
	    .maxmsg = attr.mq_maxmsg,
	    .msgsize = attr.mq_msgsize,
	    .curmsgs = attr.mq_curmsgs,
	};
	read_queue_text(mqd, info);
	return 0;
}

/* Opens queue @name for reading: through @dirfd if given, else mq_open. */
static int open_for_info(int dirfd, const char *name)
{
	int fd, r;

	if (dirfd < 0)
		return ipc_mq_open(name, O_RDONLY);
	r = ipc_name_check(name, IPC_NAME_MAX);
	if (r < 0)
		return r;
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int ipc_mq_info(int dirfd, const char *name, IpcMqInfo *info)
{
	int fd = open_for_info(dirfd, name);
	int r;

	if (fd < 0)
		return fd;
	r = ipc_mq_getattr(fd, info);
	close(fd);
	return r;
}

int ipc_mq_stat(int dirfd, const char *name, struct stat *st)
{
	int fd, r;

	if (dirfd >= 0) {
		r = ipc_name_check(name, IPC_NAME_MAX);
		if (r < 0)
			return r;
		return fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	}
	fd = ipc_mq_open(name, O_RDONLY);
	if (fd < 0)
		return fd;
	r = fstat(fd, st) < 0 ? -errno : 0;
	close(fd);
	return r;
}

static const char *mq_filter(const char *name)
{
	return ipc_name_check(name, IPC_NAME_MAX) == 0 ? name : NULL;
}

int ipc_mq_list(int dirfd, GPtrArray **names)
{
	return ipc_dir_list(dirfd, mq_filter, names);
}

static int read_proc_long(const char *name, long *value)
{
	g_autofree char *path = g_strconcat("/proc/sys/fs/mqueue/", name, NULL);
	char buf[32];
	ssize_t n;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return r;
	buf[n] = '\0';
	return sscanf(buf, "%ld", value) == 1 ? 0 : -EIO;
}

int ipc_mq_limits(IpcMqLimits *limits)
{
	const struct {
		const char *name;
		long *value;
	} files[] = {
	    {"msg_max", &limits->msg_max},
	    {"msgsize_max", &limits->msgsize_max},
	    {"queues_max", &limits->queues_max},
	    {"msg_default", &limits->msg_default},
	    {"msgsize_default", &limits->msgsize_default},
	};
	size_t i;
	int r;

	for (i = 0; i < G_N_ELEMENTS(files); i++) {
		r = read_proc_long(files[i].name, files[i].value);
		if (r < 0)
			return r;
	}
	return 0;
}

int ipc_mq_parse_frame(const char *buf, size_t len, unsigned *prio, size_t *body_off)
{
	const char *space = memchr(buf, ' ', len);
	guint64 value;

	if (!space || ipc_parse_number(buf, space - buf, 10, MQ_PRIO_MAX - 1, &value) < 0)
		return -EINVAL;
	*prio = value;
	*body_off = space - buf + 1;
	return 0;
}

enum { OPT_MAXMSG, OPT_MSGSIZE, OPT_MODE, N_OPTS };

static const struct {
	const char *key;
	unsigned base;
	guint64 min, max;
} create_opts[N_OPTS] = {
    [OPT_MAXMSG] = {"maxmsg=", 10, 1, LONG_MAX},
    [OPT_MSGSIZE] = {"msgsize=", 10, 1, LONG_MAX},
    [OPT_MODE] = {"mode=", 8, 0, 07777},
};

/* Returns the option whose key @buf starts with, or -1: the first token that
 * does not start like an option is the name. */
static int create_opt_at(const char *buf, size_t len)
{
	size_t klen;
	int i;

	for (i = 0; i < N_OPTS; i++) {
		klen = strlen(create_opts[i].key);
		if (len >= klen && memcmp(buf, create_opts[i].key, klen) == 0)
			return i;
	}
	return -1;
}

/* Parses options "KEY=VALUE " from @buf into @values, marking each @seen;
 * returns the length they take, or -EINVAL. */
static ssize_t parse_create_opts(const char *buf, size_t len, guint64 values[N_OPTS],
				 gboolean seen[N_OPTS])
{
	size_t pos = 0, klen;
	const char *space;
	int i;

	while ((i = create_opt_at(buf + pos, len - pos)) >= 0) {
		klen = strlen(create_opts[i].key);
		space = memchr(buf + pos, ' ', len - pos);
		if (seen[i] || !space)
			return -EINVAL;
		if (ipc_parse_number(buf + pos + klen, space - (buf + pos + klen),
				     create_opts[i].base, create_opts[i].max, &values[i]) < 0 ||
		    values[i] < create_opts[i].min)
			return -EINVAL;
		seen[i] = TRUE;
		pos = space - buf + 1;
	}
	return pos;
}

int ipc_mq_parse_create(const char *buf, size_t len, long *maxmsg, long *msgsize, mode_t *mode,
			char **name)
{
	guint64 values[N_OPTS];
	gboolean seen[N_OPTS] = {FALSE};
	ssize_t pos;

	if (len > 0 && buf[len - 1] == '\n')
		len--;
	pos = parse_create_opts(buf, len, values, seen);
	if (pos < 0 || (size_t)pos == len || memchr(buf + pos, '\0', len - pos))
		return -EINVAL;
	if (seen[OPT_MAXMSG])
		*maxmsg = values[OPT_MAXMSG];
	if (seen[OPT_MSGSIZE])
		*msgsize = values[OPT_MSGSIZE];
	if (seen[OPT_MODE])
		*mode = values[OPT_MODE];
	*name = g_strndup(buf + pos, len - pos);
	return 0;
}
