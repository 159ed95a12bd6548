/* sem-op NAME create [VALUE] | post | wait | trywait | getvalue | unlink
 * — drives a named semaphore with sem_open(3) and friends; getvalue prints
 * the value and a newline. */
#include <fcntl.h>
#include <semaphore.h>
#include <sys/stat.h>
#include "common.h"

int main(int argc, char **argv)
{
	const char *op;
	sem_t *s;
	int v;

	if (argc < 3)
		usage("sem-op NAME create [VALUE]|post|wait|trywait|getvalue|unlink");
	op = argv[2];
	if (strcmp(op, "unlink") == 0) {
		if (sem_unlink(slashed(argv[1])) < 0)
			die("sem_unlink");
		return 0;
	}
	if (strcmp(op, "create") == 0) {
		umask(0);
		s = sem_open(slashed(argv[1]), O_CREAT | O_EXCL, 0600,
			     argc > 3 ? atoi(argv[3]) : 0);
		if (s == SEM_FAILED)
			die("sem_open");
		return 0;
	}
	if ((s = sem_open(slashed(argv[1]), 0)) == SEM_FAILED)
		die("sem_open");
	if (strcmp(op, "post") == 0) {
		if (sem_post(s) < 0)
			die("sem_post");
	} else if (strcmp(op, "wait") == 0) {
		if (sem_wait(s) < 0)
			die("sem_wait");
	} else if (strcmp(op, "trywait") == 0) {
		if (sem_trywait(s) < 0)
			die("sem_trywait");
	} else if (strcmp(op, "getvalue") == 0) {
		if (sem_getvalue(s, &v) < 0)
			die("sem_getvalue");
		printf("%d\n", v);
	} else {
		usage("sem-op NAME create [VALUE]|post|wait|trywait|getvalue|unlink");
	}
	return 0;
}
