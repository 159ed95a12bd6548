/* node.c — the inode table (see node.h). */
#define G_LOG_DOMAIN "ipcfs"

#include "node.h"
#include "ns.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

const IpcfsKind *const ipcfs_kinds[] = {
	&ipcfs_mq_kind,	      &ipcfs_shm_kind,	    &ipcfs_sem_kind,	  &ipcfs_pipes_kind,
	&ipcfs_sysv_shm_kind, &ipcfs_sysv_msg_kind, &ipcfs_sysv_sem_kind, NULL,
};

#define N_KINDS (G_N_ELEMENTS(ipcfs_kinds) - 1)

static GMutex table_lock;
static GHashTable *by_ino; /* fuse_ino_t -> IpcfsNode*, owns dynamic nodes; table_lock */
/* Per kind (in ipcfs_kinds order): object name -> GPtrArray of the
 * IpcfsNode* of that name, the object directories and their files, one set
 * per kernel object seen under the name (usually one). Inode-per-open files
 * are left out: they are many, short-lived and never looked up again.
 * Protected by table_lock. */
static GHashTable *by_name[N_KINDS];
static fuse_ino_t next_ino = IPCFS_INO_FIRST_DYNAMIC; /* table_lock */
/* The namespaces' copies of fixed nodes: copy_key() -> IpcfsNode*. table_lock */
static GHashTable *copies;

static IpcfsNode fixed_nodes[] = {
	{.ino = FUSE_ROOT_ID, .type = NODE_ROOT},
	{.ino = IPCFS_INO_LIMITS, .type = NODE_FILE, .file = &ipcfs_limits_file},
	{.ino = IPCFS_INO_MQ, .type = NODE_KIND, .kind = &ipcfs_mq_kind},
	{.ino = IPCFS_INO_SHM, .type = NODE_KIND, .kind = &ipcfs_shm_kind},
	{.ino = IPCFS_INO_SEM, .type = NODE_KIND, .kind = &ipcfs_sem_kind},
	{.ino = IPCFS_INO_PIPES, .type = NODE_KIND, .kind = &ipcfs_pipes_kind},
	{.ino = IPCFS_INO_MQ_CREATE, .type = NODE_FILE, .kind = &ipcfs_mq_kind,
	 .file = &ipcfs_mq_create_file},
	{.ino = IPCFS_INO_SYSV, .type = NODE_DIR},
	{.ino = IPCFS_INO_NS, .type = NODE_NSLIST},
	{.ino = IPCFS_INO_NS_DIR, .type = NODE_DIR},
	{.ino = IPCFS_INO_NS_INFO, .type = NODE_FILE, .file = &ipcfs_ns_info_file},
#define SYSV_NODES(KIND, k)                                                                        \
	{.ino = IPCFS_INO_SYSV_##KIND, .type = NODE_KIND, .kind = &ipcfs_sysv_##k##_kind},         \
	    {.ino = IPCFS_INO_SYSV_##KIND##_CREATE,                                                \
	     .type = NODE_FILE,                                                                    \
	     .kind = &ipcfs_sysv_##k##_kind,                                                       \
	     .file = &ipcfs_sysv_##k##_create_file},                                               \
	{                                                                                          \
		.ino = IPCFS_INO_SYSV_##KIND##_KEYS, .type = NODE_KEYS,                            \
		.kind = &ipcfs_sysv_##k##_kind                                                     \
	}
	SYSV_NODES(SHM, shm),
	SYSV_NODES(MSG, msg),
	SYSV_NODES(SEM, sem),
};

/* Where each fixed node sits, by name, in listing order. */
static const struct {
	fuse_ino_t parent;
	const char *name;
	fuse_ino_t ino;
} fixed_entries[] = {
	{FUSE_ROOT_ID, "mq", IPCFS_INO_MQ},
	{FUSE_ROOT_ID, "shm", IPCFS_INO_SHM},
	{FUSE_ROOT_ID, "sem", IPCFS_INO_SEM},
	{FUSE_ROOT_ID, "pipes", IPCFS_INO_PIPES},
	{FUSE_ROOT_ID, "sysv", IPCFS_INO_SYSV},
	{FUSE_ROOT_ID, "ns", IPCFS_INO_NS},
	{FUSE_ROOT_ID, "limits", IPCFS_INO_LIMITS},
	{IPCFS_INO_NS_DIR, "mq", IPCFS_INO_MQ},
	{IPCFS_INO_NS_DIR, "shm", IPCFS_INO_SHM},
	{IPCFS_INO_NS_DIR, "sem", IPCFS_INO_SEM},
	{IPCFS_INO_NS_DIR, "sysv", IPCFS_INO_SYSV},
	{IPCFS_INO_NS_DIR, "info", IPCFS_INO_NS_INFO},
	{IPCFS_INO_MQ, ".create", IPCFS_INO_MQ_CREATE},
	{IPCFS_INO_SYSV, "shm", IPCFS_INO_SYSV_SHM},
	{IPCFS_INO_SYSV, "msg", IPCFS_INO_SYSV_MSG},
	{IPCFS_INO_SYSV, "sem", IPCFS_INO_SYSV_SEM},
	{IPCFS_INO_SYSV_SHM, ".create", IPCFS_INO_SYSV_SHM_CREATE},
	{IPCFS_INO_SYSV_SHM, "by-key", IPCFS_INO_SYSV_SHM_KEYS},
	{IPCFS_INO_SYSV_MSG, ".create", IPCFS_INO_SYSV_MSG_CREATE},
	{IPCFS_INO_SYSV_MSG, "by-key", IPCFS_INO_SYSV_MSG_KEYS},
	{IPCFS_INO_SYSV_SEM, ".create", IPCFS_INO_SYSV_SEM_CREATE},
	{IPCFS_INO_SYSV_SEM, "by-key", IPCFS_INO_SYSV_SEM_KEYS},
};

static void node_free(gpointer p)
{
	IpcfsNode *node = p;

	ipcfs_ns_unref(node->ns);
	g_free(node->name);
	g_free(node);
}

void ipcfs_nodes_init(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(fixed_nodes); i++)
		fixed_nodes[i].role = fixed_nodes[i].ino;
	by_ino = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, node_free);
	copies = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	for (size_t i = 0; i < N_KINDS; i++)
		by_name[i] = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
						   (GDestroyNotify)g_ptr_array_unref);
}

