/* mq-unlink NAME — mq_unlink. */
#include <mqueue.h>
#include "common.h"

int main(int argc, char **argv)
{
	if (argc != 2)
		usage("mq-unlink NAME");
	if (mq_unlink(slashed(argv[1])) < 0)
		die("mq_unlink");
	return 0;
}
