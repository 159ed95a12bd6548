/* mq.h — message queue internals shared by mq.c (the files) and mq-park.c
 * (requests that wait for a message or for room). */
#pragma once

#include "ipcfs.h"

/* A message the daemon took from a queue for a reader that could not have
 * it, on its way back. */
typedef struct {
	unsigned prio;
	size_t len;
	char bytes[];
} IpcfsHeldMsg;

/* A copy of @len bytes at @bytes; free with g_free. */
IpcfsHeldMsg *ipcfs_held_msg_new(const char *bytes, size_t len, unsigned prio);

/* Receives the next message for @h without waiting: 0 (also when @h holds
 * one already), -EAGAIN when the queue is empty, or another -errno. */
int ipcfs_mq_take(IpcfsHandle *h);

/* Makes @msg the message @h holds, as if @h had received it. */
void ipcfs_mq_hand_over(IpcfsHandle *h, const IpcfsHeldMsg *msg);

/* Gives the message @h holds back, if none of it was handed out, and
 * forgets it. */
void ipcfs_mq_put_back(IpcfsHandle *h);

/* Takes @msg (ownership moves) back for @h's queue: into the queue at once if
 * there is room, else held by the daemon, handed to the next reader through
 * the mount or sent back as soon as there is room, before any parked write.
 * Never dropped. */
void ipcfs_mq_give_back(IpcfsHandle *h, IpcfsHeldMsg *msg);

/* What a write of @size bytes to @h would fail with whatever the queue
 * holds (-EMSGSIZE, -EINVAL for a bad frame), else 0; checked before a write
 * waits. @buf NULL (a flush) is fine. */
int ipcfs_mq_check_write(IpcfsHandle *h, const char *buf, size_t size);

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
