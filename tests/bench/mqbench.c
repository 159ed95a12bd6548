/* mqbench.c — message costs, through a mount and through the POSIX API.
 *
 * Each mode prints the timed cost in ns per message. A "round" is N
 * messages; between rounds the queue is filled or drained directly through
 * the POSIX API, untimed, so the kernel's queue limit (maxmsg) only bounds
 * N, not the length of the run.
 *
 *   send-fs PATH QUEUE N ROUNDS SIZE    open PATH (a send file) once, write()
 *                                       N messages of SIZE bytes per round
 *   send-mq QUEUE N ROUNDS SIZE         the same with mq_send
 *   recv-fs PATH QUEUE N ROUNDS SIZE    per message: open PATH (a recv
 *                                       file), read() once, close
 *   recv-mq QUEUE N ROUNDS SIZE         the same with mq_receive
 *   lines-send PATH QUEUE N ROUNDS SIZE one write() of N lines of SIZE bytes
 *                                       (newline included) per round
 *   lines-recv PATH QUEUE N ROUNDS SIZE per round: read recv-lines with a
 *                                       1 MiB buffer until N messages came
 *                                       (reopening at EOF)
 *   write PATH N SIZE                   open once, N writes (the FUSE floor)
 *   oread PATH N                        N times open, read once, close
 *   drain QUEUE N                       mq_receive N messages, blocking
 */
#include "bench.h"

#include <fcntl.h>
#include <mqueue.h>
#include <unistd.h>

#define BIG (1 << 20)

static char *msgbuf;

static mqd_t queue(const char *name, int flags)
{
	mqd_t q = mq_open(slashed(name), flags);

	if (q == (mqd_t)-1)
		die(name);
	return q;
}

static long msgsize_of(mqd_t q)
{
	struct mq_attr a;

	if (mq_getattr(q, &a) < 0)
		die("mq_getattr");
	return a.mq_msgsize;
}

static long curmsgs(mqd_t q)
{
	struct mq_attr a;

	if (mq_getattr(q, &a) < 0)
		die("mq_getattr");
	return a.mq_curmsgs;
}

/* Untimed: empties the queue, checks that it held @want messages. */
static void drain_all(mqd_t q, long want)
{
	long size = msgsize_of(q), got = 0;
	char *buf = malloc(size);
	struct mq_attr nb = {.mq_flags = O_NONBLOCK}, old;

	mq_setattr(q, &nb, &old);
	while (mq_receive(q, buf, size, NULL) >= 0)
		got++;
	mq_setattr(q, &old, NULL);
	free(buf);
	if (want >= 0 && got != want) {
		fprintf(stderr, "queue held %ld messages, expected %ld\n", got, want);
		exit(1);
	}
}

/* Untimed: puts @n messages of @size bytes (newline-terminated) in the queue. */
static void fill(mqd_t q, long n, long size)
{
	for (long i = 0; i < n; i++)
		if (mq_send(q, msgbuf, size, 0) < 0)
			die("mq_send (fill)");
}

static void make_message(long size)
{
	msgbuf = malloc(BIG);
	memset(msgbuf, 'm', BIG);
	if (size > 0)
		msgbuf[size - 1] = '\n';
}

