/* ipc-sysv-msg.c — System V message queues (see ipc-sysv-msg.h).
 */
#include "ipc-sysv-msg.h"
#include "ipc-util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/msg.h>

int ipc_sysv_msg_create(key_t key, mode_t mode)
{
	int id = msgget(key, IPC_CREAT | IPC_EXCL | (mode & 0777));

	return id < 0 ? -errno : id;
}

static int stat_any(int index, void *buf)
{
	int id = msgctl(index, MSG_STAT_ANY, buf);

	return id < 0 ? -errno : id;
}

int ipc_sysv_msg_list(GArray **ids)
{
	struct msginfo mi;
	struct msqid_ds ds;
	int max = msgctl(0, MSG_INFO, (struct msqid_ds *)&mi);

	if (max < 0)
		return -errno;
	return ipc_sysv_list(max, stat_any, &ds, ids);
}

int ipc_sysv_msg_info(int id, IpcSysvMsgInfo *info)
{
	struct msqid_ds ds;
	int r = ipc_sysv_stat_by_id(id, stat_any, &ds);

	if (r < 0)
		return r;
	ipc_sysv_perm_from(&info->perm, &ds.msg_perm, id, ds.msg_ctime);
	info->qnum = ds.msg_qnum;
	info->qbytes = ds.msg_qbytes;
	info->cbytes = ds.__msg_cbytes;
	info->lspid = ds.msg_lspid;
	info->lrpid = ds.msg_lrpid;
	info->stime = ds.msg_stime;
	info->rtime = ds.msg_rtime;
	return 0;
}

int ipc_sysv_msg_remove(int id)
{
	return msgctl(id, IPC_RMID, NULL) < 0 ? -errno : 0;
}

int ipc_sysv_msg_set(int id, uid_t uid, gid_t gid, mode_t mode)
{
	struct msqid_ds ds;
	IpcSysvPerm cur;
	int r = ipc_sysv_stat_by_id(id, stat_any, &ds);

	if (r < 0)
		return r;
	ipc_sysv_perm_from(&cur, &ds.msg_perm, id, ds.msg_ctime);
	/* IPC_SET sets qbytes too: keep the one the queue has. */
	ipc_sysv_perm_set(&ds.msg_perm, &cur, uid, gid, mode);
	return msgctl(id, IPC_SET, &ds) < 0 ? -errno : 0;
}

long ipc_sysv_msg_max(void)
{
	FILE *f = fopen("/proc/sys/kernel/msgmax", "re");
	long max = -1;

	if (!f)
		return -errno;
	if (fscanf(f, "%ld", &max) != 1 || max < 0)
		max = -EIO;
	fclose(f);
	return max;
}

int ipc_sysv_msg_send(int id, const IpcSysvMsg *msg, size_t len, bool nowait)
{
	if (msg->type < 1)
		return -EINVAL;
	return msgsnd(id, msg, len, nowait ? IPC_NOWAIT : 0) < 0 ? -errno : 0;
}

ssize_t ipc_sysv_msg_receive(int id, IpcSysvMsg *msg, size_t size, long type, bool nowait)
{
	ssize_t n = msgrcv(id, msg, size, type, nowait ? IPC_NOWAIT : 0);

	return n < 0 ? -errno : n;
}

int ipc_sysv_msg_parse_frame(const char *buf, size_t len, long *type, size_t *body_off)
{
	const char *space = memchr(buf, ' ', len);
	guint64 value;

	if (!space || ipc_parse_number(buf, space - buf, 10, LONG_MAX, &value) < 0 || value == 0)
		return -EINVAL;
	*type = value;
	*body_off = space - buf + 1;
	return 0;
}
