/* tree.c — the directory side of the filesystem: lookup, attributes,
 * listings, mkdir/rmdir and everything that is refused.
 *
 * Caching: other programs create, remove, chmod and chown objects at any
 * moment. The watcher (watch.c) learns each of those changes from inotify
 * and invalidates the kernel's caches at once, so names and object entries
 * are cached for a minute while their kind is watched (a second otherwise).
 * Attributes are cached for a second: a queue's times change on every send
 * and receive, and a mapped shm object's on a store, with no event to tell.
 * The size of shm data is not cached at all, and missing names never are
 * (plain ENOENT, no negative entries). The fixed part of the tree never
 * changes. Under ns/, nothing is watched: names are cached as briefly as
 * unwatched kinds' are, and ns/ipc:[ID] not at all, so that every path walk
 * through it checks again that the caller may see that namespace.
 *
 * Every request acts in the namespace of the node it is about (ns.h).
 */
#define G_LOG_DOMAIN "ipcfs"

#include "creds.h"
#include "node.h"
#include "ns.h"
#include "tree.h"
#include "watch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define FIXED_TIMEOUT   60.0
#define WATCHED_TIMEOUT 60.0 /* names of a watched kind */
#define OBJECT_TIMEOUT  1.0

static time_t mount_time;

void ipcfs_tree_init(void)
{
	mount_time = time(NULL);
}

static void fill_fixed(const IpcfsNode *node, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_atime = st->st_mtime = st->st_ctime = mount_time;
	if (node->type == NODE_FILE) {
		st->st_mode = S_IFREG | node->file->perm_mask;
		st->st_nlink = 1;
	} else {
		/* Kind directories: anyone may try to create; the kernel decides.
		 * Kinds without create (pipes/, System V's) are only looked at. */
		st->st_mode = node->type == NODE_KIND && node->kind->create ? S_IFDIR | 01777
									    : S_IFDIR | 0755;
		st->st_nlink = 2;
	}
}

/* What stat shows of an object's directory or file, from the object's own
 * attributes in @st. */
static void shape_object(const IpcfsNode *node, struct stat *st)
{
	if (node->type == NODE_OBJECT) {
		st->st_mode = S_IFDIR | (st->st_mode & 07777);
		st->st_nlink = 2;
	} else {
		st->st_mode = S_IFREG | (st->st_mode & node->file->perm_mask);
		st->st_nlink = 1;
		st->st_size = node->file->size ? node->file->size(st) : 0;
	}
	st->st_blocks = st->st_size / 512 + (st->st_size % 512 != 0);
}

/* Stats the object @node stands for by its name: -ENOENT if the name now
 * holds another object (re-created since the node was made). */
static int stat_by_name(const IpcfsNode *node, struct stat *st)
{
	int r = node->kind->stat(node->name, st);

	return r == 0 && st->st_ino != node->object_id ? -ENOENT : r;
}

/* An open file lives on after its object is removed, as any open file
 * does: fstat(2) of it (@h) goes to its descriptor, and a stat by path finds
 * a descriptor open on the node once the name is gone. */
static int fill_object(IpcfsNode *node, const IpcfsHandle *h, struct stat *st)
{
	int r = h && h->fd >= 0 ? (fstat(h->fd, st) < 0 ? -errno : 0) : stat_by_name(node, st);

	if (r == -ENOENT && !h && node->type == NODE_FILE)
		r = ipcfs_node_fstat(node, st);

	if (r < 0)
		return r;
	shape_object(node, st);
	return 0;
}

/* A by-key link: the object's owner and times, if the key still names the
 * object it named at lookup. */
static int fill_link(const IpcfsNode *node, struct stat *st)
{
	g_autofree char *object = NULL;
	ino_t object_id;
	int r = node->kind->key_lookup(node->name, &object_id, &object);

	if (r == 0)
		r = node->kind->stat(object, st);
	if (r == 0 && (object_id != node->object_id || st->st_ino != object_id))
		r = -ENOENT;
	if (r < 0)
		return r;
	st->st_mode = S_IFLNK | 0777;
	st->st_nlink = 1;
	st->st_size = strlen("../") + strlen(object);
	st->st_blocks = 0;
	return 0;
}

