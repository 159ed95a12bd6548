/* shm-check NAME OFFSET EXPECTED [WAIT_MS] — maps the object shared and
 * compares the bytes at OFFSET with EXPECTED. With WAIT_MS it first prints
 * "mapped" (flushed) and then polls the SAME mapping for up to WAIT_MS ms,
 * proving that writes made elsewhere reach an existing mapping. Exit 0 on a
 * match; else prints what it saw and exits 1. */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include "common.h"

int main(int argc, char **argv)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	long wait_ms = argc == 5 ? atol(argv[4]) : 0;
	struct stat st;
	size_t off, len;
	char *map;
	int fd;

	if (argc != 4 && argc != 5)
		usage("shm-check NAME OFFSET EXPECTED [WAIT_MS]");
	off = atol(argv[2]);
	len = strlen(argv[3]);
	if ((fd = shm_open(slashed(argv[1]), O_RDONLY, 0)) < 0)
		die("shm_open");
	if (fstat(fd, &st) < 0)
		die("fstat");
	if (off + len > (size_t)st.st_size) {
		fprintf(stderr, "shm-check: %zu+%zu past size %lld\n", off, len, (long long)st.st_size);
		return 1;
	}
	map = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		die("mmap");
	if (argc == 5) {
		printf("mapped\n");
		fflush(stdout);
	}
	for (;;) {
		if (memcmp(map + off, argv[3], len) == 0)
			return 0;
		if ((wait_ms -= 10) < 0)
			break;
		nanosleep(&tick, NULL);
	}
	fprintf(stderr, "shm-check: got '%.*s'\n", (int)len, map + off);
	return 1;
}
