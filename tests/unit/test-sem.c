/* test-sem.c — core/ named semaphores against /dev/shm and glibc's own
 * sem_open(3): the same objects, seen from both sides.
 */
#include "ipc-name.h"
#include "ipc-sem.h"
#include "ipc-shm.h"
#include "unit-util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

typedef struct {
	GPtrArray *files; /* every /dev/shm file the test may create */
	char *name;	  /* a semaphore name, its file is files[0] */
	IpcSem *sem;
	int dirfd;
} Fixture;

/* A new semaphore name whose file sem.NAME is removed at teardown. */
static char *fixture_name(Fixture *f)
{
	char *name = unit_name("sem");

	g_ptr_array_add(f->files, g_strconcat("sem.", name, NULL));
	return name;
}

static void setup(Fixture *f, gconstpointer data)
{
	f->files = g_ptr_array_new_with_free_func(g_free);
	f->name = fixture_name(f);
	f->sem = NULL;
	f->dirfd = ipc_shm_dir_open();
	g_assert_cmpint(f->dirfd, >=, 0);
}

static void teardown(Fixture *f, gconstpointer data)
{
	guint i;

	for (i = 0; i < f->files->len; i++) {
		if (unlinkat(f->dirfd, f->files->pdata[i], 0) < 0)
			unlinkat(f->dirfd, f->files->pdata[i], AT_REMOVEDIR);
	}
	g_ptr_array_unref(f->files);
	g_free(f->name);
	ipc_sem_close(f->sem);
	close(f->dirfd);
}

static const char *sem_file(Fixture *f)
{
	return f->files->pdata[0];
}

static void make_sem(Fixture *f, unsigned value)
{
	g_assert_cmpint(ipc_sem_create(f->dirfd, f->name, 0600, value, &f->sem), ==, 0);
	g_assert_nonnull(f->sem);
}

static int value_of(IpcSem *sem)
{
	int value = -1;

	g_assert_cmpint(ipc_sem_getvalue(sem, &value), ==, 0);
	return value;
}

static void test_create(Fixture *f, gconstpointer data)
{
	g_autoptr(IpcSem) other = NULL;
	mode_t old = umask(027);
	struct stat st;
	int r;

	r = ipc_sem_create(f->dirfd, f->name, 0666, 3, &f->sem);
	umask(old);
	g_assert_cmpint(r, ==, 0);
	g_assert_cmpint(value_of(f->sem), ==, 3);
	g_assert_cmpint(fstatat(f->dirfd, sem_file(f), &st, AT_SYMLINK_NOFOLLOW), ==, 0);
	g_assert_true(S_ISREG(st.st_mode));
	g_assert_cmpuint(st.st_mode & 07777, ==, 0640);
	g_assert_cmpint(st.st_size, ==, sizeof(sem_t));
	g_assert_cmpuint(st.st_uid, ==, geteuid());

	/* Never overwritten: the existing semaphore keeps its value. */
	g_assert_cmpint(ipc_sem_create(f->dirfd, f->name, 0600, 7, &other), ==, -EEXIST);
	g_assert_null(other);
	g_assert_cmpint(value_of(f->sem), ==, 3);
	g_assert_cmpint(ipc_sem_open(f->dirfd, f->name, &other), ==, 0);
	g_assert_cmpint(value_of(other), ==, 3);
}

static void test_create_value(Fixture *f, gconstpointer data)
{
	g_assert_cmpint(
	    ipc_sem_create(f->dirfd, f->name, 0600, (unsigned)SEM_VALUE_MAX + 1, &f->sem), ==,
	    -EINVAL);
	g_assert_null(f->sem);
	g_assert_cmpint(faccessat(f->dirfd, sem_file(f), F_OK, 0), ==, -1);
	make_sem(f, SEM_VALUE_MAX);
	g_assert_cmpint(value_of(f->sem), ==, SEM_VALUE_MAX);
}

