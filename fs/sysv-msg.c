/* sysv-msg.c — System V message queues as sysv/msg/ID/{send,send-type,
 * recv,recv-type,info}, sysv/msg/.create and sysv/msg/by-key/.
 *
 * send and send-type behave like mq/NAME/send and send-prio, with a type
 * (>= 1; send uses 1) in place of the priority; recv and recv-type like recv
 * and recv-prio: one message of any type per open file (msgrcv type 0),
 * handed out over as many reads as the reader makes. A message too big for
 * the queue (above msgmax: EINVAL, as msgsnd says; above the queue's qbytes,
 * which msgsnd would wait for forever: EMSGSIZE) fails at once and sends
 * nothing.
 *
 * Requests that must wait (an empty queue, a full one) go to later.h's
 * waiter pool: a queue has no descriptor to poll and msgrcv no timeout, so a
 * pool thread's wait retries with IPC_NOWAIT every RETRY_MS within its slice
 * (sleeping between tries): a bounded latency, no busy loop. A message taken
 * for a reader that cannot have it goes back with msgsnd, to the end of the
 * queue (System V cannot put a message first), keeping its type.
 */
#define G_LOG_DOMAIN "ipcfs"

#include "ipc-sysv-msg.h"
#include "ns.h"
#include "sysv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#define RETRY_MS 5

static int msg_create(const IpcSysvCreate *c)
{
	return ipc_sysv_msg_create(c->key, c->mode);
}

static int msg_info(int id, IpcSysvPerm *perm, struct stat *st)
{
	IpcSysvMsgInfo info;
	int r = ipc_sysv_msg_info(id, &info);

	if (r < 0)
		return r;
	*perm = info.perm;
	st->st_atime = info.rtime;
	st->st_mtime = MAX(MAX(info.stime, info.rtime), info.perm.ctime);
	return 0;
}

static const IpcfsSysvType msg_type = {
	.kind = IPC_SYSV_MSG,
	.held = IPC_HELD_SYSV_MSG,
	.create = msg_create,
	.list = ipc_sysv_msg_list,
	.info = msg_info,
	.set = ipc_sysv_msg_set,
	.remove = ipc_sysv_msg_remove,
};

IPCFS_SYSV_KIND_CALLBACKS(msg, msg_type)

static const IpcfsLaterKind queue_kind = {.what = "System V queue"};

/* An open send, send-type, recv or recv-type file (IpcfsHandle.state). */
typedef struct {
	int id;
	bool typed;      /* send-type, recv-type: "TYPE BYTES" */
	size_t msgmax;   /* the largest message, when the file was opened */
	GMutex lock;     /* protects the rest, the message of recv files */
	bool taken;      /* the message of this open was received */
	GString *out;    /* that message as the file shows it */
	size_t body;     /* where its bytes start in out */
	long type;
	size_t pos;      /* next byte of out to hand out */
} MsgFile;

/* msgmax, read from /proc at most once a second: every open wants it, and
 * it seldom changes. */
static long msgmax(void)
{
	static GMutex lock;
	static long value;     /* protected by lock */
	static gint64 read_at; /* protected by lock; 0: never */
	gint64 now = g_get_monotonic_time();
	long r;

	g_mutex_lock(&lock);
	if (!read_at || now - read_at > G_USEC_PER_SEC) {
		value = ipc_sysv_msg_max();
		read_at = value < 0 ? 0 : now;
	}
	r = value;
	g_mutex_unlock(&lock);
	return r;
}

static int open_queue(IpcfsHandle *h, bool typed)
{
	IpcSysvMsgInfo info;
	MsgFile *f;
	int id = ipcfs_sysv_id(h->name);
	long max = msgmax();
	int r = id < 0 ? id : ipc_sysv_msg_info(id, &info);

	if (r == 0 && max < 0)
		r = max;
	if (r < 0)
		return ipcfs_sysv_gone(r);
	f = g_new0(MsgFile, 1);
	f->id = id;
	f->typed = typed;
	f->msgmax = max;
	g_mutex_init(&f->lock);
	h->state = f;
	return 0;
}

static int plain_open(IpcfsHandle *h, int flags)
{
	return open_queue(h, false);
}

static int typed_open(IpcfsHandle *h, int flags)
{
	return open_queue(h, true);
}

static void queue_release(IpcfsHandle *h)
{
	MsgFile *f = h->state;

	if (!f)
		return;
	if (f->out)
		g_string_free(f->out, TRUE);
	g_mutex_clear(&f->lock);
	g_free(f);
}

/* A message on its way back into its queue. */
typedef struct {
	IpcfsLaterReturn ret;
	IpcfsNs *ns; /* the queue's namespace, with a reference */
	int id;
	size_t len;
	IpcSysvMsg msg;
} HeldMsg;

