/* holders.c — a crowd of holders for the holders case (bench.py case 8).
 *
 *   bench-holders PREFIX NPROC NFDS NQUEUES
 *
 * Starts NPROC processes. Process i holds NFDS descriptors besides its
 * standard ones: both ends of a pipe of its own, a descriptor of queue
 * /PREFIX{i % NQUEUES} (made beforehand, e.g. by bench-mass mq-create) and
 * /dev/null for the rest. Prints "ready" once all of them hold theirs, then
 * waits for end of file on stdin and kills them. A process whose parent dies
 * dies with it.
 */
#include "bench.h"

#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void child(const char *prefix, long i, long nfds, long nqueues, int ready)
{
	int null = open("/dev/null", O_RDWR);
	char name[256];
	int p[2];

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (null < 0 || dup2(null, STDOUT_FILENO) < 0)
		die("/dev/null");
	close(null);
	snprintf(name, sizeof name, "/%s%ld", prefix, i % nqueues);
	if (pipe(p) < 0 || mq_open(name, O_RDONLY) == (mqd_t)-1)
		die(name);
	for (long n = 3; n < nfds; n++)
		if (open("/dev/null", O_RDONLY) < 0)
			die("/dev/null");
	if (write(ready, "", 1) != 1)
		die("ready");
	close(ready);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	long nproc, nfds, nqueues;
	char buf[4096];
	pid_t *pids;
	int ready[2];
	long got = 0;
	ssize_t n;

	if (argc != 5) {
		fprintf(stderr, "usage: bench-holders PREFIX NPROC NFDS NQUEUES\n");
		return 2;
	}
	nproc = num(argv[2]);
	nfds = num(argv[3]);
	nqueues = num(argv[4]);
	pids = calloc(nproc, sizeof(*pids));
	if (!pids || nqueues < 1 || pipe(ready) < 0)
		die("setup");
	for (long i = 0; i < nproc; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			die("fork");
		if (pids[i] == 0) {
			close(ready[0]);
			child(argv[1], i, nfds, nqueues, ready[1]);
		}
	}
	close(ready[1]);
	while (got < nproc && (n = read(ready[0], buf, sizeof buf)) > 0)
		got += n;
	if (got < nproc) {
		fprintf(stderr, "only %ld of %ld holders started\n", got, nproc);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (read(STDIN_FILENO, buf, sizeof buf) > 0)
		;
	for (long i = 0; i < nproc; i++)
		kill(pids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	return 0;
}
