/* ipc-sysv-limits.c — System V limits and use (see ipc-sysv-limits.h).
 *
 * The limits come from /proc/sys/kernel, the use from the *_INFO commands,
 * which need no permission on any object: they count the namespace's
 * segments, queues and sets.
 */
#include "ipc-sysv-limits.h"

#include <errno.h>
#include <stdio.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

/* Reads up to four numbers from /proc/sys/kernel/@name. */
static int read_kernel(const char *name, int count, unsigned long long v[4])
{
	char path[64];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/sys/kernel/%s", name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fscanf(f, "%llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3]);
	fclose(f);
	return n == count ? 0 : -EIO;
}

static int read_limits(IpcSysvLimits *l)
{
	const struct {
		const char *name;
		int count;
		unsigned long long *fields[4];
	} files[] = {
	    {"shmmax", 1, {&l->shmmax}},
	    {"shmall", 1, {&l->shmall}},
	    {"shmmni", 1, {&l->shmmni}},
	    {"msgmax", 1, {&l->msgmax}},
	    {"msgmnb", 1, {&l->msgmnb}},
	    {"msgmni", 1, {&l->msgmni}},
	    {"sem", 4, {&l->semmsl, &l->semmns, &l->semopm, &l->semmni}},
	};
	unsigned long long v[4];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		int r = read_kernel(files[i].name, files[i].count, v);

		if (r < 0)
			return r;
		for (int j = 0; j < files[i].count; j++)
			*files[i].fields[j] = v[j];
	}
	return 0;
}

static int read_use(IpcSysvLimits *l)
{
	struct shm_info shm;
	struct msginfo msg;
	struct seminfo sem;
	union semun {
		int val;
		struct semid_ds *buf;
		unsigned short *array;
		struct seminfo *__buf;
	} arg = {.__buf = &sem};

	if (shmctl(0, SHM_INFO, (struct shmid_ds *)&shm) < 0 ||
	    msgctl(0, MSG_INFO, (struct msqid_ds *)&msg) < 0 || semctl(0, 0, SEM_INFO, arg) < 0)
		return -errno;
	l->shm_segments = shm.used_ids;
	l->shm_pages = shm.shm_tot;
	l->msg_queues = msg.msgpool; /* MSG_INFO: queues in use */
	l->sem_sets = sem.semusz;    /* SEM_INFO: sets in use */
	l->sem_count = sem.semaem;   /* SEM_INFO: semaphores in use */
	return 0;
}

int ipc_sysv_limits(IpcSysvLimits *l)
{
	int r = read_limits(l);

	return r < 0 ? r : read_use(l);
}
