/* mq-diff [-v] [-n OPS] [-s SEED] QDIR REFNAME — differential checker for
 * the files of mq/NAME.
 *
 * QDIR is a queue's directory on the mount (mq/NAME), REFNAME the name
 * (without the slash) of a second queue with the same maxmsg and msgsize,
 * driven directly with mq_send/mq_receive. Both start empty. Every random
 * operation is applied to both:
 *   send     one write(2) to send-prio ("PRIO BYTES") or send (priority 0):
 *            sizes from 0 (send-prio only: the kernel never passes an empty
 *            write to FUSE) up to msgsize and over it, priorities valid and
 *            not, blocking or O_NONBLOCK (a blocking send to a full queue is
 *            made O_NONBLOCK: it would wait forever)
 *   recv     one open of recv-prio or recv, read in random chunks to EOF,
 *            or closed after the first chunk; blocking or O_NONBLOCK (the
 *            same rule on an empty queue)
 *   blocked  a send to a full queue, or a receive from an empty one, that
 *            blocks in a second thread until a receive or send on the main
 *            thread lets it through; the result is the same whenever the
 *            two run, so it is checked like any other operation
 *   poll     poll(2) with timeout 0 on a new O_NONBLOCK recv or send file
 *   info     maxmsg, msgsize, curmsgs and qsize of info
 * Results, errnos, bytes and priorities must agree. At the end both queues
 * are drained and compared message by message.
 *
 * Prints "seed N" first and "agreed N ops" at the end; on the first
 * disagreement prints the operation number, the operation, both results
 * and the replay command, and exits 1. -v traces every operation. A blocked
 * operation that is not let through within 60 s is reported as a hang.
 */
#include "checker.h"

#include <mqueue.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>

#define HANG_SECS 60

enum op_kind { OP_SEND, OP_RECV, OP_BLOCKED_SEND, OP_BLOCKED_RECV, OP_POLL, OP_INFO, N_OPS };

static const char *const op_names[N_OPS] = {
	"send", "recv", "blocked-send", "blocked-recv", "poll", "info",
};

static const unsigned op_weights[N_OPS] = {
	[OP_SEND] = 40, [OP_RECV] = 36, [OP_BLOCKED_SEND] = 5, [OP_BLOCKED_RECV] = 5,
	[OP_POLL] = 7, [OP_INFO] = 7,
};

struct msg {
	long long ret;    /* 0, or -1 with err */
	int err;
	const char *call; /* the mount's call that failed */
	unsigned prio;
	int has_prio;     /* recv-prio, or the reference: the priority is known */
	size_t len;
	char *bytes;
};

/* A send or a receive, as both sides perform it. */
struct xfer {
	int with_prio;    /* send-prio / recv-prio, else send / recv */
	int nonblock;
	unsigned prio;
	size_t len;       /* send: message length */
	size_t chunk;     /* recv: read(2) size */
	int early_close;  /* recv: close after the first read */
};

static const char *qdir, *refname;
static mqd_t refq;
static long maxmsg, msgsize;
static char *body;      /* the bytes the current send sends */
static char *rxbuf;     /* msgsize bytes */

/* Opens FILE of the queue's directory. No static path buffer: a blocked
 * operation opens its file on another thread at the same time. */
static int qopen(const char *file, int flags)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/%s", qdir, file);
	return open(path, flags);
}

static long ref_curmsgs(void)
{
	struct mq_attr a;

	if (mq_getattr(refq, &a) < 0)
		die("mq_getattr of the reference");
	return a.mq_curmsgs;
}

/* --- the mount side --- */

static struct outcome mount_send(const struct xfer *x)
{
	int fd = qopen(x->with_prio ? "send-prio" : "send",
		       O_WRONLY | (x->nonblock ? O_NONBLOCK : 0));
	size_t head = 0, len;
	char *frame;
	ssize_t w;

