/* shm-diff [-v] [-n OPS] [-s SEED] DATA REF — differential checker for
 * shm/NAME/data.
 *
 * DATA is a shm object's data file on the mount, REF a file on a tmpfs (the
 * test uses a second object, /dev/shm/NAME-ref); both are emptied first, so
 * a seed replays from the same start. Each side has the same few open descriptors, and every random
 * operation is applied to both: read, write, pread, pwrite at random offsets
 * and sizes, lseek, writes through O_APPEND descriptors, ftruncate and
 * truncate up and down, reopening a descriptor with other flags (O_TRUNC
 * too), a MAP_PRIVATE mapping compared byte for byte (and scribbled on,
 * which must change neither file), fstat and stat. Every return value,
 * errno, byte read, file position after the operation and file size must
 * agree; now and then, and at the end, the whole contents are compared.
 *
 * Prints "seed N" first, "agreed N ops" at the end. On the first
 * disagreement, prints the operation number, the operation, both results
 * and the command that replays it, and exits 1. -v traces every operation
 * on stderr. Objects stay below about 1.3 MiB.
 */
#include "checker.h"

#include <sys/mman.h>
#include <sys/stat.h>

#define SLOTS 3
#define MAX_OFF (1 << 20)   /* offsets and sizes stay below this... */
#define MAX_IO (256 << 10)  /* ...plus one transfer of at most this */

enum op_kind {
	OP_READ, OP_WRITE, OP_PREAD, OP_PWRITE, OP_SEEK, OP_FTRUNCATE, OP_TRUNCATE,
	OP_REOPEN, OP_MMAP, OP_FSTAT, OP_STAT, OP_COMPARE, N_OPS
};

static const char *const op_names[N_OPS] = {
	"read", "write", "pread", "pwrite", "lseek", "ftruncate", "truncate",
	"reopen", "mmap-private", "fstat", "stat", "compare-all",
};

/* How often each operation is picked, out of the sum. */
static const unsigned op_weights[N_OPS] = {
	[OP_READ] = 12, [OP_WRITE] = 12, [OP_PREAD] = 14, [OP_PWRITE] = 14,
	[OP_SEEK] = 8, [OP_FTRUNCATE] = 6, [OP_TRUNCATE] = 3, [OP_REOPEN] = 8,
	[OP_MMAP] = 5, [OP_FSTAT] = 6, [OP_STAT] = 3, [OP_COMPARE] = 2,
};

struct op {
	enum op_kind kind;
	int slot;
	off_t off;   /* offset, new size, or lseek offset */
	size_t len;
	int whence;
	int flags;   /* for reopen */
};

/* One side: the mount or the reference. */
struct side {
	const char *path;
	int fd[SLOTS];
	char *buf;       /* what a read or mapping returned */
	size_t buf_len;
	off_t pos;       /* file position after the operation, or -1 */
	off_t size;      /* size (fstat) after the operation, or -1 */
};

static struct side mnt, ref;
static int slot_flags[SLOTS];
static char *wbuf;         /* the bytes the current write writes */

static const int open_modes[] = {
	O_RDWR, O_RDONLY, O_WRONLY, O_RDWR | O_APPEND, O_WRONLY | O_APPEND,
};

static const char *flags_str(int flags)
{
	static char b[64];

	snprintf(b, sizeof b, "%s%s%s",
		 (flags & O_ACCMODE) == O_RDONLY ? "O_RDONLY" :
		 (flags & O_ACCMODE) == O_WRONLY ? "O_WRONLY" : "O_RDWR",
		 flags & O_APPEND ? "|O_APPEND" : "", flags & O_TRUNC ? "|O_TRUNC" : "");
	return b;
}

static void describe(const struct op *op)
{
	static const char *const whences[] = { "SEEK_SET", "SEEK_CUR", "SEEK_END" };
	int n = snprintf(op_text, sizeof op_text, "%s", op_names[op->kind]);

	switch (op->kind) {
	case OP_READ:
	case OP_WRITE:
		snprintf(op_text + n, sizeof op_text - n, " slot %d (%s) len %zu", op->slot,
			 flags_str(slot_flags[op->slot]), op->len);
		break;
	case OP_PREAD:
	case OP_PWRITE:
		snprintf(op_text + n, sizeof op_text - n, " slot %d (%s) off %lld len %zu",
			 op->slot, flags_str(slot_flags[op->slot]), (long long)op->off, op->len);
		break;
	case OP_SEEK:
		snprintf(op_text + n, sizeof op_text - n, " slot %d off %lld %s", op->slot,
			 (long long)op->off, whences[op->whence]);
		break;
	case OP_FTRUNCATE:
		snprintf(op_text + n, sizeof op_text - n, " slot %d (%s) size %lld", op->slot,
			 flags_str(slot_flags[op->slot]), (long long)op->off);
		break;
	case OP_TRUNCATE:
		snprintf(op_text + n, sizeof op_text - n, " path size %lld", (long long)op->off);
		break;
	case OP_REOPEN:
		snprintf(op_text + n, sizeof op_text - n, " slot %d %s", op->slot,
			 flags_str(op->flags));
		break;
	case OP_MMAP:
	case OP_FSTAT:
		snprintf(op_text + n, sizeof op_text - n, " slot %d (%s)", op->slot,
			 flags_str(slot_flags[op->slot]));
		break;
	default:
		break;
	}
}

