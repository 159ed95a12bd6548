/* mq.c — POSIX message queues as mq/NAME/{send,send-prio,send-lines,recv,
 * recv-prio,recv-lines,info},
 * mq/.create for queues with their own attributes, and the limits file.
 *
 * Every open file holds its own queue descriptor, opened with the caller's
 * credentials and O_NONBLOCK, and its own MqOpen: the message it is handing
 * out, or the line it is gathering. The daemon itself never waits in the
 * kernel: a read of an empty queue or a write to a full one is an MqRequest
 * answered later (later.c); the queue descriptor polls for it.
 */
#define G_LOG_DOMAIN "ipcfs"

#include "creds.h"
#include "ipc-name.h"
#include "ipc-sysv-limits.h"
#include "ipcfs.h"
#include "later.h"
#include "ns.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
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
	if (ipcfs_ns_here()->mq_dirfd < 0) {
		*names = g_ptr_array_new_with_free_func(g_free);
		return 0;
	}
	return ipc_mq_list(ipcfs_ns_here()->mq_dirfd, names);
}

static int mq_stat(const char *name, struct stat *st)
{
	return ipc_mq_stat(ipcfs_ns_here()->mq_dirfd, name, st);
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
	*key = (IpcHeldKey){IPC_HELD_FILE, ipcfs_ns_here()->mq_dev, object_id};
}

static int mq_backing(const char *name, int *dirfd, char **file)
{
	if (ipcfs_ns_here()->mq_dirfd < 0)
		return -EOPNOTSUPP;
	*dirfd = ipcfs_ns_here()->mq_dirfd;
	*file = g_strdup(name);
	return 0;
}

typedef enum {
	MQ_PLAIN, /* send, recv: the bytes as they are, one message per open */
	MQ_PRIO,  /* send-prio, recv-prio: "PRIO BYTES" */
	MQ_LINES, /* send-lines, recv-lines: one message per line, batched */
} MqMode;

/* An open send or recv file: h->state. */
typedef struct {
	IpcfsLaterObject obj; /* the queue: its inode, and h->fd to poll */
	MqMode mode;          /* how the file frames messages */
	long msgsize;         /* the queue's */
	GMutex lock;          /* protects everything below */
	char *msg_buf;        /* receive buffer: headroom, msgsize bytes, a newline */
	bool received;        /* a message was taken and not all handed out yet
			       * (or, for plain recv files, ever: one per open) */
	bool newline_added;   /* recv-lines ended the message with a "\n" of its own */
	bool batch_started;   /* recv-lines: a batch went out; empty queue means EOF */
	GString *pending;     /* send-lines: the start of a line not yet ended */
	size_t msg_start;     /* first byte of the message (or of its frame) */
	size_t msg_pos;       /* next byte to hand out */
	size_t msg_end;       /* end of the message in msg_buf */
	unsigned msg_prio;
} MqOpen;

/* A read or a write of an open queue file, answered now or later. */
typedef struct {
	IpcfsLater later;
	MqOpen *q;
	size_t size;         /* read: bytes asked for; write: bytes written */
	const char *buf;     /* write: what was written (NULL: a flush) */
	char *copy;          /* buf, kept while the write waits */
	ssize_t sent;        /* write: bytes sent */
	bool took;           /* read: it took the message the open file holds */
} MqRequest;

/* A message taken for a reader that could not have it, on its way back. */
typedef struct {
	IpcfsLaterReturn ret;
	unsigned prio;
	size_t len;
	char bytes[];
} MqHeld;

/* Requests parked on a queue that was removed (mq_unlink) would wait for
 * good: no one can open it any more. */
static int queue_removed(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && st.st_nlink == 0 ? -EIDRM : 0;
}

static const IpcfsLaterKind queue_kind = {.what = "queue", .removed = queue_removed};

/* The spot's descriptor may be read-only: the same queue is reopened for
 * writing through /proc, which works even once the queue is unlinked. */
