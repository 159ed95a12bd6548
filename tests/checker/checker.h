/* checker.h — what the differential checkers (shm-diff, mq-diff) share.
 *
 * A checker applies one random sequence of operations to a file of the
 * mount and the same sequence to a reference object driven directly through
 * the kernel, and stops at the first result that differs. The sequence comes
 * from a seed, printed as the first line of output, so any failure can be
 * replayed: the reference is deterministic, so the same seed makes the same
 * sequence again.
 *
 * Exit status: 0 = every operation agreed, 1 = a disagreement (or a failure
 * of the harness itself, with its own message), 2 = usage.
 */
#pragma once

#include "../interop/common.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <sys/types.h>
#include <unistd.h>

/* splitmix64: small, fast, and the same on every machine. */
static uint64_t rng_state;

static inline uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A number in [0, n); n > 0. The modulo bias is irrelevant here. */
static inline uint64_t rng_below(uint64_t n)
{
	return rng_next() % n;
}

/* True with a probability of percent/100. */
static inline int rng_chance(unsigned percent)
{
	return rng_below(100) < percent;
}

/* An index in [0, n), each picked in proportion to its weight. */
static inline int rng_weighted(const unsigned *weights, int n)
{
	unsigned total = 0, pick;
	int k;

	for (k = 0; k < n; k++)
		total += weights[k];
	pick = rng_below(total);
	for (k = 0; pick >= weights[k]; k++)
		pick -= weights[k];
	return k;
}

/* Fills buf with random bytes; a third of the buffers are text-like (with
 * NULs and newlines now and then), the rest any bytes. */
static inline void rng_fill(char *buf, size_t len)
{
	static const char text[] = "abcxyz 0123\n\0";
	int textual = rng_chance(33);
	uint64_t word = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (i % 8 == 0)
			word = rng_next();
		buf[i] = textual ? text[(word & 0xff) % (sizeof text - 1)] : (char)(word & 0xff);
		word >>= 8;
	}
}

/* The run: the number of the operation under way (0 before the first), its
 * description, and the command line that replays the run. */
static unsigned long op_no;
static char op_text[200];
static char *replay;
static int verbose;

/* Reports a disagreement about WHAT, with the mount's and the reference's
 * versions, and exits 1. */
static inline void disagree(const char *what, const char *mount, const char *ref)
{
	printf("DISAGREE at op %lu: %s\n  %s\n  mount: %s\n  ref:   %s\n  replay: %s\n", op_no,
	       op_text, what, mount, ref, replay);
	exit(1);
}

/* Seeds the generator from SEED, or from the kernel's randomness when SEED
 * is NULL, and prints "seed N" as the first line of output. */
static inline uint64_t checker_seed(const char *seed)
{
	uint64_t s;
	int fd;

	if (seed) {
		char *end;
		errno = 0;
		s = strtoull(seed, &end, 10);
		if (errno || *end || end == seed)
			usage("the seed is a decimal number");
	} else {
		fd = open("/dev/urandom", O_RDONLY);
		if (fd < 0 || read(fd, &s, sizeof s) != sizeof s)
			die("/dev/urandom");
		close(fd);
		s %= 1000000000000ULL; /* short enough to retype */
	}
	printf("seed %" PRIu64 "\n", s);
	fflush(stdout);
	rng_state = s;
	return s;
}

/* Parses "[-v] [-n OPS] [-s SEED] ARG ARG" (the usage text says what the two
 * arguments are), seeds the generator and prints the seed, sets verbose and
 * replay ("NAME -n OPS -s SEED ARG ARG"). Returns the number of operations;
 * the two arguments are argv[optind] and argv[optind + 1]. */
static inline unsigned long checker_options(int argc, char **argv, const char *usage_text)
{
	const char *seed_arg = NULL;
	unsigned long ops = 1000;
	uint64_t seed;
	int c;

	while ((c = getopt(argc, argv, "vn:s:")) != -1) {
		switch (c) {
		case 'v': verbose = 1; break;
		case 'n': ops = strtoul(optarg, NULL, 10); break;
		case 's': seed_arg = optarg; break;
		default: usage(usage_text);
		}
	}
	if (argc - optind != 2)
		usage(usage_text);
	seed = checker_seed(seed_arg);
	if (asprintf(&replay, "%s -n %lu -s %" PRIu64 " %s %s", program_invocation_short_name,
		     ops, seed, argv[optind], argv[optind + 1]) < 0)
		die("asprintf");
	return ops;
}

/* An outcome: a return value, errno when it is -1, and the call that
 * failed when an operation makes several (NULL otherwise). */
struct outcome {
	long long ret;
	int err;
	const char *call;
};

static inline struct outcome outcome_of(long long ret)
{
	struct outcome o = { ret, ret < 0 ? errno : 0, NULL };
	return o;
}

static inline struct outcome failed_in(const char *call)
{
	struct outcome o = outcome_of(-1);

	o.call = call;
	return o;
}

/* "12" or "-1 ENOENT" in a static buffer (one of two, so that both sides of a
 * comparison can be printed in one call). */
static inline const char *outcome_str(struct outcome o)
{
	static char bufs[2][80];
	static int which;
	char *b = bufs[which ^= 1];

	if (o.ret < 0)
		snprintf(b, sizeof bufs[0], "%lld %s%s%s%s", o.ret, strerrorname_np(o.err) ?: "E?",
			 o.call ? " (in " : "", o.call ?: "", o.call ? ")" : "");
	else
		snprintf(b, sizeof bufs[0], "%lld", o.ret);
	return b;
}

static inline int outcome_same(struct outcome a, struct outcome b)
{
	return a.ret == b.ret && (a.ret >= 0 || a.err == b.err);
}

/* The first offset at which a and b differ, or -1. */
static inline long first_difference(const char *a, const char *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (a[i] != b[i])
			return (long)i;
	return -1;
}