int ipcfs_node_stat(IpcfsNode *node, const IpcfsHandle *h, struct stat *st)
{
	int r = 0;

	if (node->type == NODE_LINK)
		r = fill_link(node, st);
	else if (node->name)
		r = fill_object(node, h, st);
	else
		fill_fixed(node, st);
	st->st_ino = node->ino;
	return r;
}

static double attr_timeout(const IpcfsNode *node)
{
	if (!node->name)
		return FIXED_TIMEOUT;
	/* st_size of data is fresh on every stat. */
	return node->file && node->file->size ? 0.0 : OBJECT_TIMEOUT;
}

/* Names the watcher keeps exact: the watched kinds' at the top level. */
static double name_timeout(const IpcfsNode *node)
{
	return !node->ns && ipcfs_watch_covers(node->kind) ? WATCHED_TIMEOUT : OBJECT_TIMEOUT;
}

static double entry_timeout(const IpcfsNode *node)
{
	/* mq/.create gives way to a queue of that name (lookup_object): its
	 * entry is a name of the kind. */
	if (node->role == IPCFS_INO_MQ_CREATE)
		return name_timeout(node);
	if (node->role == IPCFS_INO_NS_DIR)
		return 0.0;
	if (!node->name)
		return FIXED_TIMEOUT;
	/* Each open of these must look up (and get) a new inode. */
	if (node->file && node->file->inode_per_open)
		return 0.0;
	return name_timeout(node);
}

static void reply_entry(fuse_req_t req, IpcfsNode *node, const struct stat *st)
{
	struct fuse_entry_param e = {.attr = *st};

	e.ino = node->ino;
	e.entry_timeout = entry_timeout(node);
	e.attr_timeout = attr_timeout(node);
	/* Undo the count if the kernel never saw the entry. */
	if (fuse_reply_entry(req, &e) < 0)
		ipcfs_node_forget(node->ino, 1);
}

static const IpcfsFile *object_file(const IpcfsKind *kind, const char *name)
{
	for (const IpcfsFile *const *f = kind->files; *f; f++)
		if (strcmp((*f)->name, name) == 0)
			return *f;
	return NULL;
}

/* Lookup of NAME in a kind directory: invalid names simply do not exist
 * (mkdir then says why), names too long say so at once. A fixed entry
 * (.create, by-key) is found when no object has its name: mq/.create is a
 * name a queue can have too (a program may mq_open "/.create"). Such a
 * queue is an object like any other, listed and reachable: while it exists
 * it has the name, and the file is back once it is gone. Hiding the queue
 * instead would break "ls lists every object". */
static IpcfsNode *lookup_object(const IpcfsNode *dir, const char *name, struct stat *st,
				int *err)
{
	const IpcfsKind *kind = dir->kind;
	IpcfsNode *node;

	*err = kind->name_check(name);
	if (*err == -EINVAL)
		*err = -ENOENT;
	if (*err == 0)
		*err = kind->stat(name, st);
	if (*err < 0 && (node = ipcfs_node_fixed_child(dir, name))) {
		*err = ipcfs_node_stat(node, NULL, st);
		return node;
	}
	if (*err < 0)
		return NULL;
	/* That stat gives the entry's attributes too: no second one. */
	node = ipcfs_node_ref(kind, dir->ns, name, st->st_ino, NULL);
	shape_object(node, st);
	st->st_ino = node->ino;
	return node;
}

/* A file of an object found by name alone: a new node each time (it is
 * inode_per_open), so it can carry the argument its name holds. */