static int held_put(IpcfsLaterReturn *ret, int fd, int ms)
{
	MqHeld *held = (MqHeld *)ret;
	char path[32];
	int wfd, r;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	/* Blocking, so that @ms counts (ipc_mq_send's deadline); 0 does not wait. */
	wfd = open(path, O_WRONLY | O_CLOEXEC);
	if (wfd < 0)
		return -errno;
	r = ipc_mq_send(wfd, held->bytes, held->len, held->prio, ms);
	close(wfd);
	return r;
}

static void held_free(IpcfsLaterReturn *ret)
{
	g_free(ret);
}

static MqHeld *held_new(const char *bytes, size_t len, unsigned prio)
{
	MqHeld *held = g_malloc(sizeof(*held) + len);

	held->ret.put = held_put;
	held->ret.free = held_free;
	held->prio = prio;
	held->len = len;
	memcpy(held->bytes, bytes, len);
	return held;
}

static int open_queue(IpcfsHandle *h, int oflag, MqMode mode)
{
	MqOpen *q = g_new0(MqOpen, 1);
	IpcMqInfo info;
	struct stat st;
	int r;

	g_mutex_init(&q->lock);
	q->mode = mode;
	if (mode == MQ_LINES && oflag == O_WRONLY)
		q->pending = g_string_new(NULL);
	h->state = q;
	h->fd = ipc_mq_open(h->name, oflag | O_NONBLOCK);
	if (h->fd < 0)
		return h->fd;
	r = ipc_mq_getattr(h->fd, &info);
	if (r == 0 && fstat(h->fd, &st) < 0)
		r = -errno;
	q->msgsize = info.msgsize;
	q->obj = (IpcfsLaterObject){.kind = &queue_kind, .id = st.st_ino, .fd = h->fd};
	return r;
}

static int send_open(IpcfsHandle *h, int flags)
{
	return open_queue(h, O_WRONLY, MQ_PLAIN);
}

static int send_prio_open(IpcfsHandle *h, int flags)
{
	return open_queue(h, O_WRONLY, MQ_PRIO);
}

static int send_lines_open(IpcfsHandle *h, int flags)
{
	return open_queue(h, O_WRONLY, MQ_LINES);
}

static int recv_open(IpcfsHandle *h, int flags)
{
	return open_queue(h, O_RDONLY, MQ_PLAIN);
}

static int recv_prio_open(IpcfsHandle *h, int flags)
{
	return open_queue(h, O_RDONLY, MQ_PRIO);
}

static int recv_lines_open(IpcfsHandle *h, int flags)
{
	return open_queue(h, O_RDONLY, MQ_LINES);
}

/* Sends the lines of @buf, the first one completing q->pending; keeps a
 * final partial line in q->pending. */
static ssize_t send_lines(MqOpen *q, int fd, const char *buf, size_t size)
{
	size_t done = 0;
	int r = 0;

	while (done < size) {
		const char *nl = memchr(buf + done, '\n', size - done);
		size_t n = nl ? (size_t)(nl + 1 - (buf + done)) : size - done;
		size_t keep = q->pending->len;

		if (keep + n > (size_t)q->msgsize) {
			r = -EMSGSIZE;
			break;
		}
		g_string_append_len(q->pending, buf + done, n);
		if (nl) {
			r = ipc_mq_send(fd, q->pending->str, q->pending->len, 0, 0);
			if (r < 0) {
				g_string_truncate(q->pending, keep);
				break;
			}
			g_string_truncate(q->pending, 0);
		}
		done += n;
	}
	return done > 0 ? (ssize_t)done : r;
}

/* Sends what one write of @size bytes carries: one message, or with
 * send-lines one per line (a final partial line waits for the next write or
 * for close). @buf NULL sends send-lines' pending partial line. Returns the
 * bytes consumed (maybe fewer than @size: a short write), -EAGAIN if the
 * queue was full before anything was sent, or another -errno. */
