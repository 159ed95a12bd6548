/* later.c — requests answered later (see later.h for the contract).
 *
 * Objects with a descriptor: a parked request is filed in its object's Spot,
 * in one line per way, oldest first, and in the `parked` table by fuse_req_t.
 * One event thread polls one dup of the object's descriptor per Spot and
 * tries the oldest request of a line whenever the kernel says it may
 * proceed.
 *
 * Objects without one (fd -1): a parked request goes to a fixed pool of
 * waiter threads and takes turns on them, one slice of ops->wait at a time,
 * so a thousand waits need no thousand threads. Between slices it looks for
 * an interrupt, its caller dying or the daemon stopping.
 *
 * Ownership, once: `lock` guards `parked`, the spots and all in them, and
 * the byte counts. A request filed in a line belongs to whoever unlinks it
 * under the lock: the event thread (it answers), the interrupt callback
 * (EINTR), the removed-object check (EIDRM) or shutdown (ENOTCONN). A pool
 * request belongs to the pool thread running it; the others only mark it
 * abandoned. Whatever was taken for a request that is then not answered with
 * it is given back (ops->undo).
 *
 * libfuse runs an interrupt callback with the request's own lock held, and
 * fuse_req_interrupt_func takes that lock: so the callback is (un)registered
 * only with `lock` dropped, and never from inside the callback.
 */
#define G_LOG_DOMAIN "ipcfs"

#include "later.h"

#include "caller.h"
#include "ipcfs.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* How often the event thread looks for removed objects and retries
 * give-backs to objects it cannot poll. */
#define TICK_MS 1000
/* Bytes parked requests keep, per caller uid and in all: past them ENOBUFS. */
#define PARKED_BYTES_PER_CALLER (4 << 20)
#define PARKED_BYTES_TOTAL      (64 << 20)
/* How long shutdown may wait to put back what is still held. */
#define RETURNS_FLUSH_MS 2000
/* The waiter pool: a slice holds a thread WAIT_SLICE_MS at most, less when
 * waits crowd the pool, so that each wait is looked at about that often. */
#define WAITER_THREADS 32
#define WAIT_SLICE_MS  100
#define MIN_SLICE_MS   5

typedef struct {
	const void *owner;
	struct fuse_pollhandle *ph;
	guint32 events;
} Poller;

/* Everything parked on, held for or polled on one object. */
typedef struct {
	IpcfsLaterObject obj; /* obj.fd: our own dup, or -1 */
	guint64 serial;       /* the epoll key; 0 is the wake-up eventfd */
	GQueue lines[2];      /* IpcfsLater, oldest first, by way */
	GQueue returns;       /* IpcfsLaterReturn, oldest first */
	bool returns_stuck;   /* they can never go back: for takers only */
	GList *pollers;       /* Poller */
	guint32 events;       /* epoll interest now */
} Spot;

static GMutex lock;
static GHashTable *parked;        /* fuse_req_t -> IpcfsLater */
static GHashTable *spots;         /* Spot (by kind and id) -> itself */
static GHashTable *spots_by_serial; /* serial -> Spot */
static guint64 last_serial;
static GHashTable *parked_bytes;  /* uid -> bytes its parked requests keep */
static size_t parked_bytes_total;
static bool stopping;
static int epfd = -1;
static int wake_fd = -1;
static GThread *event_thread;
static GThreadPool *pool;
static gint pool_waits; /* atomic: requests in the pool */

static guint spot_hash(gconstpointer p)
{
	const IpcfsLaterObject *o = p;

	return g_direct_hash(o->kind) ^ g_int64_hash(&o->id);
}

static gboolean spot_equal(gconstpointer a, gconstpointer b)
{
	const IpcfsLaterObject *x = a, *y = b;

	return x->kind == y->kind && x->id == y->id;
}

/* Spot is keyed by its first member, obj. */
static Spot *spot_find(const IpcfsLaterObject *obj)
{
	return g_hash_table_lookup(spots, obj);
}

/* @obj's spot, made if needed; NULL (errno set) if no descriptor is left
 * for it. lock held. */
