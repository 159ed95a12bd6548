/* ipc-util.c — helpers shared by the core/ modules.
 */
#include "ipc-util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static gboolean is_regular(int dirfd, const struct dirent *de)
{
	struct stat st;

	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_REG;
	return fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

/* Reads @dir to the end into @list; returns 0 or -errno of readdir. */
static int read_entries(DIR *dir, IpcDirFilter filter, GPtrArray *list)
{
	for (;;) {
		const char *shown;
		struct dirent *de;

		errno = 0;
		de = readdir(dir);
		if (!de)
			return -errno;
		shown = is_regular(dirfd(dir), de) ? filter(de->d_name) : NULL;
		if (shown)
			g_ptr_array_add(list, g_strdup(shown));
	}
}

int ipc_dir_list(int dirfd, IpcDirFilter filter, GPtrArray **names)
{
	g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(g_free);
	DIR *dir;
	int fd, r;

	/* A fresh open file description: its own offset, whoever else reads. */
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		r = -errno;
		close(fd);
		return r;
	}
	r = read_entries(dir, filter, list);
	closedir(dir);
	if (r < 0)
		return r;
	*names = g_steal_pointer(&list);
	return 0;
}

int ipc_parse_number(const char *p, size_t len, unsigned base, guint64 max, guint64 *value)
{
	guint64 v = 0;
	size_t i;

	if (len == 0)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned d = (unsigned char)p[i] - '0';

		if (d >= base || d > max || v > (max - d) / base)
			return -EINVAL;
		v = v * base + d;
	}
	*value = v;
	return 0;
}

const char *ipc_next_word(const char *buf, size_t len, size_t *pos, size_t *wlen)
{
	const char *word, *space;

	while (*pos < len && buf[*pos] == ' ')
		(*pos)++;
	if (*pos == len)
		return NULL;
	word = buf + *pos;
	space = memchr(word, ' ', len - *pos);
	*wlen = space ? (size_t)(space - word) : len - *pos;
	*pos += *wlen;
	return word;
}

struct timespec *ipc_deadline(clockid_t clock, int timeout_ms, struct timespec *ts)
{
	if (timeout_ms < 0)
		return NULL;
	*ts = (struct timespec){0, 0};
	if (timeout_ms == 0)
		return ts;
	clock_gettime(clock, ts);
	ts->tv_sec += timeout_ms / 1000;
	ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
	return ts;
}

/* The fd fsmount(2) returns is an O_PATH one, which cannot be read as a
 * directory: its root is opened again for real. */
int ipc_detached_mount_open(const char *fstype, const char *key, const char *value,
			    unsigned attrs)
{
	int fs, mnt, dir;

	fs = fsopen(fstype, FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	mnt = -1;
	if ((!key || fsconfig(fs, FSCONFIG_SET_STRING, key, value, 0) == 0) &&
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
		mnt = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
	if (mnt < 0)
		mnt = -errno;
	close(fs);
	if (mnt < 0)
		return mnt;
	dir = openat(mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		dir = -errno;
	close(mnt);
	return dir;
}

int ipc_proc_comm(int pid_dir, char *buf, size_t size)
{
	int fd = openat(pid_dir, "comm", O_RDONLY | O_CLOEXEC);
	ssize_t n = -1;
	int err;

	if (fd >= 0) {
		n = read(fd, buf, size - 1);
		err = errno;
		close(fd);
		errno = err;
	}
	if (n <= 0) {
		err = n == 0 ? ENOENT : errno;
		g_strlcpy(buf, "?", size);
		return -err;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}
