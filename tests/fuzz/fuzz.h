/* fuzz.h — what the libFuzzer targets share: a check that aborts (libFuzzer
 * saves the input as a crash) and a NUL-terminated copy of the input. */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__,       \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* A heap copy of exactly @size bytes (no terminator), so ASan sees any read
 * past the end of what a parser was given. */
static inline char *fuzz_copy(const uint8_t *data, size_t size)
{
	char *p = malloc(size ? size : 1);

	FUZZ_CHECK(p);
	if (size)
		memcpy(p, data, size);
	return p;
}

/* A NUL-terminated heap copy: the string up to the first NUL of the input. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t n = nul ? (size_t)(nul - data) : size;
	char *p = malloc(n + 1);

	FUZZ_CHECK(p);
	memcpy(p, data, n);
	p[n] = '\0';
	return p;
}

/* Reference: PRE decimal digits, at least one, value <= max (no overflow). */
static inline int fuzz_ref_number(const char *p, size_t len, unsigned base, unsigned long long max,
				  unsigned long long *value)
{
	unsigned long long v = 0;

	if (len == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] >= '0' + (int)base)
			return -1;
		if (v > max / base)
			return -1;
		v *= base;
		if ((unsigned long long)(p[i] - '0') > max - v)
			return -1;
		v += p[i] - '0';
	}
	*value = v;
	return 0;
}
