/* sysvbench.c — System V message and semaphore costs, through a mount and
 * through the system calls, ns per operation.
 *
 * A "round" is N messages; between rounds the queue is drained or filled
 * directly, untimed, so its qbytes only bounds N.
 *
 *   send-fs PATH ID N ROUNDS SIZE   open PATH (a send file) once, write() N
 *                                   messages of SIZE bytes per round
 *   send-sysv ID N ROUNDS SIZE      the same with msgsnd
 *   recv-fs PATH ID N ROUNDS SIZE   per message: open PATH (a recv file),
 *                                   read() once, close
 *   recv-sysv ID N ROUNDS SIZE      the same with msgrcv
 *   semop ID N                      N times semop +1 then -1 (2N operations)
 */
#include "bench.h"

#include <fcntl.h>
#include <stdbool.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <unistd.h>

#define MAXTEXT 65536

static struct {
	long type;
	char text[MAXTEXT];
} msg = {.type = 1};

/* Untimed: empties queue @id, checks that it held @want messages. */
static void drain_all(int id, long want)
{
	long got = 0;

	while (msgrcv(id, &msg, MAXTEXT, 0, IPC_NOWAIT) >= 0)
		got++;
	if (got != want) {
		fprintf(stderr, "queue held %ld messages, expected %ld\n", got, want);
		exit(1);
	}
}

/* Untimed: @n messages of @size bytes into queue @id. */
static void fill(int id, long n, long size)
{
	msg.type = 1;
	for (long i = 0; i < n; i++)
		if (msgsnd(id, &msg, size, IPC_NOWAIT) < 0)
			die("msgsnd (fill)");
}

static uint64_t send_round(const char *path, int fd, int id, long n, long size)
{
	uint64_t t = now_ns();

	msg.type = 1;
	for (long i = 0; i < n; i++)
		if (path ? write(fd, msg.text, size) != size : msgsnd(id, &msg, size, 0) < 0)
			die("send");
	t = now_ns() - t;
	drain_all(id, n);
	return t;
}

static uint64_t recv_round(const char *path, int id, long n, long size)
{
	uint64_t t;

	fill(id, n, size);
	t = now_ns();
	for (long i = 0; i < n; i++) {
		if (path) {
			int fd = open(path, O_RDONLY);

			if (fd < 0 || read(fd, msg.text, MAXTEXT) != size)
				die("recv");
			close(fd);
		} else if (msgrcv(id, &msg, MAXTEXT, 0, 0) != size) {
			die("msgrcv");
		}
	}
	return now_ns() - t;
}

static int messages(int argc, char **argv)
{
	bool fs = !strcmp(argv[1] + strlen(argv[1]) - 3, "-fs");
	const char *path = fs ? argv[2] : NULL;
	char **a = argv + (fs ? 3 : 2);
	int id = num(a[0]);
	long n = num(a[1]), rounds = num(a[2]), size = num(a[3]);
	int fd = -1;
	uint64_t ns = 0;

	if (size > MAXTEXT)
		size = MAXTEXT;
	memset(msg.text, 'm', size);
	if (fs && !strncmp(argv[1], "send", 4) && (fd = open(path, O_WRONLY)) < 0)
		die(path);
	for (long r = 0; r < rounds; r++)
		ns += !strncmp(argv[1], "send", 4) ? send_round(path, fd, id, n, size)
						   : recv_round(path, id, n, size);
	print_ns_per_op(ns, n * rounds);
	return 0;
}

static int semops(int id, long n)
{
	struct sembuf up = {0, 1, 0}, down = {0, -1, 0};
	uint64_t t = now_ns();

	for (long i = 0; i < n; i++)
		if (semop(id, &up, 1) < 0 || semop(id, &down, 1) < 0)
			die("semop");
	print_ns_per_op(now_ns() - t, 2 * n);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if ((!strcmp(mode, "send-fs") || !strcmp(mode, "recv-fs")) && argc == 7)
		return messages(argc, argv);
	if ((!strcmp(mode, "send-sysv") || !strcmp(mode, "recv-sysv")) && argc == 6)
		return messages(argc, argv);
	if (!strcmp(mode, "semop") && argc == 4)
		return semops(num(argv[2]), num(argv[3]));
	fprintf(stderr, "usage: see sysvbench.c\n");
	return 2;
}
