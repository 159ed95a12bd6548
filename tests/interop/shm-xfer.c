/* shm-xfer NAME | shm-xfer -s — the writer of the classic shared memory
 * transfer: makes POSIX shm object NAME (with -s: a private System V
 * segment, whose ID it prints) holding
 *     struct { sem_t wsem; sem_t rsem; int cnt; char buf[1024]; }
 * (wsem 1, rsem 0), prints "ready" (with -s: "ready ID"), then copies its
 * stdin through it: wait wsem, read up to
 * 1024 bytes into buf and their number into cnt, post rsem; it ends after a
 * block with cnt 0 (end of input) has been taken, and removes the object
 * (IPC_RMID for a segment).
 * The reader may be anything that knows the layout: a program, or a shell
 * script using sem@0 (wsem), sem@32 (rsem) and data through ipcfs.
 */
#include "common.h"

#include <fcntl.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

struct shmbuf {
	sem_t wsem; /* the writer may fill buf */
	sem_t rsem; /* the reader may take buf */
	int cnt;    /* bytes in buf; 0 ends the transfer */
	char buf[1024];
};

_Static_assert(offsetof(struct shmbuf, rsem) == 32 && offsetof(struct shmbuf, cnt) == 64 &&
		       offsetof(struct shmbuf, buf) == 68,
	       "the layout the tests and the user guide use");

/* The POSIX object NAME, mapped. */
static struct shmbuf *posix_buf(const char *name)
{
	struct shmbuf *s;
	int fd = shm_open(slashed(name), O_CREAT | O_EXCL | O_RDWR, 0600);

	if (fd < 0)
		die("shm_open");
	if (ftruncate(fd, sizeof(*s)) < 0)
		die("ftruncate");
	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (s == MAP_FAILED)
		die("mmap");
	return s;
}

/* A new private segment, attached; its ID in *id. */
static struct shmbuf *sysv_buf(int *id)
{
	struct shmbuf *s;

	*id = shmget(IPC_PRIVATE, sizeof(*s), IPC_CREAT | 0600);
	if (*id < 0)
		die("shmget");
	s = shmat(*id, NULL, 0);
	if (s == (void *)-1)
		die("shmat");
	return s;
}

int main(int argc, char **argv)
{
	bool sysv = argc == 2 && strcmp(argv[1], "-s") == 0;
	struct shmbuf *s;
	ssize_t n;
	int id = -1;

	if (argc != 2)
		usage("shm-xfer NAME | shm-xfer -s   < input");
	s = sysv ? sysv_buf(&id) : posix_buf(argv[1]);
	if (sem_init(&s->wsem, 1, 1) < 0 || sem_init(&s->rsem, 1, 0) < 0)
		die("sem_init");
	/* A reader may start now: before, it could wait on a sem_t that
	 * sem_init then overwrites. */
	if (sysv)
		printf("ready %d\n", id);
	else
		printf("ready\n");
	fflush(stdout);
	do {
		if (sem_wait(&s->wsem) < 0)
			die("sem_wait");
		n = read(0, s->buf, sizeof(s->buf));
		if (n < 0)
			die("read");
		s->cnt = n;
		if (sem_post(&s->rsem) < 0)
			die("sem_post");
	} while (n > 0);
	/* The reader has taken the end when it hands buf back once more. */
	if (sem_wait(&s->wsem) < 0)
		die("sem_wait");
	if (sysv)
		shmctl(id, IPC_RMID, NULL);
	else
		shm_unlink(slashed(argv[1]));
	return 0;
}