static off_t ref_size(void)
{
	struct stat st;

	if (fstat(ref.fd[0], &st) < 0)
		die("fstat of the reference");
	return st.st_size;
}

/* A transfer length: mostly small, sometimes up to MAX_IO, now and then 0. */
static size_t random_len(void)
{
	switch (rng_below(10)) {
	case 0:
		return 0;
	case 1: case 2: case 3: case 4:
		return 1 + rng_below(64);
	case 5: case 6: case 7:
		return 1 + rng_below(8192);
	default:
		return 1 + rng_below(MAX_IO);
	}
}

/* An offset: near or inside the current size most of the time, anywhere
 * below MAX_OFF otherwise. */
static off_t random_off(off_t size)
{
	if (rng_chance(60))
		return rng_below(size + 4097);
	if (rng_chance(20))
		return size;
	return rng_below(MAX_OFF);
}

static struct op random_op(void)
{
	off_t size = ref_size();
	struct op op = { 0 };

	op.kind = rng_weighted(op_weights, N_OPS);
	op.slot = rng_below(SLOTS);
	op.len = random_len();
	op.off = random_off(size);
	/* Keep the objects small: a big object gets shrunk instead of grown. */
	if (size > MAX_OFF && (op.kind == OP_WRITE || op.kind == OP_PWRITE))
		op.kind = OP_FTRUNCATE;
	switch (op.kind) {
	case OP_SEEK:
		op.whence = rng_below(3);
		if (op.whence != SEEK_SET)
			op.off = (off_t)rng_below(8193) - 4096;
		break;
	case OP_FTRUNCATE:
	case OP_TRUNCATE:
		op.off = rng_chance(50) ? (off_t)rng_below(size + 1) : random_off(size);
		break;
	case OP_REOPEN:
		op.flags = open_modes[rng_below(sizeof open_modes / sizeof open_modes[0])];
		if (rng_chance(10))
			op.flags |= O_TRUNC;
		break;
	default:
		break;
	}
	return op;
}

static void keep_bytes(struct side *s, const void *p, size_t len)
{
	s->buf = realloc(s->buf, len ? len : 1);
	if (!s->buf)
		die("realloc");
	memcpy(s->buf, p, len);
	s->buf_len = len;
}

/* Maps the slot privately, keeps a copy of what it shows, then writes into
 * the private copy (which must reach neither file). */
static struct outcome map_private(struct side *s, int fd)
{
	struct stat st;
	char *map;

	if (fstat(fd, &st) < 0)
		return outcome_of(-1);
	map = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return outcome_of(-1);
	keep_bytes(s, map, st.st_size);
	memset(map, 0xa5, st.st_size);
	munmap(map, st.st_size);
	return outcome_of(st.st_size);
}

/* Reads the whole file through a fresh descriptor. */
static struct outcome read_all(struct side *s)
{
	int fd = open(s->path, O_RDONLY);
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap);
	ssize_t r = 0;

	if (fd < 0 || !b)
		die(s->path);
	while ((r = read(fd, b + n, cap - n)) > 0)
		if ((n += r) == cap && !(b = realloc(b, cap *= 2)))
			die("realloc");
	if (r == 0)
		keep_bytes(s, b, n);
	free(b);
	close(fd);
	return outcome_of(r < 0 ? -1 : (long long)n);
}

static struct outcome apply(struct side *s, const struct op *op)
{
	int fd = s->fd[op->slot];
	struct outcome o = { 0 };
	struct stat st;
	ssize_t r;