	if (fd < 0)
		return failed_in("open");
	frame = malloc(x->len + 16);
	if (!frame)
		die("malloc");
	if (x->with_prio)
		head = sprintf(frame, "%u ", x->prio);
	memcpy(frame + head, body, x->len);
	len = head + x->len;
	w = write(fd, frame, len);
	free(frame);
	close(fd);
	/* A send is one message: anything but all of it or an error is wrong,
	 * and shows as its length. */
	return w < 0 ? failed_in("write") : outcome_of(w == (ssize_t)len ? 0 : w);
}

static void mount_recv(const struct xfer *x, struct msg *m)
{
	size_t cap = msgsize + 16, n = 0;
	char *got = malloc(cap + x->chunk + 1);
	ssize_t r = 0;
	int fd;

	if (!got)
		die("malloc");
	*m = (struct msg){ .has_prio = x->with_prio };
	fd = qopen(x->with_prio ? "recv-prio" : "recv",
		   O_RDONLY | (x->nonblock ? O_NONBLOCK : 0));
	if (fd < 0) {
		m->ret = -1, m->err = errno, m->call = "open";
		free(got);
		return;
	}
	while (n <= cap && (r = read(fd, got + n, x->chunk)) > 0) {
		n += r;
		if (x->early_close)
			break;
	}
	if (n == 0 && r < 0) {
		m->ret = -1, m->err = errno, m->call = "read";
	} else if (x->with_prio && !x->early_close) {
		/* "PRIO BYTES" */
		char *space = memchr(got, ' ', n);

		got[n] = 0;
		if (!space || sscanf(got, "%u", &m->prio) != 1) {
			m->ret = -2; /* not a frame: cannot agree with anything */
		} else {
			m->len = n - (space + 1 - got);
			memmove(got, space + 1, m->len);
		}
	} else {
		m->len = n;
		m->has_prio = 0;
	}
	m->bytes = got;
	close(fd);
}

/* --- the reference side --- */

static struct outcome ref_send(const struct xfer *x)
{
	struct mq_attr a = { .mq_flags = x->nonblock ? O_NONBLOCK : 0 };

	mq_setattr(refq, &a, NULL);
	return outcome_of(mq_send(refq, body, x->len, x->with_prio ? x->prio : 0));
}

static void ref_recv(const struct xfer *x, struct msg *m)
{
	struct mq_attr a = { .mq_flags = x->nonblock ? O_NONBLOCK : 0 };
	ssize_t r;

	*m = (struct msg){ .has_prio = 1 };
	mq_setattr(refq, &a, NULL);
	r = mq_receive(refq, rxbuf, msgsize, &m->prio);
	if (r < 0) {
		m->ret = -1, m->err = errno;
		return;
	}
	m->len = r;
	m->bytes = malloc(r + 1);
	if (!m->bytes)
		die("malloc");
	memcpy(m->bytes, rxbuf, r);
}

/* What the mount's reader should have seen of the reference's message when
 * it stopped after one read: the first `chunk` bytes of the file's text. */
static void cut_to_first_read(const struct xfer *x, struct msg *r)
{
	char head[16] = "";
	size_t hl = x->with_prio ? (size_t)sprintf(head, "%u ", r->prio) : 0;
	size_t total = hl + r->len, keep = total < x->chunk ? total : x->chunk;
	char *text = malloc(total + 1);

	if (!text)
		die("malloc");
	memcpy(text, head, hl);
	memcpy(text + hl, r->bytes, r->len);
	free(r->bytes);
	r->bytes = text;
	r->len = keep;
	r->has_prio = 0;
}

/* The reference's receive, as the mount's reader of x should see it. */
static void ref_recv_as_read(const struct xfer *x, struct msg *r)
{
	ref_recv(x, r);
	if (x->early_close && r->ret == 0)
		cut_to_first_read(x, r);
}

