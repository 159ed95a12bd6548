/* mq-send-one.c — mq-send-one QUEUE MESSAGE: sends MESSAGE plus a newline
 * (what `echo MESSAGE > send` sends) with one mq_send, then exits. The
 * scripting case spawns one per message. */
#include "bench.h"

#include <fcntl.h>
#include <mqueue.h>

int main(int argc, char **argv)
{
	char buf[4096];
	int len;
	mqd_t q;

	if (argc != 3)
		return 2;
	len = snprintf(buf, sizeof buf, "%s\n", argv[2]);
	q = mq_open(slashed(argv[1]), O_WRONLY);
	if (q == (mqd_t)-1 || mq_send(q, buf, len, 0) < 0)
		die(argv[1]);
	return 0;
}
