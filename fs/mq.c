/* mq.c — POSIX message queues as mq/NAME/{send,send-prio,send-lines,recv,
 * recv-prio,recv-lines,info},
 * mq/.create for queues with their own attributes, and the limits file.
 *
 * Every open file holds its own queue descriptor, opened with the caller's
 * credentials and O_NONBLOCK: the daemon itself never waits in the kernel.
 * Waiting is mq-park.c's business.
 */
#define G_LOG_DOMAIN "ipcfs"

#include "creds.h"
#include "ipc-name.h"
#include "ipc-sysv-limits.h"
#include "mq.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Room before the message in a receive buffer, for recv-prio's "PRIO ". */
#define MSG_HEADROOM 16

static int mq_name_check(const char *name)
{
	return ipc_name_check(name, IPC_NAME_MAX);
}

static int mq_list(GPtrArray **names)
{
	if (ipcfs_config.mq_dirfd < 0) {
		*names = g_ptr_array_new_with_free_func(g_free);
		return 0;
	}
	return ipc_mq_list(ipcfs_config.mq_dirfd, names);
}

static int mq_stat(const char *name, struct stat *st)
{
	return ipc_mq_stat(ipcfs_config.mq_dirfd, name, st);
}

/* Queue attributes for a creation: the ones asked for, else the mount's,
 * else (both 0) the kernel's defaults. One alone takes its partner's default. */
static void resolve_attrs(long *maxmsg, long *msgsize)
{
	IpcMqLimits limits;

	if (!*maxmsg && !*msgsize) {
		*maxmsg = ipcfs_config.mq_maxmsg;
		*msgsize = ipcfs_config.mq_msgsize;
	}
	if ((*maxmsg && *msgsize) || (!*maxmsg && !*msgsize) || ipc_mq_limits(&limits) < 0)
		return;
	if (!*maxmsg)
		*maxmsg = limits.msg_default;
	if (!*msgsize)
		*msgsize = limits.msgsize_default;
}

static int create_queue(const char *name, mode_t mode, long maxmsg, long msgsize)
{
	int mqd;

	resolve_attrs(&maxmsg, &msgsize);
	mqd = ipcfs_creds_mq_create(name, O_RDONLY, mode, maxmsg, msgsize);
	if (mqd == -EMFILE)
		g_debug("mq_open %s: RLIMIT_MSGQUEUE (or the descriptor limit) is exhausted", name);
	else if (mqd == -ENOSPC)
		g_debug("mq_open %s: queues_max is reached", name);
	else if (mqd == -EINVAL)
		g_debug("mq_open %s: maxmsg %ld or msgsize %ld is above msg_max/msgsize_max", name,
			maxmsg, msgsize);
	ipc_mq_close(mqd);
	return mqd < 0 ? mqd : 0;
}

static int mq_create(const char *name, mode_t mode)
{
	return create_queue(name, mode, 0, 0);
}

static void mq_held_key(ino_t object_id, IpcHeldKey *key)
{
	*key = (IpcHeldKey){IPC_HELD_FILE, ipcfs_config.mq_dev, object_id};
}

static int mq_backing(const char *name, int *dirfd, char **file)
{
	if (ipcfs_config.mq_dirfd < 0)
		return -EOPNOTSUPP;
	*dirfd = ipcfs_config.mq_dirfd;
	*file = g_strdup(name);
	return 0;
}

static int open_queue(IpcfsHandle *h, int oflag, IpcfsMqMode mode)
{
	IpcMqInfo info;
	struct stat st;
	int r;

	h->mode = mode;
	h->fd = ipc_mq_open(h->name, oflag | O_NONBLOCK);
	if (h->fd < 0)
		return h->fd;
	r = ipc_mq_getattr(h->fd, &info);
	if (r == 0 && fstat(h->fd, &st) < 0)
		r = -errno;
	h->msgsize = info.msgsize;
	h->queue_id = st.st_ino;
	return r;
}

static int send_open(IpcfsHandle *h, int flags)
{
	return open_queue(h, O_WRONLY, IPCFS_MQ_PLAIN);
}

static int send_prio_open(IpcfsHandle *h, int flags)
{
	return open_queue(h, O_WRONLY, IPCFS_MQ_PRIO);
}

static int send_lines_open(IpcfsHandle *h, int flags)
{
	h->pending = g_string_new(NULL);
	return open_queue(h, O_WRONLY, IPCFS_MQ_LINES);
}