	s->buf_len = 0;
	errno = 0;
	switch (op->kind) {
	case OP_READ:
	case OP_PREAD:
		s->buf = realloc(s->buf, op->len + 1);
		if (!s->buf)
			die("realloc");
		r = op->kind == OP_READ ? read(fd, s->buf, op->len)
					: pread(fd, s->buf, op->len, op->off);
		o = outcome_of(r);
		s->buf_len = r > 0 ? r : 0;
		break;
	case OP_WRITE:
		o = outcome_of(write(fd, wbuf, op->len));
		break;
	case OP_PWRITE:
		o = outcome_of(pwrite(fd, wbuf, op->len, op->off));
		break;
	case OP_SEEK:
		o = outcome_of(lseek(fd, op->off, op->whence));
		break;
	case OP_FTRUNCATE:
		o = outcome_of(ftruncate(fd, op->off));
		break;
	case OP_TRUNCATE:
		o = outcome_of(truncate(s->path, op->off));
		break;
	case OP_REOPEN:
		close(fd);
		fd = s->fd[op->slot] = open(s->path, op->flags);
		o = outcome_of(fd < 0 ? -1 : 0);
		break;
	case OP_MMAP:
		o = map_private(s, fd);
		break;
	case OP_FSTAT:
		o = outcome_of(fstat(fd, &st) < 0 ? -1 : st.st_size);
		break;
	case OP_STAT:
		o = outcome_of(stat(s->path, &st) < 0 ? -1 : st.st_size);
		break;
	case OP_COMPARE:
		o = read_all(s);
		break;
	default:
		abort();
	}
	s->pos = fd < 0 ? -1 : lseek(fd, 0, SEEK_CUR);
	s->size = fstat(s->fd[0] >= 0 ? s->fd[0] : fd, &st) < 0 ? -1 : st.st_size;
	return o;
}

static void compare(struct outcome m, struct outcome r)
{
	char a[64], b[64];
	long at;

	if (!outcome_same(m, r))
		disagree("result", outcome_str(m), outcome_str(r));
	if (mnt.buf_len != ref.buf_len) {
		snprintf(a, sizeof a, "%zu bytes", mnt.buf_len);
		snprintf(b, sizeof b, "%zu bytes", ref.buf_len);
		disagree("bytes read or mapped", a, b);
	}
	at = first_difference(mnt.buf, ref.buf, mnt.buf_len);
	if (at >= 0) {
		snprintf(a, sizeof a, "byte %ld is 0x%02x", at, (unsigned char)mnt.buf[at]);
		snprintf(b, sizeof b, "byte %ld is 0x%02x", at, (unsigned char)ref.buf[at]);
		disagree("bytes read or mapped", a, b);
	}
	if (mnt.pos != ref.pos) {
		snprintf(a, sizeof a, "%lld", (long long)mnt.pos);
		snprintf(b, sizeof b, "%lld", (long long)ref.pos);
		disagree("file position after the op", a, b);
	}
	if (mnt.size != ref.size) {
		snprintf(a, sizeof a, "%lld", (long long)mnt.size);
		snprintf(b, sizeof b, "%lld", (long long)ref.size);
		disagree("size after the op", a, b);
	}
}

static void open_slots(struct side *s)
{
	int i;

	for (i = 0; i < SLOTS; i++) {
		s->fd[i] = open(s->path, slot_flags[i]);
		if (s->fd[i] < 0)
			die(s->path);
	}
}

int main(int argc, char **argv)
{
	unsigned long ops = checker_options(argc, argv, "shm-diff [-v] [-n OPS] [-s SEED] DATA REF");
	unsigned long counts[N_OPS] = { 0 };
	struct outcome m, r;
	struct op op;
	int i;

	mnt.path = argv[optind];
	ref.path = argv[optind + 1];
	if (!(wbuf = malloc(MAX_IO)))
		die("malloc");

	/* Slot 0 can always read and write, so fstat and truncation have a
	 * descriptor to work with; the others start random. */
	slot_flags[0] = O_RDWR;
	for (i = 1; i < SLOTS; i++)
		slot_flags[i] = open_modes[rng_below(sizeof open_modes / sizeof open_modes[0])];
	open_slots(&mnt);
	open_slots(&ref);
	op = (struct op){ .kind = OP_FTRUNCATE, .slot = 0, .off = 0 };
	describe(&op);
	compare(apply(&mnt, &op), apply(&ref, &op));

	for (op_no = 1; op_no <= ops; op_no++) {
		op = random_op();
		/* Slot 0 stays read-write: a reopen there keeps O_RDWR. */
		if (op.kind == OP_REOPEN && op.slot == 0)
			op.flags = O_RDWR | (op.flags & (O_APPEND | O_TRUNC));
		if (op.kind == OP_WRITE || op.kind == OP_PWRITE)
			rng_fill(wbuf, op.len);
		describe(&op);
		if (verbose)
			fprintf(stderr, "op %lu: %s\n", op_no, op_text);
		m = apply(&mnt, &op);
		r = apply(&ref, &op);
		compare(m, r);
		if (op.kind == OP_REOPEN)
			slot_flags[op.slot] = op.flags & ~O_TRUNC;
		counts[op.kind]++;
	}
	op = (struct op){ .kind = OP_COMPARE };
	op_no = ops + 1;
	snprintf(op_text, sizeof op_text, "final compare-all");
	compare(apply(&mnt, &op), apply(&ref, &op));

	printf("agreed %lu ops:", ops);
	for (i = 0; i < N_OPS; i++)
		printf(" %s %lu", op_names[i], counts[i]);
	printf("; final size %lld\n", (long long)ref.size);
	return 0;
}