static IpcfsNode *find_unlisted(const IpcfsNode *parent, const char *name, int *err)
{
	const IpcfsFile *file;
	IpcfsNode *node;
	off_t arg;

	*err = parent->kind->unlisted_file(parent->name, name, &file, &arg);
	if (*err < 0)
		return NULL;
	g_assert(file->inode_per_open);
	node = ipcfs_node_ref(parent->kind, parent->ns, parent->name, parent->object_id, file);
	node->file_arg = arg;
	return node;
}

/* A file in an object's directory: a fixed one, or an unlisted one. */
static IpcfsNode *lookup_file(const IpcfsNode *parent, const char *name, int *err)
{
	const IpcfsFile *file = object_file(parent->kind, name);

	if (file)
		return ipcfs_node_ref(parent->kind, parent->ns, parent->name, parent->object_id,
				      file);
	return parent->kind->unlisted_file ? find_unlisted(parent, name, err) : NULL;
}

static IpcfsNode *lookup_link(const IpcfsNode *dir, const char *key)
{
	g_autofree char *object = NULL;
	ino_t object_id;

	if (dir->kind->key_lookup(key, &object_id, &object) < 0)
		return NULL;
	return ipcfs_node_new_link(dir->kind, dir->ns, key, object_id);
}

/* ns/ipc:[ID]: the namespace's directory, if the caller may see it. */
static IpcfsNode *lookup_ns(fuse_req_t req, const char *name, int *err)
{
	IpcfsNs *ns = ipcfs_ns_lookup(req, name, err);
	IpcfsNode *node;

	if (!ns)
		return NULL;
	node = ipcfs_node_ns_dir(ns);
	ipcfs_ns_unref(ns);
	return node;
}

/* Finds @name in @parent and takes a lookup reference on it. An object in a
 * kind directory comes with its attributes in @st. */
static IpcfsNode *find_in(fuse_req_t req, const IpcfsNode *parent, const char *name,
			  struct stat *st, int *err)
{
	*err = -ENOENT;
	switch (parent->type) {
	case NODE_ROOT:
	case NODE_DIR:
		return ipcfs_node_fixed_child(parent, name);
	case NODE_NSLIST:
		return lookup_ns(req, name, err);
	case NODE_KIND:
		return lookup_object(parent, name, st, err);
	case NODE_OBJECT:
		return lookup_file(parent, name, err);
	case NODE_KEYS:
		return lookup_link(parent, name);
	case NODE_FILE:
	case NODE_LINK:
		*err = -ENOTDIR;
		return NULL;
	}
	return NULL;
}

/* find_in, and @st always gets the attributes. */
static IpcfsNode *lookup_in(fuse_req_t req, const IpcfsNode *parent, const char *name,
			    struct stat *st, int *err)
{
	IpcfsNode *node = find_in(req, parent, name, st, err);

	if (node && parent->type != NODE_KIND && (*err = ipcfs_node_stat(node, NULL, st)) < 0) {
		ipcfs_node_forget(node->ino, 1);
		return NULL;
	}
	return node;
}

/* A kind whose objects depend on who asks (pipes/) is listed and stat'd
 * with the caller's credentials, from ipcfs_lookup, _getattr, _opendir and
 * _readdir(plus). Returns 0 or -errno; pair with leave_as_caller. */
static int enter_as_caller(fuse_req_t req, const IpcfsNode *node)
{
	return node && node->kind && node->kind->as_caller ? ipcfs_creds_enter(req) : 0;
}

static void leave_as_caller(const IpcfsNode *node)
{
	if (node && node->kind && node->kind->as_caller)
		ipcfs_creds_leave();
}

/* Node @ino, with this thread in its namespace until ipcfs_ns_leave(*was);
 * NULL and *err if there is no such node or its namespace cannot be entered. */
static IpcfsNode *node_enter(fuse_ino_t ino, IpcfsNs **was, int *err)
{
	IpcfsNode *node = ipcfs_node_get(ino);

	*err = node ? ipcfs_ns_enter(node->ns, was) : -ESTALE;
	return *err < 0 ? NULL : node;
}

