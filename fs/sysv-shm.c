/* sysv-shm.c — System V shared memory segments as sysv/shm/ID/{data,info},
 * sysv/shm/.create and sysv/shm/by-key/.
 *
 * An open data file holds its own attachment of the segment, made with the
 * caller's rights (read-only for O_RDONLY; shmat wants read and write
 * permission otherwise), for as long as it is open: it counts in nattch, and
 * it keeps a segment that is removed meanwhile alive, as a process's
 * attachment would. Reads are replied straight from the attachment, writes
 * copied into it, within the segment's size, which never changes: no
 * SIGBUS. The segment never
 * grows: a write past its end is short, and one at its end fails with
 * ENOSPC; truncate fails with EPERM, and O_TRUNC is ignored, as a device
 * would. sem@OFFSET beside data is the sem_t at that offset (shm.c's, for
 * segments).
 */
#define G_LOG_DOMAIN "ipcfs"

#include "ipc-sem.h"
#include "ipc-sysv-shm.h"
#include "sysv.h"

#include <errno.h>
#include <fcntl.h>

static int shm_create(const IpcSysvCreate *c)
{
	return ipc_sysv_shm_create(c->key, c->size, c->mode);
}

static int shm_info(int id, IpcSysvPerm *perm, struct stat *st)
{
	IpcSysvShmInfo info;
	int r = ipc_sysv_shm_info(id, &info);

	if (r < 0)
		return r;
	*perm = info.perm;
	st->st_size = info.size;
	st->st_atime = info.atime;
	st->st_mtime = MAX(MAX(info.atime, info.dtime), info.perm.ctime);
	return 0;
}

static const IpcfsSysvType shm_type = {
	.kind = IPC_SYSV_SHM,
	.held = IPC_HELD_SYSV_SHM,
	.create = shm_create,
	.list = ipc_sysv_shm_list,
	.info = shm_info,
	.set = ipc_sysv_shm_set,
	.remove = ipc_sysv_shm_remove,
};

IPCFS_SYSV_KIND_CALLBACKS(shm, shm_type)

static int data_open(IpcfsHandle *h, int flags)
{
	IpcSysvShm *shm = NULL;
	int id = ipcfs_sysv_id(h->name);
	int r = id < 0 ? id : ipc_sysv_shm_attach(id, (flags & O_ACCMODE) != O_RDONLY, &shm);

	h->state = shm;
	return ipcfs_sysv_gone(r);
}

static void data_release(IpcfsHandle *h)
{
	ipc_sysv_shm_detach(h->state);
}

/* The reply is written to /dev/fuse straight from the attachment: the kernel
 * copies the bytes to the reader, with no copy of ours between. A segment
 * never shrinks; should a page still fail (a huge-page segment with no page
 * to give), that write fails with EFAULT and the kernel ends the read with
 * EIO: no signal in the daemon. */
static void data_read(fuse_req_t req, IpcfsHandle *h, size_t size, off_t off, int flags)
{
	size_t len;
	const void *bytes = ipc_sysv_shm_span(h->state, size, off, &len);

	fuse_reply_buf(req, bytes, len);
}

static void data_write(fuse_req_t req, IpcfsHandle *h, const char *buf, size_t size, off_t off,
		       int flags)
{
	ssize_t n;

	if (flags & O_APPEND)
		off = ipc_sysv_shm_size(h->state);
	n = ipc_sysv_shm_write(h->state, buf, size, off);
	if (n < 0)
		ipcfs_reply_err(req, n);
	else
		fuse_reply_write(req, n);
}

static int data_truncate(IpcfsHandle *h, const char *name, off_t size)
{
	return -EPERM;
}

static off_t data_size(const struct stat *object)
{
	return object->st_size;
}

static int info_snapshot(IpcfsHandle *h, fuse_req_t req)
{
	IpcSysvShmInfo info;
	int id = ipcfs_sysv_id(h->name);
	int r = id < 0 ? id : ipc_sysv_shm_info(id, &info);

	if (r < 0)
		return ipcfs_sysv_gone(r);
	ipcfs_sysv_print_perm(h->text, &info.perm);
	g_string_append_printf(h->text,
			       "size %" G_GUINT64_FORMAT "\nnattch %" G_GUINT64_FORMAT
			       "\ncpid %d\nlpid %d\natime %lld\ndtime %lld\nctime %lld\n"
			       "removed %d\n",
			       info.size, info.nattch, (int)info.cpid, (int)info.lpid,
			       (long long)info.atime, (long long)info.dtime,
			       (long long)info.perm.ctime, info.perm.removed);
	return 0;
}

static const IpcfsFile data_file = {
	.name = "data",
	.perm_mask = 0666,
	.open = data_open,
	.read = data_read,
	.write = data_write,
	.truncate = data_truncate,
	.release = data_release,
	.size = data_size,
};

static const IpcfsFile info_file = {
	.name = "info",
	.perm_mask = 0444,
	.snapshot = info_snapshot,
};

/* sem@OFFSET: the sem_t at that offset of the segment, attached with the
 * caller's rights. */
static int sem_at_open(IpcfsHandle *h, int flags)
{
	IpcSem *sem = NULL;
	int id = ipcfs_sysv_id(h->name);
	int r = id < 0 ? id : ipc_sem_open_sysv(id, h->arg, &sem);

	h->state = sem;
	return ipcfs_sysv_gone(r);
}

static const IpcfsFile sem_at_file = IPCFS_SEM_FILE("sem@", sem_at_open);

static int shm_unlisted_file(const char *name, const char *fname, const IpcfsFile **file,
			     off_t *arg)
{
	IpcSysvShmInfo info;
	int id = ipcfs_sysv_id(name);
	int r = id < 0 ? id : ipc_sysv_shm_info(id, &info);

	*file = &sem_at_file;
	return r < 0 ? ipcfs_sysv_gone(r) : ipcfs_sem_at_offset(fname, info.size, arg);
}

static const IpcfsFile *const shm_files[] = {&data_file, &info_file, &ipcfs_holders_file, NULL};

const IpcfsKind ipcfs_sysv_shm_kind = {
	.dirname = "shm",
	.ino = IPCFS_INO_SYSV_SHM,
	.files = shm_files,
	.name_check = ipcfs_sysv_name_check,
	.list = shm_list,
	.stat = shm_stat,
	.remove = shm_remove,
	.set_attrs = shm_set_attrs,
	.key_lookup = shm_key_lookup,
	.keys = shm_keys,
	.held_key = shm_held_key,
	.unlisted_file = shm_unlisted_file,
};

const IpcfsFile ipcfs_sysv_shm_create_file = {
	.name = ".create",
	.perm_mask = 0666,
	.read = ipcfs_sysv_create_read,
	.write = shm_create_write,
};
