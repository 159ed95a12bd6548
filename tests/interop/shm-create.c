/* shm-create NAME SIZE [MODE] — shm_open(O_CREAT|O_EXCL) + ftruncate. */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common.h"

int main(int argc, char **argv)
{
	int fd;

	if (argc != 3 && argc != 4)
		usage("shm-create NAME SIZE [MODE]");
	umask(0);
	fd = shm_open(slashed(argv[1]), O_RDWR | O_CREAT | O_EXCL,
		      argc == 4 ? strtol(argv[3], NULL, 8) : 0600);
	if (fd < 0)
		die("shm_open");
	if (ftruncate(fd, atol(argv[2])) < 0)
		die("ftruncate");
	return 0;
}
