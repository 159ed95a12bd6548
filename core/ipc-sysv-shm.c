/* ipc-sysv-shm.c — System V shared memory segments (see ipc-sysv-shm.h).
 */
#include "ipc-sysv-shm.h"
#include "ipc-guard.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#define FILE_UNTRIED (-1)
#define FILE_NONE    (-2)

struct IpcSysvShm {
	void *addr;
	size_t size;
	bool writable;
	int file; /* the segment's own file, for writes; FILE_UNTRIED, FILE_NONE */
};

int ipc_sysv_shm_create(key_t key, size_t size, mode_t mode)
{
	int id = shmget(key, size, IPC_CREAT | IPC_EXCL | (mode & 0777));

	return id < 0 ? -errno : id;
}

static int stat_any(int index, void *buf)
{
	int id = shmctl(index, SHM_STAT_ANY, buf);

	return id < 0 ? -errno : id;
}

int ipc_sysv_shm_list(GArray **ids)
{
	struct shm_info si;
	struct shmid_ds ds;
	int max = shmctl(0, SHM_INFO, (struct shmid_ds *)&si);

	if (max < 0)
		return -errno;
	return ipc_sysv_list(max, stat_any, &ds, ids);
}

int ipc_sysv_shm_info(int id, IpcSysvShmInfo *info)
{
	struct shmid_ds ds;
	int r = ipc_sysv_stat_by_id(id, stat_any, &ds);

	if (r < 0)
		return r;
	ipc_sysv_perm_from(&info->perm, &ds.shm_perm, id, ds.shm_ctime);
	info->size = ds.shm_segsz;
	info->nattch = ds.shm_nattch;
	info->cpid = ds.shm_cpid;
	info->lpid = ds.shm_lpid;
	info->atime = ds.shm_atime;
	info->dtime = ds.shm_dtime;
	return 0;
}

int ipc_sysv_shm_remove(int id)
{
	return shmctl(id, IPC_RMID, NULL) < 0 ? -errno : 0;
}

int ipc_sysv_shm_set(int id, uid_t uid, gid_t gid, mode_t mode)
{
	IpcSysvShmInfo info;
	struct shmid_ds ds = {0};
	int r = ipc_sysv_shm_info(id, &info);

	if (r < 0)
		return r;
	ipc_sysv_perm_set(&ds.shm_perm, &info.perm, uid, gid, mode);
	return shmctl(id, IPC_SET, &ds) < 0 ? -errno : 0;
}

int ipc_sysv_shm_attach(int id, bool writable, IpcSysvShm **shm)
{
	struct shmid_ds ds;
	IpcSysvShm *s;
	void *addr;
	int r = ipc_sysv_stat_by_id(id, stat_any, &ds);

	if (r < 0)
		return r;
	addr = shmat(id, NULL, writable ? 0 : SHM_RDONLY);
	if (addr == (void *)-1)
		return -errno;
	s = g_new(IpcSysvShm, 1);
	s->addr = addr;
	s->size = ds.shm_segsz;
	s->writable = writable;
	s->file = FILE_UNTRIED;
	*shm = s;
	return 0;
}

void ipc_sysv_shm_detach(IpcSysvShm *shm)
{
	if (!shm)
		return;
	if (shm->file >= 0)
		close(shm->file);
	shmdt(shm->addr);
	g_free(shm);
}

/* A store through a fresh attachment faults each page into this process's
 * page tables first (about 15 µs a page in a virtual machine); a write(2)
 * to the segment's own file maps nothing. That file is reached through the
 * attachment, /proc/self/map_files, which needs CAP_SYS_ADMIN: a daemon
 * without it stores through the attachment. The attachment was made with
 * the caller's rights and stays for as long as the file is open. Opened on
 * the first write; FILE_NONE if it cannot be had. */
static int segment_file(IpcSysvShm *shm)
{
	uintptr_t page = sysconf(_SC_PAGESIZE);
	uintptr_t end = ((uintptr_t)shm->addr + shm->size + page - 1) & ~(page - 1);
	int fd = g_atomic_int_get(&shm->file);
	char path[64];

	if (fd != FILE_UNTRIED)
		return fd;
	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx", (unsigned long)shm->addr,
		 (unsigned long)end);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fd = FILE_NONE;
	if (!g_atomic_int_compare_and_exchange(&shm->file, FILE_UNTRIED, fd)) {
		if (fd >= 0)
			close(fd);
		fd = g_atomic_int_get(&shm->file);
	}
	return fd;
}

size_t ipc_sysv_shm_size(const IpcSysvShm *shm)
{
	return shm->size;
}

/* How many of @size bytes at @off lie inside the segment. */
static size_t in_bounds(const IpcSysvShm *shm, size_t size, off_t off)
{
	if (off < 0 || (guint64)off >= shm->size)
		return 0;
	return MIN(size, shm->size - off);
}

/* Faults the pages in first, in one call rather than a fault per page
 * (costly in a virtual machine); where the kernel cannot (before 5.14), the
 * copy faults them as usual. */
static int copy(void *dst, const void *src, size_t n)
{
	uintptr_t page = sysconf(_SC_PAGESIZE);
	uintptr_t start = (uintptr_t)dst & ~(page - 1);

	madvise((void *)start, (uintptr_t)dst + n - start, MADV_POPULATE_WRITE);
	memcpy(dst, src, n);
	return 0;
}

const void *ipc_sysv_shm_span(const IpcSysvShm *shm, size_t size, off_t off, size_t *len)
{
	*len = in_bounds(shm, size, off);
	return *len ? (const char *)shm->addr + off : NULL;
}

ssize_t ipc_sysv_shm_write(IpcSysvShm *shm, const void *buf, size_t size, off_t off)
{
	size_t n = in_bounds(shm, size, off);
	int r;

	if (off < 0)
		return -EINVAL;
	if (!shm->writable)
		return -EBADF;
	if (size == 0)
		return 0;
	if (n == 0)
		return -ENOSPC;
	if (segment_file(shm) >= 0) {
		ssize_t written = pwrite(shm->file, buf, n, off);

		if (written >= 0)
			return written;
	}
	r = IPC_GUARDED(copy((char *)shm->addr + off, buf, n));
	return r < 0 ? r : (ssize_t)n;
}
