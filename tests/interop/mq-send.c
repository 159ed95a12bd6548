/* mq-send NAME PRIO [-n] — sends stdin (binary, whole) as one message at
 * priority PRIO; -n opens O_NONBLOCK. */
#include <fcntl.h>
#include <mqueue.h>
#include "common.h"

int main(int argc, char **argv)
{
	size_t len;
	char *buf;
	mqd_t q;

	if (argc != 3 && !(argc == 4 && strcmp(argv[3], "-n") == 0))
		usage("mq-send NAME PRIO [-n]");
	buf = slurp_stdin(&len);
	q = mq_open(slashed(argv[1]), O_WRONLY | (argc == 4 ? O_NONBLOCK : 0));
	if (q == (mqd_t)-1)
		die("mq_open");
	if (mq_send(q, buf, len, strtoul(argv[2], NULL, 10)) < 0)
		die("mq_send");
	return 0;
}
