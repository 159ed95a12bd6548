/* ipc-sem.c — POSIX named semaphores, the glibc way, but safe.
 *
 * The file sem.NAME in /dev/shm holds one sem_t, shared by every process that
 * maps it. We check the file before mapping it and touch the mapping only
 * under IPC_GUARDED, since anyone may truncate it later.
 */
#include "ipc-sem.h"
#include "ipc-guard.h"
#include "ipc-name.h"
#include "ipc-util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <linux/futex.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

struct IpcSem {
	sem_t *sem;     /* in a MAP_SHARED mapping of the file, or a segment */
	void *map;      /* that mapping, or the segment's attachment */
	size_t map_len;
	int fd;         /* the file itself, for fstat once the name is gone;
			 * -1 for a System V segment (map is then shmdt'ed) */
};

int ipc_sem_name_check(const char *name)
{
	return ipc_name_check(name, IPC_SEM_NAME_MAX);
}

/* Checks @name and writes "sem.NAME", the file's name, to @path. */
static int sem_path(const char *name, char path[static IPC_NAME_MAX + 1])
{
	int r = ipc_sem_name_check(name);

	if (r < 0)
		return r;
	snprintf(path, IPC_NAME_MAX + 1, IPC_SEM_PREFIX "%s", name);
	return 0;
}

/* Maps the sem_t at @offset of @fd; the IpcSem keeps a descriptor of its own. */
static int sem_map(int fd, off_t offset, IpcSem **sem)
{
	off_t page = offset & ~(off_t)(sysconf(_SC_PAGESIZE) - 1);
	size_t len = offset - page + sizeof(sem_t);
	int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	void *p;

	if (own < 0)
		return -errno;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, page);
	if (p == MAP_FAILED) {
		close(own);
		return -errno;
	}
	*sem = g_new(IpcSem, 1);
	(*sem)->map = p;
	(*sem)->map_len = len;
	(*sem)->sem = (sem_t *)((char *)p + (offset - page));
	(*sem)->fd = own;
	return 0;
}

/* Returns an unnamed file in @dirfd that holds a new sem_t of @value. */
static int sem_make_file(int dirfd, mode_t mode, unsigned value)
{
	sem_t init;
	ssize_t n;
	int fd, r;

	memset(&init, 0, sizeof(init));
	if (sem_init(&init, 1, value) < 0)
		return -errno;
	fd = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	n = write(fd, &init, sizeof(init));
	if (n == sizeof(init))
		return fd;
	r = n < 0 ? -errno : -EIO;
	close(fd);
	return r;
}

/* Maps the new semaphore file @fd, then gives it its name: linkat() never
 * replaces an existing file. An unnamed file vanishes with its last close, so
 * no error path leaves debris. */
static int sem_publish(int fd, int dirfd, const char *path, IpcSem **sem)
{
	g_autoptr(IpcSem) s = NULL;
	char proc[32];
	int r;

	r = sem_map(fd, 0, &s);
	if (r < 0)
		return r;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, dirfd, path, AT_SYMLINK_FOLLOW) < 0)
		return -errno;
	*sem = g_steal_pointer(&s);
	return 0;
}

int ipc_sem_create(int dirfd, const char *name, mode_t mode, unsigned value, IpcSem **sem)
{
	char path[IPC_NAME_MAX + 1];
	int fd, r;

	r = sem_path(name, path);
	if (r < 0)
		return r;
	fd = sem_make_file(dirfd, mode, value);
	if (fd < 0)
		return fd;
	r = sem_publish(fd, dirfd, path, sem);
	close(fd);
	return r;
}

/* A semaphore file is a regular file of exactly one sem_t. */
static int sem_check_file(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	return S_ISREG(st.st_mode) && st.st_size == sizeof(sem_t) ? 0 : -EINVAL;
}

int ipc_sem_open(int dirfd, const char *name, IpcSem **sem)
{
	char path[IPC_NAME_MAX + 1];
	int fd, r;

	r = sem_path(name, path);
	if (r < 0)
		return r;
	fd = openat(dirfd, path, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		/* A symlink or a directory is no semaphore. */
		return errno == ELOOP || errno == EISDIR ? -EINVAL : -errno;
	r = sem_check_file(fd);
	if (r == 0)
		r = sem_map(fd, 0, sem);
	close(fd);
	return r;
}

int ipc_sem_offset_check(off_t size, off_t offset)
{
	if (offset < 0 || offset % __alignof__(sem_t) != 0)
		return -EINVAL;
	if (offset >= size)
		return -ENOENT;
	return size - offset < (off_t)sizeof(sem_t) ? -EINVAL : 0;
}

int ipc_sem_open_in(int fd, off_t offset, IpcSem **sem)
{
	struct stat st;
	int r;

	if (fstat(fd, &st) < 0)
		return -errno;
	r = S_ISREG(st.st_mode) ? ipc_sem_offset_check(st.st_size, offset) : -EINVAL;
	return r < 0 ? r : sem_map(fd, offset, sem);
}

int ipc_sem_open_sysv(int id, off_t offset, IpcSem **sem)
{
	struct shmid_ds ds;
	void *addr;
	int r;

	if (shmctl(id, IPC_STAT, &ds) < 0)
		return -errno;
	r = ipc_sem_offset_check(ds.shm_segsz, offset);
	if (r < 0)
		return r;
	addr = shmat(id, NULL, 0);
	if (addr == (void *)-1)
		return -errno;
	*sem = g_new(IpcSem, 1);
	(*sem)->map = addr;
	(*sem)->map_len = ds.shm_segsz;
	(*sem)->sem = (sem_t *)((char *)addr + offset);
	(*sem)->fd = -1;
	return 0;
}

void ipc_sem_close(IpcSem *sem)
{
	if (!sem)
		return;
	if (sem->fd < 0) {
		shmdt(sem->map);
	} else {
		munmap(sem->map, sem->map_len);
		close(sem->fd);
	}
	g_free(sem);
}

int ipc_sem_unlink(int dirfd, const char *name)
{
	char path[IPC_NAME_MAX + 1];
	int r;

	r = sem_path(name, path);
	if (r < 0)
		return r;
	return unlinkat(dirfd, path, 0) < 0 ? -errno : 0;
}

/* post N and trywait N change the count in one step, so they are all or
 * nothing and take no longer for 2^31 than for 1. They act on the sem_t the
 * way glibc's own sem_post and sem_trywait do, since every process that maps
 * the semaphore shares that layout: with 64-bit atomics, one 64-bit word
 * holds the value in its low half and the number of sleeping waiters in its
 * high half, and a waiter sleeps on a shared futex on the value's word. */
#define SEM_VALUE_MASK     0xffffffffULL
#define SEM_NWAITERS_SHIFT 32
G_STATIC_ASSERT(sizeof(sem_t) >= sizeof(uint64_t) && __BYTE_ORDER == __LITTLE_ENDIAN &&
		sizeof(void *) == 8);

/* Wakes up to @count waiters sleeping on @word (each then tries for one). */
static void sem_wake(uint64_t *word, unsigned count)
{
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, (int)MIN(count, (unsigned)INT_MAX), NULL,
		NULL, 0);
}

