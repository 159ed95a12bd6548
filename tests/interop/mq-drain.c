/* mq-drain NAME — receives (O_NONBLOCK) every message now in the queue and
 * writes each one's bytes to stdout, oldest first (highest priority first);
 * prints "drained N" to stderr. Exits 0 once the queue is empty. */
#include <fcntl.h>
#include <mqueue.h>
#include <unistd.h>
#include "common.h"

int main(int argc, char **argv)
{
	struct mq_attr attr;
	long count = 0;
	ssize_t n;
	char *buf;
	mqd_t q;

	if (argc != 2)
		usage("mq-drain NAME");
	q = mq_open(slashed(argv[1]), O_RDONLY | O_NONBLOCK);
	if (q == (mqd_t)-1)
		die("mq_open");
	if (mq_getattr(q, &attr) < 0)
		die("mq_getattr");
	if (!(buf = malloc(attr.mq_msgsize)))
		die("malloc");
	while ((n = mq_receive(q, buf, attr.mq_msgsize, NULL)) >= 0) {
		if (write(1, buf, n) != n)
			die("write");
		count++;
	}
	if (errno != EAGAIN)
		die("mq_receive");
	fprintf(stderr, "drained %ld\n", count);
	return 0;
}
