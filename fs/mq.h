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

/* Replies with up to @size further bytes of @h's message (0 bytes: EOF);
 * recv-lines adds every further message that waits and fits. A failed reply
 * puts back what it held: nothing is lost. */
void ipcfs_mq_reply_message(fuse_req_t req, IpcfsHandle *h, size_t size);

/* Sends what one write of @size bytes to @h carries: one message, or with
 * send-lines one per line (a final partial line waits for the next write or
 * for close). @buf NULL sends send-lines' pending partial line. Returns the
 * bytes consumed (maybe fewer than @size: a short write), -EAGAIN if the
 * queue was full before anything was sent, or another -errno. */
ssize_t ipcfs_mq_send_write(IpcfsHandle *h, const char *buf, size_t size);

/* The parking lot (mq-park.c). A read on an empty queue or a write to a full
 * one is kept, the worker returns, and the event thread answers it when a
 * message or room appears, in arrival order; an interrupt answers EINTR. */
void ipcfs_mq_park_init(void);
void ipcfs_mq_park_shutdown(void);
void ipcfs_mq_read(fuse_req_t req, IpcfsHandle *h, size_t size, bool nonblock);
/* Sends a write's messages (ipcfs_mq_send_write), waiting for room unless
 * @nonblock. @buf NULL: a flush (close) of send-lines, answered with 0. */
void ipcfs_mq_write(fuse_req_t req, IpcfsHandle *h, const char *buf, size_t size, bool nonblock);
void ipcfs_mq_poll(fuse_req_t req, IpcfsHandle *h, struct fuse_pollhandle *ph);
/* Drops @h's poll handle; call before closing @h's queue. */
void ipcfs_mq_forget_poll(IpcfsHandle *h);