/* Adds @delta (negative: takes) to the value if the result stays within 0 ..
 * SEM_VALUE_MAX. Touches the mapping: call under IPC_GUARDED. */
static int sem_add(sem_t *s, long long delta)
{
	uint64_t *word = (uint64_t *)s;
	uint64_t d = __atomic_load_n(word, __ATOMIC_RELAXED);
	long long value;

	do {
		value = (long long)(d & SEM_VALUE_MASK) + delta;
		if (value < 0)
			return -EAGAIN;
		if (value > SEM_VALUE_MAX)
			return -EOVERFLOW;
	} while (!__atomic_compare_exchange_n(word, &d, (d & ~SEM_VALUE_MASK) | (uint64_t)value,
					      true, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
	if (delta > 0 && (d >> SEM_NWAITERS_SHIFT) > 0)
		sem_wake(word, delta);
	return 0;
}

int ipc_sem_post(IpcSem *sem, unsigned count)
{
	return IPC_GUARDED(sem_add(sem->sem, count));
}

int ipc_sem_trywait(IpcSem *sem, unsigned count)
{
	return IPC_GUARDED(sem_add(sem->sem, -(long long)count));
}

static int sem_wait_until(sem_t *s, const struct timespec *deadline)
{
	int r = deadline ? sem_clockwait(s, CLOCK_MONOTONIC, deadline) : sem_wait(s);

	return r < 0 ? -errno : 0;
}

int ipc_sem_timedwait(IpcSem *sem, int timeout_ms)
{
	struct timespec ts;
	const struct timespec *deadline = ipc_deadline(CLOCK_MONOTONIC, timeout_ms, &ts);

	return IPC_GUARDED(sem_wait_until(sem->sem, deadline));
}

static int sem_read_value(sem_t *s, int *value)
{
	return sem_getvalue(s, value) < 0 ? -errno : 0;
}

int ipc_sem_fd(const IpcSem *sem)
{
	return sem->fd;
}

int ipc_sem_getvalue(IpcSem *sem, int *value)
{
	return IPC_GUARDED(sem_read_value(sem->sem, value));
}

int ipc_sem_stat(int dirfd, const char *name, struct stat *st)
{
	char path[IPC_NAME_MAX + 1];

	if (sem_path(name, path) < 0)
		return -ENOENT;
	if (fstatat(dirfd, path, st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return S_ISREG(st->st_mode) ? 0 : -ENOENT;
}

static const char *sem_filter(const char *name)
{
	const char *sem_name;

	if (!g_str_has_prefix(name, IPC_SEM_PREFIX))
		return NULL;
	sem_name = name + strlen(IPC_SEM_PREFIX);
	return ipc_sem_name_check(sem_name) == 0 ? sem_name : NULL;
}

int ipc_sem_list(int dirfd, GPtrArray **names)
{
	return ipc_dir_list(dirfd, sem_filter, names);
}

/* Matches the command word at the start of @buf; returns its length. */
static size_t sem_parse_word(const char *buf, size_t len, IpcSemOp *op)
{
	static const struct {
		const char *word;
		IpcSemOp op;
	} words[] = {
	    {"post", IPC_SEM_POST},
	    {"wait", IPC_SEM_WAIT},
	    {"trywait", IPC_SEM_TRYWAIT},
	};
	const char *end = memchr(buf, ' ', len);
	size_t wlen = end ? (size_t)(end - buf) : len;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(words); i++) {
		if (wlen == strlen(words[i].word) && memcmp(buf, words[i].word, wlen) == 0) {
			*op = words[i].op;
			return wlen;
		}
	}
	return 0;
}

int ipc_sem_parse_command(const char *buf, size_t len, IpcSemOp *op, unsigned *count)
{
	guint64 n = 1;
	size_t wlen;
	IpcSemOp word;

	if (len > 0 && buf[len - 1] == '\n')
		len--;
	wlen = sem_parse_word(buf, len, &word);
	if (wlen == 0)
		return -EINVAL;
	if (wlen < len &&
	    ipc_parse_number(buf + wlen + 1, len - wlen - 1, 10, SEM_VALUE_MAX, &n) < 0)
		return -EINVAL;
	if (n == 0)
		return -EINVAL;
	*op = word;
	*count = n;
	return 0;
}
