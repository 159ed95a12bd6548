/* ns.c — the IPC namespaces a mount serves (see ns.h), and ns/.
 *
 * Why a setns per request and not a thread per namespace: a thread per
 * namespace would queue every request of a container behind one thread and
 * add two hand-offs to each; setns(CLONE_NEWIPC) moves only the calling
 * thread and costs two system calls a request, paid only under ns/. It also
 * runs the thread's System V undo list, which the daemon never has: it never
 * uses SEM_UNDO.
 *
 * Who sees what: ns/ lists, and a lookup finds, only namespaces with a
 * process the caller may inspect, by the kernel's own rule (reading
 * /proc/PID/ns/ipc with the caller's credentials). tree.c gives ns/ipc:[ID]
 * no entry cache, so every path walk through it is checked again.
 */
#define G_LOG_DOMAIN "ipcfs"

#include "ns.h"
#include "creds.h"
#include "ipc-mq.h"
#include "ipc-ns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

IpcfsNs ipcfs_ns_home = {.ipc_fd = -1, .mq_dirfd = -1, .shm_dirfd = -1};

static __thread IpcfsNs *here; /* NULL: the mount's own */

static GMutex ns_lock;
static GHashTable *namespaces; /* ID -> IpcfsNs*, every one in use but home; ns_lock */

static dev_t dir_dev(int dirfd)
{
	struct stat st;

	return dirfd >= 0 && fstat(dirfd, &st) == 0 ? st.st_dev : 0;
}

static void fill_devs(IpcfsNs *ns)
{
	ns->mq_dev = dir_dev(ns->mq_dirfd);
	ns->shm_dev = dir_dev(ns->shm_dirfd);
}

int ipcfs_ns_home_init(void)
{
	struct stat st;

	ipcfs_ns_home.ipc_fd = open("/proc/thread-self/ns/ipc", O_RDONLY | O_CLOEXEC);
	if (ipcfs_ns_home.ipc_fd < 0 || fstat(ipcfs_ns_home.ipc_fd, &st) < 0)
		return -errno;
	ipcfs_ns_home.id = st.st_ino;
	fill_devs(&ipcfs_ns_home);
	namespaces = g_hash_table_new(g_int64_hash, g_int64_equal);
	return 0;
}

static void ns_close(IpcfsNs *ns)
{
	if (ns->ipc_fd >= 0)
		close(ns->ipc_fd);
	if (ns->mq_dirfd >= 0)
		close(ns->mq_dirfd);
	if (ns->shm_dirfd >= 0)
		close(ns->shm_dirfd);
}

void ipcfs_ns_home_free(void)
{
	ns_close(&ipcfs_ns_home);
	g_clear_pointer(&namespaces, g_hash_table_unref);
}

IpcfsNs *ipcfs_ns_here(void)
{
	return here ? here : &ipcfs_ns_home;
}

int ipcfs_ns_enter(IpcfsNs *ns, IpcfsNs **was)
{
	IpcfsNs *to = ns ? ns : &ipcfs_ns_home;

	*was = ipcfs_ns_here();
	if (to == *was)
		return 0;
	if (setns(to->ipc_fd, CLONE_NEWIPC) < 0)
		return -errno;
	here = to;
	return 0;
}

void ipcfs_ns_leave(IpcfsNs *was)
{
	if (ipcfs_ns_here() == was)
		return;
	/* A thread left in another namespace would serve its next request
	 * there: better no daemon at all. */
	if (setns(was->ipc_fd, CLONE_NEWIPC) < 0)
		g_error("cannot return to IPC namespace ipc:[%lu]: %s", (unsigned long)was->id,
			g_strerror(errno));
	here = was;
}

IpcfsNs *ipcfs_ns_ref(IpcfsNs *ns)
{
	if (ns && ns != &ipcfs_ns_home) {
		g_mutex_lock(&ns_lock);
		ns->refs++;
		g_mutex_unlock(&ns_lock);
	}
	return ns;
}

void ipcfs_ns_unref(IpcfsNs *ns)
{
	bool last = false;

	if (!ns || ns == &ipcfs_ns_home)
		return;
	g_mutex_lock(&ns_lock);
	if (--ns->refs == 0) {
		g_hash_table_remove(namespaces, &ns->id);
		last = true;
	}
	g_mutex_unlock(&ns_lock);
	if (last) {
		g_debug("ns ipc:[%lu] released", (unsigned long)ns->id);
		ns_close(ns);
		g_free(ns);
	}
}

/* A private mqueue mount made from inside the namespace is that
 * namespace's: the only way to list its queues. */
