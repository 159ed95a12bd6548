/* sysv-sem.c — System V semaphore sets as sysv/sem/ID/{0..nsems-1,op,info},
 * sysv/sem/.create and sysv/sem/by-key/.
 *
 * Each numbered file is one semaphore of the set and takes the commands of
 * sem/NAME/value (post, wait, trywait, each with an optional count N up to
 * 32767, the kernel's SEMVMX: ERANGE above it), each one semop of +N or -N:
 * a wait N takes all N at once or nothing. op writes any atomic semop
 * ("INDEX:DELTA ...", ipc-sysv-sem.h). The daemon never uses SEM_UNDO.
 *
 * A semop that must wait goes to later.h's waiter pool, where semtimedop
 * waits a slice at a time; the kernel decides which semop proceeds, as for
 * programs. If a wait ends
 * done but its caller cannot be answered, the inverse semop (IPC_NOWAIT)
 * gives back what it took; so an interrupted op changes nothing, except
 * that counts it posted may already be gone to others.
 */
#define G_LOG_DOMAIN "ipcfs"

#include "ipc-sem.h"
#include "ipc-sysv-sem.h"
#include "ns.h"
#include "sysv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

static int sem_create(const IpcSysvCreate *c)
{
	return ipc_sysv_sem_create(c->key, c->nsems, c->mode);
}

static int sem_info(int id, IpcSysvPerm *perm, struct stat *st)
{
	IpcSysvSemInfo info;
	int r = ipc_sysv_sem_info(id, &info);

	if (r < 0)
		return r;
	*perm = info.perm;
	st->st_atime = info.otime;
	st->st_mtime = MAX(info.otime, info.perm.ctime);
	return 0;
}

static const IpcfsSysvType sem_type = {
	.kind = IPC_SYSV_SEM,
	.held = IPC_HELD_SYSV_SEM,
	.create = sem_create,
	.list = ipc_sysv_sem_list,
	.info = sem_info,
	.set = ipc_sysv_sem_set,
	.remove = ipc_sysv_sem_remove,
};

IPCFS_SYSV_KIND_CALLBACKS(sem, sem_type)

static const IpcfsLaterKind set_kind = {.what = "System V semaphore set"};

typedef struct {
	IpcfsSysvWait w;
	size_t size; /* bytes of the write, reported written */
	int id;
	bool done;   /* the op happened: undo has something to give back */
	guint n;
	struct sembuf ops[];
} SemWait;

static int sem_attempt(IpcfsLater *l, int ms)
{
	SemWait *sw = (SemWait *)l;
	int r = ipc_sysv_sem_op(sw->id, sw->ops, sw->n, ms);

	sw->done = r == 0;
	return ipcfs_sysv_gone(r);
}

static int sem_reply(IpcfsLater *l)
{
	return fuse_reply_write(l->req, ((SemWait *)l)->size);
}

/* The inverse semop, as the daemon, in the set's namespace (from whichever
 * thread later.c undoes it on): what the op took goes back. */
static void sem_undo(IpcfsLater *l)
{
	SemWait *sw = (SemWait *)l;
	g_autofree struct sembuf *back = g_new(struct sembuf, sw->n);
	IpcfsNs *was;
	guint n = 0;
	int r;

	if (!sw->done)
		return;
	for (guint i = 0; i < sw->n; i++)
		if (sw->ops[i].sem_op != 0)
			back[n++] = (struct sembuf){sw->ops[i].sem_num, -sw->ops[i].sem_op, 0};
	r = n ? ipcfs_ns_enter(sw->w.ns, &was) : 0;
	if (n && r == 0) {
		r = ipc_sysv_sem_op(sw->id, back, n, 0);
		ipcfs_ns_leave(was);
	}
	if (r < 0)
		g_debug("set %d: an abandoned op could not be undone: %s", sw->id, g_strerror(-r));
}

static void sem_free(IpcfsLater *l)
{
	ipcfs_sysv_wait_clear((IpcfsSysvWait *)l);
	g_free(l);
}

static const IpcfsLaterOps sem_ops = {
	.try = ipcfs_sysv_try,
	.wait = ipcfs_sysv_wait,
	.reply = sem_reply,
	.undo = sem_undo,
	.free = sem_free,
};

