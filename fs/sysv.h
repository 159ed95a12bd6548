/* sysv.h — what the System V kinds (sysv-shm.c, sysv-msg.c, sysv-sem.c)
 * share, in sysv.c: IDs as names, listing, stat, by-key/, IPC_SET and
 * IPC_RMID, `.create`, and requests that wait (through later.h).
 *
 * System V objects are not files: every request names the object by its ID
 * again, and every permission check is the kernel's, made with the caller's
 * effective ids (creds.h) at the moment of the operation, on whichever
 * thread makes it: a request that waits keeps its caller's credentials
 * (IpcfsCreds) and takes them on for each try.
 */
#pragma once

#include "creds.h"
#include "ipc-sysv.h"
#include "ipcfs.h"
#include "later.h"

/* A System V kind, for sysv.c. */
typedef struct {
	IpcSysvKind kind;
	IpcHeldType held; /* how holders.c finds its users */
	int (*create)(const IpcSysvCreate *c); /* returns the new ID */
	int (*list)(GArray **ids);
	/* The object's owner and mode, and its times (and size) in @st. */
	int (*info)(int id, IpcSysvPerm *perm, struct stat *st);
	int (*set)(int id, uid_t uid, gid_t gid, mode_t mode);
	int (*remove)(int id);
} IpcfsSysvType;

/* The ID that object name @name stands for, or -ENOENT. */
int ipcfs_sysv_id(const char *name);
/* An error about an object named by ID: the kernel's -EINVAL or -EIDRM for
 * an ID that names nothing (any more) is -ENOENT. */
int ipcfs_sysv_gone(int r);

int ipcfs_sysv_name_check(const char *name);
int ipcfs_sysv_list(const IpcfsSysvType *t, GPtrArray **names);
int ipcfs_sysv_stat(const IpcfsSysvType *t, const char *name, struct stat *st);
int ipcfs_sysv_remove(const IpcfsSysvType *t, const char *name);
int ipcfs_sysv_set_attrs(const IpcfsSysvType *t, const char *name, const struct stat *attr,
			 int to_set);
int ipcfs_sysv_key_lookup(const IpcfsSysvType *t, const char *key, ino_t *object_id,
			  char **name);
int ipcfs_sysv_keys(const IpcfsSysvType *t, GPtrArray **keys);
void ipcfs_sysv_held_key(const IpcfsSysvType *t, ino_t object_id, IpcHeldKey *key);

/* `.create`: a write makes an object; a read on the same open file then
 * gives its ID and a newline, once, whatever the offset. */
void ipcfs_sysv_create_write(const IpcfsSysvType *t, fuse_req_t req, IpcfsHandle *h,
			     const char *buf, size_t size);
void ipcfs_sysv_create_read(fuse_req_t req, IpcfsHandle *h, size_t size, off_t off, int flags);

/* The lines every info file starts with: key, id, mode, uid, gid, cuid,
 * cgid. */
void ipcfs_sysv_print_perm(GString *out, const IpcSysvPerm *perm);

/* Defines the IpcfsKind callbacks NAME_list, NAME_stat, NAME_remove,
 * NAME_set_attrs, NAME_key_lookup, NAME_keys, NAME_held_key and
 * NAME_create_write (for .create) of a System V kind, served by sysv.c for
 * @type. */
#define IPCFS_SYSV_KIND_CALLBACKS(name, type)                                                       \
	static int name##_list(GPtrArray **names) { return ipcfs_sysv_list(&type, names); }       \
	static int name##_stat(const char *id, struct stat *st)                                    \
	{                                                                                          \
		return ipcfs_sysv_stat(&type, id, st);                                             \
	}                                                                                          \
	static int name##_remove(const char *id) { return ipcfs_sysv_remove(&type, id); }         \
	static int name##_set_attrs(const char *id, const struct stat *attr, int to_set)           \
	{                                                                                          \
		return ipcfs_sysv_set_attrs(&type, id, attr, to_set);                              \
	}                                                                                          \
	static int name##_key_lookup(const char *key, ino_t *object_id, char **id)                 \
	{                                                                                          \
		return ipcfs_sysv_key_lookup(&type, key, object_id, id);                           \
	}                                                                                          \
	static int name##_keys(GPtrArray **keys) { return ipcfs_sysv_keys(&type, keys); }         \
	static void name##_held_key(ino_t object_id, IpcHeldKey *key)                              \
	{                                                                                          \
		ipcfs_sysv_held_key(&type, object_id, key);                                        \
	}                                                                                          \
	static void name##_create_write(fuse_req_t req, IpcfsHandle *h, const char *buf,           \
					size_t size, off_t off, int flags)                         \
	{                                                                                          \
		ipcfs_sysv_create_write(&type, req, h, buf, size);                                 \
	}

/* A request on a System V object that may have to wait: the head that
 * later.h wants, and the caller's credentials and namespace, taken on for
 * every try. The kind's own fields follow. */
typedef struct {
	IpcfsLater later;
	IpcfsCreds *creds;
	IpcfsNs *ns; /* with a reference */
	/* The kind's attempt, with the caller's credentials in force: @ms 0
	 * never blocks, > 0 may block that long. 0 done, -EAGAIN not yet,
	 * another -errno to fail. */
	int (*attempt)(IpcfsLater *l, int ms);
} IpcfsSysvWait;

/* later.h's try and wait for an IpcfsSysvWait: attempt() with the caller's
 * credentials. */
int ipcfs_sysv_try(IpcfsLater *l);
int ipcfs_sysv_wait(IpcfsLater *l, int ms);

/* Fills the head of @w for @req on System V object @id of @kind: keeps the
 * credentials and namespace this thread acts with now (call between creds
 * enter and leave). */
void ipcfs_sysv_wait_init(IpcfsSysvWait *w, fuse_req_t req, const IpcfsLaterKind *kind, int id,
			  IpcfsLaterWay way, const IpcfsLaterOps *ops);
/* Frees what ipcfs_sysv_wait_init kept (not @w itself). */
void ipcfs_sysv_wait_clear(IpcfsSysvWait *w);

