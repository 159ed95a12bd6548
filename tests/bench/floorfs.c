/* floorfs.c — the FUSE floor: the most trivial lowlevel FUSE filesystem that
 * does what ipcfs's message files do, run with the same libfuse settings as
 * ipcfs (multithreaded loop, direct_io, nonseekable, max_write 1 MiB, no
 * async DIO, splice write if offered), so its cost per request is the least
 * any FUSE filesystem can pay on this machine.
 *
 *   MOUNT/w   write-only: every write(2) succeeds and does nothing
 *   MOUNT/r   read-only: every read(2) returns "hello\n"
 *
 * Usage: floorfs [-f] [-s] MOUNTPOINT; unmount with fusermount3 -u / umount.
 */
#include <fuse_lowlevel.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { INO_ROOT = 1, INO_W = 2, INO_R = 3 };

static const char payload[] = "hello\n";

static int fill(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_uid = getuid();
	st->st_gid = getgid();
	switch (ino) {
	case INO_ROOT:
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	case INO_W:
		st->st_mode = S_IFREG | 0222;
		st->st_nlink = 1;
		return 0;
	case INO_R:
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		return 0;
	}
	return -1;
}

static void floor_init(void *userdata, struct fuse_conn_info *conn)
{
	/* The same as ipcfs (fs/main.c). */
	conn->max_write = 1 << 20;
	conn->want &= ~FUSE_CAP_ASYNC_DIO;
	if (conn->capable & FUSE_CAP_SPLICE_WRITE)
		conn->want |= FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE;
}

static void floor_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e = {0};

	if (parent != INO_ROOT)
		e.ino = 0;
	else if (strcmp(name, "w") == 0)
		e.ino = INO_W;
	else if (strcmp(name, "r") == 0)
		e.ino = INO_R;
	if (!e.ino) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fill(e.ino, &e.attr);
	e.entry_timeout = 3600;
	e.attr_timeout = 3600;
	fuse_reply_entry(req, &e);
}

static void floor_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	if (fill(ino, &st) < 0)
		fuse_reply_err(req, ENOENT);
	else
		fuse_reply_attr(req, &st, 3600);
}

static void floor_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
			  struct fuse_file_info *fi)
{
	floor_getattr(req, ino, fi);
}

static void floor_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (ino == INO_ROOT) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	fi->direct_io = 1;
	fi->nonseekable = 1;
	fuse_reply_open(req, fi);
}

static void floor_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	fuse_reply_buf(req, payload, size < sizeof(payload) - 1 ? size : sizeof(payload) - 1);
}

static void floor_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
			struct fuse_file_info *fi)
{
	fuse_reply_write(req, size);
}

static const struct fuse_lowlevel_ops floor_ops = {
	.init = floor_init,
	.lookup = floor_lookup,
	.getattr = floor_getattr,
	.setattr = floor_setattr,
	.open = floor_open,
	.read = floor_read,
	.write = floor_write,
};

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts = {0};
	struct fuse_loop_config *cfg;
	struct fuse_session *se;
	int ret = 1;

	if (fuse_parse_cmdline(&args, &opts) != 0)
		return 1;
	if (opts.show_help || !opts.mountpoint) {
		printf("usage: %s [-f] [-s] MOUNTPOINT\n", argv[0]);
		fuse_cmdline_help();
		ret = opts.show_help ? 0 : 2;
		goto out;
	}
	se = fuse_session_new(&args, &floor_ops, sizeof(floor_ops), NULL);
	if (!se)
		goto out;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		goto out_signals;
	fuse_daemonize(opts.foreground);
	if (opts.singlethread) {
		ret = fuse_session_loop(se);
	} else {
		cfg = fuse_loop_cfg_create();
		fuse_loop_cfg_set_clone_fd(cfg, opts.clone_fd);
		fuse_loop_cfg_set_max_threads(cfg, opts.max_threads);
		ret = fuse_session_loop_mt(se, cfg);
		fuse_loop_cfg_destroy(cfg);
	}
	ret = ret < 0 ? 1 : 0;
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out:
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return ret;
}