/* Runs @ops on set @id in the worker, with the caller's credentials: an op
 * that never waits (all posts, or nonblocking) is final, even for a caller
 * that a handled signal interrupts meanwhile. */
static void run_now(fuse_req_t req, int id, struct sembuf *ops, guint n, size_t size)
{
	int r = ipcfs_creds_enter(req);

	if (r == 0) {
		r = ipcfs_sysv_gone(ipc_sysv_sem_op(id, ops, n, 0));
		ipcfs_creds_leave();
	}
	if (r < 0)
		ipcfs_reply_err(req, r);
	else
		fuse_reply_write(req, size);
}

static bool may_wait(const struct sembuf *ops, guint n)
{
	for (guint i = 0; i < n; i++)
		if (ops[i].sem_op <= 0)
			return true;
	return false;
}

/* Runs @ops (@n of them) on set @id for @req: at once, or waiting unless
 * @nonblock. Takes the caller's credentials for every try. */
static void submit_op(fuse_req_t req, int id, struct sembuf *ops, guint n, size_t size,
		      bool nonblock)
{
	SemWait *sw;
	int r;

	if (nonblock || !may_wait(ops, n)) {
		run_now(req, id, ops, n, size);
		return;
	}
	sw = g_malloc0(sizeof(SemWait) + n * sizeof(struct sembuf));
	sw->size = size;
	sw->id = id;
	sw->n = n;
	memcpy(sw->ops, ops, n * sizeof(struct sembuf));
	sw->w.attempt = sem_attempt;
	r = ipcfs_creds_enter(req);
	if (r < 0) {
		g_free(sw);
		ipcfs_reply_err(req, r);
		return;
	}
	ipcfs_sysv_wait_init(&sw->w, req, &set_kind, id, IPCFS_LATER_IN, &sem_ops);
	ipcfs_creds_leave();
	ipcfs_later_submit(&sw->w.later, false);
}

static int set_nsems(const char *name)
{
	IpcSysvSemInfo info;
	int id = ipcfs_sysv_id(name);
	int r = id < 0 ? id : ipc_sysv_sem_info(id, &info);

	return r < 0 ? ipcfs_sysv_gone(r) : (int)info.nsems;
}

/* Every index of @ops is a semaphore of @id's set: -EINVAL otherwise (the
 * kernel's EFBIG). */
static int check_indexes(const char *name, const struct sembuf *ops, guint n)
{
	int nsems = set_nsems(name);

	for (guint i = 0; nsems >= 0 && i < n; i++)
		if (ops[i].sem_num >= nsems)
			return -EINVAL;
	return nsems < 0 ? nsems : 0;
}

static const IpcfsFile semaphore_file;

static int sem_unlisted(const char *name, const char *fname, const IpcfsFile **file,
			off_t *arg)
{
	int num;

	if (ipc_sysv_parse_id(fname, &num) < 0 || num >= set_nsems(name))
		return -ENOENT;
	*file = &semaphore_file;
	*arg = num;
	return 0;
}

static int sem_members(const char *name, GPtrArray *names)
{
	int nsems = set_nsems(name);

	for (int i = 0; i < nsems; i++)
		g_ptr_array_add(names, g_strdup_printf("%d", i));
	return nsems < 0 ? nsems : 0;
}

/* Reads need read permission: look now, as open(2) would. */
static int semaphore_open(IpcfsHandle *h, int flags)
{
	IpcSysvSemState st;
	int id = ipcfs_sysv_id(h->name);
	int r = id < 0 ? id : 0;

	if (r == 0 && (flags & O_ACCMODE) != O_WRONLY)
		r = ipc_sysv_sem_state(id, h->arg, &st);
	return ipcfs_sysv_gone(r);
}

static int semaphore_snapshot(IpcfsHandle *h, fuse_req_t req)
{
	IpcSysvSemState st;
	int r = ipcfs_creds_enter(req);

	if (r < 0)
		return r;
	r = ipc_sysv_sem_state(ipcfs_sysv_id(h->name), h->arg, &st);
	ipcfs_creds_leave();
	if (r == 0)
		g_string_printf(h->text, "%d\n", st.value);
	return ipcfs_sysv_gone(r);
}

