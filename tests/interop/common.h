/* common.h — tiny helpers shared by the interop programs.
 *
 * Every interop program talks to the kernel objects directly through the
 * POSIX API (never through the mount), takes object names without the
 * leading slash, prints a one-line diagnostic with strerror() on failure and
 * exits 1 for an error of the call under test, 2 for a usage error.
 */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define die(what) \
	do { \
		fprintf(stderr, "%s: %s\n", (what), strerror(errno)); \
		exit(1); \
	} while (0)

static inline void usage(const char *text)
{
	fprintf(stderr, "usage: %s\n", text);
	exit(2);
}

/* "name" -> "/name" in a static buffer. */
static inline const char *slashed(const char *name)
{
	static char buf[4096];
	snprintf(buf, sizeof buf, "/%s", name);
	return buf;
}

/* Reads all of stdin into a malloc'ed buffer; sets *len. */
static inline char *slurp_stdin(size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	size_t r;
	if (!buf)
		die("malloc");
	while ((r = fread(buf + n, 1, cap - n, stdin)) > 0) {
		n += r;
		if (n == cap && !(buf = realloc(buf, cap *= 2)))
			die("realloc");
	}
	if (ferror(stdin))
		die("read stdin");
	*len = n;
	return buf;
}
