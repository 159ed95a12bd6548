/* ipc-holders.c — one scan of /proc: who holds which IPC object (see
 * ipc-holders.h).
 *
 * The scan collects holds in one array, then sorts it by object, process and
 * use, merges the mappings (and mount uses) of one process into one hold,
 * and indexes the first hold of each object. Lookups are then a hash probe.
 */
#include "ipc-holders.h"
#include "ipc-util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

struct IpcHoldScan {
	GArray *holds;          /* IpcHold, sorted (see hold_cmp) */
	GHashTable *index;      /* IpcHeldKey* (in holds) -> first index + 1 */
	GHashTable *fifo_paths; /* IpcHeldKey* (in holds) -> path (in strings) */
	GStringChunk *strings;  /* comms and FIFO paths */
	bool maps;
};

/* A FIFO's path found while scanning, before holds are sorted. */
typedef struct {
	IpcHeldKey key;
	const char *path;
} FifoPath;

typedef struct {
	const IpcScanSetup *setup;
	IpcHoldScan *scan;
	GArray *fifos; /* FifoPath */
	dev_t ipc_ns;  /* the IPC namespace of the process being scanned; 0: not read yet */
} ScanState;

static guint key_hash(gconstpointer p)
{
	const IpcHeldKey *k = p;

	return (guint)k->ino ^ ((guint)k->dev << 7) ^ k->type;
}

static gboolean key_equal(gconstpointer a, gconstpointer b)
{
	const IpcHeldKey *x = a, *y = b;

	return x->type == y->type && x->dev == y->dev && x->ino == y->ino;
}

static unsigned mode_of_flags(unsigned flags)
{
	switch (flags & O_ACCMODE) {
	case O_RDONLY:
		return IPC_HOLD_R;
	case O_WRONLY:
		return IPC_HOLD_W;
	default:
		return IPC_HOLD_R | IPC_HOLD_W;
	}
}

/* The fields of /proc/PID/fdinfo/N the scan needs. */
typedef struct {
	unsigned flags;
	int mnt_id;
	unsigned long ino;
} FdInfo;

