/* holders.c — KIND/NAME/holders and pipes/INODE/{info,holders}.
 *
 * Both come from one scan of /proc (core/ipc-holders.c), taken with the
 * caller's credentials: a process the caller may not look at in /proc is not
 * shown. A scan is kept for SCAN_TTL_US per set of credentials and IPC
 * namespace (the files it looks for are that namespace's), so that
 * "cat mq/NAME/holders" over every queue, or "ls pipes/" then reading each pipe,
 * costs one scan; a holder that arrives or leaves shows within that time.
 * The first reader of a stale scan makes the new one; readers with the same
 * credentials wait for it rather than scan again.
 *
 * The daemon's own descriptors are left out: they are there for callers.
 * Processes using an object through files of this mount are found by the
 * same scan (their descriptors of this mount stand for the object, by inode
 * number) and shown with USE "ipcfs", which lsof and lsfd can only show as
 * the daemon's. Those descriptors are never stat'd (see ipc-holders.h): a
 * worker waiting on its own mount could deadlock.
 */
#define G_LOG_DOMAIN "ipcfs"

#include "holders.h"
#include "creds.h"
#include "node.h"
#include "ns.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SCAN_TTL_US G_USEC_PER_SEC

/* The scan of one set of credentials. */
typedef struct {
	GMutex lock;        /* protects the fields below, and the scan's use */
	IpcHoldScan *scan;  /* NULL until the first */
	gint64 taken_us;    /* monotonic time of the scan */
} CachedScan;

/* Lock order: cache_lock, then (only by trylock) an entry's lock. */
static GMutex cache_lock;
static GHashTable *cache; /* "CREDS ipc:[ID]" -> CachedScan*; cache_lock */

/* Where the mount is; fixed at init. */
static char *mount_prefix; /* "MOUNTPOINT/" */
static int mount_id = -1;
static dev_t mount_dev;

static void cached_free(gpointer p)
{
	CachedScan *c = p;

	ipc_holders_free(c->scan);
	g_mutex_clear(&c->lock);
	g_free(c);
}

void ipcfs_holders_init(const char *mountpoint)
{
	int r = ipc_holders_mount_of(mountpoint, &mount_id, &mount_dev);

	/* Without it, files of the mount are still never stat'd by path
	 * (the prefix), and statx never asks FUSE; only its users go unseen. */
	if (r < 0)
		g_debug("holders: %s not found in mountinfo: %s", mountpoint, g_strerror(-r));
	mount_prefix = g_strconcat(mountpoint, "/", NULL);
	cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, cached_free);
}

void ipcfs_holders_free(void)
{
	g_clear_pointer(&cache, g_hash_table_unref);
	g_clear_pointer(&mount_prefix, g_free);
}

/* A descriptor of this mount: the object its file stands for. Only files
 * that use the object count (send, recv, data, value), not info or holders. */
static bool resolve_mount(ino_t ino, IpcHeldKey *key, void *unused)
{
	const IpcfsKind *kind;
	const IpcfsFile *file;
	ino_t object_id;

	if (!ipcfs_node_object(ino, ipcfs_ns_here(), &kind, &object_id, &file) || !file ||
	    !(file->read || file->write) || !kind->held_key)
		return false;
	kind->held_key(object_id, key);
	return true;
}

static IpcHoldScan *scan_now(bool maps)
{
	const IpcfsNs *ns = ipcfs_ns_here();
	dev_t devs[] = {ns->shm_dev, ns->mq_dev};
	IpcScanSetup setup = {
	    .skip_pid = getpid(),
	    .devs = devs,
	    .n_devs = ns->mq_dirfd >= 0 ? 2 : 1,
	    .maps = maps,
	    .mount_prefix = mount_prefix,
	    .mount_id = mount_id,
	    .mount_dev = mount_id >= 0 ? mount_dev : (dev_t)-1,
	    .resolve = resolve_mount,
	};

	return ipc_holders_scan(&setup);
}

