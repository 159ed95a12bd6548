/* ipc-mq.h — POSIX message queues.
 *
 * Thin, errno-returning wrappers around mq_open(3) and friends, plus what a
 * filesystem needs on top: listing the queues of the IPC namespace and reading
 * a queue's attributes by name. Every function returns a non-negative result
 * on success and a negative errno on failure; nothing here logs or blocks
 * unless a timeout says so.
 *
 * Names are given without the leading slash (see ipc-name.h). A queue
 * descriptor (mqd_t) is a file descriptor on Linux: it can be poll()ed
 * (readable when a message waits, writable when there is room), fstat()ed,
 * fchmod()ed and closed with close().
 */
#pragma once

#include <glib.h>
#include <mqueue.h>
#include <sys/stat.h>
#include <sys/types.h>

typedef struct {
	long maxmsg;     /* capacity in messages */
	long msgsize;    /* largest message in bytes */
	long curmsgs;    /* messages waiting now */
	long long qsize; /* bytes held by waiting messages, -1 if unknown */
	pid_t notify_pid; /* the process registered with mq_notify, 0 if none (or unknown) */
} IpcMqInfo;

typedef struct {
	long msg_max;         /* /proc/sys/fs/mqueue/msg_max */
	long msgsize_max;     /* /proc/sys/fs/mqueue/msgsize_max */
	long queues_max;      /* /proc/sys/fs/mqueue/queues_max */
	long msg_default;     /* /proc/sys/fs/mqueue/msg_default */
	long msgsize_default; /* /proc/sys/fs/mqueue/msgsize_default */
} IpcMqLimits;

/* Opens the root directory of an mqueue filesystem of the caller's IPC
 * namespace, for listing and stat: /dev/mqueue if an mqueue filesystem is
 * mounted there, otherwise a private, detached mount made with fsopen(2)
 * (needs CAP_SYS_ADMIN; it is visible to no one else). Returns a directory fd
 * or -errno (-ENOENT when none is mounted and a private one cannot be made). */
int ipc_mq_dir_open(void);

/* Opens the root of a private, detached mount of the mqueue filesystem of the
 * calling thread's IPC namespace (fsopen(2); needs CAP_SYS_ADMIN). It shows
 * that namespace's queues even when the thread has joined another
 * namespace than the one /dev/mqueue shows. -ENOENT if it cannot be made. */
int ipc_mq_private_dir_open(void);

/* Creates queue @name exclusively (O_CREAT|O_EXCL are added to @oflag) with
 * permission bits @mode (the process umask applies). @maxmsg and @msgsize of 0
 * take the kernel's defaults (msg_default, msgsize_default); giving one needs
 * both, else -EINVAL. Returns the queue descriptor. Kernel refusals pass
 * through: -EEXIST, -EINVAL (above msg_max or msgsize_max), -EMFILE
 * (RLIMIT_MSGQUEUE), -ENOSPC (queues_max), -EACCES. */
int ipc_mq_create(const char *name, int oflag, mode_t mode, long maxmsg, long msgsize);

/* Opens existing queue @name with @oflag (O_RDONLY, O_WRONLY or O_RDWR, maybe
 * O_NONBLOCK). Returns the queue descriptor or -errno (-ENOENT, -EACCES, ...). */
int ipc_mq_open(const char *name, int oflag);

/* Closes a queue descriptor. Accepts a negative @mqd (does nothing). */
void ipc_mq_close(int mqd);

/* Removes queue @name (mq_unlink): descriptors already open keep working. */
int ipc_mq_unlink(const char *name);

/* Sends one message of @len bytes at priority @prio. @timeout_ms < 0 waits
 * for room as long as it takes, 0 never waits (-EAGAIN when full), > 0 waits
 * at most that long (-ETIMEDOUT). A descriptor opened O_NONBLOCK never waits
 * (-EAGAIN). -EMSGSIZE if @len exceeds the queue's msgsize; -EINVAL if @prio
 * is not below MQ_PRIO_MAX; -EINTR if a signal interrupts the wait. */
int ipc_mq_send(int mqd, const void *buf, size_t len, unsigned prio, int timeout_ms);

/* Receives the oldest message of the highest priority into @buf, which must
 * hold at least the queue's msgsize bytes (else -EMSGSIZE), and stores its
 * priority in @prio if non-NULL. Returns the message length. @timeout_ms as
 * for ipc_mq_send (-EAGAIN when empty and not waiting). */
ssize_t ipc_mq_receive(int mqd, void *buf, size_t size, unsigned *prio, int timeout_ms);

/* Reads maxmsg, msgsize, curmsgs, qsize and notify_pid of an open queue
 * (qsize -1 and notify_pid 0 if @mqd was opened write-only). */
int ipc_mq_getattr(int mqd, IpcMqInfo *info);

/* Reads all of @info for queue @name, opened through the mqueue directory
 * @dirfd, or with mq_open if @dirfd < 0. Needs read permission. */
int ipc_mq_info(int dirfd, const char *name, IpcMqInfo *info);

/* Stats queue @name in the mqueue directory @dirfd (owner, mode, times).
 * With @dirfd < 0 it opens the queue read-only and fstat()s it instead. */
int ipc_mq_stat(int dirfd, const char *name, struct stat *st);

/* Lists the queues in the mqueue directory @dirfd: *names receives a new
 * array of newly allocated names (free with g_ptr_array_unref). */
int ipc_mq_list(int dirfd, GPtrArray **names);

/* Reads the namespace's queue limits from /proc/sys/fs/mqueue. */
int ipc_mq_limits(IpcMqLimits *limits);

/* Parses a prioritised message frame "PRIO BYTES": PRIO is a decimal number
 * below MQ_PRIO_MAX, followed by exactly one space; every byte after it, NUL
 * and newlines included, is the message. On success stores the priority and
 * the offset of the first message byte, and returns 0; otherwise -EINVAL. */
int ipc_mq_parse_frame(const char *buf, size_t len, unsigned *prio, size_t *body_off);

/* Parses a queue creation request "[maxmsg=N] [msgsize=N] [mode=OCTAL] NAME":
 * options first, each followed by one space, in any order, each at most once;
 * the first token that is not an option starts the name, which runs to the end
 * of @buf less one trailing newline. Unset options are left as they were in
 * the outputs. Returns 0, or -EINVAL (bad option value, empty name). The name
 * is not validated here (use ipc_name_check). */
int ipc_mq_parse_create(const char *buf, size_t len, long *maxmsg, long *msgsize, mode_t *mode,
			char **name);
