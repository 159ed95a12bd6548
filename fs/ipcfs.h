/* ipcfs.h — what the daemon's modules share.
 *
 * The tree is made of nodes (node.c). Each IPC kind (mq.c, shm.c, sem.c,
 * sysv-shm.c, sysv-msg.c, sysv-sem.c)
 * describes itself with an IpcfsKind: how to list, stat, create and remove
 * its objects, and the fixed set of files inside an object's directory, each
 * an IpcfsFile with its own open/read/write handlers. tree.c answers the
 * directory requests generically; file.c routes file requests to the
 * IpcfsFile of the node.
 *
 * Every file handler replies exactly once, either before it returns or later
 * from another thread (a request answered later, see later.h).
 */
#pragma once

#include <fuse_lowlevel.h>
#include <glib.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "ipc-holders.h"
#include "ipc-mq.h"

#define IPCFS_INO_LIMITS    2
#define IPCFS_INO_MQ        3
#define IPCFS_INO_SHM       4
#define IPCFS_INO_SEM       5
#define IPCFS_INO_MQ_CREATE 6
#define IPCFS_INO_PIPES     7
#define IPCFS_INO_SYSV      8
#define IPCFS_INO_SYSV_SHM        9
#define IPCFS_INO_SYSV_SHM_CREATE 10
#define IPCFS_INO_SYSV_SHM_KEYS   11
#define IPCFS_INO_SYSV_MSG        12
#define IPCFS_INO_SYSV_MSG_CREATE 13
#define IPCFS_INO_SYSV_MSG_KEYS   14
#define IPCFS_INO_SYSV_SEM        15
#define IPCFS_INO_SYSV_SEM_CREATE 16
#define IPCFS_INO_SYSV_SEM_KEYS   17
#define IPCFS_INO_NS              18
/* Never inodes themselves: what a namespace's copies under ns/ copy. */
#define IPCFS_INO_NS_DIR          19 /* ns/ipc:[ID] */
#define IPCFS_INO_NS_INFO         20 /* ns/ipc:[ID]/info */
#define IPCFS_INO_FIRST_DYNAMIC   32

typedef struct IpcfsKind IpcfsKind;
typedef struct IpcfsNs IpcfsNs;

typedef struct IpcfsFile IpcfsFile;
typedef struct IpcfsHandle IpcfsHandle;

/* Settings and kernel handles fixed at start-up; read-only afterwards. */
typedef struct {
	long mq_maxmsg;  /* attributes mkdir mq/NAME uses; 0: the kernel's default */
	long mq_msgsize;
	bool as_root;    /* the daemon runs as root: act with each caller's credentials */
} IpcfsConfig;

extern IpcfsConfig ipcfs_config;

/* An open file. Allocated by file.c, which calls the file's open and release
 * handlers; the kind's open sets up fd and state, its release frees them. */
struct IpcfsHandle {
	struct IpcfsNode *node; /* the file's node, for as long as it is open */
	const IpcfsFile *file;
	char *name;       /* object name */
	int fd;           /* the object's descriptor, for fstat; -1 if none */
	off_t arg;        /* an unlisted file's argument (sem@OFFSET: the offset;
			   * a System V set's file: the semaphore) */
	void *state;      /* the kind's own open state (mq.c's MqOpen, sem.c's IpcSem) */
	GMutex lock;      /* protects text */
	GString *text;    /* snapshot of a text file, taken at offset 0 */
};

struct IpcfsFile {
	const char *name;
	mode_t perm_mask; /* shown mode = object's mode & perm_mask */
	bool stream;      /* a message file: not seekable */
	/* A write may wait (send, value). The kernel holds the inode's lock
	 * for the whole of a write, so one waiting write would hold up every
	 * other writer of the file (a post behind a wait, forever). Each
	 * lookup of such a file makes a new inode, so each open has its own. */
	bool inode_per_open;
	/* Opens: sets up h (fd, sem...) with the caller's credentials in force.
	 * Returns 0 or -errno. NULL: nothing to open. */
	int (*open)(IpcfsHandle *h, int flags);
	/* Renders a text file into h->text (read-only text files). */
	int (*snapshot)(IpcfsHandle *h, fuse_req_t req);
	/* Replies to a read or write, now or later. NULL: EBADF. */
	void (*read)(fuse_req_t req, IpcfsHandle *h, size_t size, off_t off, int flags);
	void (*write)(fuse_req_t req, IpcfsHandle *h, const char *buf, size_t size, off_t off,
		      int flags);
	/* Answers close(2) of a descriptor, now or later; NULL: nothing to do. */
	void (*flush)(fuse_req_t req, IpcfsHandle *h);
	/* Resizes (setattr size, O_TRUNC); NULL: ignored, as for message files
	 * that the shell opens with O_TRUNC. @h may be NULL (truncate(2)). */
	int (*truncate)(IpcfsHandle *h, const char *name, off_t size);
	/* Answers poll(2); NULL: always ready. */
	void (*poll)(fuse_req_t req, IpcfsHandle *h, struct fuse_pollhandle *ph);
	/* Frees what open set up. */
	void (*release)(IpcfsHandle *h);
	/* st_size for stat; NULL: 0. */
	off_t (*size)(const struct stat *object);
};

