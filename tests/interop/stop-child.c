/* stop-child PID — as whoever runs it, stops (SIGSTOP) the first child of
 * process PID that it may signal, prints that child's pid and exits 0.
 *
 * For the test of a daemon that forks a short-lived child which becomes the
 * calling user (ipcfs's queue creation for a non-root caller): run as that
 * user, it looks at the daemon's children over and over, and its kill()
 * succeeds only once a child has taken on the user's ids, which is exactly
 * what a hostile user could do. It never ends by itself before it has
 * stopped one; the test bounds it. */
#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include "common.h"

/* Tries kill(SIGSTOP) on every pid listed in /proc/PID/task/TID/children. */
static pid_t stop_child_of_task(const char *pid, const char *tid)
{
	char path[64 + 2 * 256]; /* two names of a /proc directory */
	FILE *f;
	int child;
	pid_t stopped = 0;

	snprintf(path, sizeof(path), "/proc/%s/task/%s/children", pid, tid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (!stopped && fscanf(f, "%d", &child) == 1)
		if (kill(child, SIGSTOP) == 0)
			stopped = child;
	fclose(f);
	return stopped;
}

int main(int argc, char **argv)
{
	char path[64];
	struct dirent *e;
	pid_t stopped = 0;
	DIR *tasks;

	if (argc != 2)
		usage("stop-child PID");
	snprintf(path, sizeof(path), "/proc/%s/task", argv[1]);
	while (!stopped) {
		tasks = opendir(path);
		if (!tasks)
			die(path);
		while (!stopped && (e = readdir(tasks)))
			if (e->d_name[0] != '.')
				stopped = stop_child_of_task(argv[1], e->d_name);
		closedir(tasks);
	}
	printf("%d\n", (int)stopped);
	return 0;
}