static Spot *spot_get(const IpcfsLaterObject *obj)
{
	Spot *s = spot_find(obj);
	int fd = -1;

	if (s)
		return s;
	if (obj->fd >= 0 && (fd = fcntl(obj->fd, F_DUPFD_CLOEXEC, 0)) < 0)
		return NULL;
	s = g_new0(Spot, 1);
	s->obj = *obj;
	s->obj.fd = fd;
	s->serial = ++last_serial;
	g_hash_table_add(spots, s);
	g_hash_table_insert(spots_by_serial, &s->serial, s);
	return s;
}

static guint32 wanted_events(Spot *s)
{
	guint32 ev = 0;

	if (!g_queue_is_empty(&s->lines[IPCFS_LATER_IN]))
		ev |= EPOLLIN;
	if (!g_queue_is_empty(&s->lines[IPCFS_LATER_OUT]) ||
	    (!g_queue_is_empty(&s->returns) && !s->returns_stuck))
		ev |= EPOLLOUT;
	for (GList *p = s->pollers; p; p = p->next)
		ev |= ((Poller *)p->data)->events;
	return ev;
}

/* Brings the epoll interest up to date; frees a spot nobody needs. lock held. */
static void spot_update(Spot *s)
{
	guint32 ev = wanted_events(s);
	struct epoll_event e = {.events = ev, .data.u64 = s->serial};

	if (s->obj.fd >= 0 && ev != s->events) {
		if (ev == 0)
			epoll_ctl(epfd, EPOLL_CTL_DEL, s->obj.fd, NULL);
		else
			epoll_ctl(epfd, s->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, s->obj.fd, &e);
		s->events = ev;
	}
	if (ev == 0 && g_queue_is_empty(&s->returns)) {
		if (s->obj.fd >= 0)
			close(s->obj.fd);
		g_hash_table_remove(spots_by_serial, &s->serial);
		g_hash_table_remove(spots, s);
		g_free(s);
	}
}

/* Puts @s's held returns back while its object takes them, waiting up to
 * @ms for room. lock held. */
static void returns_put(Spot *s, int ms)
{
	IpcfsLaterReturn *ret;
	int r = 0;

	while (!s->returns_stuck && (ret = g_queue_peek_head(&s->returns))) {
		r = ret->put(ret, s->obj.fd, ms);
		if (r < 0)
			break;
		g_queue_pop_head(&s->returns);
		ret->free(ret);
	}
	/* Only "full" is worth waiting for; anything else will not change. */
	if (r < 0 && r != -EAGAIN && r != -ETIMEDOUT) {
		g_warning("%s %ju: %u held cannot be put back (%s); the next takers through the "
			  "mount get them",
			  s->obj.kind->what, (uintmax_t)s->obj.id, g_queue_get_length(&s->returns),
			  g_strerror(-r));
		s->returns_stuck = true;
	}
}

static size_t *bytes_of(uid_t uid)
{
	size_t *mine = g_hash_table_lookup(parked_bytes, GUINT_TO_POINTER(uid));

	if (!mine) {
		mine = g_new0(size_t, 1);
		g_hash_table_insert(parked_bytes, GUINT_TO_POINTER(uid), mine);
	}
	return mine;
}

/* Counts @l's bytes against its caller's share and the total; -ENOBUFS if
 * either would pass its bound. lock held. */
static int bytes_add(const IpcfsLater *l)
{
	size_t *mine;

	if (l->cost == 0)
		return 0;
	mine = bytes_of(fuse_req_ctx(l->req)->uid);
	if (*mine + l->cost > PARKED_BYTES_PER_CALLER ||
	    parked_bytes_total + l->cost > PARKED_BYTES_TOTAL)
		return -ENOBUFS;
	*mine += l->cost;
	parked_bytes_total += l->cost;
	return 0;
}

static void bytes_sub(const IpcfsLater *l)
{
	uid_t uid = fuse_req_ctx(l->req)->uid;

	if (l->cost == 0)
		return;
	*bytes_of(uid) -= l->cost;
	parked_bytes_total -= l->cost;
	if (*bytes_of(uid) == 0)
		g_hash_table_remove(parked_bytes, GUINT_TO_POINTER(uid));
}

