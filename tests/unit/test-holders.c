/* test-holders.c — core/ipc-holders: one scan of /proc finds this process's
 * own pipe ends, shm mapping and FIFO, with their modes; a pipe's queued
 * bytes are read without adding a reader; and the System V limits count
 * what is in use.
 */
#include "ipc-holders.h"
#include "ipc-shm.h"
#include "ipc-sysv-limits.h"
#include "unit-util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>

/* The hold of this process on @key with descriptor @fd (or IPC_HOLD_MAP). */
static const IpcHold *own_hold(const IpcHoldScan *scan, const IpcHeldKey *key, int fd)
{
	size_t n;
	const IpcHold *h = ipc_holders_of(scan, key, &n);

	for (size_t i = 0; i < n; i++)
		if (h[i].pid == getpid() && h[i].fd == fd)
			return &h[i];
	return NULL;
}

static void test_pipe_ends(void)
{
	IpcScanSetup setup = {0};
	g_autoptr(IpcHoldScan) scan = NULL;
	IpcHeldKey key;
	const IpcHold *r, *w;
	long capacity, queued;
	struct stat st;
	int p[2];

	g_assert_cmpint(pipe(p), ==, 0);
	g_assert_cmpint(write(p[1], "abc", 3), ==, 3);
	g_assert_cmpint(fstat(p[0], &st), ==, 0);
	scan = ipc_holders_scan(&setup);
	g_assert_true(ipc_holders_find_pipe(scan, st.st_ino, &key));
	g_assert_cmpint(key.type, ==, IPC_HELD_PIPE);
	r = own_hold(scan, &key, p[0]);
	w = own_hold(scan, &key, p[1]);
	g_assert_nonnull(r);
	g_assert_nonnull(w);
	g_assert_cmpuint(r->mode, ==, IPC_HOLD_R);
	g_assert_cmpuint(w->mode, ==, IPC_HOLD_W);
	g_assert_cmpstr(r->comm, ==, "test-holders");
	g_assert_null(ipc_holders_fifo_path(scan, &key));
	g_assert_cmpint(ipc_holders_pipe_fill(scan, &key, &capacity, &queued), ==, 0);
	g_assert_cmpint(queued, ==, 3);
	g_assert_cmpint(capacity, >=, 4096);
	/* No reader was added or left behind: with the read end closed, a
	 * write fails with EPIPE. */
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	g_assert_cmpint(write(p[1], "x", 1), ==, -1);
	g_assert_cmpint(errno, ==, EPIPE);
	close(p[1]);
}

static void test_skip_pid(void)
{
	IpcScanSetup setup = {.skip_pid = getpid()};
	g_autoptr(IpcHoldScan) scan = NULL;
	IpcHeldKey key;
	struct stat st;
	int p[2];

	g_assert_cmpint(pipe(p), ==, 0);
	g_assert_cmpint(fstat(p[0], &st), ==, 0);
	scan = ipc_holders_scan(&setup);
	g_assert_false(ipc_holders_find_pipe(scan, st.st_ino, &key));
	close(p[0]);
	close(p[1]);
}

static void test_shm_mapping(void)
{
	g_autofree char *name = unit_name("holders");
	g_autoptr(IpcHoldScan) plain = NULL;
	g_autoptr(IpcHoldScan) scan = NULL;
	int dirfd = ipc_shm_dir_open();
	int fd = ipc_shm_create(dirfd, name, O_RDWR, 0600);
	struct stat dir, st;
	IpcHeldKey key;
	const IpcHold *h;
	void *map;

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(ftruncate(fd, 4096), ==, 0);
	map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	g_assert_true(map != MAP_FAILED);
	g_assert_cmpint(fstat(dirfd, &dir), ==, 0);
	g_assert_cmpint(fstat(fd, &st), ==, 0);
	key = (IpcHeldKey){IPC_HELD_FILE, dir.st_dev, st.st_ino};
	plain = ipc_holders_scan(&(IpcScanSetup){.devs = &dir.st_dev, .n_devs = 1});
	g_assert_false(ipc_holders_have_maps(plain));
	g_assert_nonnull(own_hold(plain, &key, fd));
	g_assert_null(own_hold(plain, &key, IPC_HOLD_MAP));
	scan = ipc_holders_scan(&(IpcScanSetup){.devs = &dir.st_dev, .n_devs = 1, .maps = true});
	h = own_hold(scan, &key, IPC_HOLD_MAP);
	g_assert_nonnull(h);
	g_assert_cmpuint(h->mode, ==, IPC_HOLD_R);
	h = own_hold(scan, &key, fd);
	g_assert_nonnull(h);
	g_assert_cmpuint(h->mode, ==, IPC_HOLD_R | IPC_HOLD_W);
	munmap(map, 4096);
	close(fd);
	g_assert_cmpint(ipc_shm_unlink(dirfd, name), ==, 0);
	close(dirfd);
}

static void test_fifo_path(void)
{
	g_autofree char *dir = g_dir_make_tmp("ipcfs-unit-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "fifo", NULL);
	g_autoptr(IpcHoldScan) scan = NULL;
	IpcHeldKey key;
	struct stat st;
	int fd;

	g_assert_cmpint(mkfifo(path, 0600), ==, 0);
	fd = open(path, O_RDWR);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(fstat(fd, &st), ==, 0);
	scan = ipc_holders_scan(&(IpcScanSetup){0});
	g_assert_true(ipc_holders_find_pipe(scan, st.st_ino, &key));
	g_assert_cmpint(key.type, ==, IPC_HELD_FILE);
	g_assert_cmpstr(ipc_holders_fifo_path(scan, &key), ==, path);
	g_assert_cmpuint(own_hold(scan, &key, fd)->mode, ==, IPC_HOLD_R | IPC_HOLD_W);
	close(fd);
	unlink(path);
	rmdir(dir);
}

static void test_sysv_use(void)
{
	IpcSysvLimits before, after;
	int id;

	g_assert_cmpint(ipc_sysv_limits(&before), ==, 0);
	id = shmget(IPC_PRIVATE, 8192, IPC_CREAT | 0600);
	g_assert_cmpint(id, >=, 0);
	g_assert_cmpint(ipc_sysv_limits(&after), ==, 0);
	shmctl(id, IPC_RMID, NULL);
	g_assert_cmpuint(after.shm_segments, ==, before.shm_segments + 1);
	g_assert_cmpuint(after.shmmni, ==, before.shmmni);
	g_assert_cmpuint(after.semmni, >, 0);
}

static void test_mount_of(void)
{
	struct stat st;
	int id = -1;
	dev_t dev = 0;

	g_assert_cmpint(stat("/proc", &st), ==, 0);
	g_assert_cmpint(ipc_holders_mount_of("/proc", &id, &dev), ==, 0);
	g_assert_cmpint(id, >, 0);
	g_assert_cmpuint(dev, ==, st.st_dev);
	g_assert_cmpint(ipc_holders_mount_of("/no/such/mount", &id, &dev), ==, -ENOENT);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/holders/pipe-ends", test_pipe_ends);
	g_test_add_func("/holders/skip-pid", test_skip_pid);
	g_test_add_func("/holders/shm-mapping", test_shm_mapping);
	g_test_add_func("/holders/fifo-path", test_fifo_path);
	g_test_add_func("/holders/sysv-use", test_sysv_use);
	g_test_add_func("/holders/mount-of", test_mount_of);
	return g_test_run();
}