static int held_put(IpcfsLaterReturn *ret, int fd, int ms);
static void held_free(IpcfsLaterReturn *ret);

static HeldMsg *held_new(IpcfsNs *ns, int id, long type, const char *bytes, size_t len)
{
	HeldMsg *m = g_malloc(sizeof(HeldMsg) + len);

	m->ret.put = held_put;
	m->ret.free = held_free;
	m->ns = ipcfs_ns_ref(ns);
	m->id = id;
	m->len = len;
	m->msg.type = type;
	memcpy(m->msg.text, bytes, len);
	return m;
}

/* Retries @attempt every RETRY_MS until it is not -EAGAIN or @ms have
 * passed (0: once). */
static int retry_for(int ms, int (*attempt)(void *data), void *data)
{
	gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;
	int r;

	while ((r = attempt(data)) == -EAGAIN && g_get_monotonic_time() < end)
		g_usleep(RETRY_MS * 1000);
	return r;
}

static int held_send(void *data)
{
	HeldMsg *m = data;

	return ipc_sysv_msg_send(m->id, &m->msg, m->len, true);
}

/* Put back as the daemon, in the queue's namespace (from whichever thread
 * later.c puts it back on): the message was the queue's already. */
static int held_put(IpcfsLaterReturn *ret, int fd, int ms)
{
	HeldMsg *m = (HeldMsg *)ret;
	IpcfsNs *was;
	int r = ipcfs_ns_enter(m->ns, &was);

	if (r < 0)
		return r;
	r = retry_for(ms, held_send, ret);
	ipcfs_ns_leave(was);
	return r == -EIDRM || r == -EINVAL ? -EIDRM : r;
}

static void held_free(IpcfsLaterReturn *ret)
{
	ipcfs_ns_unref(((HeldMsg *)ret)->ns);
	g_free(ret);
}

/* Makes a message the one this open file hands out. f->lock held. */
static void frame_message(MsgFile *f, long type, const char *bytes, size_t len)
{
	if (!f->out)
		f->out = g_string_sized_new(len + 24);
	g_string_truncate(f->out, 0);
	if (f->typed)
		g_string_append_printf(f->out, "%ld ", type);
	f->body = f->out->len;
	g_string_append_len(f->out, bytes, len);
	f->type = type;
	f->pos = 0;
	f->taken = true;
}

typedef struct {
	IpcfsSysvWait w;
	IpcfsHandle *h; /* stays while a request on it waits: RELEASE comes after every reply */
	size_t size;
	int id;
	size_t msgmax;
	ssize_t len;    /* of the message received into buf */
	bool took;      /* this request took the message the file holds */
	IpcSysvMsg buf; /* msgmax bytes of text */
} RecvWait;

static int receive_now(void *data)
{
	RecvWait *rw = data;

	rw->len = ipc_sysv_msg_receive(rw->id, &rw->buf, rw->msgmax, 0, true);
	if (rw->len == -ENOMSG)
		return -EAGAIN;
	return rw->len < 0 ? (int)rw->len : 0;
}

/* A message held for this queue comes first (only in try: under the lock). */
static bool take_held(IpcfsLater *l, MsgFile *f, int ms)
{
	HeldMsg *m = ms == 0 ? (HeldMsg *)ipcfs_later_take_back(l) : NULL;

	if (!m)
		return false;
	frame_message(f, m->msg.type, m->msg.text, m->len);
	m->ret.free(&m->ret);
	return true;
}

/* The file's lock is held while a try receives: it does not wait, and a try
 * runs under later.c's lock, where nothing can be given back. It is not held
 * while waiting: reads of the same open file that hold a message are
 * answered meanwhile. */
static int recv_attempt(IpcfsLater *l, int ms)
{
	RecvWait *rw = (RecvWait *)l;
	MsgFile *f = rw->h->state;
	bool done;
	int r = 0;

	g_mutex_lock(&f->lock);
	/* Another read of the same open file took it: the rest is ours. */
	done = f->taken;
	if (!done && take_held(l, f, ms))
		done = rw->took = true;
	if (!done && ms == 0 && (r = ipcfs_sysv_gone(receive_now(rw))) == 0) {
		frame_message(f, rw->buf.type, rw->buf.text, rw->len);
		rw->took = true;
	}
	g_mutex_unlock(&f->lock);
	if (done || ms == 0)
		return r;
	r = ipcfs_sysv_gone(retry_for(ms, receive_now, rw));
	if (r < 0)
		return r;
	g_mutex_lock(&f->lock);
	/* Another read of the same open file took one meanwhile: the rest of
	 * it is ours, and what we took goes back. */
	done = f->taken;
	if (!done)
		frame_message(f, rw->buf.type, rw->buf.text, rw->len);
	g_mutex_unlock(&f->lock);
	rw->took = !done;
	if (done)
		ipcfs_later_give_back(&l->obj,
				      &held_new(rw->w.ns, f->id, rw->buf.type, rw->buf.text,
						rw->len)->ret);
	return 0;
}