static int read_fdinfo(int fdinfo_dir, const char *name, FdInfo *info)
{
	char buf[512];
	const char *p;
	ssize_t n;
	int fd = openat(fdinfo_dir, name, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	*info = (FdInfo){.mnt_id = -1};
	if ((p = strstr(buf, "flags:")))
		info->flags = strtoul(p + 6, NULL, 8);
	if ((p = strstr(buf, "mnt_id:")))
		info->mnt_id = atoi(p + 7);
	if ((p = strstr(buf, "ino:")))
		info->ino = strtoul(p + 4, NULL, 10);
	return 0;
}

static void add_hold(ScanState *s, const IpcHeldKey *key, pid_t pid, int fd, unsigned mode,
		     bool fifo)
{
	IpcHold h = {.key = *key, .pid = pid, .fd = fd, .mode = mode, .fifo = fifo};

	g_array_append_val(s->scan->holds, h);
}

static bool kept_dev(const IpcScanSetup *setup, dev_t dev)
{
	for (size_t i = 0; i < setup->n_devs; i++)
		if (setup->devs[i] == dev)
			return true;
	return false;
}

/* A descriptor of the FUSE mount: one IPC_HOLD_MOUNT hold for the object its
 * file (inode number from fdinfo) stands for. Found @by_path, its fdinfo's
 * mnt_id must also be the mount's: another file system may sit at that path
 * in the holder's mount namespace. */
static void add_mount_hold(ScanState *s, pid_t pid, const FdInfo *info, bool by_path)
{
	const IpcScanSetup *setup = s->setup;
	IpcHeldKey key;

	if (by_path && info->mnt_id != setup->mount_id)
		return;
	if (setup->resolve(info->ino, &key, setup->resolve_data))
		add_hold(s, &key, pid, IPC_HOLD_MOUNT, mode_of_flags(info->flags), false);
}

/* A descriptor whose link is a path: a FIFO, a file of a kept device, or a
 * file of the FUSE mount. */
static void scan_path_fd(ScanState *s, pid_t pid, int fd_dir, int fdinfo_dir, const char *name,
			 const char *target)
{
	const IpcScanSetup *setup = s->setup;
	bool on_mount = setup->resolve && g_str_has_prefix(target, setup->mount_prefix);
	struct statx stx;
	IpcHeldKey key;
	FdInfo info;
	bool fifo;

	/* The mount's own files are never stat'd: only fdinfo is read. */
	if (on_mount) {
		if (read_fdinfo(fdinfo_dir, name, &info) == 0)
			add_mount_hold(s, pid, &info, true);
		return;
	}
	/* AT_STATX_DONT_SYNC: FUSE and network file systems answer from
	 * their caches, so this never waits on one (or on this mount). */
	if (statx(fd_dir, name, AT_STATX_DONT_SYNC, STATX_TYPE | STATX_INO, &stx) < 0)
		return;
	key = (IpcHeldKey){IPC_HELD_FILE, makedev(stx.stx_dev_major, stx.stx_dev_minor),
			   stx.stx_ino};
	if (setup->resolve && key.dev == setup->mount_dev) {
		if (read_fdinfo(fdinfo_dir, name, &info) == 0)
			add_mount_hold(s, pid, &info, false);
		return;
	}
	fifo = S_ISFIFO(stx.stx_mode);
	if (!fifo && !kept_dev(setup, key.dev))
		return;
	if (read_fdinfo(fdinfo_dir, name, &info) < 0)
		return;
	add_hold(s, &key, pid, atoi(name), mode_of_flags(info.flags), fifo);
	if (fifo) {
		FifoPath fp = {key, g_string_chunk_insert_const(s->scan->strings, target)};

		g_array_append_val(s->fifos, fp);
	}
}

static void scan_fd(ScanState *s, pid_t pid, int fd_dir, int fdinfo_dir, const char *name)
{
	char target[PATH_MAX];
	unsigned long ino;
	IpcHeldKey key;
	FdInfo info;
	ssize_t n = readlinkat(fd_dir, name, target, sizeof(target) - 1);

	if (n <= 0)
		return;
	target[n] = '\0';
	if (target[0] == '/') {
		scan_path_fd(s, pid, fd_dir, fdinfo_dir, name, target);
		return;
	}
	if (sscanf(target, "pipe:[%lu]", &ino) != 1 || read_fdinfo(fdinfo_dir, name, &info) < 0)
		return;
	key = (IpcHeldKey){IPC_HELD_PIPE, 0, ino};
	add_hold(s, &key, pid, atoi(name), mode_of_flags(info.flags), false);
}

static void scan_fds(ScanState *s, int pid_dir, pid_t pid)
{
	int fd_dir = openat(pid_dir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fdinfo_dir;
	struct dirent *e;
	DIR *d;

	if (fd_dir < 0)
		return;
	fdinfo_dir = openat(pid_dir, "fdinfo", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fdinfo_dir < 0 ? NULL : fdopendir(fd_dir);
	if (!d) {
		close(fd_dir);
		if (fdinfo_dir >= 0)
			close(fdinfo_dir);
		return;
	}
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			scan_fd(s, pid, fd_dir, fdinfo_dir, e->d_name);
	closedir(d);
	close(fdinfo_dir);
}

/* A segment's shmid is only unique within its IPC namespace: the key holds
 * both. Read once per process, and only for processes with a segment. */
static dev_t ipc_ns_of_process(ScanState *s, int pid_dir)
{
	struct stat st;

	if (s->ipc_ns == 0 && fstatat(pid_dir, "ns/ipc", &st, 0) == 0)
		s->ipc_ns = st.st_ino;
	return s->ipc_ns;
}

/* One line of /proc/PID/maps: "START-END PERMS OFFSET MAJ:MIN INODE PATH". */
static void scan_map_line(ScanState *s, int pid_dir, pid_t pid, const char *line)
{
	unsigned maj, min;
	unsigned long ino;
	char perms[5];
	int path_at = 0;
	IpcHeldKey key;
	unsigned mode;

	if (sscanf(line, "%*x-%*x %4s %*x %x:%x %lu %n", perms, &maj, &min, &ino, &path_at) < 4 ||
	    ino == 0 || path_at == 0)
		return;
	if (g_str_has_prefix(line + path_at, "/SYSV"))
		key = (IpcHeldKey){IPC_HELD_SYSV_SHM, ipc_ns_of_process(s, pid_dir), ino};
	else if (kept_dev(s->setup, makedev(maj, min)))
		key = (IpcHeldKey){IPC_HELD_FILE, makedev(maj, min), ino};
	else
		return;
	mode = (perms[0] == 'r' ? IPC_HOLD_R : 0) | (perms[1] == 'w' ? IPC_HOLD_W : 0);
	add_hold(s, &key, pid, IPC_HOLD_MAP, mode, false);
}

static void scan_maps(ScanState *s, int pid_dir, pid_t pid)
{
	int fd = openat(pid_dir, "maps", O_RDONLY | O_CLOEXEC);
	g_autofree char *line = NULL;
	size_t cap = 0;
	FILE *f;

	if (fd < 0)
		return;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return;
	}
	while (getline(&line, &cap, f) > 0)
		scan_map_line(s, pid_dir, pid, line);
	fclose(f);
}

static const char *read_comm(ScanState *s, int pid_dir)
{
	char buf[64];

	ipc_proc_comm(pid_dir, buf, sizeof(buf));
	return g_string_chunk_insert_const(s->scan->strings, buf);
}

static void scan_process(ScanState *s, int proc_dir, const char *name)
{
	guint before = s->scan->holds->len;
	pid_t pid = atoi(name);
	const char *comm;
	int pid_dir;

	if (pid <= 0 || pid == s->setup->skip_pid)
		return;
	pid_dir = openat(proc_dir, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pid_dir < 0)
		return;
	s->ipc_ns = 0;
	scan_fds(s, pid_dir, pid);
	if (s->setup->maps)
		scan_maps(s, pid_dir, pid);
	if (s->scan->holds->len > before) {
		comm = read_comm(s, pid_dir);
		for (guint i = before; i < s->scan->holds->len; i++)
			g_array_index(s->scan->holds, IpcHold, i).comm = comm;
	}
	close(pid_dir);
}

/* Descriptors first (by number), then the mapping, then the mount use. */
static int use_rank(int fd)
{
	return fd >= 0 ? fd : fd == IPC_HOLD_MAP ? INT_MAX - 1 : INT_MAX;
}

static int hold_cmp(gconstpointer pa, gconstpointer pb)
{
	const IpcHold *a = pa, *b = pb;

	if (a->key.type != b->key.type)
		return a->key.type < b->key.type ? -1 : 1;
	if (a->key.dev != b->key.dev)
		return a->key.dev < b->key.dev ? -1 : 1;
	if (a->key.ino != b->key.ino)
		return a->key.ino < b->key.ino ? -1 : 1;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return use_rank(a->fd) < use_rank(b->fd) ? -1 : use_rank(a->fd) > use_rank(b->fd);
}

/* Merges the mappings (and the mount uses) of one process of one object,
 * which sort next to each other, into one hold. */
static void merge_uses(GArray *holds)
{
	guint out = 0;

	for (guint i = 0; i < holds->len; i++) {
		IpcHold *h = &g_array_index(holds, IpcHold, i);
		IpcHold *last = out ? &g_array_index(holds, IpcHold, out - 1) : NULL;

		if (last && h->fd < 0 && h->fd == last->fd && h->pid == last->pid &&
		    key_equal(&h->key, &last->key)) {
			last->mode |= h->mode;
			continue;
		}
		g_array_index(holds, IpcHold, out++) = *h;
	}
	g_array_set_size(holds, out);
}

static void index_holds(IpcHoldScan *scan, GArray *fifos)
{
	g_array_sort(scan->holds, hold_cmp);
	merge_uses(scan->holds);
	for (guint i = 0; i < scan->holds->len; i++) {
		IpcHold *h = &g_array_index(scan->holds, IpcHold, i);

		if (!g_hash_table_contains(scan->index, &h->key))
			g_hash_table_insert(scan->index, &h->key, GUINT_TO_POINTER(i + 1));
	}
	/* Keys now point into the sorted array, which no longer moves. */
	for (guint i = 0; i < fifos->len; i++) {
		FifoPath *fp = &g_array_index(fifos, FifoPath, i);
		gpointer first = g_hash_table_lookup(scan->index, &fp->key);
		IpcHold *h = &g_array_index(scan->holds, IpcHold, GPOINTER_TO_UINT(first) - 1);

		if (!g_hash_table_contains(scan->fifo_paths, &h->key))
			g_hash_table_insert(scan->fifo_paths, &h->key, (gpointer)fp->path);
	}
}

IpcHoldScan *ipc_holders_scan(const IpcScanSetup *setup)
{
	IpcHoldScan *scan = g_new0(IpcHoldScan, 1);
	ScanState s = {.setup = setup, .scan = scan};
	struct dirent *e;
	DIR *proc;

	scan->holds = g_array_new(FALSE, FALSE, sizeof(IpcHold));
	scan->index = g_hash_table_new(key_hash, key_equal);
	scan->fifo_paths = g_hash_table_new(key_hash, key_equal);
	scan->strings = g_string_chunk_new(4096);
	scan->maps = setup->maps;
	s.fifos = g_array_new(FALSE, FALSE, sizeof(FifoPath));
	proc = opendir("/proc");
	while (proc && (e = readdir(proc)))
		if (g_ascii_isdigit(e->d_name[0]))
			scan_process(&s, dirfd(proc), e->d_name);
	if (proc)
		closedir(proc);
	index_holds(scan, s.fifos);
	g_array_unref(s.fifos);
	return scan;
}

void ipc_holders_free(IpcHoldScan *scan)
{
	if (!scan)
		return;
	g_hash_table_unref(scan->fifo_paths);
	g_hash_table_unref(scan->index);
	g_array_unref(scan->holds);
	g_string_chunk_free(scan->strings);
	g_free(scan);
}

bool ipc_holders_have_maps(const IpcHoldScan *scan)
{
	return scan->maps;
}

const IpcHold *ipc_holders_of(const IpcHoldScan *scan, const IpcHeldKey *key, size_t *n)
{
	guint first = GPOINTER_TO_UINT(g_hash_table_lookup(scan->index, key));
	guint end = first;

	*n = 0;
	if (!first)
		return NULL;
	while (end < scan->holds->len &&
	       key_equal(&g_array_index(scan->holds, IpcHold, end).key, key))
		end++;
	*n = end - (first - 1);
	return &g_array_index(scan->holds, IpcHold, first - 1);
}

static bool is_pipe(const IpcHold *h)
{
	return h->key.type == IPC_HELD_PIPE || h->fifo;
}

GArray *ipc_holders_pipes(const IpcHoldScan *scan)
{
	GArray *keys = g_array_new(FALSE, FALSE, sizeof(IpcHeldKey));
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	GHashTableIter iter;
	gpointer key, first;

	g_hash_table_iter_init(&iter, scan->index);
	while (g_hash_table_iter_next(&iter, &key, &first)) {
		const IpcHold *h = &g_array_index(scan->holds, IpcHold, GPOINTER_TO_UINT(first) - 1);
		gint64 *ino = g_new(gint64, 1);

		*ino = h->key.ino;
		if (is_pipe(h) && !g_hash_table_contains(seen, ino)) {
			g_hash_table_add(seen, ino);
			g_array_append_val(keys, h->key);
		} else {
			g_free(ino);
		}
	}
	return keys;
}

bool ipc_holders_find_pipe(const IpcHoldScan *scan, ino_t ino, IpcHeldKey *key)
{
	IpcHeldKey pipe = {IPC_HELD_PIPE, 0, ino};
	GHashTableIter iter;
	gpointer k, first;

	if (g_hash_table_contains(scan->index, &pipe)) {
		*key = pipe;
		return true;
	}
	g_hash_table_iter_init(&iter, scan->fifo_paths);
	while (g_hash_table_iter_next(&iter, &k, &first)) {
		if (((IpcHeldKey *)k)->ino == ino) {
			*key = *(IpcHeldKey *)k;
			return true;
		}
	}
	return false;
}

const char *ipc_holders_fifo_path(const IpcHoldScan *scan, const IpcHeldKey *key)
{
	return g_hash_table_lookup(scan->fifo_paths, key);
}

/* Whether @st is the pipe or FIFO @key. */
static bool same_pipe(const IpcHeldKey *key, dev_t dev, ino_t ino, mode_t mode)
{
	return S_ISFIFO(mode) && ino == key->ino && (key->type == IPC_HELD_PIPE || dev == key->dev);
}

static void stat_from_statx(const struct statx *stx, struct stat *st)
{
	*st = (struct stat){
	    .st_dev = makedev(stx->stx_dev_major, stx->stx_dev_minor),
	    .st_ino = stx->stx_ino,
	    .st_mode = stx->stx_mode,
	    .st_nlink = stx->stx_nlink,
	    .st_uid = stx->stx_uid,
	    .st_gid = stx->stx_gid,
	    .st_atim = {stx->stx_atime.tv_sec, stx->stx_atime.tv_nsec},
	    .st_mtim = {stx->stx_mtime.tv_sec, stx->stx_mtime.tv_nsec},
	    .st_ctim = {stx->stx_ctime.tv_sec, stx->stx_ctime.tv_nsec},
	};
}

int ipc_holders_pipe_stat(const IpcHoldScan *scan, const IpcHeldKey *key, struct stat *st)
{
	size_t n;
	const IpcHold *h = ipc_holders_of(scan, key, &n);

	for (size_t i = 0; i < n; i++) {
		char path[64];
		struct statx stx;

		if (h[i].fd < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)h[i].pid, h[i].fd);
		if (statx(AT_FDCWD, path, AT_STATX_DONT_SYNC, STATX_BASIC_STATS, &stx) == 0 &&
		    same_pipe(key, makedev(stx.stx_dev_major, stx.stx_dev_minor), stx.stx_ino,
			      stx.stx_mode)) {
			stat_from_statx(&stx, st);
			return 0;
		}
	}
	return -ENOENT;
}

/* Borrows descriptor @fd of @pid: the same open file description. */
static int borrow_fd(pid_t pid, int fd)
{
	int pidfd = syscall(SYS_pidfd_open, pid, 0);
	int copy;

	if (pidfd < 0)
		return -errno;
	copy = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	copy = copy < 0 ? -errno : copy;
	close(pidfd);
	return copy;
}

/* The holder may have closed the descriptor and reused its number since the
 * scan: only the same pipe is used, and whatever else it is now is looked at
 * without sync (it may be a file of a FUSE mount, this one included). */
static int fill_from(int fd, const IpcHeldKey *key, long *capacity, long *queued)
{
	struct statx stx;
	int bytes;
	int size;

	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_TYPE | STATX_INO, &stx) < 0 ||
	    !same_pipe(key, makedev(stx.stx_dev_major, stx.stx_dev_minor), stx.stx_ino,
		       stx.stx_mode))
		return -ENOENT;
	size = fcntl(fd, F_GETPIPE_SZ);
	if (size < 0 || ioctl(fd, FIONREAD, &bytes) < 0)
		return -errno;
	*capacity = size;
	*queued = bytes;
	return 0;
}

