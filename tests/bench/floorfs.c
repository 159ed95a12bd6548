/* floorfs.c — the FUSE floor: the most trivial lowlevel FUSE filesystem that
 * does what ipcfs's message files do, run with the same libfuse settings as
 * ipcfs (multithreaded loop, direct_io, nonseekable, max_write 1 MiB, no
 * async DIO, splice write if offered), so its cost per request is the least
 * any FUSE filesystem can pay on this machine.
 *
 *   MOUNT/w   write-only: every write(2) succeeds and does nothing
 *   MOUNT/r   read-only: every read(2) returns "hello\n"
 *   MOUNT/pt  a naive passthrough of an unnamed tmpfs file in /dev/shm: read
 *             is pread into a buffer, write is pwrite, no splice: FUSE's own
 *             cost of serving a tmpfs file's bytes
 *   MOUNT/list-N/   (any N from 1 to LIST_MAX, found by lookup, not listed)
 *             N empty directories e0 .. e{N-1}, listed with readdirplus
 *             from memory: the floor of `ls -l` of N ipcfs objects. Entry
 *             and attribute timeouts and the getxattr answer are ipcfs's
 *             (fs/tree.c).
 *
 * Usage: floorfs [-f] [-s] MOUNTPOINT; unmount with fusermount3 -u / umount.
 */
#include <fuse_lowlevel.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { INO_ROOT = 1, INO_W = 2, INO_R = 3, INO_PT = 4 };

static int pt_fd = -1; /* the tmpfs file behind MOUNT/pt */

/* Inodes of the listing directories: list-N is LIST_INO(N, LIST_DIR), its
 * entry eI is LIST_INO(N, I). */
#define LIST_MAX        1000000u
#define LIST_DIR        0xffffffffu
#define LIST_INO(n, i)  (((fuse_ino_t)(n) << 32) | (i))
#define LIST_N(ino)     ((ino) >> 32)
#define LIST_I(ino)     ((ino) & 0xffffffffu)
#define LIST_ENTRY_TIMEOUT 60.0
#define LIST_ATTR_TIMEOUT  1.0

static time_t start_time;

static const char payload[] = "hello\n";

static int fill(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_uid = getuid();
	st->st_gid = getgid();
	if (LIST_N(ino)) {
		if (LIST_I(ino) != LIST_DIR && LIST_I(ino) >= LIST_N(ino))
			return -1;
		st->st_mode = S_IFDIR | (LIST_I(ino) == LIST_DIR ? 0755 : 0600);
		st->st_nlink = 2;
		st->st_atime = st->st_mtime = st->st_ctime = start_time;
		return 0;
	}
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
	case INO_PT: {
		struct stat file;

		if (fstat(pt_fd, &file) < 0)
			return -1;
		st->st_mode = S_IFREG | 0666;
		st->st_nlink = 1;
		st->st_size = file.st_size;
		return 0;
	}
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

/* The number in "PREFIXNUMBER" if it is one below @max, else @max. */
static unsigned long name_number(const char *name, const char *prefix, unsigned long max)
{
	char *end;
	unsigned long n;

	if (strncmp(name, prefix, strlen(prefix)) != 0)
		return max;
	name += strlen(prefix);
	if (*name < '0' || *name > '9' || (*name == '0' && name[1]))
		return max;
	n = strtoul(name, &end, 10);
	return *end || n >= max ? max : n;
}

static fuse_ino_t lookup_ino(fuse_ino_t parent, const char *name)
{
	unsigned long n, i;

	if (LIST_N(parent) && LIST_I(parent) == LIST_DIR) {
		i = name_number(name, "e", LIST_N(parent));
		return i < LIST_N(parent) ? LIST_INO(LIST_N(parent), i) : 0;
	}
	if (parent != INO_ROOT)
		return 0;
	if (strcmp(name, "w") == 0)
		return INO_W;
	if (strcmp(name, "r") == 0)
		return INO_R;
	if (strcmp(name, "pt") == 0)
		return INO_PT;
	n = name_number(name, "list-", LIST_MAX + 1);
	return n >= 1 && n <= LIST_MAX ? LIST_INO(n, LIST_DIR) : 0;
}

static void floor_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e = {0};

	e.ino = lookup_ino(parent, name);
	if (!e.ino) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fill(e.ino, &e.attr);
	e.entry_timeout = LIST_N(e.ino) ? LIST_ENTRY_TIMEOUT : 3600;
	e.attr_timeout = LIST_N(e.ino) ? LIST_ATTR_TIMEOUT : 3600;
	fuse_reply_entry(req, &e);
}