static int recv_open(IpcfsHandle *h, int flags)
{
	return open_queue(h, O_RDONLY, IPCFS_MQ_PLAIN);
}

static int recv_prio_open(IpcfsHandle *h, int flags)
{
	return open_queue(h, O_RDONLY, IPCFS_MQ_PRIO);
}

static int recv_lines_open(IpcfsHandle *h, int flags)
{
	return open_queue(h, O_RDONLY, IPCFS_MQ_LINES);
}

static void queue_release(IpcfsHandle *h)
{
	/* recv-lines may hold a whole message it had no room for: back it goes. */
	ipcfs_mq_put_back(h);
	ipcfs_mq_forget_poll(h);
	ipc_mq_close(h->fd);
}

static void send_write(fuse_req_t req, IpcfsHandle *h, const char *buf, size_t size, off_t off,
		       int flags)
{
	ipcfs_mq_write(req, h, buf, size, flags & O_NONBLOCK);
}

/* close(2) of send-lines sends the last line even without its newline. */
static void send_lines_flush(fuse_req_t req, IpcfsHandle *h)
{
	if (h->pending->len == 0)
		ipcfs_reply_err(req, 0);
	else
		ipcfs_mq_write(req, h, NULL, 0, false);
}

static void recv_read(fuse_req_t req, IpcfsHandle *h, size_t size, off_t off, int flags)
{
	ipcfs_mq_read(req, h, size, flags & O_NONBLOCK);
}

/* Sends the lines of @buf, the first one completing h->pending; keeps a
 * final partial line in h->pending. */
static ssize_t send_lines(IpcfsHandle *h, const char *buf, size_t size)
{
	size_t done = 0;
	int r = 0;

	while (done < size) {
		const char *nl = memchr(buf + done, '\n', size - done);
		size_t n = nl ? (size_t)(nl + 1 - (buf + done)) : size - done;
		size_t keep = h->pending->len;

		if (keep + n > (size_t)h->msgsize) {
			r = -EMSGSIZE;
			break;
		}
		g_string_append_len(h->pending, buf + done, n);
		if (nl) {
			r = ipc_mq_send(h->fd, h->pending->str, h->pending->len, 0, 0);
			if (r < 0) {
				g_string_truncate(h->pending, keep);
				break;
			}
			g_string_truncate(h->pending, 0);
		}
		done += n;
	}
	return done > 0 ? (ssize_t)done : r;
}

ssize_t ipcfs_mq_send_write(IpcfsHandle *h, const char *buf, size_t size)
{
	unsigned prio;
	size_t body;
	int r;

	if (!buf) {
		/* Another close of the same open file may have sent it already. */
		if (h->pending->len == 0)
			return 0;
		r = ipc_mq_send(h->fd, h->pending->str, h->pending->len, 0, 0);
		if (r == 0)
			g_string_truncate(h->pending, 0);
		return r;
	}
	switch (h->mode) {
	case IPCFS_MQ_LINES:
		return send_lines(h, buf, size);
	case IPCFS_MQ_PRIO:
		if (ipc_mq_parse_frame(buf, size, &prio, &body) < 0)
			return -EINVAL;
		break;
	default:
		prio = 0;
		body = 0;
	}
	r = ipc_mq_send(h->fd, buf + body, size - body, prio, 0);
	return r < 0 ? r : (ssize_t)size;
}

int ipcfs_mq_check_write(IpcfsHandle *h, const char *buf, size_t size)
{
	const char *nl;
	unsigned prio;
	size_t body;

	if (!buf)
		return 0;
	switch (h->mode) {
	case IPCFS_MQ_LINES:
		/* The first line is the one that would fail now; a later one
		 * too long makes a short write, and the retry fails here. */
		nl = memchr(buf, '\n', size);
		body = nl ? (size_t)(nl + 1 - buf) : size;
		return h->pending->len + body > (size_t)h->msgsize ? -EMSGSIZE : 0;
	case IPCFS_MQ_PRIO:
		if (ipc_mq_parse_frame(buf, size, &prio, &body) < 0)
			return -EINVAL;
		return size - body > (size_t)h->msgsize ? -EMSGSIZE : 0;
	default:
		return size > (size_t)h->msgsize ? -EMSGSIZE : 0;
	}
}

