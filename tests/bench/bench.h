/* bench.h — helpers shared by the benchmark programs.
 *
 * Every program does its operations in a loop, times only the loop with
 * CLOCK_MONOTONIC and prints one number on stdout (ns per operation, or MiB/s
 * for the sequential shm cases); the driver (bench.py) takes medians.
 * Errors: a diagnostic on stderr and exit status 1; usage errors exit 2.
 */
#pragma once

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define die(what) \
	do { \
		fprintf(stderr, "%s: %s\n", (what), strerror(errno)); \
		exit(1); \
	} while (0)

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static inline long num(const char *s)
{
	char *end;
	long v = strtol(s, &end, 0);

	if (*s == '\0' || *end != '\0' || v < 0) {
		fprintf(stderr, "not a number: %s\n", s);
		exit(2);
	}
	return v;
}

/* "name" -> "/name" in a static buffer. */
static inline const char *slashed(const char *name)
{
	static char buf[4096];

	snprintf(buf, sizeof buf, "/%s", name);
	return buf;
}

static inline void print_ns_per_op(uint64_t ns, uint64_t ops)
{
	printf("%.1f\n", ops ? (double)ns / (double)ops : 0.0);
}
