/* ipc-sysv-msg.h — System V message queues (msgget).
 *
 * Messages carry a type (a long >= 1) and bytes. A receive of type 0 takes
 * the oldest message; of type T > 0 the oldest of type T. msgrcv has no
 * timeout and no descriptor to poll: the daemon only ever calls these with
 * @nowait and waits elsewhere.
 */
#pragma once

#include "ipc-sysv.h"

typedef struct {
	IpcSysvPerm perm;
	guint64 qnum;   /* messages waiting */
	guint64 qbytes; /* capacity in bytes */
	guint64 cbytes; /* bytes waiting */
	pid_t lspid, lrpid;
	time_t stime, rtime;
} IpcSysvMsgInfo;

/* A message as msgsnd and msgrcv take it: the type, then the bytes. */
typedef struct {
	long type;
	char text[];
} IpcSysvMsg;

/* Creates a queue exclusively. Returns its ID or -errno (-EEXIST, -ENOSPC
 * for msgmni, -EACCES). */
int ipc_sysv_msg_create(key_t key, mode_t mode);

int ipc_sysv_msg_list(GArray **ids);

/* Attributes, without read permission; -EINVAL if @id names no queue. */
int ipc_sysv_msg_info(int id, IpcSysvMsgInfo *info);

int ipc_sysv_msg_remove(int id);

/* IPC_SET of owner, group and mode (-1: unchanged); qbytes stays. */
int ipc_sysv_msg_set(int id, uid_t uid, gid_t gid, mode_t mode);

/* The largest message the kernel takes (/proc/sys/kernel/msgmax), or
 * -errno. */
long ipc_sysv_msg_max(void);

/* Sends @len bytes of msg->text with type msg->type (>= 1, else -EINVAL).
 * With @nowait, -EAGAIN when the queue has no room. -EINVAL for a message
 * above msgmax; -EIDRM if the queue was removed. */
int ipc_sysv_msg_send(int id, const IpcSysvMsg *msg, size_t len, bool nowait);

/* Receives a message of @type (0: any) into @msg, whose text holds @size
 * bytes. Returns the length of its text; -ENOMSG (with @nowait) when there
 * is none, -E2BIG if it is longer than @size (it stays in the queue). */
ssize_t ipc_sysv_msg_receive(int id, IpcSysvMsg *msg, size_t size, long type, bool nowait);

/* Parses a typed frame "TYPE BYTES": TYPE decimal, 1 .. LONG_MAX, then one
 * space; every byte after it is the message. Returns 0, *type and the offset
 * of the first message byte, or -EINVAL. */
int ipc_sysv_msg_parse_frame(const char *buf, size_t len, long *type, size_t *body_off);