/* Frames the message of @len bytes that sits at MSG_HEADROOM in h->msg_buf
 * as the file shows it. h->lock held. */
static void frame_message(IpcfsHandle *h, size_t len)
{
	int head;

	h->received = true;
	h->msg_start = MSG_HEADROOM;
	h->msg_end = MSG_HEADROOM + len;
	h->newline_added = h->mode == IPCFS_MQ_LINES && (len == 0 || h->msg_buf[h->msg_end - 1] != '\n');
	if (h->newline_added)
		h->msg_buf[h->msg_end++] = '\n';
	if (h->mode == IPCFS_MQ_PRIO) {
		char prefix[MSG_HEADROOM];

		head = snprintf(prefix, sizeof(prefix), "%u ", h->msg_prio);
		h->msg_start -= head;
		memcpy(h->msg_buf + h->msg_start, prefix, head);
	}
	h->msg_pos = h->msg_start;
}

static void ensure_msg_buf(IpcfsHandle *h)
{
	if (!h->msg_buf)
		h->msg_buf = g_malloc(MSG_HEADROOM + h->msgsize + 1);
}

void ipcfs_mq_hand_over(IpcfsHandle *h, const IpcfsHeldMsg *msg)
{
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&h->lock);

	ensure_msg_buf(h);
	memcpy(h->msg_buf + MSG_HEADROOM, msg->bytes, msg->len);
	h->msg_prio = msg->prio;
	frame_message(h, msg->len);
}

int ipcfs_mq_take(IpcfsHandle *h)
{
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&h->lock);
	ssize_t len;

	/* Two readers of one open file: the message it holds is theirs. */
	if (h->received)
		return 0;
	ensure_msg_buf(h);
	len = ipc_mq_receive(h->fd, h->msg_buf + MSG_HEADROOM, h->msgsize, &h->msg_prio, 0);
	if (len < 0)
		return len;
	frame_message(h, len);
	return 0;
}

void ipcfs_mq_put_back(IpcfsHandle *h)
{
	IpcfsHeldMsg *msg = NULL;

	/* Only a message none of which went out goes back. */
	g_mutex_lock(&h->lock);
	if (h->received && h->msg_pos == h->msg_start && h->msg_pos < h->msg_end) {
		msg = ipcfs_held_msg_new(h->msg_buf + MSG_HEADROOM,
					 h->msg_end - MSG_HEADROOM - h->newline_added, h->msg_prio);
		h->received = false;
	}
	g_mutex_unlock(&h->lock);
	if (msg)
		ipcfs_mq_give_back(h, msg);
}

typedef struct {
	unsigned prio;
	size_t off; /* in the reply */
	size_t len; /* without a newline recv-lines added */
} BatchEntry;

/* Appends what is left of the message @h holds, if it fits (or nothing went
 * before it); returns true if the reply has room for more. h->lock held. */
static bool batch_add_held(IpcfsHandle *h, GByteArray *out, GArray *whole, size_t size)
{
	size_t left = h->msg_end - h->msg_pos;
	size_t n = MIN(left, size - out->len);

	if (n < left && out->len > 0)
		n = 0;
	if (n > 0 && h->msg_pos == h->msg_start) {
		BatchEntry e = {h->msg_prio, out->len,
				h->msg_end - h->msg_start - h->newline_added};

		g_array_append_val(whole, e);
	}
	g_byte_array_append(out, (guint8 *)h->msg_buf + h->msg_pos, n);
	h->msg_pos += n;
	h->received = h->msg_pos < h->msg_end;
	return !h->received && out->len < size;
}

/* Receives messages straight into the reply while the largest one would fit:
 * no copy through msg_buf, no lock round per message. Returns false once the
 * queue is empty (or failed). h->lock held. */
static bool batch_receive(IpcfsHandle *h, GByteArray *out, GArray *whole, size_t size)
{
	while (size - out->len > (size_t)h->msgsize) {
		BatchEntry e = {0, out->len, 0};
		ssize_t len;

		g_byte_array_set_size(out, e.off + h->msgsize + 1);
		len = ipc_mq_receive(h->fd, (char *)out->data + e.off, h->msgsize, &e.prio, 0);
		if (len < 0) {
			g_byte_array_set_size(out, e.off);
			return false;
		}
		e.len = len;
		g_array_append_val(whole, e);
		if (len == 0 || out->data[e.off + len - 1] != '\n')
			out->data[e.off + len++] = '\n';
		g_byte_array_set_size(out, e.off + len);
	}
	return true;
}

