/* node.h — the inode table.
 *
 * Every inode the kernel knows is a node. The root, the limits file, the
 * kind directories and mq/.create are fixed and live forever; an object
 * directory (mq/NAME) and each file in it are made on lookup and freed when
 * the kernel forgets them (lookup count back to 0). Nodes hold names, never
 * kernel objects: every request resolves the object by name again, so
 * objects that other programs create or remove are seen as they are.
 */
#pragma once

#include "ipcfs.h"

typedef enum {
	NODE_ROOT,
	NODE_KIND,    /* mq/, shm/, sem/ */
	NODE_OBJECT,  /* KIND/NAME */
	NODE_FILE,    /* KIND/NAME/FILE, or a fixed file (limits, mq/.create) */
	NODE_DIR,     /* a fixed directory of fixed entries only (sysv/) */
	NODE_KEYS,    /* sysv/KIND/by-key/ */
	NODE_LINK,    /* sysv/KIND/by-key/KEY, a symlink to ../ID */
	NODE_NSLIST,  /* ns/ */
} IpcfsNodeType;

typedef struct IpcfsNode {
	fuse_ino_t ino;
	IpcfsNodeType type;
	/* The fixed node this one is, or copies in a namespace under ns/
	 * (ns/ipc:[ID]/mq is a copy of mq/); 0 for objects and their files. */
	fuse_ino_t role;
	IpcfsNs *ns;           /* the namespace it acts in, with a reference;
				* NULL: the mount's own (the top level) */
	const IpcfsKind *kind; /* NODE_KIND, NODE_OBJECT, NODE_FILE in an object, NODE_KEYS,
				* NODE_LINK */
	char *name;            /* object name (NODE_OBJECT, NODE_FILE in an object); the
				* key (NODE_LINK) */
	ino_t object_id;       /* the object's kernel inode: a re-created object is a new node */
	const IpcfsFile *file; /* NODE_FILE */
	off_t file_arg;        /* NODE_FILE: an unlisted file's argument (sem@OFFSET) */
	guint64 nlookup;       /* the kernel's lookup count; protected by the table lock */
	GList *handles;        /* IpcfsHandle open on this file; protected by the table lock */
} IpcfsNode;

/* What the watcher (watch.c) needs of a node, copied out of the table. */
typedef struct {
	fuse_ino_t ino;
	IpcfsNodeType type;
	ino_t object_id;
} IpcfsNodeId;

void ipcfs_nodes_init(void);
void ipcfs_nodes_free(void);

/* Finds a node by inode number; NULL if the kernel never looked it up. The
 * node stays valid while the kernel holds a lookup count on it, which it does
 * for every inode it sends in a request. */
IpcfsNode *ipcfs_node_get(fuse_ino_t ino);

/* Returns the node of object @name in @kind whose kernel inode is
 * @object_id (and of @file in it if non-NULL), making it if needed (always,
 * for an inode_per_open file), with its lookup count raised by one. The
 * kernel marks a directory it removed as dead for as long as it caches the
 * inode: a new object under the old name must not get the old node. */
IpcfsNode *ipcfs_node_ref(const IpcfsKind *kind, IpcfsNs *ns, const char *name,
			  ino_t object_id, const IpcfsFile *file);
/* A new NODE_LINK for @key of @kind, pointing at the object @object_id, with
 * one lookup. Links are never indexed: each lookup makes its own. */
IpcfsNode *ipcfs_node_new_link(const IpcfsKind *kind, IpcfsNs *ns, const char *key,
			       ino_t object_id);

/* The fixed node called @name in fixed directory @parent, with a lookup
 * reference (fixed nodes of the top level are never counted; their copies
 * in a namespace are), or NULL. */
IpcfsNode *ipcfs_node_fixed_child(const IpcfsNode *parent, const char *name);
/* Appends the names of @parent's fixed entries to @names, in listing order. */
void ipcfs_node_fixed_names(const IpcfsNode *parent, GPtrArray *names);
/* ns/ipc:[ID], namespace @ns's directory, with a lookup reference. */
IpcfsNode *ipcfs_node_ns_dir(IpcfsNs *ns);

/* Where the kernel has an entry for a node: in directory @parent, as @name. */
typedef struct {
	fuse_ino_t parent;
	char *name;
} IpcfsNodeEntry;
/* The entries of the nodes of namespace @ns_id, but for files found by
 * name alone (their directory's entry covers them): a GArray of
 * IpcfsNodeEntry whose names are freed with it. */
GArray *ipcfs_node_ns_entries(ino_t ns_id);

/* Records that @h is open on @node, until ipcfs_node_close. The kernel
 * holds a lookup on @node while it is open. */
void ipcfs_node_open(IpcfsNode *node, IpcfsHandle *h);
void ipcfs_node_close(IpcfsNode *node, IpcfsHandle *h);

/* fstat()s a descriptor open on @node: what is left of an object that was
 * removed while open. -ENOENT if none is open. */
int ipcfs_node_fstat(IpcfsNode *node, struct stat *st);

/* The kind, object inode and file of node @ino, copied under the table lock,
 * if it stands for an object of namespace @ns; false otherwise. */
bool ipcfs_node_object(fuse_ino_t ino, const IpcfsNs *ns, const IpcfsKind **kind,
		       ino_t *object_id, const IpcfsFile **file);

/* Drops @n lookups; frees the node at zero. Fixed nodes are never counted
 * nor freed. */
void ipcfs_node_forget(fuse_ino_t ino, guint64 n);

/* The object directories and files (not inode-per-open ones) of the top
 * level the kernel knows by object @name in @kind, of every object seen under
 * that name: a GArray of IpcfsNodeId, copied under the table lock so that the
 * caller can notify the kernel without it. */
GArray *ipcfs_nodes_named(const IpcfsKind *kind, const char *name);

/* The names (g_free'd strings) of the objects of @kind the kernel knows
 * (under ns/ too). */
GPtrArray *ipcfs_node_names(const IpcfsKind *kind);

/* Every kind, POSIX and System V. */
extern const IpcfsKind *const ipcfs_kinds[];
