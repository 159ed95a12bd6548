/* watch.c — names are never stale: the kernel's own directories, watched.
 *
 * The objects ipcfs shows live as files in two kernel directories: /dev/shm
 * (shm objects, and semaphores as sem.NAME) and the mqueue filesystem
 * (ipcfs_ns_home.mq_dirfd: /dev/mqueue, or a private detached mount of the
 * same filesystem). One thread, ipcfs-watch, reads inotify events on both
 * and tells the kernel's FUSE caches of every change at once. That is what
 * lets tree.c cache names for a minute.
 *
 * For each name an event is about, the object is stat'ed again and compared
 * with the nodes the kernel knows under that name (ipcfs_nodes_named):
 *
 * - An object directory that stands for another object, or for none (the
 *   name is gone), is deleted from the kernel's cache (notify_delete: the
 *   dentry goes and the directory is marked dead, as after rmdir). A
 *   re-created object then gets a new node on its next lookup.
 * - A created, removed or renamed name also has its entry invalidated
 *   (notify_inval_entry). The kernel runs that after any lookup in flight in
 *   the kind directory, so a lookup that raced with the change cannot leave
 *   a stale entry behind.
 * - A change of mode or owner (IN_ATTRIB) invalidates the attributes of the
 *   object's directory and files (notify_inval_inode): their shown modes
 *   derive from the object's.
 * - IN_Q_OVERFLOW (events were lost): every name the kernel knows is checked.
 *
 * Every NS_CHECK_MS it also lets go of the namespaces under ns/ that no
 * process is in any more (forget_ended_namespaces).
 *
 * Locking: the node table lock is held only while the nodes are copied out;
 * no lock is held while notifying. A notification may wait for the kernel's
 * lock on the kind directory, which a request in flight there (a lookup, a
 * mkdir) holds until a worker answers it. Workers never wait for this
 * thread, so that wait always ends.
 */
#define G_LOG_DOMAIN "ipcfs"

#include "ipc-util.h"
#include "node.h"
#include "ns.h"
#include "watch.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#define WATCH_EVENTS (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB | IN_ONLYDIR)
#define ENTRY_EVENTS (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO)
#define NS_CHECK_MS  2000 /* how often ended namespaces are let go */

/* Set up by ipcfs_watch_start before the thread runs, read-only after; the
 * *_watched flags are atomic: workers read them, the thread clears them if
 * the kernel drops a watch. */
static struct fuse_session *session;
static int inotify_fd = -1;
static int stop_fd = -1; /* eventfd: written once, to end the thread */
static int shm_wd = -1;	 /* /dev/shm: shm objects and semaphores */
static int mq_wd = -1;	 /* the mqueue filesystem */
static gint shm_watched;
static gint mq_watched;
static GThread *thread;

bool ipcfs_watch_covers(const IpcfsKind *kind)
{
	if (kind == &ipcfs_mq_kind)
		return g_atomic_int_get(&mq_watched);
	if (kind == &ipcfs_shm_kind || kind == &ipcfs_sem_kind)
		return g_atomic_int_get(&shm_watched);
	return false;
}

/* Deletes the kernel's entry of @name and its directory inode @ino. */
static void forget_object(const IpcfsKind *kind, const char *name, fuse_ino_t ino)
{
	int r = fuse_lowlevel_notify_delete(session, kind->ino, ino, name, strlen(name));

	g_debug("watch: %s/%s gone (inode %ju): %s", kind->dirname, name, (uintmax_t)ino,
		g_strerror(-r));
}

/* Brings the kernel's caches of @name in line with the object there now,
 * after an event of @mask (see the top of the file). */
static void check_name(const IpcfsKind *kind, const char *name, uint32_t mask)
{
	g_autoptr(GArray) nodes = ipcfs_nodes_named(kind, name);
	struct stat st;
	ino_t current = kind->stat(name, &st) == 0 ? st.st_ino : 0;

	for (guint i = 0; i < nodes->len; i++) {
		const IpcfsNodeId *id = &g_array_index(nodes, IpcfsNodeId, i);

		if (id->object_id != current) {
			if (id->type == NODE_OBJECT)
				forget_object(kind, name, id->ino);
		} else if (mask & IN_ATTRIB) {
			fuse_lowlevel_notify_inval_inode(session, id->ino, 0, 0);
		}
	}
	if (mask & ENTRY_EVENTS)
		fuse_lowlevel_notify_inval_entry(session, kind->ino, name, strlen(name));
}

/* Events were lost: checks every name the kernel knows, for every change. */
static void check_everything(void)
{
	g_debug("watch: event queue overflowed, checking every known name");
	for (const IpcfsKind *const *k = ipcfs_kinds; *k; k++) {
		g_autoptr(GPtrArray) names = NULL;

		/* The other kinds are cached briefly, never invalidated. */
		if (!ipcfs_watch_covers(*k))
			continue;
		names = ipcfs_node_names(*k);

		for (guint i = 0; i < names->len; i++)
			check_name(*k, names->pdata[i], ENTRY_EVENTS | IN_ATTRIB);
	}
}

/* The kind and object name that file @file of watch @wd stands for; NULL if
 * none (a stray file in /dev/shm, a semaphore's temporary name is fine). */
static const IpcfsKind *object_of(int wd, const char *file, const char **name)
{
	const IpcfsKind *kind = &ipcfs_mq_kind;

	*name = file;
	if (wd == shm_wd) {
		kind = g_str_has_prefix(file, IPC_SEM_PREFIX) ? &ipcfs_sem_kind : &ipcfs_shm_kind;
		if (kind == &ipcfs_sem_kind)
			*name = file + strlen(IPC_SEM_PREFIX);
	}
	return kind->name_check(*name) == 0 ? kind : NULL;
}