static void test_bad_names(Fixture *f, gconstpointer data)
{
	const char *bad[] = {"", ".", "..", "a/b", "/x"};
	g_autofree char *longest = unit_long_name(IPC_SEM_NAME_MAX);
	g_autofree char *too_long = unit_long_name(IPC_SEM_NAME_MAX + 1);
	IpcSem *sem = NULL;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_assert_cmpint(ipc_sem_create(f->dirfd, bad[i], 0600, 0, &sem), ==, -EINVAL);
		g_assert_cmpint(ipc_sem_open(f->dirfd, bad[i], &sem), ==, -EINVAL);
		g_assert_cmpint(ipc_sem_unlink(f->dirfd, bad[i]), ==, -EINVAL);
	}
	g_assert_cmpint(ipc_sem_create(f->dirfd, too_long, 0600, 0, &sem), ==, -ENAMETOOLONG);
	g_assert_cmpint(ipc_sem_open(f->dirfd, too_long, &sem), ==, -ENAMETOOLONG);
	g_assert_null(sem);

	g_ptr_array_add(f->files, g_strconcat("sem.", longest, NULL));
	g_assert_cmpint(ipc_sem_create(f->dirfd, longest, 0600, 1, &f->sem), ==, 0);
	g_assert_cmpint(ipc_sem_unlink(f->dirfd, longest), ==, 0);
}

/* What core/ makes is what glibc opens, and the other way round. */
static void test_glibc_interop(Fixture *f, gconstpointer data)
{
	g_autofree char *path = g_strconcat("/", f->name, NULL);
	g_autoptr(IpcSem) mine = NULL;
	sem_t *theirs;
	int value;

	make_sem(f, 2);
	theirs = sem_open(path, 0);
	g_assert_true(theirs != SEM_FAILED);
	g_assert_cmpint(sem_post(theirs), ==, 0);
	g_assert_cmpint(value_of(f->sem), ==, 3);
	g_assert_cmpint(ipc_sem_trywait(f->sem, 3), ==, 0);
	g_assert_cmpint(sem_getvalue(theirs, &value), ==, 0);
	g_assert_cmpint(value, ==, 0);
	sem_close(theirs);
	g_assert_cmpint(sem_unlink(path), ==, 0);

	theirs = sem_open(path, O_CREAT | O_EXCL, 0600, 5);
	g_assert_true(theirs != SEM_FAILED);
	g_assert_cmpint(ipc_sem_open(f->dirfd, f->name, &mine), ==, 0);
	g_assert_cmpint(value_of(mine), ==, 5);
	g_assert_cmpint(ipc_sem_post(mine, 1), ==, 0);
	g_assert_cmpint(sem_getvalue(theirs, &value), ==, 0);
	g_assert_cmpint(value, ==, 6);
	sem_close(theirs);
}

static void test_open_unlink(Fixture *f, gconstpointer data)
{
	IpcSem *sem = NULL;

	g_assert_cmpint(ipc_sem_open(f->dirfd, f->name, &sem), ==, -ENOENT);
	g_assert_cmpint(ipc_sem_unlink(f->dirfd, f->name), ==, -ENOENT);
	make_sem(f, 1);
	g_assert_cmpint(ipc_sem_unlink(f->dirfd, f->name), ==, 0);
	g_assert_cmpint(ipc_sem_open(f->dirfd, f->name, &sem), ==, -ENOENT);
	g_assert_null(sem);
	/* An open semaphore lives on. */
	g_assert_cmpint(ipc_sem_post(f->sem, 1), ==, 0);
	g_assert_cmpint(value_of(f->sem), ==, 2);
	ipc_sem_close(NULL);
}

