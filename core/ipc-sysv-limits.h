/* ipc-sysv-limits.h — the System V IPC limits of the IPC namespace and how
 * much of each is in use. */
#pragma once

typedef struct {
	unsigned long long shmmax; /* /proc/sys/kernel/shmmax: largest segment, bytes */
	unsigned long long shmall; /* shmall: all segments together, pages */
	unsigned long long shmmni; /* shmmni: segments */
	unsigned long long msgmax; /* msgmax: largest message, bytes */
	unsigned long long msgmnb; /* msgmnb: default queue capacity, bytes */
	unsigned long long msgmni; /* msgmni: queues */
	unsigned long long semmsl; /* sem, first field: semaphores per set */
	unsigned long long semmns; /* sem, second: semaphores in all sets */
	unsigned long long semopm; /* sem, third: operations per semop */
	unsigned long long semmni; /* sem, fourth: sets */
	/* In use now (shmctl SHM_INFO, msgctl MSG_INFO, semctl SEM_INFO). */
	unsigned long long shm_segments;
	unsigned long long shm_pages;
	unsigned long long msg_queues;
	unsigned long long sem_sets;
	unsigned long long sem_count;
} IpcSysvLimits;

/* Reads the limits and their use. Returns 0 or -errno. */
int ipc_sysv_limits(IpcSysvLimits *l);