static void recv_undo(IpcfsLater *l)
{
	RecvWait *rw = (RecvWait *)l;
	MsgFile *f = rw->h->state;
	HeldMsg *m = NULL;

	if (!rw->took)
		return;
	/* Only a message none of which went out goes back. */
	g_mutex_lock(&f->lock);
	if (f->taken && f->pos == 0) {
		m = held_new(rw->w.ns, f->id, f->type, f->out->str + f->body,
			     f->out->len - f->body);
		f->taken = false;
		/* A read of the same open file answered meanwhile gets EOF,
		 * not the message that went back. */
		f->pos = f->out->len;
	}
	g_mutex_unlock(&f->lock);
	if (m)
		ipcfs_later_give_back(&l->obj, &m->ret);
}

/* Copies and accounts before replying: the reader may close the moment it
 * has the bytes, and RELEASE frees the handle. */
static int recv_reply(IpcfsLater *l)
{
	RecvWait *rw = (RecvWait *)l;
	MsgFile *f = rw->h->state;
	g_autofree char *bytes = NULL;
	size_t n;
	bool first;
	int r;

	g_mutex_lock(&f->lock);
	n = MIN(rw->size, f->out->len - f->pos);
	bytes = g_memdup2(f->out->str + f->pos, n);
	first = f->pos == 0;
	f->pos += n;
	g_mutex_unlock(&f->lock);
	r = fuse_reply_buf(l->req, bytes, n);
	if (r < 0 && first) {
		g_mutex_lock(&f->lock);
		f->pos = 0;
		g_mutex_unlock(&f->lock);
	}
	return r;
}

static void recv_free(IpcfsLater *l)
{
	ipcfs_sysv_wait_clear((IpcfsSysvWait *)l);
	g_free(l);
}

static const IpcfsLaterOps recv_ops = {
	.try = ipcfs_sysv_try,
	.wait = ipcfs_sysv_wait,
	.reply = recv_reply,
	.undo = recv_undo,
	.free = recv_free,
};

static void recv_read(fuse_req_t req, IpcfsHandle *h, size_t size, off_t off, int flags)
{
	MsgFile *f = h->state;
	RecvWait *rw;
	bool taken;
	int r;

	g_mutex_lock(&f->lock);
	taken = f->taken;
	g_mutex_unlock(&f->lock);
	rw = g_malloc0(sizeof(RecvWait) + (taken ? 0 : f->msgmax));
	rw->h = h;
	rw->size = size;
	rw->id = f->id;
	rw->msgmax = f->msgmax;
	rw->w.later.req = req;
	/* The rest of the message this open file holds, or its EOF: no need
	 * to wait behind the readers of the queue. */
	if (taken) {
		recv_reply(&rw->w.later);
		g_free(rw);
		return;
	}
	rw->w.attempt = recv_attempt;
	r = ipcfs_creds_enter(req);
	if (r < 0) {
		g_free(rw);
		ipcfs_reply_err(req, r);
		return;
	}
	ipcfs_sysv_wait_init(&rw->w, req, &queue_kind, f->id, IPCFS_LATER_IN, &recv_ops);
	ipcfs_creds_leave();
	ipcfs_later_submit(&rw->w.later, flags & O_NONBLOCK);
}

typedef struct {
	IpcfsSysvWait w;
	size_t size; /* bytes of the write, reported written */
	int id;
	size_t len;  /* bytes of the message */
	IpcSysvMsg msg;
} SendWait;

static int send_now(void *data)
{
	SendWait *sw = data;

	return ipc_sysv_msg_send(sw->id, &sw->msg, sw->len, true);
}

/* What is held to go back into the queue goes before any send: later.c
 * sees to that for a try (@ms 0, under its lock); a waiting send (on a pool
 * thread) gives way here, for a short while each turn. */
static int send_attempt(IpcfsLater *l, int ms)
{
	if (ms > 0 && ipcfs_later_holds(&l->obj)) {
		g_usleep(MIN(ms, RETRY_MS) * 1000);
		return -EAGAIN;
	}
	return ipcfs_sysv_gone(retry_for(ms, send_now, l));
}

static int send_reply(IpcfsLater *l)
{
	return fuse_reply_write(l->req, ((SendWait *)l)->size);
}