static ssize_t send_write(MqOpen *q, const char *buf, size_t size)
{
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&q->lock);
	unsigned prio;
	size_t body;
	int r;

	if (!buf) {
		/* Another close of the same open file may have sent it already. */
		if (q->pending->len == 0)
			return 0;
		r = ipc_mq_send(q->obj.fd, q->pending->str, q->pending->len, 0, 0);
		if (r == 0)
			g_string_truncate(q->pending, 0);
		return r;
	}
	switch (q->mode) {
	case MQ_LINES:
		return send_lines(q, q->obj.fd, buf, size);
	case MQ_PRIO:
		if (ipc_mq_parse_frame(buf, size, &prio, &body) < 0)
			return -EINVAL;
		break;
	default:
		prio = 0;
		body = 0;
	}
	r = ipc_mq_send(q->obj.fd, buf + body, size - body, prio, 0);
	return r < 0 ? r : (ssize_t)size;
}

/* What a write of @size bytes would fail with whatever the queue holds
 * (-EMSGSIZE, -EINVAL for a bad frame), else 0: checked before a write
 * waits. */
static int check_write(MqOpen *q, const char *buf, size_t size)
{
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&q->lock);
	const char *nl;
	unsigned prio;
	size_t body;

	switch (q->mode) {
	case MQ_LINES:
		/* The first line is the one that would fail now; a later one
		 * too long makes a short write, and the retry fails here. */
		nl = memchr(buf, '\n', size);
		body = nl ? (size_t)(nl + 1 - buf) : size;
		return q->pending->len + body > (size_t)q->msgsize ? -EMSGSIZE : 0;
	case MQ_PRIO:
		if (ipc_mq_parse_frame(buf, size, &prio, &body) < 0)
			return -EINVAL;
		return size - body > (size_t)q->msgsize ? -EMSGSIZE : 0;
	default:
		return size > (size_t)q->msgsize ? -EMSGSIZE : 0;
	}
}

/* Frames the message of @len bytes that sits at MSG_HEADROOM in q->msg_buf
 * as the file shows it. q->lock held. */
static void frame_message(MqOpen *q, size_t len)
{
	int head;

	q->received = true;
	q->msg_start = MSG_HEADROOM;
	q->msg_end = MSG_HEADROOM + len;
	q->newline_added = q->mode == MQ_LINES && (len == 0 || q->msg_buf[q->msg_end - 1] != '\n');
	if (q->newline_added)
		q->msg_buf[q->msg_end++] = '\n';
	if (q->mode == MQ_PRIO) {
		char prefix[MSG_HEADROOM];

		head = snprintf(prefix, sizeof(prefix), "%u ", q->msg_prio);
		q->msg_start -= head;
		memcpy(q->msg_buf + q->msg_start, prefix, head);
	}
	q->msg_pos = q->msg_start;
}

static void ensure_msg_buf(MqOpen *q)
{
	if (!q->msg_buf)
		q->msg_buf = g_malloc(MSG_HEADROOM + q->msgsize + 1);
}

/* Makes @held the message @q holds, as if it had been received. q->lock held. */
static void hand_over(MqOpen *q, const MqHeld *held)
{
	ensure_msg_buf(q);
	memcpy(q->msg_buf + MSG_HEADROOM, held->bytes, held->len);
	q->msg_prio = held->prio;
	frame_message(q, held->len);
}

/* Receives the next message for @q without waiting: 0, -EAGAIN when the
 * queue is empty, or another -errno. q->lock held. */
static int receive_locked(MqOpen *q)
{
	ssize_t len;

	ensure_msg_buf(q);
	len = ipc_mq_receive(q->obj.fd, q->msg_buf + MSG_HEADROOM, q->msgsize, &q->msg_prio, 0);
	if (len < 0)
		return len;
	frame_message(q, len);
	return 0;
}

/* As receive_locked, but 0 at once if @q holds a message already: two
 * readers of one open file, the message it holds is theirs. */
static int take(MqOpen *q)
{
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&q->lock);

	return q->received ? 0 : receive_locked(q);
}

/* Gives the message @q holds back, if none of it was handed out, and
 * forgets it: into the queue at once if there is room, else held, for the
 * next reader or until there is room. Never dropped. */
