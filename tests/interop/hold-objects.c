/* hold-objects [-q QUEUE [-w] [-n]] [-m SHM [-r]] [-s SEM] — holds IPC
 * objects the way programs do, for holders files to find: a queue
 * descriptor (read-only, write-only with -w; -n also registers for
 * mq_notify), a shared mapping of a shm object (read-only with -r; its
 * descriptor closed once mapped), an open named semaphore (a mapping).
 * Prints "ready" once it holds them all, then waits to be killed. */
#include <fcntl.h>
#include <mqueue.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>
#include "common.h"

static void hold_queue(const char *name, int oflag, int notify)
{
	struct sigevent ev = {.sigev_notify = SIGEV_NONE};
	mqd_t q = mq_open(slashed(name), oflag);

	if (q == (mqd_t)-1)
		die("mq_open");
	if (notify && mq_notify(q, &ev) < 0)
		die("mq_notify");
}

static void hold_mapping(const char *name, int readonly)
{
	int fd = shm_open(slashed(name), readonly ? O_RDONLY : O_RDWR, 0);
	int prot = readonly ? PROT_READ : PROT_READ | PROT_WRITE;

	if (fd < 0)
		die("shm_open");
	if (mmap(NULL, 4096, prot, MAP_SHARED, fd, 0) == MAP_FAILED)
		die("mmap");
	close(fd);
}

int main(int argc, char **argv)
{
	const char *queue = NULL, *shm = NULL, *sem = NULL;
	int oflag = O_RDONLY, notify = 0, readonly = 0;
	int opt;

	while ((opt = getopt(argc, argv, "q:wnm:rs:")) != -1) {
		switch (opt) {
		case 'q': queue = optarg; break;
		case 'w': oflag = O_WRONLY; break;
		case 'n': notify = 1; break;
		case 'm': shm = optarg; break;
		case 'r': readonly = 1; break;
		case 's': sem = optarg; break;
		default: usage("hold-objects [-q QUEUE [-w] [-n]] [-m SHM [-r]] [-s SEM]");
		}
	}
	if (queue)
		hold_queue(queue, oflag, notify);
	if (shm)
		hold_mapping(shm, readonly);
	if (sem && sem_open(slashed(sem), 0) == SEM_FAILED)
		die("sem_open");
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