static const IpcfsLaterOps send_ops = {
	.try = ipcfs_sysv_try,
	.wait = ipcfs_sysv_wait,
	.reply = send_reply,
	.free = recv_free,
};

/* What a write would fail with whatever the queue holds, else 0, and the
 * message's type and bytes. */
static int check_send(const MsgFile *f, const char *buf, size_t size, long *type, size_t *body)
{
	IpcSysvMsgInfo info;
	int r;

	*type = 1;
	*body = 0;
	if (f->typed && ipc_sysv_msg_parse_frame(buf, size, type, body) < 0)
		return -EINVAL;
	if (size - *body > f->msgmax)
		return -EINVAL;
	r = ipc_sysv_msg_info(f->id, &info);
	if (r < 0)
		return ipcfs_sysv_gone(r);
	return size - *body > info.qbytes ? -EMSGSIZE : 0;
}

static void send_write(fuse_req_t req, IpcfsHandle *h, const char *buf, size_t size, off_t off,
		       int flags)
{
	MsgFile *f = h->state;
	SendWait *sw;
	size_t body;
	long type;
	int r = check_send(f, buf, size, &type, &body);

	if (r == 0)
		r = ipcfs_creds_enter(req);
	if (r < 0) {
		ipcfs_reply_err(req, r);
		return;
	}
	sw = g_malloc0(sizeof(SendWait) + size - body);
	sw->size = size;
	sw->id = f->id;
	sw->len = size - body;
	sw->msg.type = type;
	memcpy(sw->msg.text, buf + body, sw->len);
	sw->w.attempt = send_attempt;
	ipcfs_sysv_wait_init(&sw->w, req, &queue_kind, f->id, IPCFS_LATER_OUT, &send_ops);
	sw->w.later.cost = sw->len;
	ipcfs_creds_leave();
	ipcfs_later_submit(&sw->w.later, flags & O_NONBLOCK);
}

static int info_snapshot(IpcfsHandle *h, fuse_req_t req)
{
	IpcSysvMsgInfo info;
	int id = ipcfs_sysv_id(h->name);
	int r = id < 0 ? id : ipc_sysv_msg_info(id, &info);

	if (r < 0)
		return ipcfs_sysv_gone(r);
	ipcfs_sysv_print_perm(h->text, &info.perm);
	g_string_append_printf(h->text,
			       "qnum %" G_GUINT64_FORMAT "\nqbytes %" G_GUINT64_FORMAT
			       "\ncbytes %" G_GUINT64_FORMAT "\nlspid %d\nlrpid %d\nstime %lld\n"
			       "rtime %lld\nctime %lld\n",
			       info.qnum, info.qbytes, info.cbytes, (int)info.lspid, (int)info.lrpid,
			       (long long)info.stime, (long long)info.rtime,
			       (long long)info.perm.ctime);
	return 0;
}

#define SEND_FILE(fname, open_fn)                                                                  \
	{                                                                                          \
		.name = fname, .perm_mask = 0222, .stream = true, .inode_per_open = true,         \
		.open = open_fn, .write = send_write, .release = queue_release,                    \
	}
#define RECV_FILE(fname, open_fn)                                                                  \
	{                                                                                          \
		.name = fname, .perm_mask = 0444, .stream = true, .open = open_fn,                 \
		.read = recv_read, .release = queue_release,                                       \
	}

static const IpcfsFile send_file = SEND_FILE("send", plain_open);
static const IpcfsFile send_type_file = SEND_FILE("send-type", typed_open);
static const IpcfsFile recv_file = RECV_FILE("recv", plain_open);
static const IpcfsFile recv_type_file = RECV_FILE("recv-type", typed_open);

static const IpcfsFile info_file = {
	.name = "info",
	.perm_mask = 0444,
	.snapshot = info_snapshot,
};

static const IpcfsFile *const msg_files[] = {
	&send_file, &send_type_file, &recv_file, &recv_type_file, &info_file, &ipcfs_holders_file,
	NULL,
};

const IpcfsKind ipcfs_sysv_msg_kind = {
	.dirname = "msg",
	.ino = IPCFS_INO_SYSV_MSG,
	.files = msg_files,
	.name_check = ipcfs_sysv_name_check,
	.list = msg_list,
	.stat = msg_stat,
	.remove = msg_remove,
	.set_attrs = msg_set_attrs,
	.key_lookup = msg_key_lookup,
	.keys = msg_keys,
	.held_key = msg_held_key,
};

const IpcfsFile ipcfs_sysv_msg_create_file = {
	.name = ".create",
	.perm_mask = 0666,
	.read = ipcfs_sysv_create_read,
	.write = msg_create_write,
};