static void put_back(MqOpen *q)
{
	MqHeld *held = NULL;

	g_mutex_lock(&q->lock);
	if (q->received && q->msg_pos == q->msg_start && q->msg_pos < q->msg_end) {
		held = held_new(q->msg_buf + MSG_HEADROOM,
				q->msg_end - MSG_HEADROOM - q->newline_added, q->msg_prio);
		q->received = false;
		/* A read of the same open file answered meanwhile gets EOF,
		 * not the message that went back. */
		q->msg_pos = q->msg_end;
	}
	g_mutex_unlock(&q->lock);
	if (held)
		ipcfs_later_give_back(&q->obj, &held->ret);
}

typedef struct {
	unsigned prio;
	size_t off; /* in the reply */
	size_t len; /* without a newline recv-lines added */
} BatchEntry;

/* Appends what is left of the message @q holds, if it fits (or nothing went
 * before it); returns true if the reply has room for more. Only a message
 * that goes out whole is recorded in @whole, to be given back should the
 * reply fail. q->lock held. */
static bool batch_add_held(MqOpen *q, GByteArray *out, GArray *whole, size_t size)
{
	size_t left = q->msg_end - q->msg_pos;
	size_t n = MIN(left, size - out->len);

	if (n < left && out->len > 0)
		n = 0;
	if (n == left && n > 0 && q->msg_pos == q->msg_start) {
		BatchEntry e = {q->msg_prio, out->len,
				q->msg_end - q->msg_start - q->newline_added};

		g_array_append_val(whole, e);
	}
	g_byte_array_append(out, (guint8 *)q->msg_buf + q->msg_pos, n);
	q->msg_pos += n;
	q->received = q->msg_pos < q->msg_end;
	return !q->received && out->len < size;
}

/* Receives messages straight into the reply while the largest one would fit:
 * no copy through msg_buf, no lock round per message. Returns false once the
 * queue is empty (or failed). q->lock held. */