void ipcfs_nodes_free(void)
{
	g_clear_pointer(&copies, g_hash_table_unref);
	for (size_t i = 0; i < N_KINDS; i++)
		g_clear_pointer(&by_name[i], g_hash_table_unref);
	g_clear_pointer(&by_ino, g_hash_table_unref);
}

static GHashTable *names_of(const IpcfsKind *kind)
{
	size_t i = 0;

	while (ipcfs_kinds[i] != kind)
		i++;
	return by_name[i];
}

/* Object nodes are indexed by name; links, inode-per-open files and the
 * copies of fixed nodes are not. */
static bool indexed(const IpcfsNode *node)
{
	return node->name && node->type != NODE_LINK &&
	       !(node->file && node->file->inode_per_open);
}

/* A copy's key: its namespace and role (roles are below 256). */
static gint64 copy_key(const IpcfsNs *ns, fuse_ino_t role)
{
	return (gint64)ns->id << 8 | role;
}

/* The node of @file (NULL: the directory) of the object @object_id that is
 * called @name, if the kernel knows it. Called with table_lock held. */
static IpcfsNode *find_named(const IpcfsKind *kind, const IpcfsNs *ns, const char *name,
			     ino_t object_id, const IpcfsFile *file)
{
	GPtrArray *nodes = g_hash_table_lookup(names_of(kind), name);

	for (guint i = 0; nodes && i < nodes->len; i++) {
		IpcfsNode *node = nodes->pdata[i];

		if (node->ns == ns && node->object_id == object_id && node->file == file)
			return node;
	}
	return NULL;
}

/* Makes a node with no lookups yet and files it. Called with table_lock held. */
static IpcfsNode *node_new(IpcfsNodeType type, const IpcfsKind *kind, IpcfsNs *ns,
			   const char *name, ino_t object_id, const IpcfsFile *file)
{
	IpcfsNode *node = g_new0(IpcfsNode, 1);
	GPtrArray *nodes;

	node->ino = next_ino++;
	node->type = type;
	node->ns = ipcfs_ns_ref(ns);
	node->kind = kind;
	node->name = g_strdup(name);
	node->object_id = object_id;
	node->file = file;
	g_hash_table_insert(by_ino, &node->ino, node);
	if (!indexed(node))
		return node;
	nodes = g_hash_table_lookup(names_of(kind), name);
	if (!nodes) {
		nodes = g_ptr_array_new();
		g_hash_table_insert(names_of(kind), g_strdup(name), nodes);
	}
	g_ptr_array_add(nodes, node);
	return node;
}

/* Unfiles and frees @node. Called with table_lock held. */
static void node_remove(IpcfsNode *node)
{
	GPtrArray *nodes =
	    indexed(node) ? g_hash_table_lookup(names_of(node->kind), node->name) : NULL;
	gint64 key;

	if (node->role) {
		key = copy_key(node->ns, node->role);
		g_hash_table_remove(copies, &key);
	}
	if (nodes) {
		g_ptr_array_remove_fast(nodes, node);
		if (nodes->len == 0)
			g_hash_table_remove(names_of(node->kind), node->name);
	}
	g_hash_table_remove(by_ino, &node->ino);
}

