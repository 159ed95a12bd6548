/* creds.c — per-thread caller credentials (see creds.h).
 *
 * What a worker thread of a root daemon changes while it acts for a non-root
 * caller, and why only these:
 *
 *   - supplementary groups, effective gid and uid (raw setgroups, setresgid,
 *     setresuid: per thread; the fs ids follow the effective ones). Every
 *     permission check on the POSIX objects (open, unlink in the sticky
 *     /dev/shm and mqueue root, chmod, chown, create) uses the fs ids, and
 *     System V's (shmget, shmat, msgsnd, semop, IPC_SET, IPC_RMID) the
 *     effective ones; new objects get the caller's owner and group. Leaving
 *     euid 0 clears the effective capabilities; the real and saved ids stay
 *     0, so returning needs no capability.
 *   - the effective capability set, emptied (raw capset on this thread;
 *     permitted stays, so it can be put back). Changing fsuid away from 0
 *     only drops the file capabilities (CHOWN, DAC_OVERRIDE, FOWNER, ...);
 *     CAP_SYS_RESOURCE (msg_max, msgsize_max, queues_max, RLIMIT_MSGQUEUE),
 *     CAP_IPC_OWNER, CAP_SYS_ADMIN and the rest would otherwise still be lent
 *     to every caller.
 *
 * The real uid stays the daemon's. Message queue memory is charged to the
 * creating task's real uid, checked against its RLIMIT_MSGQUEUE, so a queue
 * is created in a short-lived child process that fully becomes the caller
 * (ipcfs_creds_mq_create). Setting a worker thread's real uid to the caller's
 * instead would let that user signal the thread (kill permission looks at
 * the target's real uid): tgkill(daemon, worker, SIGKILL) would take the
 * whole daemon down.
 */
#define G_LOG_DOMAIN "ipcfs"

#include "creds.h"
#include "ipcfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_GROUPS 256
/* How long a child creating a queue for a caller may take. It needs a
 * millisecond; the rest is slack for a loaded machine. */
#define CHILD_DEADLINE_MS 3000

/* The caller this thread acts for, between enter and leave. */
typedef struct {
	bool active; /* credentials changed, leave must restore */
	uid_t uid;
	gid_t gid;
	pid_t pid;
	int ngroups;
	gid_t groups[MAX_GROUPS];
	struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3]; /* the daemon's own */
} Caller;

static __thread Caller caller;

static int set_thread_groups(size_t n, const gid_t *groups)
{
	return syscall(SYS_setgroups, n, groups) < 0 ? -errno : 0;
}

static int caps_get(struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3])
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};

	return syscall(SYS_capget, &hdr, data) < 0 ? -errno : 0;
}

/* pid 0: this thread only. */
static int caps_set(const struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3])
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};

	return syscall(SYS_capset, &hdr, data) < 0 ? -errno : 0;
}

static int drop_effective_caps(void)
{
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int r;

	memcpy(data, caller.caps, sizeof(data));
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		data[i].effective = 0;
	r = caps_set(data);
	if (r == 0)
		r = caps_get(data);
	for (int i = 0; r == 0 && i < _LINUX_CAPABILITY_U32S_3; i++)
		if (data[i].effective)
			r = -EPERM;
	return r;
}

/* Effective (and so fs) ids, this thread only. The real and saved ids stay
 * 0, so the way back needs no capability. */
static int set_effective_ids(uid_t uid, gid_t gid)
{
	if (syscall(SYS_setresgid, (gid_t)-1, gid, (gid_t)-1) < 0 ||
	    syscall(SYS_setresuid, (uid_t)-1, uid, (uid_t)-1) < 0)
		return -errno;
	return 0;
}

static void restore(void)
{
	/* euid 0 again: the kernel makes the permitted set effective. */
	int r = syscall(SYS_setresuid, (uid_t)-1, 0, (uid_t)-1) < 0 ? -errno : 0;

	if (r == 0)
		r = syscall(SYS_setresgid, (gid_t)-1, 0, (gid_t)-1) < 0 ? -errno : 0;
	if (r == 0)
		r = caps_set(caller.caps);

	/* fsuid 0 brings back the file capabilities the rest needs. */
	setfsuid(0);
	setfsgid(0);
	if (r == 0)
		r = set_thread_groups(0, NULL);
	if (r < 0 || (uid_t)setfsuid(-1) != 0 || (gid_t)setfsgid(-1) != 0)
		g_critical("a worker could not return to the daemon's credentials: %s",
			   g_strerror(-r));
	caller.active = false;
}

