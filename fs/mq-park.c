/* mq-park.c — reads and writes that must wait, answered later.
 *
 * A worker never waits in the kernel. A read of an empty queue (or a write
 * to a full one) becomes a Parked request: it is filed under its queue's
 * Watch, in arrival order, and in the `parked` table by fuse_req_t, and the
 * worker goes back to the loop. One event thread polls one descriptor per
 * watched queue (a queue descriptor is pollable: EPOLLIN when a message
 * waits, EPOLLOUT when there is room) and answers the oldest requests first.
 *
 * Ownership and locking, once:
 * - park_lock guards `parked`, `watches` and everything in them, and each
 *   handle's ph/poll_events. A Parked is owned by whoever unlinks it from the
 *   table under park_lock: the event thread (it answers), the interrupt
 *   callback (EINTR) or shutdown (ENOTCONN). Exactly one of them replies.
 * - A message is taken from the kernel only under park_lock, for the oldest
 *   reader still parked; so an interrupt either finds the reader parked and
 *   nothing taken, or finds it gone. The interrupt callback is unregistered
 *   (outside park_lock: libfuse calls the callback with the request's lock
 *   held, and the callback takes park_lock) before the reply; if the request
 *   was interrupted by then, the message goes back into the queue.
 * - Kernel notifications (poll) are sent after park_lock is dropped.
 * - A message that must go back (its reader was interrupted, or its reply
 *   failed) is not always accepted at once: a sender blocked in mq_send
 *   takes the slot the moment it frees. So it is held in its queue's Watch:
 *   the next reader through the mount gets it first, and EPOLLOUT sends it
 *   back before any parked write is served. It is never dropped.
 * - The bytes of parked writes are bounded per caller and in all.
 */
#define G_LOG_DOMAIN "ipcfs"

#include "caller.h"
#include "mq.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

/* How often parked requests look for their queue being removed. */
#define REMOVED_CHECK_MS 1000
/* Bytes of parked writes, per caller uid and in all: past them ENOBUFS. */
#define PARKED_BYTES_PER_CALLER (4 << 20)
#define PARKED_BYTES_TOTAL      (64 << 20)
/* How long shutdown may wait to send back what is still held. */
#define HELD_FLUSH_MS 2000

typedef struct Watch Watch;

typedef struct {
	fuse_req_t req;
	IpcfsHandle *h;
	Watch *watch;
	GList link;      /* in watch->readers or watch->writers */
	bool is_write;
	size_t size;     /* read: bytes asked for; write: bytes written */
	char *buf;       /* write: what was written; NULL for a flush */
	uid_t uid;       /* the caller, whose parked bytes count */
} Parked;

struct Watch {
	ino_t queue_id;  /* also the epoll key: 0 is the wake-up eventfd */
	int fd;          /* a dup of the first parked handle's descriptor */
	GQueue readers;  /* Parked, oldest first */
	GQueue writers;
	GList *pollers;  /* IpcfsHandle with a poll handle */
	GQueue held;     /* IpcfsHeldMsg to give back, oldest first */
	int put_fd;      /* the queue opened for writing, for put-backs; -1 if
			  * not opened yet, -2 if the daemon may not write it */
	guint32 events;  /* epoll interest now */
};

static GMutex park_lock;
static GHashTable *parked;  /* fuse_req_t -> Parked */
static GHashTable *watches; /* queue_id -> Watch */
static GHashTable *parked_bytes; /* uid -> bytes of its parked writes */
static size_t parked_bytes_total;
static int epfd = -1;
static int wake_fd = -1;    /* eventfd: ends the event thread */
static bool stopping;
static GThread *event_thread;

static Watch *watch_by_id(guint64 queue_id)
{
	return g_hash_table_lookup(watches, &queue_id);
}

static guint32 wanted_events(Watch *w)
{
	guint32 ev = 0;

	if (!g_queue_is_empty(&w->readers))
		ev |= EPOLLIN;
	if (!g_queue_is_empty(&w->writers) || (!g_queue_is_empty(&w->held) && w->put_fd != -2))
		ev |= EPOLLOUT;
	for (GList *l = w->pollers; l; l = l->next)
		ev |= ((IpcfsHandle *)l->data)->poll_events & (EPOLLIN | EPOLLOUT);
	return ev;
}

