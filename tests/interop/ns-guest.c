/* ns-guest NAME KEY — the program inside a test "container".
 *
 * Run it in private IPC and mount namespaces with its own /dev/shm. It
 * creates, in its namespaces: queues NAME-in (it reads) and NAME-out (it
 * writes), both 4 messages of at most 128 bytes; shm object NAME holding
 * "guest shm"; semaphore NAME of value 3; and System V segment KEY (hex) of
 * 4096 bytes. It prints "ready", then answers each message on NAME-in with
 * one on NAME-out:
 *   "sem"  -> "sem VALUE" (the semaphore's value now)
 *   "shm"  -> "shm TEXT"  (the shm object's bytes now)
 *   "quit" -> removes NAME-out and exits 0, leaving the rest behind
 *   TEXT   -> "echo: TEXT", and prints "got: TEXT"
 */
#include <fcntl.h>
#include <mqueue.h>
#include <semaphore.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common.h"

#define MSG_MAX 128

static char in_name[256], out_name[256];
static sem_t *sem;
static int shm_fd;

static mqd_t make_queue(const char *name, int oflag)
{
	struct mq_attr attr = {.mq_maxmsg = 4, .mq_msgsize = MSG_MAX};
	mqd_t q = mq_open(name, oflag | O_CREAT | O_EXCL, 0600, &attr);

	if (q < 0)
		die(name);
	return q;
}

static void make_objects(const char *name, const char *key_text)
{
	static const char text[] = "guest shm";
	key_t key = (key_t)strtoul(key_text, NULL, 16);

	shm_fd = shm_open(slashed(name), O_RDWR | O_CREAT | O_EXCL, 0600);
	if (shm_fd < 0 || write(shm_fd, text, strlen(text)) < 0)
		die("shm_open");
	sem = sem_open(slashed(name), O_CREAT | O_EXCL, 0600, 3);
	if (sem == SEM_FAILED)
		die("sem_open");
	if (shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600) < 0)
		die("shmget");
}

/* Writes the answer to @msg into @reply; returns false for "quit". */
static int answer(const char *msg, char *reply, size_t size)
{
	char shm_text[MSG_MAX - 8] = "";
	int value = -1;

	if (strcmp(msg, "quit") == 0)
		return 0;
	if (strcmp(msg, "sem") == 0) {
		sem_getvalue(sem, &value);
		snprintf(reply, size, "sem %d", value);
	} else if (strcmp(msg, "shm") == 0) {
		if (pread(shm_fd, shm_text, sizeof(shm_text) - 1, 0) < 0)
			die("pread");
		snprintf(reply, size, "shm %s", shm_text);
	} else {
		printf("got: %s\n", msg);
		snprintf(reply, size, "echo: %.100s", msg); /* fits a message */
	}
	return 1;
}

int main(int argc, char **argv)
{
	char msg[MSG_MAX + 1], reply[MSG_MAX];
	mqd_t in, out;
	ssize_t n;

	if (argc != 3)
		usage("ns-guest NAME KEY");
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(in_name, sizeof(in_name), "/%s-in", argv[1]);
	snprintf(out_name, sizeof(out_name), "/%s-out", argv[1]);
	in = make_queue(in_name, O_RDONLY);
	out = make_queue(out_name, O_WRONLY);
	make_objects(argv[1], argv[2]);
	printf("ready\n");
	while ((n = mq_receive(in, msg, MSG_MAX, NULL)) >= 0) {
		msg[n] = '\0';
		if (!answer(msg, reply, sizeof(reply)))
			break;
		if (mq_send(out, reply, strlen(reply), 0) < 0)
			die("mq_send");
	}
	if (n < 0)
		die("mq_receive");
	if (mq_unlink(out_name) < 0)
		die("mq_unlink");
	return 0;
}