static void ipcfs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	IpcfsNode *node = NULL;
	IpcfsNode *dir;
	IpcfsNs *was;
	struct stat st;
	int entered, err;

	dir = node_enter(parent, &was, &err);
	if (!dir) {
		ipcfs_reply_err(req, err);
		return;
	}
	entered = enter_as_caller(req, dir);
	err = entered;
	if (entered == 0) {
		node = lookup_in(req, dir, name, &st, &err);
		/* Leave whether or not the lookup found the name. */
		leave_as_caller(dir);
	}
	ipcfs_ns_leave(was);
	if (node)
		reply_entry(req, node, &st);
	else
		ipcfs_reply_err(req, err);
}

/* Objects have no extended attributes and no ACLs. Saying so (EOPNOTSUPP)
 * instead of leaving getxattr unimplemented matters: after an ENOSYS the
 * kernel answers ACL names itself with ENODATA ("no ACL on this file"), so
 * ls -l asks again for every entry, twice per directory; "not supported"
 * ls remembers for the whole filesystem after one request. */
static void ipcfs_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	ipcfs_reply_err(req, -EOPNOTSUPP);
}

static void ipcfs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	ipcfs_node_forget(ino, nlookup);
	fuse_reply_none(req);
}

static void ipcfs_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	for (size_t i = 0; i < count; i++)
		ipcfs_node_forget(forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

static void ipcfs_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	IpcfsNode *node;
	IpcfsNs *was;
	struct stat st;
	int r;

	node = node_enter(ino, &was, &r);
	if (!node) {
		ipcfs_reply_err(req, r);
		return;
	}
	r = enter_as_caller(req, node);
	if (r == 0) {
		r = ipcfs_node_stat(node, fi ? (IpcfsHandle *)(uintptr_t)fi->fh : NULL, &st);
		leave_as_caller(node);
	}
	ipcfs_ns_leave(was);
	if (r < 0)
		ipcfs_reply_err(req, r);
	else
		fuse_reply_attr(req, &st, attr_timeout(node));
}

/* Opens the object of @node itself, never a name that changed since the
 * lookup: a path-only descriptor, no symlink followed, and it must be the
 * very inode the node was made for. */
static int open_object(const IpcfsNode *node)
{
	g_autofree char *file = NULL;
	struct stat st;
	int dirfd, fd;
	int r = node->kind->backing ? node->kind->backing(node->name, &dirfd, &file) : -EPERM;

	if (r < 0)
		return r;
	fd = openat(dirfd, file, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_ino != node->object_id) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

/* chmod, chown and utimens act on the object through its descriptor (a
 * path-only one: /proc/self/fd/N reaches the object, whatever its name is
 * now). */
static int set_attrs_at(const char *path, const struct stat *attr, int to_set)
{
	if ((to_set & FUSE_SET_ATTR_MODE) && chmod(path, attr->st_mode & 07777) < 0)
		return -errno;
	if ((to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) &&
	    chown(path, (to_set & FUSE_SET_ATTR_UID) ? attr->st_uid : (uid_t)-1,
		  (to_set & FUSE_SET_ATTR_GID) ? attr->st_gid : (gid_t)-1) < 0)
		return -errno;
	if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME)) {
		struct timespec ts[2] = {{.tv_nsec = UTIME_OMIT}, {.tv_nsec = UTIME_OMIT}};

		if (to_set & FUSE_SET_ATTR_ATIME)
			ts[0] = attr->st_atim;
		if (to_set & FUSE_SET_ATTR_ATIME_NOW)
			ts[0].tv_nsec = UTIME_NOW;
		if (to_set & FUSE_SET_ATTR_MTIME)
			ts[1] = attr->st_mtim;
		if (to_set & FUSE_SET_ATTR_MTIME_NOW)
			ts[1].tv_nsec = UTIME_NOW;
		if (utimensat(AT_FDCWD, path, ts, 0) < 0)
			return -errno;
	}
	return 0;
}

