/* mass.c — makes or removes many objects at once, for the listing case.
 *
 *   shm-create PREFIX N             shm objects PREFIX0 .. PREFIX{N-1}, empty
 *   shm-unlink PREFIX N
 *   mq-create PREFIX N MAXMSG MSGSIZE
 *   mq-unlink PREFIX N
 */
#include "bench.h"

#include <fcntl.h>
#include <mqueue.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	char name[256];
	long n = argc > 3 ? num(argv[3]) : 0;

	for (long i = 0; i < n; i++) {
		snprintf(name, sizeof name, "/%s%ld", argv[2], i);
		if (!strcmp(mode, "shm-create") && argc == 4) {
			int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);

			if (fd < 0)
				die(name);
			close(fd);
		} else if (!strcmp(mode, "shm-unlink") && argc == 4) {
			if (shm_unlink(name) < 0 && errno != ENOENT)
				die(name);
		} else if (!strcmp(mode, "mq-create") && argc == 6) {
			struct mq_attr a = {.mq_maxmsg = num(argv[4]), .mq_msgsize = num(argv[5])};
			mqd_t q = mq_open(name, O_RDONLY | O_CREAT | O_EXCL, 0600, &a);

			if (q == (mqd_t)-1)
				die(name);
			mq_close(q);
		} else if (!strcmp(mode, "mq-unlink") && argc == 4) {
			if (mq_unlink(name) < 0 && errno != ENOENT)
				die(name);
		} else {
			fprintf(stderr, "usage: see the comment at the top of mass.c\n");
			return 2;
		}
	}
	return 0;
}