/* Removes @l from the table and its line; the caller now owns it. lock held. */
static void unlink_parked(IpcfsLater *l)
{
	g_hash_table_remove(parked, l->req);
	bytes_sub(l);
	if (l->spot) {
		g_queue_unlink(&((Spot *)l->spot)->lines[l->way], &l->link);
		spot_update(l->spot);
		l->spot = NULL;
	}
}

/* Answers @l with @r (0: what try or wait got) and frees it. A request that
 * took something is checked once more for an interrupt: what a caller that
 * is gone would get goes back. */
static void answer(IpcfsLater *l, int r, bool was_parked)
{
	if (r == 0 && l->ops->undo &&
	    (fuse_req_interrupted(l->req) || (was_parked && ipcfs_caller_dying(l->req))))
		r = -EINTR;
	if (r < 0) {
		if (l->ops->undo)
			l->ops->undo(l);
		ipcfs_reply_err(l->req, r);
	} else if (l->ops->reply(l) < 0 && l->ops->undo) {
		l->ops->undo(l);
	}
	l->ops->free(l);
}

/* Answers a request taken out of its line (not from its interrupt callback). */
static void answer_unlinked(IpcfsLater *l, int r)
{
	fuse_req_interrupt_func(l->req, NULL, NULL);
	answer(l, r, true);
}

static void on_interrupt(fuse_req_t req, void *data)
{
	IpcfsLater *l;

	g_mutex_lock(&lock);
	l = g_hash_table_lookup(parked, req);
	if (l && l->obj.fd < 0) {
		l->abandoned = true; /* its pool thread answers */
		l = NULL;
	} else if (l) {
		unlink_parked(l);
	}
	g_mutex_unlock(&lock);
	if (l) {
		g_debug("%s %ju: a parked request was interrupted", l->obj.kind->what,
			(uintmax_t)l->obj.id);
		answer(l, -EINTR, true);
	}
}

/* Whether something held must go back before a request of @way. lock held. */
static bool returns_first(Spot *s, IpcfsLaterWay way)
{
	return way == IPCFS_LATER_OUT && !g_queue_is_empty(&s->returns) && !s->returns_stuck;
}

/* Whether a new request may try now: no older one of its way waits, nor
 * anything held that must go back first. lock held. */
static bool may_try(Spot *s, IpcfsLaterWay way)
{
	return !s || (g_queue_is_empty(&s->lines[way]) && !returns_first(s, way));
}

/* Tries @l for real. IN requests take nothing for a caller being killed.
 * lock held. */
static int try_locked(IpcfsLater *l)
{
	if (l->way == IPCFS_LATER_IN && ipcfs_caller_dying(l->req))
		return -EINTR;
	return l->ops->try(l);
}

static void park(IpcfsLater *l);

void ipcfs_later_submit(IpcfsLater *l, bool nonblock)
{
	int r = -EAGAIN;

	if (fuse_req_interrupted(l->req)) {
		answer(l, -EINTR, false);
		return;
	}
	g_mutex_lock(&lock);
	if (may_try(spot_find(&l->obj), l->way))
		r = try_locked(l);
	g_mutex_unlock(&lock);
	if (r != -EAGAIN || nonblock)
		answer(l, r, false);
	else
		park(l);
}

/* Files @l to wait. The callback is registered first: if the interrupt came
 * already, it ran and found nothing, and fuse_req_interrupted says so. */
