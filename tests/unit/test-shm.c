/* test-shm.c — core/ shared memory objects against /dev/shm, and the SIGBUS
 * guard that protects every touch of a shared mapping.
 */
#include "ipc-guard.h"
#include "ipc-name.h"
#include "ipc-shm.h"
#include "unit-util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

typedef struct {
	GPtrArray *names; /* every /dev/shm file the test may create */
	char *name;	  /* names[0] */
	int fd;
	int dirfd;
} Fixture;

static const char *fixture_name(Fixture *f)
{
	char *name = unit_name("shm");

	g_ptr_array_add(f->names, name);
	return name;
}

static void setup(Fixture *f, gconstpointer data)
{
	f->names = g_ptr_array_new_with_free_func(g_free);
	f->name = (char *)fixture_name(f);
	f->fd = -1;
	f->dirfd = ipc_shm_dir_open();
	g_assert_cmpint(f->dirfd, >=, 0);
}

static void teardown(Fixture *f, gconstpointer data)
{
	guint i;

	/* unlinkat, not shm_unlink: some of these are not shm objects. */
	for (i = 0; i < f->names->len; i++) {
		if (unlinkat(f->dirfd, f->names->pdata[i], 0) < 0)
			unlinkat(f->dirfd, f->names->pdata[i], AT_REMOVEDIR);
	}
	g_ptr_array_unref(f->names);
	if (f->fd >= 0)
		close(f->fd);
	close(f->dirfd);
}

static void make_object(Fixture *f)
{
	f->fd = ipc_shm_create(f->dirfd, f->name, O_RDWR, 0600);
	g_assert_cmpint(f->fd, >=, 0);
}

static void test_dir_open(Fixture *f, gconstpointer data)
{
	struct stat st;

	g_assert_cmpint(fstat(f->dirfd, &st), ==, 0);
	g_assert_true(S_ISDIR(st.st_mode));
	g_assert_cmpint(fcntl(f->dirfd, F_GETFD), ==, FD_CLOEXEC);
}

static void test_create(Fixture *f, gconstpointer data)
{
	mode_t old = umask(022);
	struct stat st;

	f->fd = ipc_shm_create(f->dirfd, f->name, O_RDWR, 0666);
	umask(old);
	g_assert_cmpint(f->fd, >=, 0);
	g_assert_cmpint(fstat(f->fd, &st), ==, 0);
	g_assert_true(S_ISREG(st.st_mode));
	g_assert_cmpuint(st.st_mode & 07777, ==, 0644);
	g_assert_cmpint(st.st_size, ==, 0);
	g_assert_cmpint(ipc_shm_size(f->fd), ==, 0);
	g_assert_cmpint(ipc_shm_create(f->dirfd, f->name, O_RDWR, 0600), ==, -EEXIST);
}

static void test_bad_names(Fixture *f, gconstpointer data)
{
	const char *bad[] = {"", ".", "..", "a/b", "/x", "sem.x", "sem."};
	g_autofree char *too_long = unit_long_name(IPC_NAME_MAX + 1);
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_assert_cmpint(ipc_shm_create(f->dirfd, bad[i], O_RDWR, 0600), ==, -EINVAL);
		g_assert_cmpint(ipc_shm_open(f->dirfd, bad[i], O_RDWR), ==, -EINVAL);
		g_assert_cmpint(ipc_shm_unlink(f->dirfd, bad[i]), ==, -EINVAL);
	}
	g_assert_cmpint(ipc_shm_create(f->dirfd, too_long, O_RDWR, 0600), ==, -ENAMETOOLONG);
	g_assert_cmpint(ipc_shm_open(f->dirfd, too_long, O_RDWR), ==, -ENAMETOOLONG);
}

static void test_longest_name(Fixture *f, gconstpointer data)
{
	char *name = unit_long_name(IPC_NAME_MAX);
	struct stat st;

	g_ptr_array_add(f->names, name);
	f->fd = ipc_shm_create(f->dirfd, name, O_RDWR, 0600);
	g_assert_cmpint(f->fd, >=, 0);
	g_assert_cmpint(ipc_shm_stat(f->dirfd, name, &st), ==, 0);
	g_assert_cmpint(ipc_shm_unlink(f->dirfd, name), ==, 0);
}

