/* mq-recv NAME [-n] — receives one message: its bytes to stdout, "prio N"
 * to stderr; -n opens O_NONBLOCK (EAGAIN when empty). */
#include <fcntl.h>
#include <mqueue.h>
#include <unistd.h>
#include "common.h"

int main(int argc, char **argv)
{
	struct mq_attr attr;
	unsigned prio;
	ssize_t n;
	char *buf;
	mqd_t q;

	if (argc != 2 && !(argc == 3 && strcmp(argv[2], "-n") == 0))
		usage("mq-recv NAME [-n]");
	q = mq_open(slashed(argv[1]), O_RDONLY | (argc == 3 ? O_NONBLOCK : 0));
	if (q == (mqd_t)-1)
		die("mq_open");
	if (mq_getattr(q, &attr) < 0)
		die("mq_getattr");
	if (!(buf = malloc(attr.mq_msgsize)))
		die("malloc");
	if ((n = mq_receive(q, buf, attr.mq_msgsize, &prio)) < 0)
		die("mq_receive");
	if (write(1, buf, n) != n)
		die("write");
	fprintf(stderr, "prio %u\n", prio);
	return 0;
}
