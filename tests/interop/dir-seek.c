/* dir-seek DIR — lists DIR (any directory, e.g. one of an ipcfs mount),
 * then checks its offsets, as telldir/seekdir users rely on them:
 *   - a round trip: after seekdir(telldir() taken after entry k), readdir
 *     gives entry k+1 again, for every k (the listing needs several
 *     READDIR calls once it is larger than a page);
 *   - an offset past 32 bits: seekdir(2^32 + 1) is past the end (readdir
 *     gives nothing), not offset 1 again, as a cookie cut to 32 bits would.
 * Prints "N entries" and exits 0, or says what differed and exits 1. */
#include <dirent.h>
#include "common.h"

struct entry {
	char *name;
	long pos; /* telldir() after reading this entry */
};

static struct entry *list_all(DIR *d, size_t *count)
{
	size_t n = 0, cap = 256;
	struct entry *all = malloc(cap * sizeof(*all));
	struct dirent *e;

	while (all && (errno = 0, e = readdir(d))) {
		if (n == cap && !(all = realloc(all, (cap *= 2) * sizeof(*all))))
			break;
		all[n].name = strdup(e->d_name);
		all[n].pos = telldir(d);
		n++;
	}
	if (!all || errno)
		die("readdir");
	*count = n;
	return all;
}

int main(int argc, char **argv)
{
	const long past_32_bits = (1L << 32) + 1;
	struct entry *all;
	struct dirent *e;
	size_t n;
	DIR *d;

	if (argc != 2)
		usage("dir-seek DIR");
	d = opendir(argv[1]);
	if (!d)
		die(argv[1]);
	all = list_all(d, &n);
	for (size_t k = 0; k + 1 < n; k++) {
		seekdir(d, all[k].pos);
		errno = 0;
		e = readdir(d);
		if (!e || strcmp(e->d_name, all[k + 1].name) != 0) {
			fprintf(stderr, "after entry %zu (%s): %s, expected %s\n", k, all[k].name,
				e ? e->d_name : errno ? strerror(errno) : "the end", all[k + 1].name);
			return 1;
		}
	}
	seekdir(d, past_32_bits);
	errno = 0;
	e = readdir(d);
	if (e || errno) {
		fprintf(stderr, "at offset 2^32+1: %s, expected the end\n",
			e ? e->d_name : strerror(errno));
		return 1;
	}
	closedir(d);
	printf("%zu entries\n", n);
	return 0;
}