static void test_open_unlink(Fixture *f, gconstpointer data)
{
	char buf[4];
	int fd;

	g_assert_cmpint(ipc_shm_open(f->dirfd, f->name, O_RDWR), ==, -ENOENT);
	g_assert_cmpint(ipc_shm_unlink(f->dirfd, f->name), ==, -ENOENT);
	make_object(f);
	g_assert_cmpint(ipc_shm_write(f->fd, "data", 4, 0), ==, 4);

	fd = ipc_shm_open(f->dirfd, f->name, O_RDONLY);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(ipc_shm_write(fd, "x", 1, 0), ==, -EBADF);
	close(fd);

	fd = ipc_shm_open(f->dirfd, f->name, O_RDWR | O_TRUNC);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(ipc_shm_size(f->fd), ==, 0);
	g_assert_cmpint(ipc_shm_unlink(f->dirfd, f->name), ==, 0);
	g_assert_cmpint(ipc_shm_open(f->dirfd, f->name, O_RDWR), ==, -ENOENT);
	g_assert_cmpint(ipc_shm_unlink(f->dirfd, f->name), ==, -ENOENT);

	/* Open descriptors outlive the name. */
	g_assert_cmpint(ipc_shm_write(fd, "abc", 3, 0), ==, 3);
	g_assert_cmpint(ipc_shm_read(f->fd, buf, sizeof(buf), 0), ==, 3);
	close(fd);
}

static void test_read_write(Fixture *f, gconstpointer data)
{
	char buf[16], gap[95], zeros[95] = {0};

	make_object(f);
	g_assert_cmpint(ipc_shm_write(f->fd, "hello", 5, 0), ==, 5);
	g_assert_cmpint(ipc_shm_size(f->fd), ==, 5);
	g_assert_cmpint(ipc_shm_read(f->fd, buf, sizeof(buf), 0), ==, 5);
	g_assert_cmpmem(buf, 5, "hello", 5);
	g_assert_cmpint(ipc_shm_read(f->fd, buf, sizeof(buf), 3), ==, 2);
	g_assert_cmpint(ipc_shm_read(f->fd, buf, sizeof(buf), 5), ==, 0);
	g_assert_cmpint(ipc_shm_read(f->fd, buf, sizeof(buf), 500), ==, 0);

	/* Writing past the end grows the object, with zeros in the gap. */
	g_assert_cmpint(ipc_shm_write(f->fd, "\0end", 4, 100), ==, 4);
	g_assert_cmpint(ipc_shm_size(f->fd), ==, 104);
	g_assert_cmpint(ipc_shm_read(f->fd, buf, sizeof(buf), 100), ==, 4);
	g_assert_cmpmem(buf, 4, "\0end", 4);
	g_assert_cmpint(ipc_shm_read(f->fd, gap, sizeof(gap), 5), ==, sizeof(gap));
	g_assert_cmpmem(gap, sizeof(gap), zeros, sizeof(zeros));
	g_assert_cmpint(ipc_shm_read(-1, buf, 1, 0), ==, -EBADF);
}

static void test_resize(Fixture *f, gconstpointer data)
{
	char buf[8];

	make_object(f);
	g_assert_cmpint(ipc_shm_resize(f->fd, 8192), ==, 0);
	g_assert_cmpint(ipc_shm_size(f->fd), ==, 8192);
	g_assert_cmpint(ipc_shm_read(f->fd, buf, sizeof(buf), 8000), ==, 8);
	g_assert_cmpint(ipc_shm_write(f->fd, "abcd", 4, 0), ==, 4);
	g_assert_cmpint(ipc_shm_resize(f->fd, 2), ==, 0);
	g_assert_cmpint(ipc_shm_read(f->fd, buf, sizeof(buf), 0), ==, 2);
	g_assert_cmpmem(buf, 2, "ab", 2);
	g_assert_cmpint(ipc_shm_resize(f->fd, -1), ==, -EINVAL);
	g_assert_cmpint(ipc_shm_size(f->fd), ==, 2);
	g_assert_cmpint(ipc_shm_size(-1), ==, -EBADF);
}

/* pread/pwrite act on the very pages other programs map: writes are seen at
 * once both ways, and a shrink by someone else gives short reads. */