static void park(IpcfsLater *l)
{
	Spot *s = NULL;
	int r;

	if (l->ops->keep)
		l->ops->keep(l);
	fuse_req_interrupt_func(l->req, on_interrupt, NULL);
	g_mutex_lock(&lock);
	if (stopping)
		r = -ENOTCONN;
	else if (fuse_req_interrupted(l->req))
		r = -EINTR;
	else
		r = bytes_add(l);
	if (r == 0 && l->obj.fd >= 0 && !(s = spot_get(&l->obj))) {
		r = -errno;
		bytes_sub(l);
	}
	if (r < 0) {
		g_mutex_unlock(&lock);
		answer_unlinked(l, r);
		return;
	}
	g_hash_table_insert(parked, l->req, l);
	if (s) {
		l->spot = s;
		l->link.data = l;
		g_queue_push_tail_link(&s->lines[l->way], &l->link);
		spot_update(s);
	} else {
		g_atomic_int_inc(&pool_waits);
	}
	g_mutex_unlock(&lock);
	if (!s)
		g_thread_pool_push(pool, l, NULL); /* never fails: no thread is started */
}

/* Serves the oldest request of one way of a spot if the kernel lets it
 * proceed. Returns false when nothing more can be done now. */
static bool serve_one(guint64 serial, IpcfsLaterWay way)
{
	IpcfsLater *l = NULL;
	Spot *s;
	int r = -EAGAIN;

	g_mutex_lock(&lock);
	s = g_hash_table_lookup(spots_by_serial, &serial);
	if (s && way == IPCFS_LATER_OUT)
		returns_put(s, 0);
	if (s && (l = g_queue_peek_head(&s->lines[way])) && !returns_first(s, way))
		r = try_locked(l);
	if (r != -EAGAIN)
		unlink_parked(l);
	else if (s)
		spot_update(s);
	g_mutex_unlock(&lock);
	if (r == -EAGAIN)
		return false;
	answer_unlinked(l, r);
	return true;
}

/* Hands the kernel every poll handle of @s waiting for one of @revents. */
static void notify_pollers(guint64 serial, guint32 revents)
{
	g_autoptr(GPtrArray) ready = g_ptr_array_new();
	Spot *s;

	g_mutex_lock(&lock);
	s = g_hash_table_lookup(spots_by_serial, &serial);
	for (GList *p = s ? s->pollers : NULL, *next; p; p = next) {
		Poller *poller = p->data;

		next = p->next;
		if (!(poller->events & revents))
			continue;
		/* The kernel polls again and hands us a new handle if it still waits. */
		g_ptr_array_add(ready, poller->ph);
		g_free(poller);
		s->pollers = g_list_delete_link(s->pollers, p);
	}
	if (s)
		spot_update(s);
	g_mutex_unlock(&lock);
	for (guint i = 0; i < ready->len; i++) {
		fuse_lowlevel_notify_poll(ready->pdata[i]);
		fuse_pollhandle_destroy(ready->pdata[i]);
	}
}

/* Takes every request out of @s's lines, adding them to @out. lock held;
 * may free @s. */
static void unlink_all(Spot *s, GPtrArray *out)
{
	guint first = out->len;

	for (int way = 0; way < 2; way++)
		for (GList *p = s->lines[way].head; p; p = p->next)
			g_ptr_array_add(out, p->data);
	for (guint i = first; i < out->len; i++)
		unlink_parked(out->pdata[i]);
}

/* Once a second: requests parked on an object that is gone would wait for
 * good (no one can open it any more): they get EIDRM. Held returns to
 * objects without a descriptor are retried. */
static void tick(void)
{
	g_autoptr(GPtrArray) gone = g_ptr_array_new();
	GList *all;

	g_mutex_lock(&lock);
	all = g_hash_table_get_keys(spots);
	for (GList *p = all; p; p = p->next) {
		Spot *s = p->data;

		if (s->obj.fd < 0) {
			returns_put(s, 0);
			spot_update(s);
		} else if (s->obj.kind->removed && s->obj.kind->removed(s->obj.fd) < 0) {
			unlink_all(s, gone);
		}
	}
	g_list_free(all);
	g_mutex_unlock(&lock);
	for (guint i = 0; i < gone->len; i++)
		answer_unlinked(gone->pdata[i], -EIDRM);
}

