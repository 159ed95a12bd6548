/* poll-seq PATH in|out — opens PATH once (read-only for "in", write-only for
 * "out", O_NONBLOCK so the open itself never waits) and then, for each line
 * of stdin, waits on that one descriptor and prints one line at once:
 *   poll MS    poll(2) for POLLIN/POLLOUT  -> "ready" or "timeout"
 *   select MS  select(2) on the read/write set -> "ready" or "timeout"
 * A test drives it as a coprocess, so another process can change the
 * queue between two waits on the same open file. */
#include <fcntl.h>
#include <poll.h>
#include <sys/select.h>
#include <unistd.h>
#include "common.h"

int main(int argc, char **argv)
{
	char line[256], cmd[32];
	int fd, in, ms, r;

	if (argc != 3 || (strcmp(argv[2], "in") && strcmp(argv[2], "out")))
		usage("poll-seq PATH in|out  (stdin: 'poll MS' | 'select MS' per line)");
	in = strcmp(argv[2], "in") == 0;
	fd = open(argv[1], (in ? O_RDONLY : O_WRONLY) | O_NONBLOCK);
	if (fd < 0)
		die("open");
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof line, stdin)) {
		if (sscanf(line, "%31s %d", cmd, &ms) != 2)
			usage("poll MS | select MS");
		if (strcmp(cmd, "poll") == 0) {
			struct pollfd p = {.fd = fd, .events = in ? POLLIN : POLLOUT};

			if ((r = poll(&p, 1, ms)) < 0)
				die("poll");
			r = r > 0 && (p.revents & p.events);
		} else if (strcmp(cmd, "select") == 0) {
			struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000};
			fd_set set;

			FD_ZERO(&set);
			FD_SET(fd, &set);
			if ((r = select(fd + 1, in ? &set : NULL, in ? NULL : &set, NULL, &tv)) < 0)
				die("select");
			r = r > 0 && FD_ISSET(fd, &set);
		} else {
			usage("poll MS | select MS");
		}
		puts(r ? "ready" : "timeout");
	}
	return 0;
}