static int set_object_attrs(const IpcfsNode *node, const struct stat *attr, int to_set)
{
	char path[64];
	int fd, r;

	if (!(to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID |
			FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME)))
		return 0;
	if (node->kind->set_attrs)
		return node->kind->set_attrs(node->name, attr, to_set);
	fd = open_object(node);
	if (fd < 0)
		return fd;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	r = set_attrs_at(path, attr, to_set);
	close(fd);
	return r;
}

static int setattr_node(fuse_req_t req, const IpcfsNode *node, const struct stat *attr, int to_set,
			struct fuse_file_info *fi)
{
	const int owner_bits = FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID;
	int r = 0;

	/* O_TRUNC of a fixed file (echo > mq/.create) is harmless. */
	if (!node->name)
		return (to_set & ~FUSE_SET_ATTR_SIZE) ? -EPERM : 0;
	/* Mode and owner belong to the object, set on KIND/NAME only. */
	if ((node->type == NODE_FILE && (to_set & owner_bits)) || node->type == NODE_LINK)
		return -EPERM;
	if ((to_set & FUSE_SET_ATTR_SIZE) && node->file && node->file->truncate)
		r = node->file->truncate(fi ? (IpcfsHandle *)(uintptr_t)fi->fh : NULL, node->name,
					 attr->st_size);
	if (r == 0)
		r = set_object_attrs(node, attr, to_set & ~FUSE_SET_ATTR_SIZE);
	return r;
}

static void ipcfs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
			  struct fuse_file_info *fi)
{
	IpcfsNode *node;
	IpcfsNs *was;
	int r;

	node = node_enter(ino, &was, &r);
	if (!node) {
		ipcfs_reply_err(req, r);
		return;
	}
	r = ipcfs_creds_enter(req);
	if (r == 0) {
		r = setattr_node(req, node, attr, to_set, fi);
		ipcfs_creds_leave();
	}
	ipcfs_ns_leave(was);
	if (r < 0) {
		ipcfs_reply_err(req, r);
		return;
	}
	ipcfs_getattr(req, ino, fi);
}

/* A kind directory, entered as node_enter does; -EPERM for any other. */
static IpcfsNode *kind_dir_enter(fuse_ino_t parent, IpcfsNs **was, int *err)
{
	IpcfsNode *dir = node_enter(parent, was, err);

	if (dir && dir->type != NODE_KIND) {
		ipcfs_ns_leave(*was);
		*err = -EPERM;
		return NULL;
	}
	return dir;
}

static void ipcfs_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	IpcfsNode *node = NULL;
	IpcfsNode *dir;
	IpcfsNs *was;
	struct stat st;
	int r;

	dir = kind_dir_enter(parent, &was, &r);
	if (!dir) {
		ipcfs_reply_err(req, r);
		return;
	}
	/* pipes/ and System V (made through .create: the kernel picks their
	 * IDs) have no mkdir. */
	r = dir->kind->create ? dir->kind->name_check(name) : -EPERM;
	if (r == 0)
		r = ipcfs_creds_enter(req);
	if (r == 0) {
		r = dir->kind->create(name, mode & 07777);
		ipcfs_creds_leave();
	}
	g_debug("mkdir %s/%s: %s", dir->kind->dirname, name, g_strerror(-r));
	if (r == 0)
		node = lookup_object(dir, name, &st, &r);
	ipcfs_ns_leave(was);
	if (node)
		reply_entry(req, node, &st);
	else
		ipcfs_reply_err(req, r);
}

static void ipcfs_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	IpcfsNode *dir;
	IpcfsNs *was;
	int r;

	dir = kind_dir_enter(parent, &was, &r);
	if (!dir) {
		ipcfs_reply_err(req, r);
		return;
	}
	r = dir->kind->remove ? dir->kind->name_check(name) : -EPERM;
	if (r == -EINVAL)
		r = -ENOENT;
	if (r == 0)
		r = ipcfs_creds_enter(req);
	if (r == 0) {
		r = dir->kind->remove(name);
		ipcfs_creds_leave();
	}
	ipcfs_ns_leave(was);
	ipcfs_reply_err(req, r);
}