/* Debris in /dev/shm named like a semaphore is refused, never mapped. */
static void test_debris(Fixture *f, gconstpointer data)
{
	IpcSem *sem = NULL;
	int fd;

	fd = openat(f->dirfd, sem_file(f), O_WRONLY | O_CREAT | O_EXCL, 0600);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(write(fd, "12345", 5), ==, 5);
	close(fd);
	g_assert_cmpint(ipc_sem_open(f->dirfd, f->name, &sem), ==, -EINVAL);
	g_assert_cmpint(ipc_sem_create(f->dirfd, f->name, 0600, 0, &sem), ==, -EEXIST);

	g_assert_cmpint(unlinkat(f->dirfd, sem_file(f), 0), ==, 0);
	g_assert_cmpint(mkdirat(f->dirfd, sem_file(f), 0700), ==, 0);
	g_assert_cmpint(ipc_sem_open(f->dirfd, f->name, &sem), ==, -EINVAL);
	g_assert_cmpint(unlinkat(f->dirfd, sem_file(f), AT_REMOVEDIR), ==, 0);

	g_assert_cmpint(symlinkat("/dev/zero", f->dirfd, sem_file(f)), ==, 0);
	g_assert_cmpint(ipc_sem_open(f->dirfd, f->name, &sem), ==, -EINVAL);
	g_assert_null(sem);
}

static void test_post_trywait(Fixture *f, gconstpointer data)
{
	make_sem(f, 0);
	g_assert_cmpint(ipc_sem_trywait(f->sem, 1), ==, -EAGAIN);
	g_assert_cmpint(ipc_sem_post(f->sem, 3), ==, 0);
	g_assert_cmpint(value_of(f->sem), ==, 3);
	g_assert_cmpint(ipc_sem_trywait(f->sem, 5), ==, -EAGAIN);
	g_assert_cmpint(value_of(f->sem), ==, 3); /* all or nothing */
	g_assert_cmpint(ipc_sem_trywait(f->sem, 2), ==, 0);
	g_assert_cmpint(value_of(f->sem), ==, 1);
	g_assert_cmpint(ipc_sem_trywait(f->sem, 1), ==, 0);
	g_assert_cmpint(value_of(f->sem), ==, 0);
}

static void test_post_overflow(Fixture *f, gconstpointer data)
{
	make_sem(f, SEM_VALUE_MAX - 2);
	g_assert_cmpint(ipc_sem_post(f->sem, 5), ==, -EOVERFLOW);
	g_assert_cmpint(value_of(f->sem), ==, SEM_VALUE_MAX - 2); /* all or nothing */
	g_assert_cmpint(ipc_sem_post(f->sem, 2), ==, 0);
	g_assert_cmpint(value_of(f->sem), ==, SEM_VALUE_MAX);
	g_assert_cmpint(ipc_sem_post(f->sem, 1), ==, -EOVERFLOW);
}

static void test_timedwait(Fixture *f, gconstpointer data)
{
	gint64 start;

	make_sem(f, 2);
	g_assert_cmpint(ipc_sem_timedwait(f->sem, 0), ==, 0);
	g_assert_cmpint(ipc_sem_timedwait(f->sem, -1), ==, 0);
	g_assert_cmpint(ipc_sem_timedwait(f->sem, 0), ==, -ETIMEDOUT);
	start = unit_now_ms();
	g_assert_cmpint(ipc_sem_timedwait(f->sem, 50), ==, -ETIMEDOUT);
	g_assert_cmpint(unit_now_ms() - start, >=, 49);
	g_assert_cmpint(value_of(f->sem), ==, 0);
}

typedef struct {
	IpcSem *sem;
	int timeout_ms;
	int result;
	gint done;
} Waiter;

static void *waiter_run(void *data)
{
	Waiter *w = data;

	w->result = ipc_sem_timedwait(w->sem, w->timeout_ms);
	g_atomic_int_set(&w->done, 1);
	return NULL;
}

/* A waiter without a deadline wakes up for a post from elsewhere. */
static void test_wait_wakes(Fixture *f, gconstpointer data)
{
	Waiter w = {.timeout_ms = -1};
	pthread_t thread;

	make_sem(f, 0);
	w.sem = f->sem;
	g_assert_cmpint(pthread_create(&thread, NULL, waiter_run, &w), ==, 0);
	g_assert_cmpint(ipc_sem_post(f->sem, 1), ==, 0);
	pthread_join(thread, NULL);
	g_assert_cmpint(w.result, ==, 0);
	g_assert_cmpint(value_of(f->sem), ==, 0);
}

static void on_signal(int sig)
{
}

/* A signal interrupts a wait (-EINTR), which then takes nothing. The signal
 * is sent until the waiter returns: it may arrive before the wait begins. */