int ipc_holders_pipe_fill(const IpcHoldScan *scan, const IpcHeldKey *key, long *capacity,
			  long *queued)
{
	size_t n;
	const IpcHold *h = ipc_holders_of(scan, key, &n);
	int r = -ENOENT;

	for (size_t i = 0; i < n && r < 0; i++) {
		int fd = h[i].fd >= 0 ? borrow_fd(h[i].pid, h[i].fd) : -ENOENT;

		if (fd < 0) {
			r = fd;
			continue;
		}
		/* Closing a duplicate only drops a reference to the open file
		 * description: no reader or writer goes away. */
		r = fill_from(fd, key, capacity, queued);
		close(fd);
	}
	return r;
}

/* Undoes mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] && s[3]) {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

int ipc_holders_mount_of(const char *path, int *mount_id, dev_t *dev)
{
	g_autofree char *line = NULL;
	size_t cap = 0;
	int r = -ENOENT;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		char point[PATH_MAX];
		unsigned maj, min;
		int id;

		if (sscanf(line, "%d %*d %u:%u %*s %4095s", &id, &maj, &min, point) != 4)
			continue;
		unescape(point);
		if (strcmp(point, path) == 0) {
			*mount_id = id;
			*dev = makedev(maj, min);
			r = 0;
		}
	}
	fclose(f);
	return r;
}
