/* shmbench.c — shared memory through a file: plain read(2)/write(2)/pread(2).
 *
 *   write PATH SIZE BS        write SIZE bytes from offset 0 in BS blocks: MiB/s
 *   read PATH SIZE BS         read SIZE bytes from offset 0 in BS blocks: MiB/s
 *   randread PATH SIZE BS N   N preads of BS bytes at random BS-aligned
 *                             offsets below SIZE: ns per read
 *   create NAME SIZE          shm_open + ftruncate + fill (untimed setup)
 */
#include "bench.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

static void *block(long bs)
{
	void *p;

	if (posix_memalign(&p, 4096, bs) != 0)
		die("posix_memalign");
	memset(p, 's', bs);
	return p;
}

static void print_mibps(uint64_t ns, long bytes)
{
	printf("%.1f\n", (double)bytes / (1 << 20) / ((double)ns / 1e9));
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	uint64_t t;
	int fd;

	if (!strcmp(mode, "write") && argc == 5) {
		long size = num(argv[3]), bs = num(argv[4]);
		char *buf = block(bs);

		fd = open(argv[2], O_WRONLY);
		if (fd < 0)
			die(argv[2]);
		t = now_ns();
		for (long off = 0; off < size; off += bs)
			if (write(fd, buf, bs) != bs)
				die("write");
		print_mibps(now_ns() - t, size);
	} else if (!strcmp(mode, "read") && argc == 5) {
		long size = num(argv[3]), bs = num(argv[4]);
		char *buf = block(bs);

		fd = open(argv[2], O_RDONLY);
		if (fd < 0)
			die(argv[2]);
		t = now_ns();
		for (long off = 0; off < size; off += bs)
			if (read(fd, buf, bs) != bs)
				die("read (short or failed)");
		print_mibps(now_ns() - t, size);
	} else if (!strcmp(mode, "randread") && argc == 6) {
		long size = num(argv[3]), bs = num(argv[4]), n = num(argv[5]);
		long blocks = size / bs;
		char *buf = block(bs);
		unsigned long x = 88172645463325252UL;
		long *offs = malloc(n * sizeof(long));

		for (long i = 0; i < n; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			offs[i] = (long)(x % blocks) * bs;
		}
		fd = open(argv[2], O_RDONLY);
		if (fd < 0)
			die(argv[2]);
		t = now_ns();
		for (long i = 0; i < n; i++)
			if (pread(fd, buf, bs, offs[i]) != bs)
				die("pread");
		print_ns_per_op(now_ns() - t, n);
	} else if (!strcmp(mode, "create") && argc == 4) {
		long size = num(argv[3]), bs = 1 << 20;
		char *buf = block(bs);

		fd = shm_open(slashed(argv[2]), O_RDWR | O_CREAT, 0600);
		if (fd < 0 || ftruncate(fd, size) < 0)
			die(argv[2]);
		for (long off = 0; off < size; off += bs)
			if (pwrite(fd, buf, bs < size - off ? bs : size - off, off) < 0)
				die("pwrite");
	} else {
		fprintf(stderr, "usage: see the comment at the top of shmbench.c\n");
		return 2;
	}
	return 0;
}