/* Files are never created, removed, linked or renamed by hand. */
static void ipcfs_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
			dev_t rdev)
{
	ipcfs_reply_err(req, -EPERM);
}

static void ipcfs_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
			 struct fuse_file_info *fi)
{
	ipcfs_reply_err(req, -EPERM);
}

static void ipcfs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	ipcfs_reply_err(req, -EPERM);
}

static void ipcfs_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	ipcfs_reply_err(req, -EPERM);
}

static void ipcfs_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	ipcfs_reply_err(req, -EPERM);
}

static void ipcfs_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
			 const char *newname, unsigned int flags)
{
	ipcfs_reply_err(req, -EPERM);
}

/* A listing is a snapshot of names taken at opendir; offsets index it.
 * Every list owns its strings (g_free). */
static int list_names(fuse_req_t req, const IpcfsNode *dir, GPtrArray **names)
{
	g_autoptr(GPtrArray) objects = NULL;
	int r;

	*names = g_ptr_array_new_with_free_func(g_free);
	switch (dir->type) {
	case NODE_ROOT:
	case NODE_DIR:
		ipcfs_node_fixed_names(dir, *names);
		return 0;
	case NODE_NSLIST:
		g_clear_pointer(names, g_ptr_array_unref);
		return ipcfs_ns_list(req, names);
	case NODE_KIND:
		r = dir->kind->list(&objects);
		if (r < 0)
			return r;
		/* A fixed entry is listed unless an object has its name. */
		ipcfs_node_fixed_names(dir, *names);
		for (guint i = (*names)->len; i-- > 0;)
			if (g_ptr_array_find_with_equal_func(objects, (*names)->pdata[i], g_str_equal,
							     NULL))
				g_ptr_array_remove_index(*names, i);
		g_ptr_array_extend_and_steal(*names, g_steal_pointer(&objects));
		return 0;
	case NODE_OBJECT:
		for (const IpcfsFile *const *f = dir->kind->files; *f; f++)
			g_ptr_array_add(*names, g_strdup((*f)->name));
		return dir->kind->members ? dir->kind->members(dir->name, *names) : 0;
	case NODE_KEYS:
		g_clear_pointer(names, g_ptr_array_unref);
		return dir->kind->keys(names);
	case NODE_FILE:
	case NODE_LINK:
		break;
	}
	return -ENOTDIR;
}

static void ipcfs_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	GPtrArray *names = NULL;
	IpcfsNode *dir;
	IpcfsNs *was;
	int r;

	dir = node_enter(ino, &was, &r);
	if (dir) {
		r = enter_as_caller(req, dir);
		if (r == 0) {
			r = list_names(req, dir, &names);
			leave_as_caller(dir);
		}
		ipcfs_ns_leave(was);
	}
	if (r < 0) {
		if (names)
			g_ptr_array_unref(names);
		ipcfs_reply_err(req, r);
		return;
	}
	g_ptr_array_insert(names, 0, g_strdup(".."));
	g_ptr_array_insert(names, 0, g_strdup("."));
	fi->fh = (uintptr_t)names;
	if (fuse_reply_open(req, fi) < 0)
		g_ptr_array_unref(names);
}

static void ipcfs_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	g_ptr_array_unref((GPtrArray *)(uintptr_t)fi->fh);
	ipcfs_reply_err(req, 0);
}

/* Adds one entry; returns its size, 0 when the buffer is full. With @plus,
 * the entry carries a lookup (undone if it does not fit); names that vanished
 * since opendir are skipped (returns (size_t)-1). */