/* Takes on caller's ids and groups, as filled in by the two entries. */
static int enter_caller(void)
{
	int r = caps_get(caller.caps);

	if (r < 0)
		return r;
	caller.active = true;
	r = set_thread_groups(caller.ngroups, caller.groups);
	if (r == 0)
		r = set_effective_ids(caller.uid, caller.gid);
	/* setfsuid reports the old value: read back what is in force. */
	if (r == 0 && ((gid_t)setfsgid(-1) != caller.gid || (uid_t)setfsuid(-1) != caller.uid ||
		       geteuid() != caller.uid || getegid() != caller.gid))
		r = -EPERM;
	if (r == 0)
		r = drop_effective_caps();
	if (r < 0) {
		/* Never act for the caller with the daemon's rights. */
		g_warning("cannot take on the credentials of uid %u: %s", (unsigned)caller.uid,
			  g_strerror(-r));
		restore();
		return -EPERM;
	}
	return 0;
}

int ipcfs_creds_enter(fuse_req_t req)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	int n;

	caller.active = false;
	if (!ipcfs_config.as_root || ctx->uid == 0)
		return 0;
	n = fuse_req_getgroups(req, G_N_ELEMENTS(caller.groups), caller.groups);
	if (n < 0)
		return n;
	caller.uid = ctx->uid;
	caller.gid = ctx->gid;
	caller.pid = ctx->pid;
	/* More groups than fit: use the first MAX_GROUPS, never more rights. */
	caller.ngroups = MIN(n, MAX_GROUPS);
	return enter_caller();
}

struct IpcfsCreds {
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t groups[];
};

IpcfsCreds *ipcfs_creds_save(void)
{
	IpcfsCreds *c;

	if (!caller.active)
		return NULL;
	c = g_malloc(sizeof(*c) + caller.ngroups * sizeof(gid_t));
	c->uid = caller.uid;
	c->gid = caller.gid;
	c->ngroups = caller.ngroups;
	memcpy(c->groups, caller.groups, caller.ngroups * sizeof(gid_t));
	return c;
}

int ipcfs_creds_enter_saved(const IpcfsCreds *c)
{
	caller.active = false;
	if (!c)
		return 0;
	caller.uid = c->uid;
	caller.gid = c->gid;
	caller.pid = 0;
	caller.ngroups = c->ngroups;
	memcpy(caller.groups, c->groups, c->ngroups * sizeof(gid_t));
	return enter_caller();
}

char *ipcfs_creds_key(void)
{
	GString *key;

	if (!caller.active)
		return g_strdup("daemon");
	key = g_string_new(NULL);
	g_string_printf(key, "%u:%u", (unsigned)caller.uid, (unsigned)caller.gid);
	for (int i = 0; i < caller.ngroups; i++)
		g_string_append_printf(key, ",%u", (unsigned)caller.groups[i]);
	return g_string_free(key, FALSE);
}

void ipcfs_creds_leave(void)
{
	if (caller.active)
		restore();
}

/* The caller's RLIMIT_MSGQUEUE from /proc/PID/limits (readable by anyone;
 * prlimit(2) on another user's process needs CAP_SYS_RESOURCE). */
static int caller_msgqueue_limit(struct rlimit *rl)
{
	char path[64], line[256];
	char soft[32], hard[32];
	FILE *f;
	int r = -ENOENT;

	if (caller.pid <= 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/limits", (int)caller.pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Max msgqueue size", 17) != 0)
			continue;
		if (sscanf(line + 17, "%31s %31s", soft, hard) != 2)
			break;
		rl->rlim_cur = strcmp(soft, "unlimited") == 0 ? RLIM_INFINITY
							      : g_ascii_strtoull(soft, NULL, 10);
		rl->rlim_max = strcmp(hard, "unlimited") == 0 ? RLIM_INFINITY
							      : g_ascii_strtoull(hard, NULL, 10);
		r = 0;
		break;
	}
	fclose(f);
	return r;
}

