/* file.c — open files: routes open/read/write/poll/release to the IpcfsFile
 * of the node, and serves text files (info, value, limits) as sysfs does: a
 * read at offset 0 takes a fresh snapshot, later offsets read that snapshot.
 *
 * Every file is direct_io: reads and writes reach the daemon one by one, so
 * message boundaries hold and nothing is served from a stale page cache.
 *
 * Every request acts in the namespace of its file's node (ns.h).
 */
#define G_LOG_DOMAIN "ipcfs"

#include "creds.h"
#include "ns.h"
#include "tree.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

void ipcfs_reply_err(fuse_req_t req, int err)
{
	if (err < 0)
		g_debug("reply: %s", g_strerror(-err));
	fuse_reply_err(req, -err);
}

static IpcfsHandle *handle_of(struct fuse_file_info *fi)
{
	return (IpcfsHandle *)(uintptr_t)fi->fh;
}

static void handle_free(IpcfsHandle *h)
{
	if (h->node)
		ipcfs_node_close(h->node, h);
	if (h->file->release)
		h->file->release(h);
	if (h->text)
		g_string_free(h->text, TRUE);
	g_free(h->name);
	g_mutex_clear(&h->lock);
	g_free(h);
}

/* Frees @h in its node's namespace, as a request on it. */
static void handle_release(IpcfsHandle *h)
{
	IpcfsNs *was;
	int r = ipcfs_ns_enter(h->node->ns, &was);

	if (r < 0)
		g_warning("release: cannot enter the file's namespace: %s", g_strerror(-r));
	handle_free(h);
	if (r == 0)
		ipcfs_ns_leave(was);
}

/* Enters @h's namespace for a request on it: false if it could not (then
 * the request is answered). Pair with ipcfs_ns_leave(*was). */
static bool handle_enter(fuse_req_t req, IpcfsHandle *h, IpcfsNs **was)
{
	int r = ipcfs_ns_enter(h->node->ns, was);

	if (r < 0)
		ipcfs_reply_err(req, r);
	return r == 0;
}

static int check_access(const IpcfsFile *file, int flags)
{
	int acc = flags & O_ACCMODE;
	bool readable = file->read || file->snapshot;

	if ((acc == O_RDONLY || acc == O_RDWR) && !readable)
		return -EACCES;
	if ((acc == O_WRONLY || acc == O_RDWR) && !file->write)
		return -EACCES;
	return 0;
}

/* Sets up @h for @node with the caller's credentials, in the node's
 * namespace: 0 or -errno. */
static int handle_open(fuse_req_t req, IpcfsNode *node, IpcfsHandle *h, int flags)
{
	IpcfsNs *was;
	int r = ipcfs_ns_enter(node->ns, &was);

	if (r < 0)
		return r;
	r = ipcfs_creds_enter(req);
	if (r == 0) {
		if (node->file->open)
			r = node->file->open(h, flags);
		ipcfs_creds_leave();
	}
	if (r < 0)
		handle_free(h);
	ipcfs_ns_leave(was);
	return r;
}

static void ipcfs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	IpcfsNode *node = ipcfs_node_get(ino);
	IpcfsHandle *h;
	int r;

	if (!node || node->type != NODE_FILE) {
		ipcfs_reply_err(req, node ? -EISDIR : -ESTALE);
		return;
	}
	r = check_access(node->file, fi->flags);
	if (r < 0) {
		ipcfs_reply_err(req, r);
		return;
	}
	h = g_new0(IpcfsHandle, 1);
	h->file = node->file;
	h->name = g_strdup(node->name);
	h->fd = -1;
	h->arg = node->file_arg;
	g_mutex_init(&h->lock);
	r = handle_open(req, node, h, fi->flags);
	if (r < 0) {
		ipcfs_reply_err(req, r);
		return;
	}
	h->node = node;
	ipcfs_node_open(node, h);
	fi->fh = (uintptr_t)h;
	fi->direct_io = 1;
	fi->nonseekable = node->file->stream;
	/* No FLUSH round trip on close unless the file wants one. */
	fi->noflush = !node->file->flush;
	if (fuse_reply_open(req, fi) < 0)
		handle_release(h);
}

/* The reply goes out after the lock is dropped and never touches @h: once the
 * reader has its bytes it may close, and RELEASE may free @h at once. */
static void read_text(fuse_req_t req, IpcfsHandle *h, size_t size, off_t off)
{
	g_autofree char *slice = NULL;
	size_t n = 0;
	int r = 0;

	g_mutex_lock(&h->lock);
	if (off == 0 || !h->text) {
		if (!h->text)
			h->text = g_string_new(NULL);
		g_string_truncate(h->text, 0);
		r = h->file->snapshot(h, req);
	}
	if (r == 0 && (size_t)off < h->text->len) {
		n = MIN(size, h->text->len - off);
		slice = g_memdup2(h->text->str + off, n);
	}
	g_mutex_unlock(&h->lock);
	if (r < 0)
		ipcfs_reply_err(req, r);
	else
		fuse_reply_buf(req, slice, n);
}

static void ipcfs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	IpcfsHandle *h = handle_of(fi);
	IpcfsNs *was;

	if (!handle_enter(req, h, &was))
		return;
	if (h->file->snapshot)
		read_text(req, h, size, off);
	else if (h->file->read)
		h->file->read(req, h, size, off, fi->flags);
	else
		ipcfs_reply_err(req, -EBADF);
	ipcfs_ns_leave(was);
}

static void ipcfs_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
			struct fuse_file_info *fi)
{
	IpcfsHandle *h = handle_of(fi);
	IpcfsNs *was;

	if (!handle_enter(req, h, &was))
		return;
	if (h->file->write)
		h->file->write(req, h, buf, size, off, fi->flags);
	else
		ipcfs_reply_err(req, -EBADF);
	ipcfs_ns_leave(was);
}

static void ipcfs_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		       struct fuse_pollhandle *ph)
{
	IpcfsHandle *h = handle_of(fi);
	IpcfsNs *was;

	if (!h->file->poll) {
		/* Never ENOSYS: the kernel would stop asking for the whole mount. */
		if (ph)
			fuse_pollhandle_destroy(ph);
		fuse_reply_poll(req, POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM);
	} else if (handle_enter(req, h, &was)) {
		h->file->poll(req, h, ph);
		ipcfs_ns_leave(was);
	} else if (ph) {
		fuse_pollhandle_destroy(ph);
	}
}

static void ipcfs_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	IpcfsHandle *h = handle_of(fi);
	IpcfsNs *was;

	if (!h->file->flush) {
		ipcfs_reply_err(req, 0);
	} else if (handle_enter(req, h, &was)) {
		h->file->flush(req, h);
		ipcfs_ns_leave(was);
	}
}

static void ipcfs_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	handle_release(handle_of(fi));
	ipcfs_reply_err(req, 0);
}

void ipcfs_file_ops(struct fuse_lowlevel_ops *ops)
{
	ops->open = ipcfs_open;
	ops->read = ipcfs_read;
	ops->write = ipcfs_write;
	ops->poll = ipcfs_poll;
	ops->flush = ipcfs_flush;
	ops->release = ipcfs_release;
}
