/* mq-attr NAME — prints "maxmsg N msgsize N curmsgs N" from mq_getattr. */
#include <fcntl.h>
#include <mqueue.h>
#include "common.h"

int main(int argc, char **argv)
{
	struct mq_attr attr;
	mqd_t q;

	if (argc != 2)
		usage("mq-attr NAME");
	q = mq_open(slashed(argv[1]), O_RDONLY);
	if (q == (mqd_t)-1)
		die("mq_open");
	if (mq_getattr(q, &attr) < 0)
		die("mq_getattr");
	printf("maxmsg %ld msgsize %ld curmsgs %ld\n", attr.mq_maxmsg, attr.mq_msgsize,
	       attr.mq_curmsgs);
	return 0;
}
