/* ipc-sysv.h — what the System V modules (ipc-sysv-shm.c, ipc-sysv-msg.c,
 * ipc-sysv-sem.c) share: the owner and mode every object carries, the
 * `.create` lines and the keys written in them, and object IDs as names.
 *
 * System V objects are named by IDs the kernel picks; keys are aliases
 * (IPC_PRIVATE, 0, for any number of objects). Every function returns a
 * non-negative result or a negative errno, logs nothing and never blocks
 * unless it says so. Permission checks are the kernel's own: they use the
 * calling thread's effective uid and gid and CAP_IPC_OWNER.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/ipc.h>
#include <sys/types.h>

typedef enum { IPC_SYSV_SHM, IPC_SYSV_MSG, IPC_SYSV_SEM } IpcSysvKind;

/* What every object has, from its ipc_perm and times. */
typedef struct {
	int id;
	key_t key;     /* IPC_PRIVATE (0) once a segment is marked for removal */
	mode_t mode;   /* permission bits, 0777 */
	uid_t uid, cuid;
	gid_t gid, cgid;
	time_t ctime;  /* last change (creation, IPC_SET) */
	bool removed;  /* IPC_RMID was asked, the object lives on (attached segments) */
} IpcSysvPerm;

/* A creation request, as written to `.create`. */
typedef struct {
	key_t key;      /* IPC_PRIVATE unless given */
	guint64 size;   /* shm: bytes (required) */
	guint64 nsems;  /* sem: semaphores in the set (required) */
	mode_t mode;    /* 0600 unless given */
} IpcSysvCreate;

/* Parses a key: decimal (0 .. 4294967295), 0x-hex (at most 8 digits) or
 * the word "private". Returns 0 and *key, or -EINVAL. */
int ipc_sysv_parse_key(const char *p, size_t len, key_t *key);

/* Parses a creation request for @kind: words separated by one or more
 * spaces, optionally ending in one newline, each at most once: key=KEY,
 * mode=OCTAL (at most 0777), and size=N (shm, 1 .. SIZE_MAX, required) or
 * nsems=N (sem, 1 .. 65535, required); nothing else. Returns 0 and *c, or
 * -EINVAL. */
int ipc_sysv_parse_create(IpcSysvKind kind, const char *buf, size_t len, IpcSysvCreate *c);

/* Parses an object ID as a directory name shows it: decimal, no sign, no
 * leading zero, at most INT_MAX. Returns 0 and *id, or -EINVAL. */
int ipc_sysv_parse_id(const char *name, int *id);

/* Fills @perm from a kernel ipc_perm and the object's id and ctime. */
void ipc_sysv_perm_from(IpcSysvPerm *perm, const struct ipc_perm *kp, int id, time_t ctime);

/* Fills a struct ipc_perm for IPC_SET: @uid, @gid, @mode replace @cur's
 * where they are not -1 ((uid_t)-1, (gid_t)-1, (mode_t)-1). */
void ipc_sysv_perm_set(struct ipc_perm *kp, const IpcSysvPerm *cur, uid_t uid, gid_t gid,
		       mode_t mode);

/* Finds the object @id through a *_STAT_ANY command, which needs no read
 * permission but takes an index: @stat_any(index, buf) returns the id at
 * that index or -errno. Tries the index of both id layouts the kernel may
 * use (ipcmni_extend or not). Returns 0 when the id matched, -EINVAL (the
 * kernel's word for an id that names nothing) otherwise. */
int ipc_sysv_stat_by_id(int id, int (*stat_any)(int index, void *buf), void *buf);

/* Lists the IDs of every object: @stat_any as above, @max_index the highest
 * index in use (from *_INFO). *ids gets a new GArray of int. */
int ipc_sysv_list(int max_index, int (*stat_any)(int index, void *buf), void *buf,
		  GArray **ids);