static gpointer event_loop(gpointer data)
{
	struct epoll_event evs[64];
	gint64 next_tick = g_get_monotonic_time() + TICK_MS * 1000;

	for (;;) {
		int n = epoll_wait(epfd, evs, G_N_ELEMENTS(evs), TICK_MS);

		if (g_get_monotonic_time() >= next_tick) {
			tick();
			next_tick = g_get_monotonic_time() + TICK_MS * 1000;
		}
		for (int i = 0; i < n; i++) {
			guint64 serial = evs[i].data.u64;

			if (serial == 0)
				return NULL;
			if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
				while (serve_one(serial, IPCFS_LATER_IN))
					;
			if (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
				while (serve_one(serial, IPCFS_LATER_OUT))
					;
			notify_pollers(serial, evs[i].events);
		}
	}
}

/* Why a pool request must end now: -ENOTCONN (the daemon is stopping),
 * -EINTR (interrupted, or its caller is being killed), else 0. */
static int pool_abandoned(IpcfsLater *l)
{
	bool abandoned, stop;

	g_mutex_lock(&lock);
	abandoned = l->abandoned;
	stop = stopping;
	g_mutex_unlock(&lock);
	if (stop)
		return -ENOTCONN;
	return abandoned || fuse_req_interrupted(l->req) || ipcfs_caller_dying(l->req) ? -EINTR : 0;
}

static int slice_ms(void)
{
	int waits = MAX(g_atomic_int_get(&pool_waits), 1);

	return CLAMP(WAIT_SLICE_MS * WAITER_THREADS / waits, MIN_SLICE_MS, WAIT_SLICE_MS);
}

/* Runs one slice of a pool request, then files it again or answers it.
 * Whatever the slice got is answered only if the caller is still there. */
static void pool_run(gpointer data, gpointer unused)
{
	IpcfsLater *l = data;
	int r = pool_abandoned(l);

	if (r == 0)
		r = l->ops->wait(l, slice_ms());
	/* A send is final: it is answered whatever happened meanwhile. */
	if (r == -EAGAIN || (r == 0 && l->ops->undo))
		r = pool_abandoned(l) ?: r;
	if (r == -EAGAIN) {
		g_thread_pool_push(pool, l, NULL);
		return;
	}
	g_mutex_lock(&lock);
	unlink_parked(l);
	g_mutex_unlock(&lock);
	answer_unlinked(l, r);
	g_atomic_int_add(&pool_waits, -1);
}

int ipcfs_later_init(void)
{
	struct epoll_event e = {.events = EPOLLIN, .data.u64 = 0};
	g_autoptr(GError) error = NULL;

	parked = g_hash_table_new(g_direct_hash, g_direct_equal);
	spots = g_hash_table_new(spot_hash, spot_equal);
	spots_by_serial = g_hash_table_new(g_int64_hash, g_int64_equal);
	parked_bytes = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	wake_fd = eventfd(0, EFD_CLOEXEC);
	if (epfd < 0 || wake_fd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, wake_fd, &e) < 0) {
		g_printerr("ipcfs: cannot set up waiting: %s\n", g_strerror(errno));
		return -1;
	}
	/* Every waiter thread starts now: a pool that never has to start one
	 * never fails to take a request. */
	pool = g_thread_pool_new(pool_run, NULL, WAITER_THREADS, TRUE, &error);
	if (!pool) {
		g_printerr("ipcfs: cannot start the waiter threads: %s\n", error->message);
		return -1;
	}
	event_thread = g_thread_new("later-events", event_loop, NULL);
	return 0;
}

/* What is held outlives the daemon only in its object: wait a little for
 * room, then say what is lost. */
static void put_back_all(void)
{
	gint64 end = g_get_monotonic_time() + RETURNS_FLUSH_MS * 1000;
	GHashTableIter it;
	Spot *s;

	g_hash_table_iter_init(&it, spots);
	while (g_hash_table_iter_next(&it, (gpointer *)&s, NULL)) {
		returns_put(s, MAX((end - g_get_monotonic_time()) / 1000, 0));
		if (!g_queue_is_empty(&s->returns))
			g_critical("%s %ju: %u held lost at shutdown: it stayed full",
				   s->obj.kind->what, (uintmax_t)s->obj.id,
				   g_queue_get_length(&s->returns));
	}
}

