/* shm-xfer NAME — the writer of the classic shared memory transfer: makes
 * POSIX shm object NAME holding
 *     struct { sem_t wsem; sem_t rsem; int cnt; char buf[1024]; }
 * (wsem 1, rsem 0), then copies its stdin through it: wait wsem, read up to
 * 1024 bytes into buf and their number into cnt, post rsem; it ends after a
 * block with cnt 0 (end of input) has been taken, and removes the object.
 * The reader may be anything that knows the layout: a program, or a shell
 * script using sem@0 (wsem), sem@32 (rsem) and data through ipcfs.
 */
#include "common.h"

#include <fcntl.h>
#include <semaphore.h>
#include <stddef.h>
#include <sys/mman.h>
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

int main(int argc, char **argv)
{
	struct shmbuf *s;
	ssize_t n;
	int fd;

	if (argc != 2)
		usage("shm-xfer NAME < input");
	fd = shm_open(slashed(argv[1]), O_CREAT | O_EXCL | O_RDWR, 0600);
	if (fd < 0)
		die("shm_open");
	if (ftruncate(fd, sizeof(*s)) < 0)
		die("ftruncate");
	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (s == MAP_FAILED)
		die("mmap");
	if (sem_init(&s->wsem, 1, 1) < 0 || sem_init(&s->rsem, 1, 0) < 0)
		die("sem_init");
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
	shm_unlink(slashed(argv[1]));
	return 0;
}
