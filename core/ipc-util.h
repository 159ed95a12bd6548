/* ipc-util.h — helpers shared by the core/ modules; not part of the API that
 * fs/ uses.
 */
#pragma once

#include <glib.h>
#include <time.h>

/* glibc keeps semaphore NAME in /dev/shm as IPC_SEM_PREFIX NAME. */
#define IPC_SEM_PREFIX "sem."

/* Maps a directory entry's name to the name to list, or NULL to leave it out.
 * The result may point into @name. */
typedef const char *(*IpcDirFilter)(const char *name);

/* Lists the regular files of directory @dirfd (symlinks are not followed)
 * whose names @filter accepts, through a private open file description, so
 * concurrent listings of one @dirfd do not disturb each other. *names as for
 * ipc_mq_list. Returns 0 or -errno. */
int ipc_dir_list(int dirfd, IpcDirFilter filter, GPtrArray **names);

/* Parses the @len bytes at @p (not NUL-terminated) as a number in @base (8
 * or 10): digits only, at least one, no sign or space, value at most @max.
 * Returns 0 and *value, or -EINVAL. */
int ipc_parse_number(const char *p, size_t len, unsigned base, guint64 max, guint64 *value);

/* The next word of @buf (@len bytes) from *pos on, words being separated by
 * one or more spaces: returns its start and its length in *wlen, and moves
 * *pos past it; NULL when there is none. */
const char *ipc_next_word(const char *buf, size_t len, size_t *pos, size_t *wlen);

/* Turns a timeout into an absolute deadline on @clock in *ts: NULL for
 * @timeout_ms < 0 (no deadline), the epoch (already past) for 0, else now
 * plus @timeout_ms. Returns NULL or ts. */
struct timespec *ipc_deadline(clockid_t clock, int timeout_ms, struct timespec *ts);

/* Makes a detached mount of a new @fstype file system (with option
 * @key=@value if @key is not NULL, mount attributes @attrs such as
 * MOUNT_ATTR_RDONLY) and opens its root directory; that open file keeps the
 * mount alive. Returns the descriptor or -errno. */
int ipc_detached_mount_open(const char *fstype, const char *key, const char *value,
			    unsigned attrs);

/* The name (comm) of the process whose /proc directory is @pid_dir, in
 * @buf (at most @size - 1 bytes, no newline): 0, or -errno (then "?"). */
int ipc_proc_comm(int pid_dir, char *buf, size_t size);