/* Brings the epoll interest up to date; frees a watch nobody needs. */
static void watch_update(Watch *w)
{
	guint32 ev = wanted_events(w);
	struct epoll_event e = {.events = ev, .data.u64 = w->queue_id};

	if (ev != w->events) {
		if (ev == 0)
			epoll_ctl(epfd, EPOLL_CTL_DEL, w->fd, NULL);
		else
			epoll_ctl(epfd, w->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, w->fd, &e);
		w->events = ev;
	}
	if (ev == 0 && g_queue_is_empty(&w->held)) {
		close(w->fd);
		if (w->put_fd >= 0)
			close(w->put_fd);
		g_hash_table_remove(watches, &w->queue_id);
	}
}

/* Returns @h's queue's watch, made if needed; NULL (errno set) if no
 * descriptor is left for it. */
static Watch *watch_get(IpcfsHandle *h)
{
	Watch *w = watch_by_id(h->queue_id);
	int fd;

	if (w)
		return w;
	fd = fcntl(h->fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	w = g_new0(Watch, 1);
	w->queue_id = h->queue_id;
	w->fd = fd;
	w->put_fd = -1;
	g_queue_init(&w->readers);
	g_queue_init(&w->writers);
	g_queue_init(&w->held);
	g_hash_table_insert(watches, &w->queue_id, w);
	return w;
}

IpcfsHeldMsg *ipcfs_held_msg_new(const char *bytes, size_t len, unsigned prio)
{
	IpcfsHeldMsg *msg = g_malloc(sizeof(*msg) + len);

	msg->prio = prio;
	msg->len = len;
	memcpy(msg->bytes, bytes, len);
	return msg;
}

/* Sends @w's held messages back while the queue has room. The watch's
 * descriptor may be read-only: the same queue is reopened for writing
 * through /proc, which works even once the queue is unlinked. park_lock
 * held. */
static void held_send_back(Watch *w, int timeout_ms)
{
	IpcfsHeldMsg *msg;
	int r = 0;

	if (w->put_fd == -1) {
		g_autofree char *path = g_strdup_printf("/proc/self/fd/%d", w->fd);

		w->put_fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (w->put_fd < 0)
			w->put_fd = -2;
	}
	while (w->put_fd >= 0 && (msg = g_queue_peek_head(&w->held))) {
		r = ipc_mq_send(w->put_fd, msg->bytes, msg->len, msg->prio, timeout_ms);
		if (r < 0)
			break;
		g_free(g_queue_pop_head(&w->held));
	}
	/* Only "full" is worth waiting for; anything else will not change. */
	if (r < 0 && r != -EAGAIN && r != -ETIMEDOUT) {
		g_warning("queue %ju: %u messages cannot be put back (%s); the next readers "
			  "through the mount get them",
			  (uintmax_t)w->queue_id, g_queue_get_length(&w->held), g_strerror(-r));
		close(w->put_fd);
		w->put_fd = -2;
	}
}

/* Gives @h the oldest message held for its queue, else the queue's next
 * one: 0, -EAGAIN or -errno. park_lock held. */
static int take_for(Watch *w, IpcfsHandle *h)
{
	IpcfsHeldMsg *msg = w ? g_queue_peek_head(&w->held) : NULL;

	if (!msg || h->received)
		return ipcfs_mq_take(h);
	ipcfs_mq_hand_over(h, msg);
	g_free(g_queue_pop_head(&w->held));
	watch_update(w);
	return 0;
}

static bool serve_one(guint64 id, bool writers);
static void notify_pollers(guint64 id, guint32 revents);

void ipcfs_mq_give_back(IpcfsHandle *h, IpcfsHeldMsg *msg)
{
	bool readers_wait = false;
	Watch *w;

	g_mutex_lock(&park_lock);
	w = watch_get(h);
	if (w) {
		g_queue_push_tail(&w->held, msg);
		held_send_back(w, 0);
		readers_wait = !g_queue_is_empty(&w->readers);
		watch_update(w);
	} else {
		/* No descriptor left for a watch: the reader's own, then. */
		int r = ipc_mq_send(h->fd, msg->bytes, msg->len, msg->prio, 0);

		if (r < 0)
			g_critical("queue %s: a message was lost: %s", h->name, g_strerror(-r));
		g_free(msg);
	}
	g_mutex_unlock(&park_lock);
	/* A reader parked meanwhile would wait for a message that is here. */
	while (readers_wait && serve_one(h->queue_id, false))
		;
	notify_pollers(h->queue_id, EPOLLIN);
}

/* A read asking @size bytes, or a write of the @size bytes at @buf (NULL:
 * a flush), copied: the request's buffer dies with the handler. */
static Parked *parked_new(fuse_req_t req, IpcfsHandle *h, bool is_write, const char *buf,
			  size_t size)
{
	Parked *p = g_new0(Parked, 1);

	p->req = req;
	p->h = h;
	p->is_write = is_write;
	p->buf = g_memdup2(buf, size);
	p->size = size;
	p->uid = fuse_req_ctx(req)->uid;
	return p;
}

/* Bytes @p keeps while parked: what it will write. */
static size_t parked_cost(const Parked *p)
{
	return p->buf ? p->size : 0;
}

/* Counts @p's bytes against its caller's share and the total; -ENOBUFS if
 * either would pass its bound. park_lock held. */
static int parked_bytes_add(const Parked *p)
{
	size_t cost = parked_cost(p);
	gpointer key = GUINT_TO_POINTER(p->uid);
	size_t mine = GPOINTER_TO_SIZE(g_hash_table_lookup(parked_bytes, key));

	if (cost == 0)
		return 0;
	if (mine + cost > PARKED_BYTES_PER_CALLER || parked_bytes_total + cost > PARKED_BYTES_TOTAL)
		return -ENOBUFS;
	g_hash_table_insert(parked_bytes, key, GSIZE_TO_POINTER(mine + cost));
	parked_bytes_total += cost;
	return 0;
}

static void parked_bytes_sub(const Parked *p)
{
	size_t cost = parked_cost(p);
	gpointer key = GUINT_TO_POINTER(p->uid);
	size_t mine = GPOINTER_TO_SIZE(g_hash_table_lookup(parked_bytes, key));

	if (cost == 0)
		return;
	if (mine == cost)
		g_hash_table_remove(parked_bytes, key);
	else
		g_hash_table_insert(parked_bytes, key, GSIZE_TO_POINTER(mine - cost));
	parked_bytes_total -= cost;
}

static void parked_free(Parked *p)
{
	g_free(p->buf);
	g_free(p);
}

/* Removes @p from the table and its watch; the caller now owns it. */
static void parked_unlink(Parked *p)
{
	g_hash_table_remove(parked, p->req);
	parked_bytes_sub(p);
	g_queue_unlink(p->is_write ? &p->watch->writers : &p->watch->readers, &p->link);
	watch_update(p->watch);
}

static void on_interrupt(fuse_req_t req, void *data)
{
	Parked *p;

	g_mutex_lock(&park_lock);
	p = g_hash_table_lookup(parked, req);
	if (p)
		parked_unlink(p);
	g_mutex_unlock(&park_lock);
	if (p) {
		g_debug("queue %s: parked %s interrupted", p->h->name, p->is_write ? "write" : "read");
		fuse_reply_err(req, EINTR);
		parked_free(p);
	}
}

/* Files @p to wait. The callback is registered first: if the interrupt
 * came already, it ran and found nothing, and fuse_req_interrupted says so. */
static void park(Parked *p)
{
	int err;

	fuse_req_interrupt_func(p->req, on_interrupt, NULL);
	g_mutex_lock(&park_lock);
	if (stopping) {
		err = ENOTCONN;
	} else if (fuse_req_interrupted(p->req)) {
		err = EINTR;
	} else if ((err = -parked_bytes_add(p)) == 0) {
		p->watch = watch_get(p->h);
		err = p->watch ? 0 : errno;
		if (err)
			parked_bytes_sub(p);
	}
	if (err) {
		g_mutex_unlock(&park_lock);
		fuse_req_interrupt_func(p->req, NULL, NULL);
		fuse_reply_err(p->req, err);
		parked_free(p);
		return;
	}
	p->link.data = p;
	g_queue_push_tail_link(p->is_write ? &p->watch->writers : &p->watch->readers, &p->link);
	g_hash_table_insert(parked, p->req, p);
	watch_update(p->watch);
	g_mutex_unlock(&park_lock);
}

/* Answers a read whose message @h holds (or the error @r). */
static void finish_read(Parked *p, int r)
{
	fuse_req_interrupt_func(p->req, NULL, NULL);
	if (r == 0 && (fuse_req_interrupted(p->req) || ipcfs_caller_dying(p->req))) {
		ipcfs_mq_put_back(p->h);
		r = -EINTR;
	}
	if (r < 0)
		ipcfs_reply_err(p->req, r);
	else
		ipcfs_mq_reply_message(p->req, p->h, p->size);
	parked_free(p);
}

static void finish_write(Parked *p, ssize_t r)
{
	fuse_req_interrupt_func(p->req, NULL, NULL);
	if (r < 0 || !p->buf)
		ipcfs_reply_err(p->req, MIN(r, 0));
	else
		fuse_reply_write(p->req, r);
	parked_free(p);
}

/* Serves the oldest parked request of one direction while the kernel lets
 * it proceed. Returns false when nothing more can be done now. */
static bool serve_one(guint64 id, bool writers)
{
	Parked *p;
	Watch *w;
	ssize_t r;

	g_mutex_lock(&park_lock);
	w = watch_by_id(id);
	if (w && writers && g_queue_is_empty(&w->writers)) {
		held_send_back(w, 0);
		watch_update(w);
		w = NULL;
	}
	p = w ? g_queue_peek_head(writers ? &w->writers : &w->readers) : NULL;
	if (!p) {
		g_mutex_unlock(&park_lock);
		return false;
	}
	if (writers) {
		held_send_back(w, 0);
		r = g_queue_is_empty(&w->held) ? ipcfs_mq_send_write(p->h, p->buf, p->size) : -EAGAIN;
	} else if (p->h->received) {
		r = 0;
	} else {
		r = ipcfs_caller_dying(p->req) ? -EINTR : take_for(w, p->h);
	}
	if (r == -EAGAIN) {
		g_mutex_unlock(&park_lock);
		return false;
	}
	parked_unlink(p);
	g_mutex_unlock(&park_lock);
	if (writers)
		finish_write(p, r);
	else
		finish_read(p, r);
	return true;
}

static void notify_pollers(guint64 id, guint32 revents)
{
	GPtrArray *ready = g_ptr_array_new();
	Watch *w;

	g_mutex_lock(&park_lock);
	w = watch_by_id(id);
	for (GList *l = w ? w->pollers : NULL, *next; l; l = next) {
		IpcfsHandle *h = l->data;

		next = l->next;
		if (!(h->poll_events & revents))
			continue;
		/* The kernel polls again and hands us a new handle if it still waits. */
		g_ptr_array_add(ready, h->ph);
		h->ph = NULL;
		w->pollers = g_list_delete_link(w->pollers, l);
	}
	if (w)
		watch_update(w);
	g_mutex_unlock(&park_lock);
	for (guint i = 0; i < ready->len; i++) {
		fuse_lowlevel_notify_poll(ready->pdata[i]);
		fuse_pollhandle_destroy(ready->pdata[i]);
	}
	g_ptr_array_free(ready, TRUE);
}

/* Answers @err to unlinked requests and frees them and the list. */
static void fail_all(GList *unlinked, int err)
{
	for (GList *l = unlinked; l; l = l->next) {
		Parked *p = l->data;

		fuse_req_interrupt_func(p->req, NULL, NULL);
		fuse_reply_err(p->req, err);
		parked_free(p);
	}
	g_list_free(unlinked);
}

/* Requests parked on a queue that was removed (mq_unlink) would wait for
 * good: no one can open it any more. They get EIDRM. */
static void fail_removed_queues(void)
{
	GList *gone = NULL;
	GList *watch_list;
	struct stat st;

	g_mutex_lock(&park_lock);
	watch_list = g_hash_table_get_values(watches);
	for (GList *l = watch_list; l; l = l->next) {
		Watch *w = l->data;
		GList *mine;

		if (fstat(w->fd, &st) < 0 || st.st_nlink > 0)
			continue;
		mine = g_list_concat(g_list_copy(w->readers.head), g_list_copy(w->writers.head));
		/* The last unlink may free w. */
		for (GList *m = mine; m; m = m->next)
			parked_unlink(m->data);
		gone = g_list_concat(gone, mine);
	}
	g_list_free(watch_list);
	g_mutex_unlock(&park_lock);
	fail_all(gone, EIDRM);
}

static gpointer event_loop(gpointer data)
{
	struct epoll_event evs[64];
	gint64 next_check = g_get_monotonic_time() + REMOVED_CHECK_MS * 1000;

	for (;;) {
		int n = epoll_wait(epfd, evs, G_N_ELEMENTS(evs), REMOVED_CHECK_MS);

		if (g_get_monotonic_time() >= next_check) {
			fail_removed_queues();
			next_check = g_get_monotonic_time() + REMOVED_CHECK_MS * 1000;
		}

		for (int i = 0; i < n; i++) {
			guint64 id = evs[i].data.u64;

			if (id == 0)
				return NULL;
			if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
				while (serve_one(id, false))
					;
			if (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
				while (serve_one(id, true))
					;
			notify_pollers(id, evs[i].events);
		}
	}
}

void ipcfs_mq_park_init(void)
{
	struct epoll_event e = {.events = EPOLLIN, .data.u64 = 0};

	parked = g_hash_table_new(g_direct_hash, g_direct_equal);
	parked_bytes = g_hash_table_new(g_direct_hash, g_direct_equal);
	watches = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	wake_fd = eventfd(0, EFD_CLOEXEC);
	if (epfd < 0 || wake_fd < 0)
		g_error("epoll: %s", g_strerror(errno));
	epoll_ctl(epfd, EPOLL_CTL_ADD, wake_fd, &e);
	event_thread = g_thread_new("mq-events", event_loop, NULL);
}

/* Held messages outlive the daemon only in their queue: wait a little for
 * room, then say what is lost. */
static void send_back_all_held(void)
{
	gint64 end = g_get_monotonic_time() + HELD_FLUSH_MS * 1000;
	GHashTableIter it;
	Watch *w;

	g_hash_table_iter_init(&it, watches);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&w)) {
		int left_ms = MAX((end - g_get_monotonic_time()) / 1000, 0);

		held_send_back(w, left_ms);
		if (!g_queue_is_empty(&w->held))
			g_critical("queue %ju: %u messages lost at shutdown: the queue stayed full",
				   (uintmax_t)w->queue_id, g_queue_get_length(&w->held));
		g_queue_clear_full(&w->held, g_free);
	}
}