static IpcfsNode *fixed_node(fuse_ino_t ino)
{
	for (size_t i = 0; i < G_N_ELEMENTS(fixed_nodes); i++)
		if (fixed_nodes[i].ino == ino)
			return &fixed_nodes[i];
	return NULL;
}

IpcfsNode *ipcfs_node_get(fuse_ino_t ino)
{
	IpcfsNode *node = fixed_node(ino);
	gint64 key = ino;

	if (node)
		return node;
	g_mutex_lock(&table_lock);
	node = g_hash_table_lookup(by_ino, &key);
	g_mutex_unlock(&table_lock);
	return node;
}

IpcfsNode *ipcfs_node_ref(const IpcfsKind *kind, IpcfsNs *ns, const char *name,
			  ino_t object_id, const IpcfsFile *file)
{
	IpcfsNode *node;

	g_mutex_lock(&table_lock);
	node = file && file->inode_per_open ? NULL
					    : find_named(kind, ns, name, object_id, file);
	if (!node)
		node = node_new(file ? NODE_FILE : NODE_OBJECT, kind, ns, name, object_id, file);
	node->nlookup++;
	g_mutex_unlock(&table_lock);
	return node;
}

IpcfsNode *ipcfs_node_new_link(const IpcfsKind *kind, IpcfsNs *ns, const char *key,
			       ino_t object_id)
{
	IpcfsNode *node;

	g_mutex_lock(&table_lock);
	node = node_new(NODE_LINK, kind, ns, key, object_id, NULL);
	node->nlookup++;
	g_mutex_unlock(&table_lock);
	return node;
}

/* Namespace @ns's copy of fixed node @role, with a lookup. */
static IpcfsNode *copy_ref(IpcfsNs *ns, fuse_ino_t role)
{
	const IpcfsNode *fixed = fixed_node(role);
	gint64 key = copy_key(ns, role);
	IpcfsNode *node;

	g_mutex_lock(&table_lock);
	node = g_hash_table_lookup(copies, &key);
	if (!node) {
		node = node_new(fixed->type, fixed->kind, ns, NULL, 0, fixed->file);
		node->role = role;
		g_hash_table_insert(copies, g_memdup2(&key, sizeof(key)), node);
	}
	node->nlookup++;
	g_mutex_unlock(&table_lock);
	return node;
}

IpcfsNode *ipcfs_node_fixed_child(const IpcfsNode *parent, const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(fixed_entries); i++)
		if (fixed_entries[i].parent == parent->role &&
		    strcmp(fixed_entries[i].name, name) == 0)
			return parent->ns ? copy_ref(parent->ns, fixed_entries[i].ino)
					  : fixed_node(fixed_entries[i].ino);
	return NULL;
}

void ipcfs_node_fixed_names(const IpcfsNode *parent, GPtrArray *names)
{
	for (size_t i = 0; i < G_N_ELEMENTS(fixed_entries); i++)
		if (fixed_entries[i].parent == parent->role)
			g_ptr_array_add(names, g_strdup(fixed_entries[i].name));
}

IpcfsNode *ipcfs_node_ns_dir(IpcfsNs *ns)
{
	return copy_ref(ns, IPCFS_INO_NS_DIR);
}

/* The inode of @ns's copy of the fixed node called @name in a directory
 * playing @role (@name NULL: of @role itself), or 0. Called with
 * table_lock held. */
static fuse_ino_t copy_ino(const IpcfsNs *ns, fuse_ino_t role, const char *name)
{
	const IpcfsNode *copy;
	gint64 key;

	for (size_t i = 0; name && i < G_N_ELEMENTS(fixed_entries); i++)
		if (fixed_entries[i].parent == role && strcmp(fixed_entries[i].name, name) == 0)
			role = fixed_entries[i].ino;
	key = copy_key(ns, role);
	copy = g_hash_table_lookup(copies, &key);
	return copy ? copy->ino : 0;
}

static bool listed(const IpcfsKind *kind, const IpcfsFile *file)
{
	for (const IpcfsFile *const *f = kind->files; *f; f++)
		if (*f == file)
			return true;
	return false;
}

/* The directory and name under which the kernel may have @node: 0, or
 * -ENOENT if it has no entry of its own. *name NULL: "ipc:[ID]". Called
 * with table_lock held. */