static int open_mq_dir(IpcfsNs *ns)
{
	IpcfsNs *was;
	int r = ipcfs_ns_enter(ns, &was);

	if (r < 0)
		return r;
	ns->mq_dirfd = ipc_mq_private_dir_open();
	ipcfs_ns_leave(was);
	if (ns->mq_dirfd < 0)
		g_debug("ns ipc:[%lu]: no mqueue filesystem: %s", (unsigned long)ns->id,
			g_strerror(-ns->mq_dirfd));
	return 0;
}

typedef struct {
	ino_t id;
	pid_t pid;
} FirstPid;

static bool find_first(pid_t pid, ino_t ns_id, void *data)
{
	FirstPid *f = data;

	if (ns_id != f->id)
		return true;
	f->pid = pid;
	return false;
}

/* Queues and System V objects do not need /dev/shm: a namespace without a
 * usable one (none, or not a tmpfs) shows an empty, read-only shm/ and sem/
 * rather than nothing at all. */
static int open_shm_dir(IpcfsNs *ns, int procfd)
{
	ns->shm_dirfd = ipc_ns_shm_dir_open(procfd);
	if (ns->shm_dirfd == -ESRCH)
		return -ESRCH;
	if (ns->shm_dirfd < 0) {
		g_debug("ns ipc:[%lu]: no /dev/shm of pid %d: %s", (unsigned long)ns->id,
			ns->shm_pid, g_strerror(-ns->shm_dirfd));
		ns->shm_dirfd = ipc_ns_empty_dir_open();
	}
	return ns->shm_dirfd < 0 ? ns->shm_dirfd : 0;
}

/* Opens namespace @id through process @pid, a process in it: -ENOENT if
 * @pid is gone or now elsewhere. */
static int ns_open_through(IpcfsNs *ns, ino_t id, pid_t pid)
{
	int procfd = ipc_ns_proc_open(pid);
	int r = procfd;

	if (procfd < 0)
		return r == -ESRCH ? -ENOENT : r;
	ns->ipc_fd = ipc_ns_ipc_open(procfd, &ns->id);
	r = ns->ipc_fd < 0 ? ns->ipc_fd : ns->id != id ? -ENOENT : 0;
	if (r == 0)
		r = open_shm_dir(ns, procfd);
	close(procfd);
	if (r == 0)
		r = open_mq_dir(ns);
	return r == -ESRCH ? -ENOENT : r;
}

/* Opens namespace @id through its lowest PID, found with the daemon's own
 * rights: the /dev/shm that everyone gets under ns/ipc:[ID] is not for the
 * first caller to choose (a process of its own there could have a /dev/shm
 * of its own). */
static IpcfsNs *ns_open(ino_t id, int *err)
{
	FirstPid first = {.id = id};
	IpcfsNs *ns;

	ipc_ns_scan(getpid(), find_first, &first);
	if (first.pid == 0) {
		*err = -ENOENT;
		return NULL;
	}
	ns = g_new0(IpcfsNs, 1);
	ns->ipc_fd = ns->mq_dirfd = ns->shm_dirfd = -1;
	ns->shm_pid = first.pid;
	*err = ns_open_through(ns, id, first.pid);
	if (*err < 0) {
		g_debug("ns ipc:[%lu] through %d: %s", (unsigned long)id, first.pid,
			g_strerror(-*err));
		ns_close(ns);
		g_free(ns);
		return NULL;
	}
	fill_devs(ns);
	return ns;
}

/* The namespace @id with a reference: the one in use, or a new one. */
static IpcfsNs *ns_get(ino_t id, int *err)
{
	gint64 key = id;
	IpcfsNs *ns, *known;

	g_mutex_lock(&ns_lock);
	ns = g_hash_table_lookup(namespaces, &key);
	if (ns)
		ns->refs++;
	g_mutex_unlock(&ns_lock);
	if (ns)
		return ns;
	ns = ns_open(id, err);
	if (!ns)
		return NULL;
	g_mutex_lock(&ns_lock);
	known = g_hash_table_lookup(namespaces, &key);
	if (known) {
		known->refs++;
	} else {
		ns->refs = 1;
		g_hash_table_insert(namespaces, &ns->id, ns);
	}
	g_mutex_unlock(&ns_lock);
	if (known) { /* another thread opened it meanwhile */
		ns_close(ns);
		g_free(ns);
		return known;
	}
	return ns;
}

/* The namespace's process the daemon used before, if the caller may still
 * see it there: one stat instead of a scan of /proc. */
static pid_t known_pid(ino_t id)
{
	gint64 key = id;
	IpcfsNs *ns;
	pid_t pid = 0;

	if (id == ipcfs_ns_home.id)
		return ipcfs_ns_home.shm_pid;
	g_mutex_lock(&ns_lock);
	ns = g_hash_table_lookup(namespaces, &key);
	if (ns)
		pid = ns->shm_pid;
	g_mutex_unlock(&ns_lock);
	return pid;
}