/* Answers every parked request ENOTCONN (nothing was taken for them: EINTR
 * would make tools retry on a mount going away) and stops the thread. */
void ipcfs_mq_park_shutdown(void)
{
	GList *all;

	g_mutex_lock(&park_lock);
	stopping = true;
	all = g_hash_table_get_values(parked);
	for (GList *l = all; l; l = l->next)
		parked_unlink(l->data);
	g_mutex_unlock(&park_lock);
	fail_all(all, ENOTCONN);
	eventfd_write(wake_fd, 1);
	g_thread_join(event_thread);
	send_back_all_held();
	close(wake_fd);
	close(epfd);
	g_hash_table_unref(parked);
	g_hash_table_unref(parked_bytes);
	g_hash_table_unref(watches);
}

void ipcfs_mq_read(fuse_req_t req, IpcfsHandle *h, size_t size, bool nonblock)
{
	Watch *w;
	int r = -EAGAIN;

	if (fuse_req_interrupted(req)) {
		ipcfs_reply_err(req, -EINTR);
		return;
	}
	/* Take a message now only if no earlier reader waits for this queue. */
	g_mutex_lock(&park_lock);
	w = watch_by_id(h->queue_id);
	if (h->received)
		r = 0;
	else if (!w || g_queue_is_empty(&w->readers))
		r = ipcfs_caller_dying(req) ? -EINTR : take_for(w, h);
	g_mutex_unlock(&park_lock);
	if (r == 0) {
		ipcfs_mq_reply_message(req, h, size);
		return;
	}
	/* recv-lines ends its batch when the queue runs dry. */
	if (r == -EAGAIN && h->batch_started) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	if (r != -EAGAIN || nonblock) {
		ipcfs_reply_err(req, r);
		return;
	}
	park(parked_new(req, h, false, NULL, size));
}