static void semaphore_write(fuse_req_t req, IpcfsHandle *h, const char *buf, size_t size,
			    off_t off, int flags)
{
	struct sembuf op = {.sem_num = h->arg};
	IpcSemOp cmd;
	unsigned count;
	int r = ipc_sem_parse_command(buf, size, &cmd, &count);

	if (r == 0 && count > IPC_SYSV_SEM_VALUE_MAX)
		r = -ERANGE;
	if (r < 0) {
		ipcfs_reply_err(req, r);
		return;
	}
	op.sem_op = cmd == IPC_SEM_POST ? (short)count : -(short)count;
	submit_op(req, ipcfs_sysv_id(h->name), &op, 1, size,
		  cmd != IPC_SEM_WAIT || (flags & O_NONBLOCK));
}

static void op_write(fuse_req_t req, IpcfsHandle *h, const char *buf, size_t size, off_t off,
		     int flags)
{
	g_autoptr(GArray) ops = NULL;
	bool nowait;
	int r = ipc_sysv_sem_parse_op(buf, size, &ops, &nowait);

	if (r == 0)
		r = check_indexes(h->name, (struct sembuf *)ops->data, ops->len);
	if (r < 0) {
		ipcfs_reply_err(req, r);
		return;
	}
	submit_op(req, ipcfs_sysv_id(h->name), (struct sembuf *)ops->data, ops->len, size,
		  nowait || (flags & O_NONBLOCK));
}

static int info_snapshot(IpcfsHandle *h, fuse_req_t req)
{
	IpcSysvSemInfo info;
	int id = ipcfs_sysv_id(h->name);
	int r = id < 0 ? id : ipc_sysv_sem_info(id, &info);

	if (r < 0)
		return ipcfs_sysv_gone(r);
	ipcfs_sysv_print_perm(h->text, &info.perm);
	g_string_append_printf(h->text, "nsems %u\notime %lld\nctime %lld\n", info.nsems,
			       (long long)info.otime, (long long)info.perm.ctime);
	r = ipcfs_creds_enter(req);
	if (r < 0)
		return r;
	for (unsigned i = 0; r == 0 && i < info.nsems; i++) {
		IpcSysvSemState st;

		r = ipc_sysv_sem_state(id, i, &st);
		if (r == 0)
			g_string_append_printf(h->text, "sem %u value %d ncount %d zcount %d pid %d\n",
					       i, st.value, st.ncount, st.zcount, (int)st.pid);
	}
	ipcfs_creds_leave();
	return ipcfs_sysv_gone(r);
}

static const IpcfsFile semaphore_file = {
	.name = "N",
	.perm_mask = 0666,
	.inode_per_open = true,
	.open = semaphore_open,
	.snapshot = semaphore_snapshot,
	.write = semaphore_write,
};

static const IpcfsFile op_file = {
	.name = "op",
	.perm_mask = 0222,
	.stream = true,
	.inode_per_open = true,
	.write = op_write,
};

static const IpcfsFile info_file = {
	.name = "info",
	.perm_mask = 0444,
	.snapshot = info_snapshot,
};

static const IpcfsFile *const sem_files[] = {&op_file, &info_file, &ipcfs_holders_file, NULL};

const IpcfsKind ipcfs_sysv_sem_kind = {
	.dirname = "sem",
	.ino = IPCFS_INO_SYSV_SEM,
	.files = sem_files,
	.name_check = ipcfs_sysv_name_check,
	.list = sem_list,
	.stat = sem_stat,
	.remove = sem_remove,
	.set_attrs = sem_set_attrs,
	.unlisted_file = sem_unlisted,
	.members = sem_members,
	.key_lookup = sem_key_lookup,
	.keys = sem_keys,
	.held_key = sem_held_key,
};

const IpcfsFile ipcfs_sysv_sem_create_file = {
	.name = ".create",
	.perm_mask = 0666,
	.read = ipcfs_sysv_create_read,
	.write = sem_create_write,
};