static bool batch_receive(MqOpen *q, GByteArray *out, GArray *whole, size_t size)
{
	while (size - out->len > (size_t)q->msgsize) {
		BatchEntry e = {0, out->len, 0};
		ssize_t len;

		g_byte_array_set_size(out, e.off + q->msgsize + 1);
		len = ipc_mq_receive(q->obj.fd, (char *)out->data + e.off, q->msgsize, &e.prio, 0);
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
 * is handed out over several reads. A failed reply gives back every whole
 * message it carried. */
static int reply_batch(fuse_req_t req, MqOpen *q, size_t size)
{
	g_autoptr(GByteArray) out = g_byte_array_sized_new(MIN(size, 1 << 16));
	g_autoptr(GArray) whole = g_array_new(FALSE, FALSE, sizeof(BatchEntry));
	size_t head_pos;
	bool more;
	int r;

	g_mutex_lock(&q->lock);
	/* A message larger than the read goes out in pieces: should the first
	 * piece's reply fail, the message is whole again (read_undo). */
	head_pos = q->received ? q->msg_pos : q->msg_end;
	more = batch_add_held(q, out, whole, size) && batch_receive(q, out, whole, size);
	q->batch_started = true;
	g_mutex_unlock(&q->lock);
	/* Less room left than the largest message: one at a time, through msg_buf. */
	while (more && take(q) == 0) {
		g_mutex_lock(&q->lock);
		more = batch_add_held(q, out, whole, size);
		g_mutex_unlock(&q->lock);
	}
	r = fuse_reply_buf(req, (char *)out->data, out->len);
	if (r < 0) {
		g_mutex_lock(&q->lock);
		/* Only the first message can have gone out in part. */
		if (q->received && q->msg_pos != q->msg_start && head_pos == q->msg_start)
			q->msg_pos = q->msg_start;
		g_mutex_unlock(&q->lock);
	}
	for (guint i = 0; r < 0 && i < whole->len; i++) {
		BatchEntry *e = &g_array_index(whole, BatchEntry, i);

		ipcfs_later_give_back(&q->obj, &held_new((char *)out->data + e->off, e->len, e->prio)->ret);
	}
	return r;
}

/* Replies with up to @size further bytes of @q's message (0 bytes: EOF);
 * recv-lines adds every further message that waits and fits. A failed
 * reply leaves the message whole, for read_undo to give back. */
static int reply_message(fuse_req_t req, MqOpen *q, size_t size)
{
	g_autofree char *bytes = NULL;
	size_t n;
	bool first;
	int r;

	if (q->mode == MQ_LINES)
		return reply_batch(req, q, size);
	/* Copy and account before replying: the reader may close the moment
	 * the kernel has the bytes, and RELEASE frees @q, possibly while the
	 * reply call has yet to return. A failed reply means no one closes. */
	g_mutex_lock(&q->lock);
	n = MIN(size, q->msg_end - q->msg_pos);
	bytes = g_memdup2(q->msg_buf + q->msg_pos, n);
	first = q->msg_pos == q->msg_start;
	q->msg_pos += n;
	g_mutex_unlock(&q->lock);
	r = fuse_reply_buf(req, bytes, n);
	if (r < 0 && first) {
		g_mutex_lock(&q->lock);
		q->msg_pos = q->msg_start;
		g_mutex_unlock(&q->lock);
	}
	return r;
}

static MqRequest *request_new(fuse_req_t req, const IpcfsLaterOps *ops, IpcfsLaterWay way,
			      MqOpen *q)
{
	MqRequest *r = g_new0(MqRequest, 1);

	r->later = (IpcfsLater){.ops = ops, .req = req, .obj = q->obj, .way = way};
	r->q = q;
	return r;
}

static void request_free(IpcfsLater *l)
{
	MqRequest *r = (MqRequest *)l;

	g_free(r->copy);
	g_free(r);
}

/* A held message first (it was the queue's head), else the queue's next;
 * nothing if the open file holds one already. */
static int read_try(IpcfsLater *l)
{
	MqRequest *r = (MqRequest *)l;
	MqOpen *q = r->q;
	IpcfsLaterReturn *ret = NULL;
	int err = 0;

	g_mutex_lock(&q->lock);
	if (!q->received) {
		ret = ipcfs_later_take_back(l);
		if (ret)
			hand_over(q, (MqHeld *)ret);
		else
			err = receive_locked(q);
		r->took = err == 0;
	}
	/* recv-lines ends its batch when the queue runs dry. */
	if (err == -EAGAIN && q->batch_started)
		err = 0;
	g_mutex_unlock(&q->lock);
	if (ret)
		ret->free(ret);
	return err;
}

static int read_reply(IpcfsLater *l)
{
	MqRequest *r = (MqRequest *)l;

	return reply_message(l->req, r->q, r->size);
}

/* Only what this read took: another read of the same open file may be
 * handing out the message it holds. */
static void read_undo(IpcfsLater *l)
{
	MqRequest *r = (MqRequest *)l;

	if (r->took)
		put_back(r->q);
}

static const IpcfsLaterOps read_ops = {
	.try = read_try,
	.reply = read_reply,
	.undo = read_undo,
	.free = request_free,
};

static void recv_read(fuse_req_t req, IpcfsHandle *h, size_t size, off_t off, int flags)
{
	MqRequest *r = request_new(req, &read_ops, IPCFS_LATER_IN, h->state);

	r->size = size;
	ipcfs_later_submit(&r->later, flags & O_NONBLOCK);
}

static int write_try(IpcfsLater *l)
{
	MqRequest *r = (MqRequest *)l;

	r->sent = send_write(r->q, r->buf, r->size);
	return r->sent < 0 ? r->sent : 0;
}

static void write_keep(IpcfsLater *l)
{
	MqRequest *r = (MqRequest *)l;

	r->buf = r->copy = g_memdup2(r->buf, r->size);
}

static int write_reply(IpcfsLater *l)
{
	MqRequest *r = (MqRequest *)l;

	return r->buf ? fuse_reply_write(l->req, r->sent) : fuse_reply_err(l->req, 0);
}

/* A message sent is final: no undo. */
static const IpcfsLaterOps write_ops = {
	.try = write_try,
	.keep = write_keep,
	.reply = write_reply,
	.free = request_free,
};

/* @buf NULL: a flush (close) of send-lines, answered with 0. */
static void queue_write(fuse_req_t req, MqOpen *q, const char *buf, size_t size, bool nonblock)
{
	MqRequest *r;
	int err = buf ? check_write(q, buf, size) : 0;

	if (err < 0) {
		ipcfs_reply_err(req, err);
		return;
	}
	r = request_new(req, &write_ops, IPCFS_LATER_OUT, q);
	r->buf = buf;
	r->size = size;
	r->later.cost = size;
	ipcfs_later_submit(&r->later, nonblock);
}

static void send_file_write(fuse_req_t req, IpcfsHandle *h, const char *buf, size_t size,
			    off_t off, int flags)
{
	queue_write(req, h->state, buf, size, flags & O_NONBLOCK);
}

/* close(2) of send-lines sends the last line even without its newline. */
static void send_lines_flush(fuse_req_t req, IpcfsHandle *h)
{
	MqOpen *q = h->state;
	bool pending;

	g_mutex_lock(&q->lock);
	pending = q->pending->len > 0;
	g_mutex_unlock(&q->lock);
	if (pending)
		queue_write(req, q, NULL, 0, false);
	else
		ipcfs_reply_err(req, 0);
}

/* A read would not wait for the queue: the open file holds bytes or its
 * EOF, or a message taken earlier is held for the next reader. */
static bool read_ready(MqOpen *q)
{
	bool ready;

	g_mutex_lock(&q->lock);
	ready = q->received || q->batch_started;
	g_mutex_unlock(&q->lock);
	return ready || ipcfs_later_holds(&q->obj);
}

static void queue_poll(fuse_req_t req, IpcfsHandle *h, struct fuse_pollhandle *ph)
{
	MqOpen *q = h->state;
	unsigned want = h->file->read ? POLLIN : POLLOUT;
	unsigned revents = 0;
	IpcMqInfo info;
	int r = ipc_mq_getattr(h->fd, &info);

	if (r < 0) {
		if (ph)
			fuse_pollhandle_destroy(ph);
		ipcfs_reply_err(req, r);
		return;
	}
	if (info.curmsgs > 0 || (h->file->read && read_ready(q)))
		revents |= POLLIN | POLLRDNORM;
	if (info.curmsgs < info.maxmsg)
		revents |= POLLOUT | POLLWRNORM;
	/* If the event is there already, the kernel does not wait. */
	if (ph && (revents & want))
		fuse_pollhandle_destroy(ph);
	else if (ph)
		ipcfs_later_poll_wait(&q->obj, h, ph, want == POLLIN ? EPOLLIN : EPOLLOUT);
	fuse_reply_poll(req, revents);
}

static void queue_release(IpcfsHandle *h)
{
	MqOpen *q = h->state;

	if (!q)
		return;
	if (h->fd >= 0) {
		/* recv-lines may hold a whole message it had no room for: back it goes. */
		put_back(q);
		ipcfs_later_poll_forget(&q->obj, h);
		ipc_mq_close(h->fd);
	}
	g_free(q->msg_buf);
	if (q->pending)
		g_string_free(q->pending, TRUE);
	g_mutex_clear(&q->lock);
	g_free(q);
}

static int info_open(IpcfsHandle *h, int flags)
{
	h->fd = ipc_mq_open(h->name, O_RDONLY | O_NONBLOCK);
	return h->fd < 0 ? h->fd : 0;
}

static void info_release(IpcfsHandle *h)
{
	if (h->fd >= 0)
		ipc_mq_close(h->fd);
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
		.write = send_file_write, .poll = queue_poll, .release = queue_release,              \
	}
#define RECV_FILE(fname, open_fn)                                                                  \
	{                                                                                          \
		.name = fname, .perm_mask = 0444, .stream = true, .open = open_fn,                 \
		.read = recv_read, .poll = queue_poll, .release = queue_release,                \
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
	.write = send_file_write,
	.flush = send_lines_flush,
	.poll = queue_poll,
	.release = queue_release,
};

static const IpcfsFile info_file = {
	.name = "info",
	.perm_mask = 0444,
	.open = info_open,
	.snapshot = info_snapshot,
	.release = info_release,
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
