/* sysv-ipc — drives System V objects directly (no mount), for the tests:
 *
 *   sysv-ipc shm-create KEY SIZE MODE     prints the new segment's ID
 *   sysv-ipc shm-write ID OFFSET TEXT     shmat, copies TEXT in
 *   sysv-ipc shm-read ID OFFSET LEN       shmat, prints LEN bytes
 *   sysv-ipc shm-hold ID                  shmat, prints "attached", waits for EOF on stdin
 *   sysv-ipc msg-create KEY MODE          prints the new queue's ID
 *   sysv-ipc msg-send ID TYPE TEXT        msgsnd (IPC_NOWAIT)
 *   sysv-ipc msg-recv ID TYPE             msgrcv (IPC_NOWAIT): prints "TYPE TEXT"
 *   sysv-ipc sem-create KEY NSEMS MODE    prints the new set's ID
 *   sysv-ipc sem-op ID NUM DELTA          semop (IPC_NOWAIT, no SEM_UNDO)
 *   sysv-ipc sem-get ID NUM               prints the semaphore's value
 *
 * KEY and MODE take C's notation (0x.., 0..); creation is exclusive.
 */
#include "common.h"

#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

static long num(const char *s)
{
	char *end;
	long v = strtol(s, &end, 0);

	if (*s == '\0' || *end != '\0')
		usage("sysv-ipc: bad number");
	return v;
}

static void *attach(const char *id)
{
	void *p = shmat(num(id), NULL, 0);

	if (p == (void *)-1)
		die("shmat");
	return p;
}

static int shm_cmd(const char *cmd, char **a)
{
	if (strcmp(cmd, "shm-create") == 0) {
		int id = shmget((key_t)num(a[0]), num(a[1]), IPC_CREAT | IPC_EXCL | num(a[2]));

		if (id < 0)
			die("shmget");
		printf("%d\n", id);
	} else if (strcmp(cmd, "shm-hold") == 0) {
		attach(a[0]);
		printf("attached\n");
		fflush(stdout);
		while (getchar() != EOF)
			;
	} else if (strcmp(cmd, "shm-write") == 0) {
		memcpy((char *)attach(a[0]) + num(a[1]), a[2], strlen(a[2]));
	} else {
		fwrite((char *)attach(a[0]) + num(a[1]), 1, num(a[2]), stdout);
	}
	return 0;
}

struct msg {
	long type;
	char text[65536];
};

static int msg_cmd(const char *cmd, char **a)
{
	static struct msg m;
	ssize_t n;

	if (strcmp(cmd, "msg-create") == 0) {
		int id = msgget((key_t)num(a[0]), IPC_CREAT | IPC_EXCL | num(a[1]));

		if (id < 0)
			die("msgget");
		printf("%d\n", id);
	} else if (strcmp(cmd, "msg-send") == 0) {
		m.type = num(a[1]);
		n = strlen(a[2]);
		memcpy(m.text, a[2], n);
		if (msgsnd(num(a[0]), &m, n, IPC_NOWAIT) < 0)
			die("msgsnd");
	} else {
		n = msgrcv(num(a[0]), &m, sizeof(m.text), num(a[1]), IPC_NOWAIT);
		if (n < 0)
			die("msgrcv");
		printf("%ld %.*s\n", m.type, (int)n, m.text);
	}
	return 0;
}

static int sem_cmd(const char *cmd, char **a)
{
	if (strcmp(cmd, "sem-create") == 0) {
		int id = semget((key_t)num(a[0]), num(a[1]), IPC_CREAT | IPC_EXCL | num(a[2]));

		if (id < 0)
			die("semget");
		printf("%d\n", id);
	} else if (strcmp(cmd, "sem-op") == 0) {
		struct sembuf op = {(unsigned short)num(a[1]), (short)num(a[2]), IPC_NOWAIT};

		if (semop(num(a[0]), &op, 1) < 0)
			die("semop");
	} else {
		int v = semctl(num(a[0]), num(a[1]), GETVAL);

		if (v < 0)
			die("semctl");
		printf("%d\n", v);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *cmd;
		int args;
		int (*run)(const char *cmd, char **a);
	} cmds[] = {
		{"shm-create", 3, shm_cmd}, {"shm-write", 3, shm_cmd}, {"shm-read", 3, shm_cmd},
		{"shm-hold", 1, shm_cmd},
		{"msg-create", 2, msg_cmd}, {"msg-send", 3, msg_cmd},  {"msg-recv", 2, msg_cmd},
		{"sem-create", 3, sem_cmd}, {"sem-op", 3, sem_cmd},    {"sem-get", 2, sem_cmd},
	};

	for (size_t i = 0; argc >= 2 && i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].cmd) == 0 && argc == cmds[i].args + 2)
			return cmds[i].run(argv[1], argv + 2);
	usage("sysv-ipc COMMAND ARGS... (see the source)");
	return 2;
}