static void test_coherent(Fixture *f, gconstpointer data)
{
	char buf[8];
	char *map;
	int other;

	make_object(f);
	other = shm_open(f->name, O_RDWR, 0);
	g_assert_cmpint(other, >=, 0);
	g_assert_cmpint(ftruncate(other, 4096), ==, 0);
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, other, 0);
	g_assert_true(map != MAP_FAILED);

	g_assert_cmpint(ipc_shm_write(f->fd, "mine", 4, 10), ==, 4);
	g_assert_cmpmem(map + 10, 4, "mine", 4);
	memcpy(map + 20, "theirs", 6);
	g_assert_cmpint(ipc_shm_read(f->fd, buf, 6, 20), ==, 6);
	g_assert_cmpmem(buf, 6, "theirs", 6);

	munmap(map, 4096);
	g_assert_cmpint(ftruncate(other, 12), ==, 0);
	g_assert_cmpint(ipc_shm_read(f->fd, buf, sizeof(buf), 10), ==, 2);
	close(other);
}

static void test_stat(Fixture *f, gconstpointer data)
{
	const char *link = fixture_name(f), *dir = fixture_name(f);
	struct stat st, by_fd;

	g_assert_cmpint(ipc_shm_stat(f->dirfd, f->name, &st), ==, -ENOENT);
	make_object(f);
	g_assert_cmpint(fchmod(f->fd, 0604), ==, 0);
	g_assert_cmpint(ipc_shm_write(f->fd, "12345", 5, 0), ==, 5);
	g_assert_cmpint(fstat(f->fd, &by_fd), ==, 0);
	g_assert_cmpint(ipc_shm_stat(f->dirfd, f->name, &st), ==, 0);
	g_assert_cmpuint(st.st_ino, ==, by_fd.st_ino);
	g_assert_cmpuint(st.st_mode & 07777, ==, 0604);
	g_assert_cmpint(st.st_size, ==, 5);

	/* Only regular files are shm objects; symlinks are not followed. */
	g_assert_cmpint(symlinkat(f->name, f->dirfd, link), ==, 0);
	g_assert_cmpint(ipc_shm_stat(f->dirfd, link, &st), ==, -ENOENT);
	g_assert_cmpint(mkdirat(f->dirfd, dir, 0700), ==, 0);
	g_assert_cmpint(ipc_shm_stat(f->dirfd, dir, &st), ==, -ENOENT);
	g_assert_cmpint(ipc_shm_stat(f->dirfd, "..", &st), ==, -ENOENT);
	g_assert_cmpint(ipc_shm_stat(f->dirfd, "a/b", &st), ==, -ENOENT);
}

static gboolean listed(int dirfd, const char *name)
{
	g_autoptr(GPtrArray) names = NULL;

	g_assert_cmpint(ipc_shm_list(dirfd, &names), ==, 0);
	return g_ptr_array_find_with_equal_func(names, name, g_str_equal, NULL);
}

static void test_list(Fixture *f, gconstpointer data)
{
	const char *link = fixture_name(f);
	int fd;

	g_assert_false(listed(f->dirfd, f->name));
	fd = shm_open(f->name, O_RDWR | O_CREAT | O_EXCL, 0600);
	g_assert_cmpint(fd, >=, 0);
	close(fd);
	g_assert_true(listed(f->dirfd, f->name));
	g_assert_cmpint(symlinkat(f->name, f->dirfd, link), ==, 0);
	g_assert_false(listed(f->dirfd, link));
	g_assert_cmpint(shm_unlink(f->name), ==, 0);
	g_assert_false(listed(f->dirfd, f->name));
}