static void on_event(const struct inotify_event *ev)
{
	const IpcfsKind *kind;
	const char *name;

	if (ev->mask & IN_Q_OVERFLOW) {
		check_everything();
	} else if (ev->mask & IN_IGNORED) {
		/* The directory is gone from under us: back to short timeouts. */
		g_atomic_int_set(ev->wd == mq_wd ? &mq_watched : &shm_watched, 0);
		g_message(
		    "watch: the kernel stopped watching %s; names may be late by up to a second",
		    ev->wd == mq_wd ? "mq/" : "shm/ and sem/");
	} else if (ev->len > 0 && (kind = object_of(ev->wd, ev->name, &name))) {
		check_name(kind, name, ev->mask);
	}
}

/* Reads and handles the events that are waiting. */
static void read_events(void)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n = read(inotify_fd, buf, sizeof(buf));

	for (ssize_t off = 0; off < n;) {
		const struct inotify_event *ev = (const struct inotify_event *)(buf + off);

		on_event(ev);
		off += sizeof(*ev) + ev->len;
	}
}

/* A namespace under ns/ that its last process left lives on as long as the
 * kernel caches any inode under ns/ipc:[ID] (each holds the namespace, and
 * with it its objects and its /dev/shm): perhaps until memory runs short.
 * Every entry there is dropped; once nothing there is open or anyone's
 * working directory, the kernel forgets the inodes and the namespace goes.
 * (Dropping the top entry alone is not enough: an entry made under a
 * working directory after the entries above it were dropped would keep
 * them all.) */
static void forget_ended_namespaces(void)
{
	g_autoptr(GArray) ended = ipcfs_ns_ended();

	for (guint i = 0; i < ended->len; i++) {
		ino_t id = g_array_index(ended, ino_t, i);
		g_autoptr(GArray) entries = ipcfs_node_ns_entries(id);

		g_debug("watch: ipc:[%lu] has no process left: %u entries to drop",
			(unsigned long)id, entries->len);
		for (guint j = 0; j < entries->len; j++) {
			const IpcfsNodeEntry *e = &g_array_index(entries, IpcfsNodeEntry, j);

			fuse_lowlevel_notify_inval_entry(session, e->parent, e->name,
							 strlen(e->name));
		}
	}
}

static gpointer watch_run(gpointer unused)
{
	struct pollfd fds[] = {
	    {.fd = inotify_fd, .events = POLLIN},
	    {.fd = stop_fd, .events = POLLIN},
	};
	gint64 next_check = 0;

	for (;;) {
		if (g_get_monotonic_time() >= next_check) {
			forget_ended_namespaces();
			next_check = g_get_monotonic_time() + NS_CHECK_MS * 1000;
		}
		if (poll(fds, G_N_ELEMENTS(fds), NS_CHECK_MS) < 0) {
			if (errno == EINTR)
				continue;
			g_critical("watch: poll: %s", g_strerror(errno));
			/* Nothing is invalidated from now on: back to short timeouts. */
			g_atomic_int_set(&shm_watched, 0);
			g_atomic_int_set(&mq_watched, 0);
			break;
		}
		if (fds[1].revents)
			break;
		if (fds[0].revents)
			read_events();
	}
	return NULL;
}

/* Watches directory @dirfd; returns the watch descriptor or -1. */
static int watch_dir(int dirfd, const char *what)
{
	g_autofree char *path = g_strdup_printf("/proc/self/fd/%d", dirfd);
	int wd = dirfd >= 0 ? inotify_add_watch(inotify_fd, path, WATCH_EVENTS) : -1;

	if (dirfd >= 0 && wd < 0)
		g_message("watch: cannot watch %s (%s); its names may be late by up to a second",
			  what, g_strerror(errno));
	return wd;
}

void ipcfs_watch_start(struct fuse_session *se)
{
	session = se;
	stop_fd = eventfd(0, EFD_CLOEXEC);
	if (stop_fd < 0) {
		g_message("watch: no eventfd (%s): names may be late by up to a second, and "
			  "namespaces no process is in are held until the kernel forgets them",
			  g_strerror(errno));
		return;
	}
	/* Without inotify the thread still lets go of ended namespaces. */
	inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (inotify_fd < 0)
		g_message("watch: no inotify (%s); names may be late by up to a second",
			  g_strerror(errno));
	shm_wd = inotify_fd >= 0 ? watch_dir(ipcfs_ns_home.shm_dirfd, "/dev/shm") : -1;
	mq_wd = inotify_fd >= 0 ? watch_dir(ipcfs_ns_home.mq_dirfd, "the mqueue filesystem") : -1;
	g_atomic_int_set(&shm_watched, shm_wd >= 0);
	g_atomic_int_set(&mq_watched, mq_wd >= 0);
	thread = g_thread_new("ipcfs-watch", watch_run, NULL);
}

void ipcfs_watch_stop(void)
{
	uint64_t one = 1;

	if (thread) {
		if (write(stop_fd, &one, sizeof(one)) != sizeof(one))
			g_critical("watch: cannot stop the thread: %s", g_strerror(errno));
		g_thread_join(g_steal_pointer(&thread));
	}
	g_atomic_int_set(&shm_watched, 0);
	g_atomic_int_set(&mq_watched, 0);
	if (inotify_fd >= 0)
		close(inotify_fd);
	if (stop_fd >= 0)
		close(stop_fd);
	inotify_fd = stop_fd = -1;
}
