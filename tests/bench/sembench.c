/* sembench.c — semaphore post/wait costs, ns per operation.
 *
 *   fs PATH N       open PATH (a sem value file) once; N times write "post"
 *                   then write "wait" (2N operations)
 *   posix NAME N    the same with sem_post/sem_wait on sem_open("/NAME")
 */
#include "bench.h"

#include <fcntl.h>
#include <semaphore.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc == 4 ? num(argv[3]) : 0;
	uint64_t t;

	if (argc == 4 && !strcmp(argv[1], "fs")) {
		int fd = open(argv[2], O_RDWR);

		if (fd < 0)
			die(argv[2]);
		t = now_ns();
		for (long i = 0; i < n; i++) {
			if (write(fd, "post", 4) != 4)
				die("write post");
			if (write(fd, "wait", 4) != 4)
				die("write wait");
		}
		print_ns_per_op(now_ns() - t, 2 * n);
	} else if (argc == 4 && !strcmp(argv[1], "posix")) {
		sem_t *s = sem_open(slashed(argv[2]), 0);

		if (s == SEM_FAILED)
			die(argv[2]);
		t = now_ns();
		for (long i = 0; i < n; i++) {
			if (sem_post(s) < 0)
				die("sem_post");
			if (sem_wait(s) < 0)
				die("sem_wait");
		}
		print_ns_per_op(now_ns() - t, 2 * n);
	} else {
		fprintf(stderr, "usage: sembench fs PATH N | posix NAME N\n");
		return 2;
	}
	return 0;
}
