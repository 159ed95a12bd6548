/* shm-unlink NAME — shm_unlink. */
#include <sys/mman.h>
#include "common.h"

int main(int argc, char **argv)
{
	if (argc != 2)
		usage("shm-unlink NAME");
	if (shm_unlink(slashed(argv[1])) < 0)
		die("shm_unlink");
	return 0;
}