static void compare_msg(struct msg *m, struct msg *r)
{
	struct outcome mo = { m->ret, m->err, m->call }, ro = { r->ret, r->err, NULL };
	char a[64], b[64];
	long at;

	if (m->ret == -2)
		disagree("recv-prio gave no \"PRIO \" frame", "(see bytes)", "a message");
	if (!outcome_same(mo, ro))
		disagree("result", outcome_str(mo), outcome_str(ro));
	if (m->ret == 0) {
		if (m->has_prio && r->has_prio && m->prio != r->prio) {
			snprintf(a, sizeof a, "priority %u", m->prio);
			snprintf(b, sizeof b, "priority %u", r->prio);
			disagree("priority", a, b);
		}
		if (m->len != r->len) {
			snprintf(a, sizeof a, "%zu bytes", m->len);
			snprintf(b, sizeof b, "%zu bytes", r->len);
			disagree("message length", a, b);
		}
		at = first_difference(m->bytes, r->bytes, m->len);
		if (at >= 0) {
			snprintf(a, sizeof a, "byte %ld is 0x%02x", at, (unsigned char)m->bytes[at]);
			snprintf(b, sizeof b, "byte %ld is 0x%02x", at, (unsigned char)r->bytes[at]);
			disagree("message bytes", a, b);
		}
	}
	free(m->bytes);
	free(r->bytes);
}

static void recv_both(const struct xfer *x)
{
	struct msg m, r;

	mount_recv(x, &m);
	ref_recv_as_read(x, &r);
	compare_msg(&m, &r);
}

static void send_both(const struct xfer *x)
{
	struct outcome m = mount_send(x), r = ref_send(x);

	if (!outcome_same(m, r))
		disagree("result", outcome_str(m), outcome_str(r));
}

/* --- operations that block until the main thread lets them through --- */

struct blocked {
	pthread_t thread;
	const struct xfer *x;
	struct outcome sent;
	struct msg got;
};

static void *blocked_send_thread(void *arg)
{
	struct blocked *b = arg;

	b->sent = mount_send(b->x);
	return NULL;
}

static void *blocked_recv_thread(void *arg)
{
	struct blocked *b = arg;

	mount_recv(b->x, &b->got);
	return NULL;
}

static void join_or_hang(struct blocked *b)
{
	struct timespec until;
	int e;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += HANG_SECS;
	e = pthread_timedjoin_np(b->thread, NULL, &until);
	if (e == ETIMEDOUT)
		disagree("HANG: the blocked operation was not let through", "still blocked after "
			 "60 s", "done");
	if (e)
		die("pthread_timedjoin_np");
}

/* Queue full: a blocking send waits in a thread until a receive on this
 * thread makes room. The reference does the receive first, then the send. */
static void blocked_send(const struct xfer *send, const struct xfer *recv)
{
	struct blocked b = { .x = send };
	struct outcome r;

	if (pthread_create(&b.thread, NULL, blocked_send_thread, &b))
		die("pthread_create");
	recv_both(recv);
	join_or_hang(&b);
	r = ref_send(send);
	if (!outcome_same(b.sent, r))
		disagree("result of the blocked send", outcome_str(b.sent), outcome_str(r));
}

/* Queue empty: a blocking receive waits in a thread until a send on this
 * thread gives it a message. The reference sends first, then receives. */
static void blocked_recv(const struct xfer *recv, const struct xfer *send)
{
	struct blocked b = { .x = recv };
	struct msg r;

	if (pthread_create(&b.thread, NULL, blocked_recv_thread, &b))
		die("pthread_create");
	send_both(send);
	join_or_hang(&b);
	ref_recv_as_read(recv, &r);
	compare_msg(&b.got, &r);
}

/* --- poll and info --- */

static void poll_both(int in)
{
	struct pollfd pm = { .events = in ? POLLIN : POLLOUT };
	struct pollfd pr = { .fd = refq, .events = pm.events };
	struct outcome m, r;

	pm.fd = qopen(in ? "recv" : "send", (in ? O_RDONLY : O_WRONLY) | O_NONBLOCK);
	if (pm.fd < 0) {
		m = failed_in("open");
	} else {
		m = outcome_of(poll(&pm, 1, 0));
		close(pm.fd);
	}
	r = outcome_of(poll(&pr, 1, 0));
	if (!outcome_same(m, r))
		disagree("poll(2) ready count", outcome_str(m), outcome_str(r));
}

