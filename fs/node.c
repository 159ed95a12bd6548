/* node.c — the inode table (see node.h). */
#define G_LOG_DOMAIN "ipcfs"

#include "node.h"

#include <errno.h>
#include <sys/stat.h>

const IpcfsKind *const ipcfs_kinds[] = {&ipcfs_mq_kind, &ipcfs_shm_kind, &ipcfs_sem_kind, NULL};

static GMutex table_lock;
static GHashTable *by_ino; /* fuse_ino_t -> IpcfsNode*, owns dynamic nodes; table_lock */
static GHashTable *by_key; /* key -> IpcfsNode*, dynamic nodes only; table_lock */
static fuse_ino_t next_ino = 16;

static IpcfsNode fixed_nodes[] = {
	{.ino = FUSE_ROOT_ID, .type = NODE_ROOT},
	{.ino = IPCFS_INO_LIMITS, .type = NODE_FILE, .file = &ipcfs_limits_file},
	{.ino = IPCFS_INO_MQ, .type = NODE_KIND, .kind = &ipcfs_mq_kind},
	{.ino = IPCFS_INO_SHM, .type = NODE_KIND, .kind = &ipcfs_shm_kind},
	{.ino = IPCFS_INO_SEM, .type = NODE_KIND, .kind = &ipcfs_sem_kind},
	{.ino = IPCFS_INO_MQ_CREATE, .type = NODE_FILE, .kind = &ipcfs_mq_kind,
	 .file = &ipcfs_mq_create_file},
};

static void node_free(gpointer p)
{
	IpcfsNode *node = p;

	g_free(node->name);
	g_free(node->key);
	g_free(node);
}

void ipcfs_nodes_init(void)
{
	by_ino = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, node_free);
	by_key = g_hash_table_new(g_str_hash, g_str_equal);
}

void ipcfs_nodes_free(void)
{
	g_clear_pointer(&by_key, g_hash_table_unref);
	g_clear_pointer(&by_ino, g_hash_table_unref);
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

IpcfsNode *ipcfs_node_ref(const IpcfsKind *kind, const char *name, ino_t object_id,
			  const IpcfsFile *file)
{
	/* Names hold no '/', so this is a unique key. */
	g_autofree char *key = g_strdup_printf("%s/%s/%ju/%s", kind->dirname, name,
					       (uintmax_t)object_id, file ? file->name : "");
	IpcfsNode *node;

	g_mutex_lock(&table_lock);
	node = file && file->inode_per_open ? NULL : g_hash_table_lookup(by_key, key);
	if (!node) {
		node = g_new0(IpcfsNode, 1);
		node->ino = next_ino++;
		node->type = file ? NODE_FILE : NODE_OBJECT;
		node->kind = kind;
		node->name = g_strdup(name);
		node->object_id = object_id;
		node->file = file;
		if (!(file && file->inode_per_open)) {
			node->key = g_steal_pointer(&key);
			g_hash_table_insert(by_key, node->key, node);
		}
		g_hash_table_insert(by_ino, &node->ino, node);
	}
	node->nlookup++;
	g_mutex_unlock(&table_lock);
	return node;
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

void ipcfs_node_forget(fuse_ino_t ino, guint64 n)
{
	gint64 key = ino;
	IpcfsNode *node;

	g_mutex_lock(&table_lock);
	node = g_hash_table_lookup(by_ino, &key);
	if (node) {
		node->nlookup -= MIN(n, node->nlookup);
		if (node->nlookup == 0) {
			if (node->key)
				g_hash_table_remove(by_key, node->key);
			g_hash_table_remove(by_ino, &key);
		}
	}
	g_mutex_unlock(&table_lock);
}