static void floor_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	if (fill(ino, &st) < 0)
		fuse_reply_err(req, ENOENT);
	else
		fuse_reply_attr(req, &st, LIST_N(ino) ? LIST_ATTR_TIMEOUT : 3600);
}

static void floor_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
			  struct fuse_file_info *fi)
{
	if (ino == INO_PT && (to_set & FUSE_SET_ATTR_SIZE) && ftruncate(pt_fd, attr->st_size) < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	floor_getattr(req, ino, fi);
}

static void floor_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (ino == INO_ROOT) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	fi->direct_io = 1;
	fi->nonseekable = ino != INO_PT;
	fuse_reply_open(req, fi);
}

static void pt_read(fuse_req_t req, size_t size, off_t off)
{
	char *buf = malloc(size);
	ssize_t n = buf ? pread(pt_fd, buf, size, off) : -1;

	if (n < 0)
		fuse_reply_err(req, buf ? errno : ENOMEM);
	else
		fuse_reply_buf(req, buf, n);
	free(buf);
}

static void floor_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	if (ino == INO_PT)
		pt_read(req, size, off);
	else
		fuse_reply_buf(req, payload, size < sizeof(payload) - 1 ? size : sizeof(payload) - 1);
}

static void floor_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
			struct fuse_file_info *fi)
{
	ssize_t n = ino == INO_PT ? pwrite(pt_fd, buf, size, off) : (ssize_t)size;

	if (n < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_write(req, n);
}

static void floor_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (LIST_N(ino) && LIST_I(ino) == LIST_DIR)
		fuse_reply_open(req, fi);
	else
		fuse_reply_err(req, ino == INO_ROOT || LIST_N(ino) ? EACCES : ENOTDIR);
}

/* Offsets: 0 ".", 1 "..", 2 + I entry eI. */
static void list_entries(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, int plus)
{
	char *buf = malloc(size);
	size_t used = 0;

	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	for (unsigned long pos = off; pos < LIST_N(ino) + 2; pos++) {
		struct fuse_entry_param e = {0};
		char name[32];
		size_t n;

		if (pos < 2) {
			/* No lookup for these (e.ino 0), as in ipcfs. */
			snprintf(name, sizeof(name), pos ? ".." : ".");
			e.attr.st_mode = S_IFDIR;
			e.attr.st_ino = ino;
		} else {
			snprintf(name, sizeof(name), "e%lu", pos - 2);
			e.ino = LIST_INO(LIST_N(ino), pos - 2);
			fill(e.ino, &e.attr);
			e.entry_timeout = LIST_ENTRY_TIMEOUT;
			e.attr_timeout = LIST_ATTR_TIMEOUT;
		}
		n = plus ? fuse_add_direntry_plus(req, buf + used, size - used, name, &e, pos + 1)
			 : fuse_add_direntry(req, buf + used, size - used, name, &e.attr, pos + 1);
		if (n > size - used)
			break;
		used += n;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
}

static void floor_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			  struct fuse_file_info *fi)
{
	list_entries(req, ino, size, off, 0);
}

static void floor_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			      struct fuse_file_info *fi)
{
	list_entries(req, ino, size, off, 1);
}

/* As ipcfs: no extended attributes, and ls -l stops asking at once. */
static void floor_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	fuse_reply_err(req, EOPNOTSUPP);
}

static const struct fuse_lowlevel_ops floor_ops = {
	.init = floor_init,
	.lookup = floor_lookup,
	.getattr = floor_getattr,
	.setattr = floor_setattr,
	.open = floor_open,
	.read = floor_read,
	.write = floor_write,
	.opendir = floor_opendir,
	.readdir = floor_readdir,
	.readdirplus = floor_readdirplus,
	.getxattr = floor_getxattr,
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
	start_time = time(NULL);
	pt_fd = open("/dev/shm", O_TMPFILE | O_RDWR, 0600);
	if (pt_fd < 0) {
		perror("floorfs: /dev/shm");
		goto out;
	}
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