/* Field KEY of a "KEY VALUE" text, or -1. */
static long field(const char *text, const char *key)
{
	size_t kl = strlen(key);
	const char *p;

	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, key, kl) == 0 && (p[kl] == ' ' || p[kl] == ':'))
			return atol(p + kl + 1);
	return -1;
}

static void read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0 || (n = read(fd, buf, size - 1)) < 0)
		die(path);
	buf[n] = 0;
	close(fd);
}

static void info_both(void)
{
	static const char *const keys[] = { "maxmsg", "msgsize", "curmsgs", "qsize" };
	char text[512], kernel[512], path[4096], a[64], b[64];
	long want[4];
	struct mq_attr at;
	int i;

	snprintf(path, sizeof path, "%s/info", qdir);
	read_text(path, text, sizeof text);
	/* The kernel's own accounting of the reference: QSIZE:N in /dev/mqueue. */
	snprintf(path, sizeof path, "/dev/mqueue/%s", refname);
	read_text(path, kernel, sizeof kernel);
	if (mq_getattr(refq, &at) < 0)
		die("mq_getattr");
	want[0] = at.mq_maxmsg, want[1] = at.mq_msgsize, want[2] = at.mq_curmsgs;
	want[3] = field(kernel, "QSIZE");
	for (i = 0; i < 4; i++) {
		if (field(text, keys[i]) != want[i]) {
			snprintf(a, sizeof a, "%s %ld", keys[i], field(text, keys[i]));
			snprintf(b, sizeof b, "%s %ld", keys[i], want[i]);
			disagree("info", a, b);
		}
	}
}

/* --- random operations --- */

static struct xfer random_send(int can_block)
{
	struct xfer x = { .with_prio = rng_chance(70) };
	unsigned p = rng_below(100);

	x.nonblock = !can_block || rng_chance(50);
	x.prio = p < 60 ? rng_below(4) : p < 95 ? rng_below(32768) : 32768 + rng_below(32768);
	if (rng_chance(10))
		x.len = msgsize + 1 + rng_below(msgsize + 64);
	else
		x.len = rng_chance(5) ? (size_t)msgsize : rng_below(msgsize + 1);
	if (!x.with_prio) {
		x.prio = 0;
		if (x.len == 0) /* cannot be sent through send (see above) */
			x.len = 1;
	}
	rng_fill(body, x.len);
	return x;
}

static struct xfer random_recv(int can_block)
{
	struct xfer x = { .with_prio = rng_chance(60) };

	x.nonblock = !can_block || rng_chance(50);
	x.chunk = rng_chance(30) ? 1 + rng_below(16) : 1 + rng_below(msgsize + 16);
	x.early_close = rng_chance(15);
	return x;
}

/* A send that is certain to be taken (valid priority, fits). */
static struct xfer good_send(void)
{
	struct xfer x = { .with_prio = 1, .prio = rng_below(4), .len = rng_below(msgsize + 1) };

	rng_fill(body, x.len);
	return x;
}

static void describe_xfer(const char *what, const struct xfer *x, int send)
{
	size_t n = strlen(op_text);

	if (send)
		snprintf(op_text + n, sizeof op_text - n, "%s%s %s prio %u len %zu", n ? " + " : "",
			 what, x->with_prio ? "send-prio" : "send", x->prio, x->len);
	else
		snprintf(op_text + n, sizeof op_text - n, "%s%s %s chunk %zu%s", n ? " + " : "", what,
			 x->with_prio ? "recv-prio" : "recv", x->chunk,
			 x->early_close ? " close-early" : "");
	n = strlen(op_text);
	if (x->nonblock)
		snprintf(op_text + n, sizeof op_text - n, " O_NONBLOCK");
}

