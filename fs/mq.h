/* mq.h — message queue internals shared by mq.c (the files) and mq-park.c
 * (requests that wait for a message or for room). */
#pragma once

#include "ipcfs.h"

/* Receives the next message for @h without waiting: 0, -EAGAIN when the
 * queue is empty, or another -errno. */
int ipcfs_mq_take(IpcfsHandle *h);

/* Puts the message @h took back into its queue, at its priority (it may move
 * behind messages of equal priority), and forgets it. */
void ipcfs_mq_put_back(IpcfsHandle *h);

/* Replies with up to @size further bytes of @h's message (0 bytes: EOF). A
 * failed reply of the first bytes puts the message back: nothing is lost. */
void ipcfs_mq_reply_message(fuse_req_t req, IpcfsHandle *h, size_t size);

/* The parking lot (mq-park.c). A read on an empty queue or a write to a full
 * one is kept, the worker returns, and the event thread answers it when a
 * message or room appears, in arrival order; an interrupt answers EINTR. */
void ipcfs_mq_park_init(void);
void ipcfs_mq_park_shutdown(void);
void ipcfs_mq_read(fuse_req_t req, IpcfsHandle *h, size_t size, bool nonblock);
/* Sends @len bytes of @msg at @prio and replies that @count bytes were
 * written (a framed write counts its header too). */
void ipcfs_mq_write(fuse_req_t req, IpcfsHandle *h, const char *msg, size_t len, unsigned prio,
		    size_t count, bool nonblock);
void ipcfs_mq_poll(fuse_req_t req, IpcfsHandle *h, struct fuse_pollhandle *ph);
/* Drops @h's poll handle; call before closing @h's queue. */
void ipcfs_mq_forget_poll(IpcfsHandle *h);
