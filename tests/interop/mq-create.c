/* mq-create NAME [MAXMSG MSGSIZE [MODE]] — mq_open(O_CREAT|O_EXCL). */
#include <fcntl.h>
#include <mqueue.h>
#include <sys/stat.h>
#include "common.h"

int main(int argc, char **argv)
{
	struct mq_attr attr = { 0 };
	mode_t mode = 0600;
	mqd_t q;

	if (argc != 2 && argc != 4 && argc != 5)
		usage("mq-create NAME [MAXMSG MSGSIZE [MODE]]");
	if (argc >= 4) {
		attr.mq_maxmsg = atol(argv[2]);
		attr.mq_msgsize = atol(argv[3]);
	}
	if (argc == 5)
		mode = strtol(argv[4], NULL, 8);
	umask(0);
	q = mq_open(slashed(argv[1]), O_RDWR | O_CREAT | O_EXCL, mode, argc >= 4 ? &attr : NULL);
	if (q == (mqd_t)-1)
		die("mq_open");
	return 0;
}