/* The child's answer: 0 with the queue's descriptor attached, or an errno. */
static int send_result(int sock, int err, int fd)
{
	struct iovec iov = {.iov_base = &err, .iov_len = sizeof(err)};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u = {0};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *c;

	if (fd >= 0) {
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == sizeof(err) ? 0 : -errno;
}

/* Waits at most CHILD_DEADLINE_MS for the child's answer. Returns the
 * descriptor or -errno; -EINTR if the child died or stalled without one. */
static int recv_result(int sock)
{
	int err = EINTR;
	struct iovec iov = {.iov_base = &err, .iov_len = sizeof(err)};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf)};
	struct pollfd pfd = {.fd = sock, .events = POLLIN};
	struct cmsghdr *c;
	int fd;

	if (poll(&pfd, 1, CHILD_DEADLINE_MS) != 1 ||
	    recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT) != sizeof(err))
		return -EINTR;
	c = CMSG_FIRSTHDR(&msg);
	if (err != 0 || !c)
		return err ? -err : -EIO;
	if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EIO;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* In the child: become the caller for good (all ids, groups, its own
 * RLIMIT_MSGQUEUE, no capabilities), create, send the descriptor back.
 * Only system calls here: the parent has other threads. */
static void __attribute__((noreturn))
child_create(int sock, const struct rlimit *rl, const char *name, int oflag, mode_t mode,
	     long maxmsg, long msgsize)
{
	struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3];
	int r;

	/* Nothing of the daemon's stays open in a process the caller owns. */
	if (sock > 3)
		syscall(SYS_close_range, 3, sock - 1, 0);
	syscall(SYS_close_range, sock + 1, ~0U, 0);
	/* Its own limit, even above the daemon's (needs CAP_SYS_RESOURCE back). */
	caps_set(caller.caps);
	if (rl && setrlimit(RLIMIT_MSGQUEUE, rl) < 0) {
		struct rlimit own;

		getrlimit(RLIMIT_MSGQUEUE, &own);
		own.rlim_cur = MIN(rl->rlim_cur, own.rlim_max);
		setrlimit(RLIMIT_MSGQUEUE, &own);
	}
	if (syscall(SYS_setgroups, caller.ngroups, caller.groups) < 0 ||
	    syscall(SYS_setresgid, caller.gid, caller.gid, caller.gid) < 0 ||
	    syscall(SYS_setresuid, caller.uid, caller.uid, caller.uid) < 0)
		goto refuse;
	/* All ids non-zero: the kernel has cleared every capability. Check. */
	if (caps_get(caps) < 0)
		goto refuse;
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (caps[i].effective || caps[i].permitted)
			goto refuse;
	r = ipc_mq_create(name, oflag, mode, maxmsg, msgsize);
	send_result(sock, r < 0 ? -r : 0, r);
	_exit(0);
refuse:
	send_result(sock, EPERM, -1);
	_exit(0);
}

/* SIGKILLs the child. It is the caller's own process and this worker acts
 * for the caller without capabilities, which may not signal it (EPERM): the
 * daemon's CAP_KILL is raised for this one call, and only it. */
static void kill_child(int pidfd)
{
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	const int i = CAP_TO_INDEX(CAP_KILL);
	int r;

	memcpy(data, caller.caps, sizeof(data));
	for (int j = 0; j < _LINUX_CAPABILITY_U32S_3; j++)
		data[j].effective = 0;
	data[i].effective = data[i].permitted & CAP_TO_MASK(CAP_KILL);
	caps_set(data);
	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	data[i].effective = 0;
	r = caps_set(data);
	if (r < 0)
		g_critical("a worker could not drop CAP_KILL again: %s", g_strerror(-r));
}

/* Ends the child if it is still there and reaps it. The pidfd names this
 * child only, even once its pid is reused. With SIGCHLD ignored the kernel
 * reaps it itself, and waitpid just fails. */
static void child_end(pid_t pid, int pidfd)
{
	if (pidfd >= 0) {
		kill_child(pidfd);
		close(pidfd);
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int ipcfs_creds_mq_create(const char *name, int oflag, mode_t mode, long maxmsg, long msgsize)
{
	struct rlimit rl;
	bool have_rl;
	int sv[2];
	pid_t pid;
	int pidfd;
	int fd;

	if (!caller.active)
		return ipc_mq_create(name, oflag, mode, maxmsg, msgsize);
	have_rl = caller_msgqueue_limit(&rl) == 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		child_create(sv[1], have_rl ? &rl : NULL, name, oflag, mode, maxmsg, msgsize);
	}
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return -errno;
	}
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	/* The child is the caller's own process: the caller may stop or kill
	 * it, and must not hold the worker (and mq/'s directory lock) with it. */
	fd = recv_result(sv[0]);
	close(sv[0]);
	child_end(pid, pidfd);
	if (fd == -EINTR)
		g_debug("mq_open %s: the creating child gave no answer in time", name);
	return fd;
}