/* recv-lines: whole messages while they fit; one alone larger than the read
 * is handed out over several reads. */
static void reply_batch(fuse_req_t req, IpcfsHandle *h, size_t size)
{
	g_autoptr(GByteArray) out = g_byte_array_sized_new(MIN(size, 1 << 16));
	g_autoptr(GArray) whole = g_array_new(FALSE, FALSE, sizeof(BatchEntry));
	bool more;

	g_mutex_lock(&h->lock);
	more = batch_add_held(h, out, whole, size) && batch_receive(h, out, whole, size);
	g_mutex_unlock(&h->lock);
	/* Less room left than the largest message: one at a time, through msg_buf. */
	while (more && ipcfs_mq_take(h) == 0) {
		g_mutex_lock(&h->lock);
		more = batch_add_held(h, out, whole, size);
		g_mutex_unlock(&h->lock);
	}
	h->batch_started = true;
	if (fuse_reply_buf(req, (char *)out->data, out->len) == 0)
		return;
	for (guint i = 0; i < whole->len; i++) {
		BatchEntry *e = &g_array_index(whole, BatchEntry, i);

		ipcfs_mq_give_back(h, ipcfs_held_msg_new((char *)out->data + e->off, e->len, e->prio));
	}
}

void ipcfs_mq_reply_message(fuse_req_t req, IpcfsHandle *h, size_t size)
{
	g_autofree char *bytes = NULL;
	size_t n;
	bool first;

	if (h->mode == IPCFS_MQ_LINES) {
		reply_batch(req, h, size);
		return;
	}
	/* Copy and account before replying: the reader may close the moment
	 * the kernel has the bytes, and RELEASE frees @h, possibly while the
	 * reply call has yet to return. A failed reply means no one closes. */
	g_mutex_lock(&h->lock);
	n = MIN(size, h->msg_end - h->msg_pos);
	bytes = g_memdup2(h->msg_buf + h->msg_pos, n);
	first = h->msg_pos == h->msg_start;
	h->msg_pos += n;
	g_mutex_unlock(&h->lock);
	if (fuse_reply_buf(req, bytes, n) < 0 && first) {
		g_mutex_lock(&h->lock);
		h->msg_pos = h->msg_start;
		g_mutex_unlock(&h->lock);
		ipcfs_mq_put_back(h);
	}
}

static int info_open(IpcfsHandle *h, int flags)
{
	return open_queue(h, O_RDONLY, IPCFS_MQ_PLAIN);
}

static int info_snapshot(IpcfsHandle *h, fuse_req_t req)
{
	IpcMqInfo info;
	int r = ipc_mq_getattr(h->fd, &info);

	if (r < 0)
		return r;
	g_string_printf(h->text, "maxmsg %ld\nmsgsize %ld\ncurmsgs %ld\nqsize %lld\nnotify_pid %d\n",
			info.maxmsg, info.msgsize, info.curmsgs, info.qsize, (int)info.notify_pid);
	return 0;
}

#define SEND_FILE(fname, open_fn)                                                                  \
	{                                                                                          \
		.name = fname, .perm_mask = 0222, .stream = true, .inode_per_open = true,         \
		.open = open_fn,                                                                   \
		.write = send_write, .poll = ipcfs_mq_poll, .release = queue_release,              \
	}
#define RECV_FILE(fname, open_fn)                                                                  \
	{                                                                                          \
		.name = fname, .perm_mask = 0444, .stream = true, .open = open_fn,                 \
		.read = recv_read, .poll = ipcfs_mq_poll, .release = queue_release,                \
	}

static const IpcfsFile send_file = SEND_FILE("send", send_open);
static const IpcfsFile send_prio_file = SEND_FILE("send-prio", send_prio_open);
static const IpcfsFile recv_file = RECV_FILE("recv", recv_open);
static const IpcfsFile recv_prio_file = RECV_FILE("recv-prio", recv_prio_open);
static const IpcfsFile recv_lines_file = RECV_FILE("recv-lines", recv_lines_open);
static const IpcfsFile send_lines_file = {
	.name = "send-lines",
	.perm_mask = 0222,
	.stream = true,
	.inode_per_open = true,
	.open = send_lines_open,
	.write = send_write,
	.flush = send_lines_flush,
	.poll = ipcfs_mq_poll,
	.release = queue_release,
};

