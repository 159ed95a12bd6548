/* later.h — requests answered later.
 *
 * A worker never waits in the kernel. A read that needs a message, a write
 * that needs room or a wait that needs a count is an IpcfsLater: the kind
 * tries it now and, if it cannot proceed, files it here; the worker returns
 * to the loop and the request is answered later, by the event thread (the
 * object has a pollable descriptor) or by a fixed pool of waiter threads (it
 * has none: semaphores, System V queues and sets). This module knows nothing
 * of message queues or semaphores. It owns, for every kind:
 * - order: the requests of one object and one way are tried oldest first,
 *   and a new one only once no older one waits;
 * - interrupts: an interrupted or abandoned request is answered EINTR (the
 *   caller dying counts), and what it took is given back (ops->undo);
 * - bounds: the bytes parked requests keep are bounded per caller and in all
 *   (ENOBUFS past them);
 * - give-backs that never drop: what must go back to a full object is held
 *   here and handed to the next taker, or put back as soon as there is room;
 * - shutdown: every parked request is answered ENOTCONN.
 *
 * Locking: one lock, the module's, guards every parked request and spot. A
 * kind's try() runs under it, so it must not block and must not call back in.
 */
#pragma once

#include <fuse_lowlevel.h>
#include <glib.h>
#include <stdbool.h>

typedef struct IpcfsLater IpcfsLater;
typedef struct IpcfsLaterReturn IpcfsLaterReturn;

/* Which way a request goes: IN takes something (a message, counts), OUT puts
 * something in (a message into a queue with room). */
typedef enum { IPCFS_LATER_IN, IPCFS_LATER_OUT } IpcfsLaterWay;

/* A kind of object requests wait on. */
typedef struct {
	const char *what; /* "queue", for logs */
	/* -EIDRM once the object is gone for good (its requests can never
	 * proceed), else 0; looked at once a second. NULL: never. */
	int (*removed)(int fd);
} IpcfsLaterKind;

/* The object a request waits on: requests with the same kind and id share
 * one line per way. */
typedef struct {
	const IpcfsLaterKind *kind;
	guint64 id; /* e.g. the kernel inode, or the System V id */
	/* A descriptor that polls EPOLLIN when IN requests may proceed and
	 * EPOLLOUT when OUT ones may (the module keeps a dup of it), or -1:
	 * the object cannot be polled, and ops->wait runs on the pool. */
	int fd;
} IpcfsLaterObject;

typedef struct {
	/* Tries the request without blocking: 0 when it is done or can be
	 * answered now, -EAGAIN when it must wait, another -errno to fail.
	 * Runs under the module's lock. */
	int (*try)(IpcfsLater *l);
	/* Pool objects only: as try, but may block up to @ms (it runs on a
	 * pool thread, outside the lock). -EAGAIN when time ran out. */
	int (*wait)(IpcfsLater *l, int ms);
	/* Called once if the request must wait, before its handler returns:
	 * keeps a copy of what it borrowed from the handler (a write's bytes).
	 * NULL: nothing borrowed. */
	void (*keep)(IpcfsLater *l);
	/* Answers l->req with what try or wait got; returns fuse_reply_*'s
	 * result (negative: the reply did not reach the caller). */
	int (*reply)(IpcfsLater *l);
	/* Gives back what the request took but cannot hand out (interrupted
	 * late, or its reply failed); NULL if what it did is final (a send). */
	void (*undo)(IpcfsLater *l);
	void (*free)(IpcfsLater *l);
} IpcfsLaterOps;

/* The head of a kind's request; the kind's own fields follow it. */
struct IpcfsLater {
	const IpcfsLaterOps *ops;
	fuse_req_t req;
	IpcfsLaterObject obj;
	IpcfsLaterWay way;
	size_t cost; /* bytes the request keeps while it waits (a write's copy) */
	/* Private to later.c. */
	GList link;     /* in its spot's line */
	void *spot;
	bool abandoned; /* pool requests: interrupted (the pool thread answers) */
};

/* Something a request took that must go back into its object, held until
 * the object has room. put returns 0 when it went back, -EAGAIN when the
 * object is still full, another -errno when it never will; it may block up to
 * @ms (0: not at all). */
struct IpcfsLaterReturn {
	int (*put)(IpcfsLaterReturn *ret, int fd, int ms);
	void (*free)(IpcfsLaterReturn *ret);
};

/* Starts the event thread and the waiter pool: 0, or -1 (said why). */
int ipcfs_later_init(void);
/* Answers every parked request ENOTCONN, ends the threads, and puts back
 * what is still held (waiting up to 2 s for room). */
void ipcfs_later_shutdown(void);

/* Serves a new request: tries it at once unless an older one waits on the
 * same object and way, answers it, or, if it must wait, parks it (EAGAIN
 * instead if @nonblock). Takes ownership of @l. */
void ipcfs_later_submit(IpcfsLater *l, bool nonblock);

/* For IN requests' try: the oldest return held for l's object, or NULL.
 * Ownership moves to the caller. Runs under the lock (inside try). */
IpcfsLaterReturn *ipcfs_later_take_back(IpcfsLater *l);
/* Whether something is held to go back into @obj. */
bool ipcfs_later_holds(const IpcfsLaterObject *obj);
/* Gives @ret (ownership moves) back to @obj: at once if there is room, else
 * held, before any OUT request is served. Never dropped. Not under the lock. */
void ipcfs_later_give_back(const IpcfsLaterObject *obj, IpcfsLaterReturn *ret);

/* poll(2) support for pollable objects: keeps @ph (one per @owner, the
 * newest) until @events (EPOLLIN/EPOLLOUT) show up on @obj. */
void ipcfs_later_poll_wait(const IpcfsLaterObject *obj, const void *owner,
			   struct fuse_pollhandle *ph, unsigned events);
/* Drops @owner's poll handle; call before closing the descriptor. */
void ipcfs_later_poll_forget(const IpcfsLaterObject *obj, const void *owner);
