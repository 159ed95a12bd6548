/* fd-reread PATH CMD — opens PATH once and reads it three times through the
 * same descriptor: read after open, then (after running CMD) lseek(0)+read,
 * then (after running CMD again) pread at 0. Prints each snapshot after a
 * "--N--" line. Shows whether a held-open file gives fresh snapshots. */
#include <fcntl.h>
#include <unistd.h>
#include "common.h"

static void dump(int fd, int n, int use_pread)
{
	char buf[4096];
	ssize_t r;

	printf("--%d--\n", n);
	r = use_pread ? pread(fd, buf, sizeof buf, 0) : read(fd, buf, sizeof buf);
	if (r < 0)
		die(use_pread ? "pread" : "read");
	fwrite(buf, 1, r, stdout);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	int fd;

	if (argc != 3)
		usage("fd-reread PATH CMD");
	if ((fd = open(argv[1], O_RDONLY)) < 0)
		die("open");
	dump(fd, 1, 0);
	if (system(argv[2]) != 0)
		return 1;
	if (lseek(fd, 0, SEEK_SET) < 0)
		die("lseek");
	dump(fd, 2, 0);
	if (system(argv[2]) != 0)
		return 1;
	dump(fd, 3, 1);
	return 0;
}