static int entry_of(const IpcfsNode *node, fuse_ino_t *parent, const char **name)
{
	const IpcfsNode *object;

	*name = NULL;
	if (node->role == IPCFS_INO_NS_DIR) {
		*parent = IPCFS_INO_NS;
		return 0;
	}
	for (size_t i = 0; node->role && i < G_N_ELEMENTS(fixed_entries); i++)
		if (fixed_entries[i].ino == node->role && fixed_entries[i].parent != FUSE_ROOT_ID) {
			*parent = copy_ino(node->ns, fixed_entries[i].parent, NULL);
			*name = fixed_entries[i].name;
			return 0;
		}
	*name = node->name;
	if (node->type == NODE_OBJECT || node->type == NODE_LINK) {
		*parent = copy_ino(node->ns, node->kind->ino,
				   node->type == NODE_LINK ? "by-key" : NULL);
		return 0;
	}
	object = listed(node->kind, node->file)
		     ? find_named(node->kind, node->ns, node->name, node->object_id, NULL)
		     : NULL;
	if (!object)
		return -ENOENT;
	*parent = object->ino;
	*name = node->file->name;
	return 0;
}

static void clear_entry(gpointer p)
{
	g_free(((IpcfsNodeEntry *)p)->name);
}

GArray *ipcfs_node_ns_entries(ino_t ns_id)
{
	GArray *entries = g_array_new(FALSE, FALSE, sizeof(IpcfsNodeEntry));
	GHashTableIter iter;
	gpointer value;

	g_array_set_clear_func(entries, clear_entry);
	g_mutex_lock(&table_lock);
	g_hash_table_iter_init(&iter, by_ino);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		const IpcfsNode *node = value;
		IpcfsNodeEntry e;
		const char *name;

		if (!node->ns || node->ns->id != ns_id || entry_of(node, &e.parent, &name) < 0 ||
		    e.parent == 0)
			continue;
		e.name = name ? g_strdup(name) : g_strdup_printf("ipc:[%lu]", (unsigned long)ns_id);
		g_array_append_val(entries, e);
	}
	g_mutex_unlock(&table_lock);
	return entries;
}

void ipcfs_node_open(IpcfsNode *node, IpcfsHandle *h)
{
	g_mutex_lock(&table_lock);
	node->handles = g_list_prepend(node->handles, h);
	g_mutex_unlock(&table_lock);
}

void ipcfs_node_close(IpcfsNode *node, IpcfsHandle *h)
{
	g_mutex_lock(&table_lock);
	node->handles = g_list_remove(node->handles, h);
	g_mutex_unlock(&table_lock);
}

int ipcfs_node_fstat(IpcfsNode *node, struct stat *st)
{
	int r = -ENOENT;

	g_mutex_lock(&table_lock);
	for (GList *l = node->handles; l && r == -ENOENT; l = l->next) {
		IpcfsHandle *h = l->data;

		if (h->fd >= 0)
			r = fstat(h->fd, st) < 0 ? -errno : 0;
	}
	g_mutex_unlock(&table_lock);
	return r;
}

bool ipcfs_node_object(fuse_ino_t ino, const IpcfsNs *ns, const IpcfsKind **kind,
		       ino_t *object_id, const IpcfsFile **file)
{
	gint64 key = ino;
	IpcfsNode *node;
	bool found;

	g_mutex_lock(&table_lock);
	node = g_hash_table_lookup(by_ino, &key);
	found = node && node->name && (node->ns ? node->ns : &ipcfs_ns_home) == ns;
	if (found) {
		*kind = node->kind;
		*object_id = node->object_id;
		*file = node->file;
	}
	g_mutex_unlock(&table_lock);
	return found;
}

void ipcfs_node_forget(fuse_ino_t ino, guint64 n)
{
	gint64 key = ino;
	IpcfsNode *node;

	g_mutex_lock(&table_lock);
	node = g_hash_table_lookup(by_ino, &key);
	if (node) {
		node->nlookup -= MIN(n, node->nlookup);
		if (node->nlookup == 0)
			node_remove(node);
	}
	g_mutex_unlock(&table_lock);
}

GArray *ipcfs_nodes_named(const IpcfsKind *kind, const char *name)
{
	GArray *found = g_array_new(FALSE, FALSE, sizeof(IpcfsNodeId));
	GPtrArray *nodes;

	g_mutex_lock(&table_lock);
	nodes = g_hash_table_lookup(names_of(kind), name);
	for (guint i = 0; nodes && i < nodes->len; i++) {
		const IpcfsNode *node = nodes->pdata[i];
		IpcfsNodeId id = {
		    .ino = node->ino, .type = node->type, .object_id = node->object_id};

		if (!node->ns)
			g_array_append_val(found, id);
	}
	g_mutex_unlock(&table_lock);
	return found;
}

GPtrArray *ipcfs_node_names(const IpcfsKind *kind)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter iter;
	gpointer name;

	g_mutex_lock(&table_lock);
	g_hash_table_iter_init(&iter, names_of(kind));
	while (g_hash_table_iter_next(&iter, &name, NULL))
		g_ptr_array_add(names, g_strdup(name));
	g_mutex_unlock(&table_lock);
	return names;
}