static void test_wait_eintr(Fixture *f, gconstpointer data)
{
	struct sigaction sa = {.sa_handler = on_signal}, old;
	Waiter w = {.timeout_ms = -1};
	pthread_t thread;

	make_sem(f, 0);
	w.sem = f->sem;
	g_assert_cmpint(sigaction(SIGUSR1, &sa, &old), ==, 0);
	g_assert_cmpint(pthread_create(&thread, NULL, waiter_run, &w), ==, 0);
	while (!g_atomic_int_get(&w.done)) {
		pthread_kill(thread, SIGUSR1);
		sched_yield();
	}
	pthread_join(thread, NULL);
	sigaction(SIGUSR1, &old, NULL);
	g_assert_cmpint(w.result, ==, -EINTR);
	g_assert_cmpint(ipc_sem_post(f->sem, 1), ==, 0);
	g_assert_cmpint(value_of(f->sem), ==, 1);
}

/* A semaphore file truncated after it was opened yields -EFAULT for that
 * semaphore, and the process lives on. */
static void test_truncated(Fixture *f, gconstpointer data)
{
	int value, fd;

	make_sem(f, 1);
	fd = openat(f->dirfd, sem_file(f), O_WRONLY | O_TRUNC);
	g_assert_cmpint(fd, >=, 0);
	close(fd);
	g_assert_cmpint(ipc_sem_post(f->sem, 1), ==, -EFAULT);
	g_assert_cmpint(ipc_sem_post(f->sem, 3), ==, -EFAULT);
	g_assert_cmpint(ipc_sem_trywait(f->sem, 1), ==, -EFAULT);
	g_assert_cmpint(ipc_sem_timedwait(f->sem, 0), ==, -EFAULT);
	g_assert_cmpint(ipc_sem_timedwait(f->sem, -1), ==, -EFAULT);
	g_assert_cmpint(ipc_sem_getvalue(f->sem, &value), ==, -EFAULT);
}

static void test_stat(Fixture *f, gconstpointer data)
{
	struct stat st;

	g_assert_cmpint(ipc_sem_stat(f->dirfd, f->name, &st), ==, -ENOENT);
	make_sem(f, 0);
	g_assert_cmpint(fchmodat(f->dirfd, sem_file(f), 0604, 0), ==, 0);
	g_assert_cmpint(ipc_sem_stat(f->dirfd, f->name, &st), ==, 0);
	g_assert_cmpuint(st.st_mode & 07777, ==, 0604);
	g_assert_cmpint(st.st_size, ==, sizeof(sem_t));
	g_assert_cmpint(ipc_sem_stat(f->dirfd, "..", &st), ==, -ENOENT);

	g_assert_cmpint(ipc_sem_unlink(f->dirfd, f->name), ==, 0);
	g_assert_cmpint(mkdirat(f->dirfd, sem_file(f), 0700), ==, 0);
	g_assert_cmpint(ipc_sem_stat(f->dirfd, f->name, &st), ==, -ENOENT);
}

/* Opening needs read and write permission, checked as the caller. */
static void test_access(Fixture *f, gconstpointer data)
{
	int status;
	pid_t pid;

	if (geteuid() != 0) {
		g_test_skip("needs root to switch users");
		return;
	}
	make_sem(f, 0);
	g_assert_cmpint(fchmodat(f->dirfd, sem_file(f), 0604, 0), ==, 0);
	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		IpcSem *sem = NULL;

		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(2);
		_exit(ipc_sem_open(f->dirfd, f->name, &sem) == -EACCES ? 0 : 1);
	}
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, 0);
}

static gboolean listed(int dirfd, const char *name)
{
	g_autoptr(GPtrArray) names = NULL;

	g_assert_cmpint(ipc_sem_list(dirfd, &names), ==, 0);
	return g_ptr_array_find_with_equal_func(names, name, g_str_equal, NULL);
}