void ipcfs_mq_write(fuse_req_t req, IpcfsHandle *h, const char *buf, size_t size, bool nonblock)
{
	Watch *w;
	ssize_t r = ipcfs_mq_check_write(h, buf, size);

	/* Send now only if no earlier writer, nor a held message, waits for
	 * room in this queue. */
	g_mutex_lock(&park_lock);
	w = watch_by_id(h->queue_id);
	if (r == 0)
		r = w && !(g_queue_is_empty(&w->writers) && g_queue_is_empty(&w->held))
			    ? -EAGAIN
			    : ipcfs_mq_send_write(h, buf, size);
	g_mutex_unlock(&park_lock);
	if (r != -EAGAIN || nonblock) {
		if (r < 0 || !buf)
			ipcfs_reply_err(req, MIN(r, 0));
		else
			fuse_reply_write(req, r);
		return;
	}
	park(parked_new(req, h, true, buf, size));
}

/* Keeps @ph (the newest only) until @h's event shows up; if it is there
 * already, the kernel does not wait and @ph is not needed. */
static void poll_register(IpcfsHandle *h, struct fuse_pollhandle *ph, unsigned revents)
{
	unsigned want = h->file->read ? POLLIN : POLLOUT;
	Watch *w;

	g_mutex_lock(&park_lock);
	w = (revents & want) ? NULL : watch_get(h);
	if (!w) {
		g_mutex_unlock(&park_lock);
		fuse_pollhandle_destroy(ph);
		return;
	}
	if (h->ph)
		fuse_pollhandle_destroy(h->ph);
	else
		w->pollers = g_list_prepend(w->pollers, h);
	h->ph = ph;
	h->poll_events = want == POLLIN ? EPOLLIN : EPOLLOUT;
	watch_update(w);
	g_mutex_unlock(&park_lock);
}