struct IpcfsKind {
	const char *dirname; /* "mq" */
	fuse_ino_t ino;
	const IpcfsFile *const *files; /* NULL-terminated */
	int (*name_check)(const char *name);
	int (*list)(GPtrArray **names);
	int (*stat)(const char *name, struct stat *st);
	int (*create)(const char *name, mode_t mode);
	int (*remove)(const char *name);
	/* Where the object lives as a file, for chmod/chown/utimens. NULL:
	 * refused, as are create and remove when NULL. */
	int (*backing)(const char *name, int *dirfd, char **file);
	/* Kinds that are not files (System V) set attributes here instead:
	 * the FUSE_SET_ATTR_* bits of @to_set from @attr. */
	int (*set_attrs)(const char *name, const struct stat *attr, int to_set);
	/* Files of object @name that are not listed but found by name (shm's
	 * sem@OFFSET): 0 with the inode_per_open *file and its *arg, or -errno
	 * (-ENOENT: no such file). NULL: there are none. */
	int (*unlisted_file)(const char *name, const char *fname, const IpcfsFile **file,
			     off_t *arg);
	/* The unlisted files that a listing shows all the same (a System V
	 * set's semaphores 0 .. nsems-1): appends their names. NULL: none. */
	int (*members)(const char *name, GPtrArray *names);
	/* by-key/ (System V): the object a key names (*object_id as stat
	 * gives its st_ino, *name its name; the link reads "../NAME"), and
	 * the keys in use (NULL on failure). */
	int (*key_lookup)(const char *key, ino_t *object_id, char **name);
	int (*keys)(GPtrArray **keys);
	/* list and stat depend on who asks (pipes/): tree.c runs them with the
	 * caller's credentials. */
	bool as_caller;
	/* The key under which a scan of /proc finds the object whose kernel
	 * inode is @object_id (holders.c); NULL: the kind has no holders. */
	void (*held_key)(ino_t object_id, IpcHeldKey *key);
};

extern const IpcfsKind ipcfs_mq_kind;
extern const IpcfsKind ipcfs_shm_kind;
extern const IpcfsKind ipcfs_sem_kind;
extern const IpcfsKind ipcfs_sysv_shm_kind;
extern const IpcfsKind ipcfs_sysv_msg_kind;
extern const IpcfsKind ipcfs_sysv_sem_kind;
extern const IpcfsKind ipcfs_pipes_kind;

/* The held_key of files in /dev/shm: shm/ and sem/ (shm.c). */
void ipcfs_shm_held_key(ino_t object_id, IpcHeldKey *key);

/* KIND/NAME/holders (holders.c), in every kind with held_key. */
extern const IpcfsFile ipcfs_holders_file;

/* The handlers of a semaphore file (sem.c): sem/NAME/value, and shm's
 * sem@OFFSET, whose own open puts an IpcSem in h->state. */
int ipcfs_sem_snapshot(IpcfsHandle *h, fuse_req_t req);
void ipcfs_sem_write(fuse_req_t req, IpcfsHandle *h, const char *buf, size_t size, off_t off,
		     int flags);
void ipcfs_sem_release(IpcfsHandle *h);

/* A semaphore file whose @open_fn puts an IpcSem in h->state. A wait may
 * wait, hence inode_per_open (see IpcfsFile). */
#define IPCFS_SEM_FILE(fname, open_fn)                                                             \
	{                                                                                          \
		.name = fname, .perm_mask = 0666, .inode_per_open = true, .open = open_fn,        \
		.snapshot = ipcfs_sem_snapshot, .write = ipcfs_sem_write,                          \
		.release = ipcfs_sem_release,                                                      \
	}

/* The offset a sem@OFFSET name holds (sem.c), checked against an object of
 * @size bytes: 0, -ENOENT (no such name, or at or past the end) or -EINVAL
 * (not aligned for a sem_t, or no room for one). */
int ipcfs_sem_at_offset(const char *fname, off_t size, off_t *offset);

/* Replies err (0 or a negative errno) and logs failures at debug level. */
void ipcfs_reply_err(fuse_req_t req, int err);

/* The limits file at the root (tree.c). */
extern const IpcfsFile ipcfs_limits_file;
/* mq/.create (mq.c). */
extern const IpcfsFile ipcfs_mq_create_file;
/* sysv/KIND/.create (sysv-*.c). */
extern const IpcfsFile ipcfs_sysv_shm_create_file;
extern const IpcfsFile ipcfs_sysv_msg_create_file;
extern const IpcfsFile ipcfs_sysv_sem_create_file;