static const IpcfsFile info_file = {
	.name = "info",
	.perm_mask = 0444,
	.open = info_open,
	.snapshot = info_snapshot,
	.release = queue_release,
};

static const IpcfsFile *const mq_files[] = {
	&send_file,  &send_prio_file, &send_lines_file, &recv_file,
	&recv_prio_file, &recv_lines_file, &info_file,  &ipcfs_holders_file, NULL,
};

const IpcfsKind ipcfs_mq_kind = {
	.dirname = "mq",
	.ino = IPCFS_INO_MQ,
	.files = mq_files,
	.name_check = mq_name_check,
	.list = mq_list,
	.stat = mq_stat,
	.create = mq_create,
	.remove = ipc_mq_unlink,
	.backing = mq_backing,
	.held_key = mq_held_key,
};

/* mq/.create: "[maxmsg=N] [msgsize=N] [mode=OCTAL] NAME" makes a queue. */
static void create_write(fuse_req_t req, IpcfsHandle *h, const char *buf, size_t size, off_t off,
			 int flags)
{
	g_autofree char *name = NULL;
	long maxmsg = 0, msgsize = 0;
	mode_t mode = 0600;
	int r = ipc_mq_parse_create(buf, size, &maxmsg, &msgsize, &mode, &name);

	if (r == 0)
		r = mq_name_check(name);
	if (r == 0)
		r = ipcfs_creds_enter(req);
	if (r == 0) {
		r = create_queue(name, mode, maxmsg, msgsize);
		ipcfs_creds_leave();
	}
	if (r < 0)
		ipcfs_reply_err(req, r);
	else
		fuse_reply_write(req, size);
}

const IpcfsFile ipcfs_mq_create_file = {
	.name = ".create",
	.perm_mask = 0222,
	.stream = true,
	.write = create_write,
};

/* The limits file reports the caller's own RLIMIT_MSGQUEUE. */
static void print_rlimit(GString *out, pid_t pid)
{
	struct rlimit rl;

	if (pid <= 0 || prlimit(pid, RLIMIT_MSGQUEUE, NULL, &rl) < 0)
		getrlimit(RLIMIT_MSGQUEUE, &rl);
	if (rl.rlim_cur == RLIM_INFINITY)
		g_string_append(out, "rlimit_msgqueue unlimited\n");
	else
		g_string_append_printf(out, "rlimit_msgqueue %llu\n",
				       (unsigned long long)rl.rlim_cur);
}

/* System V limits, each use beside its limit as NAME_used (shmall and its
 * use in pages). Left out if the kernel has no System V IPC. */
static void print_sysv_limits(GString *out)
{
	IpcSysvLimits l;

	if (ipc_sysv_limits(&l) < 0)
		return;
	g_string_append_printf(out,
			       "shmmax %llu\nshmall %llu\nshmall_used %llu\nshmmni %llu\n"
			       "shmmni_used %llu\nmsgmax %llu\nmsgmnb %llu\nmsgmni %llu\n"
			       "msgmni_used %llu\nsemmsl %llu\nsemmns %llu\nsemmns_used %llu\n"
			       "semopm %llu\nsemmni %llu\nsemmni_used %llu\n",
			       l.shmmax, l.shmall, l.shm_pages, l.shmmni, l.shm_segments, l.msgmax,
			       l.msgmnb, l.msgmni, l.msg_queues, l.semmsl, l.semmns, l.sem_count,
			       l.semopm, l.semmni, l.sem_sets);
}

static int limits_snapshot(IpcfsHandle *h, fuse_req_t req)
{
	IpcMqLimits l;
	int r = ipc_mq_limits(&l);

	if (r < 0)
		return r;
	g_string_printf(h->text,
			"msg_max %ld\nmsgsize_max %ld\nqueues_max %ld\nmsg_default %ld\n"
			"msgsize_default %ld\n",
			l.msg_max, l.msgsize_max, l.queues_max, l.msg_default, l.msgsize_default);
	print_rlimit(h->text, fuse_req_ctx(req)->pid);
	print_sysv_limits(h->text);
	return 0;
}

const IpcfsFile ipcfs_limits_file = {
	.name = "limits",
	.perm_mask = 0444,
	.snapshot = limits_snapshot,
};