/* Whether @req's caller may inspect a process of namespace @id (the one
 * used before, or any): 0 or -ENOENT. */
static int caller_sees(fuse_req_t req, ino_t id)
{
	FirstPid f = {.id = id, .pid = known_pid(id)};
	ino_t seen;
	int r = ipcfs_creds_enter(req);

	if (r < 0)
		return r;
	if (f.pid <= 0 || ipc_ns_of(f.pid, &seen) < 0 || seen != id) {
		f.pid = 0;
		ipc_ns_scan(getpid(), find_first, &f);
	}
	ipcfs_creds_leave();
	return f.pid > 0 ? 0 : -ENOENT;
}

IpcfsNs *ipcfs_ns_lookup(fuse_req_t req, const char *name, int *err)
{
	ino_t id;

	*err = ipc_ns_parse(name, &id) < 0 ? -ENOENT : caller_sees(req, id);
	if (*err < 0)
		return NULL;
	if (id == ipcfs_ns_home.id)
		return &ipcfs_ns_home;
	return ns_get(id, err);
}

static bool add_live(pid_t pid, ino_t ns_id, void *data)
{
	gint64 key = ns_id;

	g_hash_table_add(data, g_memdup2(&key, sizeof(key)));
	return true;
}

/* Namespaces whose remembered process has left them, then those of them that
 * a scan of every process (with the daemon's rights) finds empty. */
GArray *ipcfs_ns_ended(void)
{
	GArray *ended = g_array_new(FALSE, FALSE, sizeof(ino_t));
	g_autoptr(GHashTable) live = NULL;
	GHashTableIter iter;
	gpointer value;
	ino_t seen;
	guint kept;

	g_mutex_lock(&ns_lock);
	g_hash_table_iter_init(&iter, namespaces);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		IpcfsNs *ns = value;

		if (ipc_ns_of(ns->shm_pid, &seen) < 0 || seen != ns->id)
			g_array_append_val(ended, ns->id);
	}
	g_mutex_unlock(&ns_lock);
	if (ended->len == 0)
		return ended;
	live = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	ipc_ns_scan(getpid(), add_live, live);
	kept = 0;
	for (guint i = 0; i < ended->len; i++) {
		gint64 key = g_array_index(ended, ino_t, i);

		if (!g_hash_table_contains(live, &key))
			g_array_index(ended, ino_t, kept++) = key;
	}
	g_array_set_size(ended, kept);
	return ended;
}

typedef struct {
	GHashTable *seen; /* namespace IDs listed */
	GPtrArray *names;
} Listing;

static bool add_name(pid_t pid, ino_t ns_id, void *data)
{
	Listing *l = data;
	gint64 *key = g_new(gint64, 1);

	*key = ns_id;
	if (g_hash_table_add(l->seen, key))
		g_ptr_array_add(l->names, g_strdup_printf("ipc:[%lu]", (unsigned long)ns_id));
	return true;
}

int ipcfs_ns_list(fuse_req_t req, GPtrArray **names)
{
	Listing l = {g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL),
		     g_ptr_array_new_with_free_func(g_free)};
	int r = ipcfs_creds_enter(req);

	if (r == 0) {
		r = ipc_ns_scan(getpid(), add_name, &l);
		ipcfs_creds_leave();
	}
	g_hash_table_unref(l.seen);
	if (r < 0) {
		g_ptr_array_unref(l.names);
		return r;
	}
	*names = l.names;
	return 0;
}

typedef struct {
	ino_t id;
	GString *out;
} ProcessLines;

static bool add_process(pid_t pid, ino_t ns_id, void *data)
{
	ProcessLines *p = data;
	char comm[64];

	if (ns_id == p->id) {
		ipc_ns_comm(pid, comm, sizeof(comm));
		g_string_append_printf(p->out, "process %d %s\n", pid, comm);
	}
	return true;
}

/* Runs in the file's namespace (file.c entered it). */
static int info_snapshot(IpcfsHandle *h, fuse_req_t req)
{
	IpcfsNs *ns = ipcfs_ns_here();
	ProcessLines p = {ns->id, h->text};
	int r;

	g_string_append_printf(h->text, "namespace ipc:[%lu]\nshm_pid %d\n", (unsigned long)ns->id,
			       ns->shm_pid ? ns->shm_pid : getpid());
	r = ipcfs_creds_enter(req);
	if (r == 0) {
		r = ipc_ns_scan(getpid(), add_process, &p);
		ipcfs_creds_leave();
	}
	return r;
}

const IpcfsFile ipcfs_ns_info_file = {
    .name = "info",
    .perm_mask = 0444,
    .snapshot = info_snapshot,
};
