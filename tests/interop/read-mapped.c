/* read-mapped OUT FILE — one read(2) of FILE straight into a shared mapping
 * of OUT (64 KiB, zero-filled).
 *
 * The kernel copies a read's data into the reader's pages before read()
 * returns, so whatever a read received is in OUT even if the reader is
 * killed the next instant. A test that kills readers at random can then tell
 * a message the daemon lost from one a dying reader never got to write out.
 */
#include "common.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#define OUT_SIZE 65536

int main(int argc, char **argv)
{
	char *buf;
	int out, in;

	if (argc != 3)
		usage("read-mapped OUT FILE");
	out = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (out < 0 || ftruncate(out, OUT_SIZE) < 0)
		die(argv[1]);
	buf = mmap(NULL, OUT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, out, 0);
	if (buf == MAP_FAILED)
		die("mmap");
	in = open(argv[2], O_RDONLY);
	if (in < 0)
		die(argv[2]);
	if (read(in, buf, OUT_SIZE) < 0)
		die("read");
	return 0;
}
