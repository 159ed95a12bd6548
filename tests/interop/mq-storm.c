/* mq-storm MOUNT ROUNDS MESSAGES handled|kill — the interrupt storm.
 *
 * Per round: a queue of maxmsg 10 is made with mq_open; one producer sends
 * MESSAGES distinct 11-byte messages ("%010d\n") with plain blocking
 * mq_send, straight through the POSIX API; six readers loop open/read/close
 * on MOUNT/mq/NAME/recv, each read(2) of 64 KiB going straight into a
 * MAP_SHARED file of the reader's own, so a message that reached a reader is
 * on record even if the reader dies the next instant. Meanwhile, every 1-5
 * ms a random reader is hit:
 *   handled: SIGINT or SIGTERM, caught without SA_RESTART (the read fails
 *            with EINTR, or returns the message, and the loop goes on);
 *   kill:    SIGKILL, and a new reader takes the dead one's place.
 * Only readers this program started and has not yet reaped are signalled,
 * so no pid can have been reused. Then the readers stop (SIGUSR2), the queue
 * is drained through the API, and every message must have been received
 * exactly once. Prints one line per round; exits 1 on a loss, a duplicate
 * or a round that does not end within ROUND_LIMIT_S (a hang, not slowness:
 * a round takes a second or two).
 */
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "common.h"

#define READERS       6
#define MSG_LEN       11
#define READ_SIZE     65536
#define ROUND_LIMIT_S 300
#define MIN(a, b)     ((a) < (b) ? (a) : (b))

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	if (sig == SIGUSR2)
		stop = 1;
}

/* The end of what a reader's record file holds: messages have no NUL. */
static size_t record_end(const char *rec, size_t size)
{
	size_t end = 0;

	while (end < size && rec[end])
		end++;
	return end;
}

static void __attribute__((noreturn)) reader(const char *recv, const char *record, size_t size)
{
	int rfd = open(record, O_RDWR);
	char *rec = rfd < 0 ? MAP_FAILED
			    : mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, rfd, 0);
	size_t end;

	if (rec == MAP_FAILED)
		die("record");
	end = record_end(rec, size);
	while (!stop) {
		int fd = open(recv, O_RDONLY);
		ssize_t n;

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			die("open recv");
		}
		n = read(fd, rec + end, MIN(READ_SIZE, size - end));
		if (n < 0 && errno != EINTR)
			die("read recv");
		if (n > 0)
			end += n;
		close(fd);
	}
	_exit(0);
}

static pid_t start_reader(const char *recv, const char *record, size_t size)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0)
		reader(recv, record, size);
	return pid;
}

static pid_t start_producer(const char *name, int messages)
{
	pid_t pid = fork();
	char msg[MSG_LEN + 1];
	mqd_t q;

	if (pid < 0)
		die("fork");
	if (pid > 0)
		return pid;
	q = mq_open(slashed(name), O_WRONLY);
	if (q == (mqd_t)-1)
		die("producer mq_open");
	for (int i = 0; i < messages; i++) {
		snprintf(msg, sizeof(msg), "%010d\n", i);
		while (mq_send(q, msg, MSG_LEN, 0) < 0)
			if (errno != EINTR)
				die("mq_send");
	}
	_exit(0);
}

/* Counts one message "%010d\n" at @p into @seen; false if malformed. */
static bool count_message(const char *p, int messages, int *seen)
{
	char *end;
	long i = strtol(p, &end, 10);

	if (end != p + MSG_LEN - 1 || *end != '\n' || i < 0 || i >= messages)
		return false;
	seen[i]++;
	return true;
}

static bool count_bytes(const char *buf, size_t len, int messages, int *seen)
{
	for (size_t off = 0; off < len; off += MSG_LEN)
		if (len - off < MSG_LEN || !count_message(buf + off, messages, seen))
			return false;
	return true;
}

/* Receives what is left: first through the mount (a message the daemon
 * still holds on its way back goes to the next reader there), then through
 * the API (which must find nothing the mount did not). */
static bool drain(const char *recv, const char *name, int messages, int *seen)
{
	char buf[64];
	ssize_t n;
	mqd_t q;

	for (;;) {
		int fd = open(recv, O_RDONLY | O_NONBLOCK);

		if (fd < 0)
			die("drain open");
		n = read(fd, buf, sizeof(buf));
		close(fd);
		if (n < 0)
			break;
		if (n != MSG_LEN || !count_message(buf, messages, seen))
			return false;
	}
	if (errno != EAGAIN)
		die("drain read");
	q = mq_open(slashed(name), O_RDONLY | O_NONBLOCK);
	if (q == (mqd_t)-1)
		die("drain mq_open");
	while ((n = mq_receive(q, buf, sizeof(buf), NULL)) >= 0)
		if (n != MSG_LEN || !count_message(buf, messages, seen))
			return false;
	mq_close(q);
	return errno == EAGAIN;
}