/* A named semaphore lives in /dev/shm as sem.NAME: never a shm object. */
static void test_list_hides_sem(Fixture *f, gconstpointer data)
{
	g_autofree char *sem_name = unit_name("sem");
	g_autofree char *sem_path = g_strconcat("/", sem_name, NULL);
	g_autofree char *sem_file = g_strconcat("sem.", sem_name, NULL);
	struct stat st;
	sem_t *sem;

	sem = sem_open(sem_path, O_CREAT | O_EXCL, 0600, 0);
	g_assert_true(sem != SEM_FAILED);
	g_ptr_array_add(f->names, g_strdup(sem_file));
	g_assert_cmpint(fstatat(f->dirfd, sem_file, &st, 0), ==, 0);
	g_assert_false(listed(f->dirfd, sem_file));
	g_assert_false(listed(f->dirfd, sem_name));
	g_assert_cmpint(ipc_shm_stat(f->dirfd, sem_file, &st), ==, -ENOENT);
	g_assert_cmpint(ipc_shm_open(f->dirfd, sem_file, O_RDWR), ==, -EINVAL);
	sem_close(sem);
}

/* Maps one page of a new object, then truncates the object to nothing. */
static volatile char *map_truncated(Fixture *f)
{
	void *map;

	make_object(f);
	g_assert_cmpint(ipc_shm_resize(f->fd, 4096), ==, 0);
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0);
	g_assert_true(map != MAP_FAILED);
	g_assert_cmpint(ipc_shm_resize(f->fd, 0), ==, 0);
	return map;
}

static int touch(volatile char *p)
{
	return p[0];
}

static void test_guard(Fixture *f, gconstpointer data)
{
	volatile char *map = map_truncated(f);

	g_assert_cmpint(IPC_GUARDED(touch(map)), ==, -EFAULT);
	g_assert_cmpint(IPC_GUARDED(touch(map + 100)), ==, -EFAULT);
	/* The guard is rearmed each time and its result passes through. */
	g_assert_cmpint(ipc_shm_resize(f->fd, 4096), ==, 0);
	map[0] = 7;
	g_assert_cmpint(IPC_GUARDED(touch(map)), ==, 7);
	g_assert_cmpint(ipc_shm_resize(f->fd, 0), ==, 0);
	g_assert_cmpint(IPC_GUARDED(touch(map)), ==, -EFAULT);
	munmap((void *)map, 4096);
}

static void *guarded_touch(void *map)
{
	return GINT_TO_POINTER(IPC_GUARDED(touch(map)));
}

/* Each thread has its own recovery point. */
static void test_guard_thread(Fixture *f, gconstpointer data)
{
	volatile char *map = map_truncated(f);
	pthread_t thread;
	void *r;

	g_assert_cmpint(pthread_create(&thread, NULL, guarded_touch, (void *)map), ==, 0);
	g_assert_cmpint(pthread_join(thread, &r), ==, 0);
	g_assert_cmpint(GPOINTER_TO_INT(r), ==, -EFAULT);
	munmap((void *)map, 4096);
}

/* Outside a guard, SIGBUS still kills, also once the handler is installed. */
static void test_guard_unguarded(Fixture *f, gconstpointer data)
{
	volatile char *map = map_truncated(f);
	int status;
	pid_t pid;

	g_assert_cmpint(IPC_GUARDED(touch(map)), ==, -EFAULT);
	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0)
		_exit(touch(map) == 0 ? 0 : 1);
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFSIGNALED(status));
	g_assert_cmpint(WTERMSIG(status), ==, SIGBUS);

	/* A SIGBUS sent by someone, even to an armed thread, kills too. */
	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0)
		_exit(IPC_GUARDED(raise(SIGBUS)) == 0 ? 2 : 3);
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFSIGNALED(status));
	g_assert_cmpint(WTERMSIG(status), ==, SIGBUS);
	munmap((void *)map, 4096);
}

#define ADD(path, fn) g_test_add(path, Fixture, NULL, setup, fn, teardown)

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	ADD("/shm/dir-open", test_dir_open);
	ADD("/shm/create", test_create);
	ADD("/shm/bad-names", test_bad_names);
	ADD("/shm/longest-name", test_longest_name);
	ADD("/shm/open-unlink", test_open_unlink);
	ADD("/shm/read-write", test_read_write);
	ADD("/shm/resize", test_resize);
	ADD("/shm/coherent", test_coherent);
	ADD("/shm/stat", test_stat);
	ADD("/shm/list", test_list);
	ADD("/shm/list-hides-sem", test_list_hides_sem);
	ADD("/guard/fault", test_guard);
	ADD("/guard/thread", test_guard_thread);
	ADD("/guard/unguarded", test_guard_unguarded);
	return g_test_run();
}
