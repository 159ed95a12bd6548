/* shm-poke NAME OFFSET STRING — writes STRING at OFFSET through a shared
 * mapping of the object (not write(2)). */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "common.h"

int main(int argc, char **argv)
{
	struct stat st;
	size_t off, len;
	char *map;
	int fd;

	if (argc != 4)
		usage("shm-poke NAME OFFSET STRING");
	off = atol(argv[2]);
	len = strlen(argv[3]);
	if ((fd = shm_open(slashed(argv[1]), O_RDWR, 0)) < 0)
		die("shm_open");
	if (fstat(fd, &st) < 0)
		die("fstat");
	if (off + len > (size_t)st.st_size) {
		fprintf(stderr, "shm-poke: %zu+%zu past size %lld\n", off, len, (long long)st.st_size);
		return 1;
	}
	map = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		die("mmap");
	memcpy(map + off, argv[3], len);
	return 0;
}