/* Frees the expired scans nobody is using, so that many callers do not keep
 * many scans. The entries stay: another thread may hold one's pointer.
 * Called with cache_lock held (never waits for an entry's lock). */
static void drop_stale(gint64 now)
{
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, cache);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		CachedScan *c = value;

		if (!g_mutex_trylock(&c->lock))
			continue;
		if (c->scan && now - c->taken_us >= SCAN_TTL_US)
			g_clear_pointer(&c->scan, ipc_holders_free);
		g_mutex_unlock(&c->lock);
	}
}

static CachedScan *cache_entry(void)
{
	g_autofree char *creds = ipcfs_creds_key();
	g_autofree char *key =
	    g_strdup_printf("%s ipc:[%lu]", creds, (unsigned long)ipcfs_ns_here()->id);
	CachedScan *c;

	g_mutex_lock(&cache_lock);
	drop_stale(g_get_monotonic_time());
	c = g_hash_table_lookup(cache, key);
	if (!c) {
		c = g_new0(CachedScan, 1);
		g_mutex_init(&c->lock);
		g_hash_table_insert(cache, g_steal_pointer(&key), c);
	}
	g_mutex_unlock(&cache_lock);
	return c;
}

/* The scan for the credentials in force, fresh enough and with mappings if
 * @maps; returned with its entry locked (unlock c->lock when done). Entries
 * live as long as the daemon, one per set of credentials seen; their scans
 * only until they expire (drop_stale). */
static CachedScan *cached_scan(bool maps)
{
	CachedScan *c = cache_entry();
	gint64 now = g_get_monotonic_time();

	g_mutex_lock(&c->lock);
	if (!c->scan || now - c->taken_us >= SCAN_TTL_US ||
	    (maps && !ipc_holders_have_maps(c->scan))) {
		ipc_holders_free(c->scan);
		c->scan = scan_now(maps);
		c->taken_us = now;
		g_debug("holders: scanned /proc%s", maps ? " with mappings" : "");
	}
	return c;
}

typedef int (*ScanUse)(const IpcHoldScan *scan, IpcfsHandle *h);

/* Runs @use on a scan taken with @req's caller's credentials; @use itself
 * runs with the daemon's. */
static int with_scan(fuse_req_t req, bool maps, ScanUse use, IpcfsHandle *h)
{
	CachedScan *c;
	int r = ipcfs_creds_enter(req);

	if (r < 0)
		return r;
	c = cached_scan(maps);
	ipcfs_creds_leave();
	r = use(c->scan, h);
	g_mutex_unlock(&c->lock);
	return r;
}

static const char *mode_word(unsigned mode)
{
	static const char *const words[] = {"-", "r", "w", "rw"};

	return words[mode & (IPC_HOLD_R | IPC_HOLD_W)];
}

static void print_holds(GString *out, const IpcHold *holds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const IpcHold *h = &holds[i];

		g_string_append_printf(out, "%d ", (int)h->pid);
		if (h->fd >= 0)
			g_string_append_printf(out, "fd:%d", h->fd);
		else
			g_string_append(out, h->fd == IPC_HOLD_MAP ? "map" : "ipcfs");
		g_string_append_printf(out, " %s %s\n", mode_word(h->mode), h->comm);
	}
}

/* The key of pipe @name in @scan; false if the caller sees no such pipe. */
static bool pipe_key(const IpcHoldScan *scan, const char *name, IpcHeldKey *key)
{
	return ipc_holders_find_pipe(scan, g_ascii_strtoull(name, NULL, 10), key);
}

static int render_holders(const IpcHoldScan *scan, IpcfsHandle *h)
{
	const IpcfsKind *kind = h->node->kind;
	const IpcHold *holds;
	IpcHeldKey key;
	size_t n;

	if (kind == &ipcfs_pipes_kind) {
		if (!pipe_key(scan, h->name, &key))
			return 0;
	} else {
		kind->held_key(h->node->object_id, &key);
	}
	holds = ipc_holders_of(scan, &key, &n);
	print_holds(h->text, holds, n);
	return 0;
}