static void one_op(unsigned long counts[N_OPS])
{
	long cur = ref_curmsgs();
	enum op_kind k = rng_weighted(op_weights, N_OPS);
	struct xfer x = { 0 }, y = { 0 };
	int in = 0;

	/* A blocked operation needs the queue full (send) or empty (recv). */
	if (k == OP_BLOCKED_SEND && cur < maxmsg)
		k = OP_SEND;
	if (k == OP_BLOCKED_RECV && cur > 0)
		k = OP_RECV;
	op_text[0] = 0;
	switch (k) {
	case OP_SEND:
		x = random_send(cur < maxmsg);
		describe_xfer("", &x, 1);
		break;
	case OP_RECV:
		x = random_recv(cur > 0);
		describe_xfer("", &x, 0);
		break;
	case OP_BLOCKED_SEND:
		x = good_send();
		y = random_recv(1);
		y.early_close = 0;
		describe_xfer("blocked", &x, 1);
		describe_xfer("then", &y, 0);
		break;
	case OP_BLOCKED_RECV:
		x = random_recv(1);
		x.nonblock = 0; /* it must wait for y */
		y = good_send();
		describe_xfer("blocked", &x, 0);
		describe_xfer("then", &y, 1);
		break;
	case OP_POLL:
		in = rng_chance(50);
		snprintf(op_text, sizeof op_text, "poll %s", in ? "recv POLLIN" : "send POLLOUT");
		break;
	default:
		snprintf(op_text, sizeof op_text, "info");
		break;
	}
	if (verbose)
		fprintf(stderr, "op %lu: %s\n", op_no, op_text);
	switch (k) {
	case OP_SEND: send_both(&x); break;
	case OP_RECV: recv_both(&x); break;
	case OP_BLOCKED_SEND: blocked_send(&x, &y); break;
	case OP_BLOCKED_RECV: blocked_recv(&x, &y); break;
	case OP_POLL: poll_both(in); break;
	default: info_both(); break;
	}
	counts[k]++;
}

/* Drains both queues with non-blocking receives and compares every message. */
static long drain_both(void)
{
	struct xfer x = { .with_prio = 1, .nonblock = 1 };
	long n = 0;

	x.chunk = msgsize + 16;
	snprintf(op_text, sizeof op_text, "final drain: recv-prio O_NONBLOCK");
	for (; ref_curmsgs() > 0; n++)
		recv_both(&x);
	/* One more: both must now say EAGAIN. */
	recv_both(&x);
	return n;
}

int main(int argc, char **argv)
{
	unsigned long ops = checker_options(argc, argv,
					    "mq-diff [-v] [-n OPS] [-s SEED] QDIR REFNAME");
	unsigned long counts[N_OPS] = { 0 };
	struct mq_attr attr;
	long left;
	int i;

	qdir = argv[optind];
	refname = argv[optind + 1];

	refq = mq_open(slashed(refname), O_RDWR | O_NONBLOCK);
	if (refq == (mqd_t)-1)
		die("mq_open of the reference");
	if (mq_getattr(refq, &attr) < 0)
		die("mq_getattr");
	maxmsg = attr.mq_maxmsg;
	msgsize = attr.mq_msgsize;
	body = malloc(2 * msgsize + 64);
	rxbuf = malloc(msgsize);
	if (!body || !rxbuf)
		die("malloc");
	if (attr.mq_curmsgs != 0) {
		fprintf(stderr, "mq-diff: the reference queue is not empty\n");
		return 2;
	}
	/* Same attributes, both empty. */
	snprintf(op_text, sizeof op_text, "info at the start");
	info_both();

	for (op_no = 1; op_no <= ops; op_no++)
		one_op(counts);
	op_no = ops + 1;
	left = drain_both();
	snprintf(op_text, sizeof op_text, "info at the end");
	info_both();

	printf("agreed %lu ops:", ops);
	for (i = 0; i < N_OPS; i++)
		printf(" %s %lu", op_names[i], counts[i]);
	printf("; %ld messages drained at the end\n", left);
	return 0;
}