/* A read of @h would not wait for the queue: the open file holds bytes or
 * its EOF, or a message taken earlier is held for the next reader. */
static bool read_ready(IpcfsHandle *h)
{
	bool ready;
	Watch *w;

	if (!h->file->read)
		return false;
	g_mutex_lock(&h->lock);
	ready = h->received || h->batch_started;
	g_mutex_unlock(&h->lock);
	g_mutex_lock(&park_lock);
	w = watch_by_id(h->queue_id);
	ready = ready || (w && !g_queue_is_empty(&w->held));
	g_mutex_unlock(&park_lock);
	return ready;
}

void ipcfs_mq_poll(fuse_req_t req, IpcfsHandle *h, struct fuse_pollhandle *ph)
{
	IpcMqInfo info;
	unsigned revents = 0;
	int r = ipc_mq_getattr(h->fd, &info);

	if (r < 0) {
		if (ph)
			fuse_pollhandle_destroy(ph);
		ipcfs_reply_err(req, r);
		return;
	}
	if (info.curmsgs > 0 || read_ready(h))
		revents |= POLLIN | POLLRDNORM;
	if (info.curmsgs < info.maxmsg)
		revents |= POLLOUT | POLLWRNORM;
	if (ph)
		poll_register(h, ph, revents);
	fuse_reply_poll(req, revents);
}

void ipcfs_mq_forget_poll(IpcfsHandle *h)
{
	Watch *w;

	g_mutex_lock(&park_lock);
	if (h->ph) {
		w = watch_by_id(h->queue_id);
		w->pollers = g_list_remove(w->pollers, h);
		fuse_pollhandle_destroy(h->ph);
		h->ph = NULL;
		watch_update(w);
	}
	g_mutex_unlock(&park_lock);
}