/* Shared memory is held by mappings too; queues and pipes only by
 * descriptors, and a scan without mappings is much cheaper. */
static bool held_by_maps(const IpcfsKind *kind, ino_t object_id)
{
	IpcHeldKey key;

	if (!kind->held_key)
		return false;
	kind->held_key(object_id, &key);
	return key.type == IPC_HELD_SYSV_SHM || (key.type == IPC_HELD_FILE &&
						 key.dev == ipcfs_ns_here()->shm_dev);
}

static int holders_snapshot(IpcfsHandle *h, fuse_req_t req)
{
	return with_scan(req, held_by_maps(h->node->kind, h->node->object_id), render_holders, h);
}

const IpcfsFile ipcfs_holders_file = {
	.name = "holders",
	.perm_mask = 0444,
	.snapshot = holders_snapshot,
};

/* pipes/INODE/info. Capacity and queued bytes are read through a borrowed
 * duplicate of a holder's descriptor, with the daemon's rights but only for
 * a pipe the caller sees: reopening /proc/PID/fd/N instead would add a
 * reader or a writer, and change the EOF and SIGPIPE its users see. */
static int render_pipe_info(const IpcHoldScan *scan, IpcfsHandle *h)
{
	long capacity, queued;
	const char *path;
	IpcHeldKey key;

	if (!pipe_key(scan, h->name, &key))
		return -ENOENT;
	path = ipc_holders_fifo_path(scan, &key);
	g_string_append_printf(h->text, "type %s\n", path ? "fifo" : "pipe");
	if (path)
		g_string_append_printf(h->text, "path %s\n", path);
	if (ipc_holders_pipe_fill(scan, &key, &capacity, &queued) == 0)
		g_string_append_printf(h->text, "capacity %ld\nqueued %ld\n", capacity, queued);
	else
		g_string_append(h->text, "capacity unknown\nqueued unknown\n");
	return 0;
}

static int pipe_info_snapshot(IpcfsHandle *h, fuse_req_t req)
{
	return with_scan(req, false, render_pipe_info, h);
}

static const IpcfsFile pipe_info_file = {
	.name = "info",
	.perm_mask = 0444,
	.snapshot = pipe_info_snapshot,
};

static const IpcfsFile *const pipe_files[] = {&pipe_info_file, &ipcfs_holders_file, NULL};

/* Pipe names are inode numbers. */
static int pipes_name_check(const char *name)
{
	size_t len = strlen(name);

	if (len > 20)
		return -ENAMETOOLONG;
	return len > 0 && strspn(name, "0123456789") == len && name[0] != '0' ? 0 : -EINVAL;
}

/* tree.c calls the two below with the caller's credentials in force. */
static int pipes_list(GPtrArray **names)
{
	CachedScan *c = cached_scan(false);
	g_autoptr(GArray) keys = ipc_holders_pipes(c->scan);

	g_mutex_unlock(&c->lock);
	*names = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < keys->len; i++)
		g_ptr_array_add(*names, g_strdup_printf(
					    "%ju", (uintmax_t)g_array_index(keys, IpcHeldKey, i).ino));
	return 0;
}

/* A pipe's directory: the pipe's owner and times, open to everyone (what
 * is inside shows only what the reader may see). */
static int pipes_stat(const char *name, struct stat *st)
{
	CachedScan *c = cached_scan(false);
	IpcHeldKey key;
	int r = pipe_key(c->scan, name, &key) ? ipc_holders_pipe_stat(c->scan, &key, st) : -ENOENT;

	g_mutex_unlock(&c->lock);
	if (r == 0)
		st->st_mode = S_IFIFO | 0555;
	return r;
}

const IpcfsKind ipcfs_pipes_kind = {
	.dirname = "pipes",
	.ino = IPCFS_INO_PIPES,
	.files = pipe_files,
	.name_check = pipes_name_check,
	.list = pipes_list,
	.stat = pipes_stat,
	.as_caller = true,
};