void ipcfs_later_shutdown(void)
{
	g_autoptr(GPtrArray) all = g_ptr_array_new();
	GList *spot_list;

	g_mutex_lock(&lock);
	stopping = true;
	spot_list = g_hash_table_get_keys(spots);
	for (GList *p = spot_list; p; p = p->next)
		unlink_all(p->data, all);
	g_list_free(spot_list);
	g_mutex_unlock(&lock);
	/* Nothing was taken for them: EINTR would make tools retry on a mount
	 * going away. */
	for (guint i = 0; i < all->len; i++)
		answer_unlinked(all->pdata[i], -ENOTCONN);
	/* Each pool request sees `stopping` after its slice and leaves. */
	while (g_atomic_int_get(&pool_waits) > 0)
		g_usleep(MIN_SLICE_MS * 1000);
	g_thread_pool_free(pool, FALSE, TRUE);
	eventfd_write(wake_fd, 1);
	g_thread_join(event_thread);
	put_back_all();
	close(wake_fd);
	close(epfd);
}

IpcfsLaterReturn *ipcfs_later_take_back(IpcfsLater *l)
{
	Spot *s = spot_find(&l->obj);
	IpcfsLaterReturn *ret = s ? g_queue_pop_head(&s->returns) : NULL;

	if (ret)
		spot_update(s);
	return ret;
}

bool ipcfs_later_holds(const IpcfsLaterObject *obj)
{
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lock);
	Spot *s = spot_find(obj);

	return s && !g_queue_is_empty(&s->returns);
}

void ipcfs_later_give_back(const IpcfsLaterObject *obj, IpcfsLaterReturn *ret)
{
	guint64 serial = 0;
	Spot *s;
	int r;

	g_mutex_lock(&lock);
	s = spot_get(obj);
	if (s) {
		g_queue_push_tail(&s->returns, ret);
		returns_put(s, 0);
		/* A taker parked meanwhile would wait for what is here. */
		if (!g_queue_is_empty(&s->lines[IPCFS_LATER_IN]))
			serial = s->serial;
		spot_update(s);
	}
	g_mutex_unlock(&lock);
	if (!s) {
		/* No descriptor left for a spot: straight back, or lost. */
		r = ret->put(ret, obj->fd, 0);
		if (r < 0)
			g_critical("%s %ju: something held was lost: %s", obj->kind->what,
				   (uintmax_t)obj->id, g_strerror(-r));
		ret->free(ret);
		return;
	}
	while (serial && serve_one(serial, IPCFS_LATER_IN))
		;
}

static Poller *poller_of(Spot *s, const void *owner)
{
	for (GList *p = s->pollers; p; p = p->next)
		if (((Poller *)p->data)->owner == owner)
			return p->data;
	return NULL;
}

void ipcfs_later_poll_wait(const IpcfsLaterObject *obj, const void *owner,
			   struct fuse_pollhandle *ph, unsigned events)
{
	Poller *poller;
	Spot *s;

	g_mutex_lock(&lock);
	s = spot_get(obj);
	if (!s) {
		g_mutex_unlock(&lock);
		fuse_pollhandle_destroy(ph);
		return;
	}
	poller = poller_of(s, owner);
	if (poller) {
		fuse_pollhandle_destroy(poller->ph);
	} else {
		poller = g_new0(Poller, 1);
		poller->owner = owner;
		s->pollers = g_list_prepend(s->pollers, poller);
	}
	poller->ph = ph;
	poller->events = events;
	spot_update(s);
	g_mutex_unlock(&lock);
}

void ipcfs_later_poll_forget(const IpcfsLaterObject *obj, const void *owner)
{
	Spot *s;
	Poller *poller;

	g_mutex_lock(&lock);
	s = spot_find(obj);
	poller = s ? poller_of(s, owner) : NULL;
	if (poller) {
		s->pollers = g_list_remove(s->pollers, poller);
		fuse_pollhandle_destroy(poller->ph);
		g_free(poller);
		spot_update(s);
	}
	g_mutex_unlock(&lock);
}