static int round_run(const char *mount, int round, int messages, bool kill_mode)
{
	char name[64], recv[4096], record[READERS][128];
	size_t size = (size_t)messages * MSG_LEN + READ_SIZE;
	struct mq_attr attr = {.mq_maxmsg = 10, .mq_msgsize = 64};
	int *seen = calloc(messages, sizeof(int));
	pid_t readers[READERS], producer;
	int hits = 0, lost = 0, twice = 0, st;
	time_t limit = time(NULL) + ROUND_LIMIT_S;
	mqd_t q;

	snprintf(name, sizeof(name), "storm-%d-%d", (int)getpid(), round);
	snprintf(recv, sizeof(recv), "%s/mq/%s/recv", mount, name);
	q = mq_open(slashed(name), O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
	if (q == (mqd_t)-1 || !seen)
		die("mq_open");
	mq_close(q);
	for (int r = 0; r < READERS; r++) {
		int fd;

		snprintf(record[r], sizeof(record[r]), "/tmp/%s.%d", name, r);
		fd = open(record[r], O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || ftruncate(fd, size) < 0)
			die("record file");
		close(fd);
		readers[r] = start_reader(recv, record[r], size);
	}
	producer = start_producer(name, messages);
	while (waitpid(producer, &st, WNOHANG) == 0) {
		int r = rand() % READERS;

		if (time(NULL) > limit) {
			fprintf(stderr, "round %d: stalled: the producer is still sending after %d s\n",
				round, ROUND_LIMIT_S);
			kill(producer, SIGKILL);
			return 1;
		}
		usleep(1000 + rand() % 4000);
		if (!kill_mode) {
			kill(readers[r], rand() % 2 ? SIGINT : SIGTERM);
		} else {
			kill(readers[r], SIGKILL);
			waitpid(readers[r], NULL, 0);
			readers[r] = start_reader(recv, record[r], size);
		}
		hits++;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "round %d: the producer failed\n", round);
		return 1;
	}
	for (int r = 0; r < READERS; r++) {
		/* A stop that lands between the loop's test and the read finds
		 * the reader not yet waiting: say it again until it listens. */
		do
			kill(readers[r], SIGUSR2);
		while (waitpid(readers[r], &st, WNOHANG) == 0 && usleep(10000) == 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "round %d: a reader failed\n", round);
			return 1;
		}
	}
	for (int r = 0; r < READERS; r++) {
		int fd = open(record[r], O_RDONLY);
		char *rec = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);

		if (rec == MAP_FAILED || !count_bytes(rec, record_end(rec, size), messages, seen)) {
			fprintf(stderr, "round %d: reader %d holds something other than whole messages\n",
				round, r);
			return 1;
		}
		munmap(rec, size);
		close(fd);
		unlink(record[r]);
	}
	if (!drain(recv, name, messages, seen)) {
		fprintf(stderr, "round %d: the queue held something else\n", round);
		return 1;
	}
	mq_unlink(slashed(name));
	for (int i = 0; i < messages; i++) {
		lost += seen[i] == 0;
		twice += seen[i] > 1;
	}
	printf("round %d: %d messages, %d readers hit, %d lost, %d received twice\n", round,
	       messages, hits, lost, twice);
	free(seen);
	return lost || twice;
}

int main(int argc, char **argv)
{
	int rounds, messages, failed = 0;
	bool kill_mode;

	if (argc != 5 || (strcmp(argv[4], "handled") && strcmp(argv[4], "kill")))
		usage("mq-storm MOUNT ROUNDS MESSAGES handled|kill");
	rounds = atoi(argv[2]);
	messages = atoi(argv[3]);
	kill_mode = strcmp(argv[4], "kill") == 0;
	/* Readers inherit the handlers (no SA_RESTART), so no signal can find
	 * one without them. */
	struct sigaction sa = {.sa_handler = on_signal};

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	srand(getpid());
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int round = 1; round <= rounds && !failed; round++)
		failed = round_run(argv[1], round, messages, kill_mode);
	return failed;
}