static void test_list(Fixture *f, gconstpointer data)
{
	g_autofree char *path = g_strconcat("/", f->name, NULL);
	char *plain = unit_name("plain");
	int fd;
	sem_t *sem;

	g_assert_false(listed(f->dirfd, f->name));
	sem = sem_open(path, O_CREAT | O_EXCL, 0600, 0);
	g_assert_true(sem != SEM_FAILED);
	sem_close(sem);
	g_assert_true(listed(f->dirfd, f->name));
	g_assert_false(listed(f->dirfd, sem_file(f)));
	g_assert_cmpint(sem_unlink(path), ==, 0);
	g_assert_false(listed(f->dirfd, f->name));

	/* A plain shm object is no semaphore. */
	g_ptr_array_add(f->files, plain);
	fd = shm_open(plain, O_RDWR | O_CREAT | O_EXCL, 0600);
	g_assert_cmpint(fd, >=, 0);
	close(fd);
	g_assert_false(listed(f->dirfd, plain));
}

/* An unnamed semaphore at offset 4096 + 32 of a plain object (the second
 * page: the mapping starts on a page boundary): the one a program made with
 * sem_init(pshared 1). */
static void test_open_in(Fixture *f, gconstpointer data)
{
	g_autoptr(IpcSem) mine = NULL;
	int fd = openat(f->dirfd, ".", O_TMPFILE | O_RDWR, 0600);
	sem_t *theirs;
	int value;

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(ftruncate(fd, 8192), ==, 0);
	theirs = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	g_assert_true(theirs != MAP_FAILED);
	g_assert_cmpint(sem_init(&theirs[129], 1, 4), ==, 0);
	g_assert_cmpint(ipc_sem_open_in(fd, 4096 + 32, &mine), ==, 0);
	g_assert_cmpint(value_of(mine), ==, 4);
	g_assert_cmpint(ipc_sem_trywait(mine, 3), ==, 0);
	g_assert_cmpint(ipc_sem_post(mine, 1), ==, 0);
	g_assert_cmpint(sem_getvalue(&theirs[129], &value), ==, 0);
	g_assert_cmpint(value, ==, 2);
	/* Shrunk under it: an error for this semaphore, not a SIGBUS. */
	g_assert_cmpint(ftruncate(fd, 0), ==, 0);
	g_assert_cmpint(ipc_sem_post(mine, 1), ==, -EFAULT);
	munmap(theirs, 8192);
	close(fd);
}

static void test_offset_check(Fixture *f, gconstpointer data)
{
	g_assert_cmpint(ipc_sem_offset_check(64, 0), ==, 0);
	g_assert_cmpint(ipc_sem_offset_check(64, 32), ==, 0);
	g_assert_cmpint(ipc_sem_offset_check(64, 4), ==, -EINVAL);
	g_assert_cmpint(ipc_sem_offset_check(64, 40), ==, -EINVAL);
	g_assert_cmpint(ipc_sem_offset_check(64, 64), ==, -ENOENT);
	g_assert_cmpint(ipc_sem_offset_check(64, -8), ==, -EINVAL);
	g_assert_cmpint(ipc_sem_offset_check(0, 0), ==, -ENOENT);
}

#define ADD(path, fn) g_test_add(path, Fixture, NULL, setup, fn, teardown)

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	ADD("/sem/create", test_create);
	ADD("/sem/create/value", test_create_value);
	ADD("/sem/bad-names", test_bad_names);
	ADD("/sem/glibc-interop", test_glibc_interop);
	ADD("/sem/open-unlink", test_open_unlink);
	ADD("/sem/debris", test_debris);
	ADD("/sem/post-trywait", test_post_trywait);
	ADD("/sem/post-overflow", test_post_overflow);
	ADD("/sem/timedwait", test_timedwait);
	ADD("/sem/wait-wakes", test_wait_wakes);
	ADD("/sem/wait-eintr", test_wait_eintr);
	ADD("/sem/truncated", test_truncated);
	ADD("/sem/stat", test_stat);
	ADD("/sem/access", test_access);
	ADD("/sem/list", test_list);
	ADD("/sem/open-in", test_open_in);
	ADD("/sem/offset-check", test_offset_check);
	return g_test_run();
}
