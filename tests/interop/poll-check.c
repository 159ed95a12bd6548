/* poll-check PATH in|out TIMEOUT_MS — opens PATH (read-only for "in",
 * write-only for "out", O_NONBLOCK so the open itself never waits), polls
 * for POLLIN or POLLOUT and prints "ready" or "timeout". */
#include <fcntl.h>
#include <poll.h>
#include "common.h"

int main(int argc, char **argv)
{
	struct pollfd p;
	int in, r;

	if (argc != 4 || (strcmp(argv[2], "in") && strcmp(argv[2], "out")))
		usage("poll-check PATH in|out TIMEOUT_MS");
	in = strcmp(argv[2], "in") == 0;
	p.fd = open(argv[1], (in ? O_RDONLY : O_WRONLY) | O_NONBLOCK);
	if (p.fd < 0)
		die("open");
	p.events = in ? POLLIN : POLLOUT;
	if ((r = poll(&p, 1, atoi(argv[3]))) < 0)
		die("poll");
	puts(r > 0 && (p.revents & p.events) ? "ready" : "timeout");
	return 0;
}