static size_t add_entry(fuse_req_t req, IpcfsNode *dir, const char *name, char *buf, size_t room,
			off_t next, bool plus)
{
	struct fuse_entry_param e = {0};
	IpcfsNode *node = NULL;
	size_t n;
	int err;

	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		/* No lookup for these (e.ino stays 0); tools skip d_ino 0. */
		e.attr.st_mode = S_IFDIR;
		e.attr.st_ino = dir->ino;
	} else {
		node = lookup_in(req, dir, name, &e.attr, &err);
		if (!node)
			return (size_t)-1;
		if (!plus)
			ipcfs_node_forget(node->ino, 1);
	}
	if (!plus)
		return fuse_add_direntry(req, buf, room, name, &e.attr, next);
	if (node) {
		e.ino = node->ino;
		e.entry_timeout = entry_timeout(node);
		e.attr_timeout = attr_timeout(node);
	}
	n = fuse_add_direntry_plus(req, buf, room, name, &e, next);
	if (n > room && node)
		ipcfs_node_forget(node->ino, 1);
	return n;
}

static void readdir_common(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			   struct fuse_file_info *fi, bool plus)
{
	GPtrArray *names = (GPtrArray *)(uintptr_t)fi->fh;
	g_autofree char *buf = NULL;
	size_t used = 0;
	IpcfsNode *dir;
	IpcfsNs *was;
	int r;

	dir = node_enter(ino, &was, &r);
	if (dir && (r = enter_as_caller(req, dir)) < 0)
		ipcfs_ns_leave(was);
	if (!dir || r < 0) {
		ipcfs_reply_err(req, r);
		return;
	}
	buf = g_malloc(size);
	for (guint64 i = MAX(off, 0); i < names->len; i++) {
		size_t n = add_entry(req, dir, names->pdata[i], buf + used, size - used, i + 1,
				     plus);

		if (n == (size_t)-1)
			continue;
		if (n > size - used)
			break;
		used += n;
	}
	leave_as_caller(dir);
	ipcfs_ns_leave(was);
	fuse_reply_buf(req, buf, used);
}

static void ipcfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			  struct fuse_file_info *fi)
{
	readdir_common(req, ino, size, off, fi, false);
}

static void ipcfs_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			      struct fuse_file_info *fi)
{
	readdir_common(req, ino, size, off, fi, true);
}

static void ipcfs_readlink(fuse_req_t req, fuse_ino_t ino)
{
	g_autofree char *object = NULL;
	g_autofree char *target = NULL;
	IpcfsNode *node;
	IpcfsNs *was;
	ino_t object_id;
	int r;

	node = node_enter(ino, &was, &r);
	if (node) {
		r = node->type == NODE_LINK
			? node->kind->key_lookup(node->name, &object_id, &object)
			: -EINVAL;
		ipcfs_ns_leave(was);
	}
	if (r == 0 && object_id != node->object_id)
		r = -ENOENT;
	if (r < 0) {
		ipcfs_reply_err(req, r);
		return;
	}
	target = g_strconcat("../", object, NULL);
	fuse_reply_readlink(req, target);
}

void ipcfs_tree_ops(struct fuse_lowlevel_ops *ops)
{
	ops->lookup = ipcfs_lookup;
	ops->forget = ipcfs_forget;
	ops->forget_multi = ipcfs_forget_multi;
	ops->getattr = ipcfs_getattr;
	ops->getxattr = ipcfs_getxattr;
	ops->setattr = ipcfs_setattr;
	ops->mkdir = ipcfs_mkdir;
	ops->rmdir = ipcfs_rmdir;
	ops->mknod = ipcfs_mknod;
	ops->create = ipcfs_create;
	ops->unlink = ipcfs_unlink;
	ops->symlink = ipcfs_symlink;
	ops->link = ipcfs_link;
	ops->rename = ipcfs_rename;
	ops->opendir = ipcfs_opendir;
	ops->readdir = ipcfs_readdir;
	ops->readdirplus = ipcfs_readdirplus;
	ops->releasedir = ipcfs_releasedir;
	ops->readlink = ipcfs_readlink;
}