static void full_write(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0)
			die("write");
		buf += n;
		len -= n;
	}
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	uint64_t ns = 0, t;
	long n, rounds, size;
	char *rbuf = malloc(BIG);
	mqd_t q;
	int fd;

	if (!strcmp(mode, "send-fs") && argc == 7) {
		q = queue(argv[3], O_RDWR);
		n = num(argv[4]), rounds = num(argv[5]), size = num(argv[6]);
		make_message(size);
		fd = open(argv[2], O_WRONLY);
		if (fd < 0)
			die(argv[2]);
		for (long r = 0; r < rounds; r++) {
			t = now_ns();
			for (long i = 0; i < n; i++)
				if (write(fd, msgbuf, size) != size)
					die("write");
			ns += now_ns() - t;
			drain_all(q, n);
		}
		print_ns_per_op(ns, n * rounds);
	} else if (!strcmp(mode, "send-mq") && argc == 6) {
		q = queue(argv[2], O_RDWR);
		n = num(argv[3]), rounds = num(argv[4]), size = num(argv[5]);
		make_message(size);
		for (long r = 0; r < rounds; r++) {
			t = now_ns();
			for (long i = 0; i < n; i++)
				if (mq_send(q, msgbuf, size, 0) < 0)
					die("mq_send");
			ns += now_ns() - t;
			drain_all(q, n);
		}
		print_ns_per_op(ns, n * rounds);
	} else if (!strcmp(mode, "recv-fs") && argc == 7) {
		q = queue(argv[3], O_RDWR);
		n = num(argv[4]), rounds = num(argv[5]), size = num(argv[6]);
		make_message(size);
		for (long r = 0; r < rounds; r++) {
			fill(q, n, size);
			t = now_ns();
			for (long i = 0; i < n; i++) {
				fd = open(argv[2], O_RDONLY);
				if (fd < 0)
					die(argv[2]);
				if (read(fd, rbuf, BIG) != size)
					die("read (short or failed)");
				close(fd);
			}
			ns += now_ns() - t;
			drain_all(q, 0);
		}
		print_ns_per_op(ns, n * rounds);
	} else if (!strcmp(mode, "recv-mq") && argc == 6) {
		q = queue(argv[2], O_RDWR);
		n = num(argv[3]), rounds = num(argv[4]), size = num(argv[5]);
		make_message(size);
		long msgsize = msgsize_of(q);
		for (long r = 0; r < rounds; r++) {
			fill(q, n, size);
			t = now_ns();
			for (long i = 0; i < n; i++)
				if (mq_receive(q, rbuf, msgsize, NULL) != size)
					die("mq_receive");
			ns += now_ns() - t;
			drain_all(q, 0);
		}
		print_ns_per_op(ns, n * rounds);
	} else if (!strcmp(mode, "lines-send") && argc == 7) {
		q = queue(argv[3], O_RDWR);
		n = num(argv[4]), rounds = num(argv[5]), size = num(argv[6]);
		char *lines = malloc(n * size);
		for (long i = 0; i < n * size; i++)
			lines[i] = (i + 1) % size ? 'm' : '\n';
		fd = open(argv[2], O_WRONLY);
		if (fd < 0)
			die(argv[2]);
		for (long r = 0; r < rounds; r++) {
			t = now_ns();
			full_write(fd, lines, n * size);
			ns += now_ns() - t;
			if (curmsgs(q) != n) {
				fprintf(stderr, "send-lines: %ld messages queued, expected %ld\n",
					curmsgs(q), n);
				return 1;
			}
			drain_all(q, n);
		}
		print_ns_per_op(ns, n * rounds);
	} else if (!strcmp(mode, "lines-recv") && argc == 7) {
		q = queue(argv[3], O_RDWR);
		n = num(argv[4]), rounds = num(argv[5]), size = num(argv[6]);
		make_message(size);
		for (long r = 0; r < rounds; r++) {
			long got = 0, bytes = 0;

			fill(q, n, size);
			t = now_ns();
			while (got < n) {
				ssize_t k;

				fd = open(argv[2], O_RDONLY);
				if (fd < 0)
					die(argv[2]);
				while (got < n && (k = read(fd, rbuf, BIG)) > 0) {
					const char *c = rbuf, *end = rbuf + k;

					while ((c = memchr(c, '\n', end - c)) != NULL)
						got++, c++;
					bytes += k;
				}
				if (k < 0)
					die("read recv-lines");
				close(fd);
			}
			ns += now_ns() - t;
			if (bytes != n * size) {
				fprintf(stderr, "recv-lines: %ld bytes, expected %ld\n", bytes,
					n * size);
				return 1;
			}
			drain_all(q, 0);
		}
		print_ns_per_op(ns, n * rounds);
	} else if (!strcmp(mode, "write") && argc == 5) {
		n = num(argv[3]), size = num(argv[4]);
		make_message(size);
		fd = open(argv[2], O_WRONLY);
		if (fd < 0)
			die(argv[2]);
		t = now_ns();
		for (long i = 0; i < n; i++)
			if (write(fd, msgbuf, size) != size)
				die("write");
		print_ns_per_op(now_ns() - t, n);
	} else if (!strcmp(mode, "oread") && argc == 4) {
		n = num(argv[3]);
		t = now_ns();
		for (long i = 0; i < n; i++) {
			fd = open(argv[2], O_RDONLY);
			if (fd < 0)
				die(argv[2]);
			if (read(fd, rbuf, BIG) <= 0)
				die("read");
			close(fd);
		}
		print_ns_per_op(now_ns() - t, n);
	} else if (!strcmp(mode, "drain") && argc == 4) {
		q = queue(argv[2], O_RDONLY);
		n = num(argv[3]);
		long msgsize = msgsize_of(q);
		t = now_ns();
		for (long i = 0; i < n; i++)
			if (mq_receive(q, rbuf, msgsize, NULL) < 0)
				die("mq_receive");
		print_ns_per_op(now_ns() - t, n);
	} else {
		fprintf(stderr, "usage: see the comment at the top of mqbench.c\n");
		return 2;
	}
	return 0;
}
