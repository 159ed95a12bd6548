/* test-ns.c — finding IPC namespaces (core/ipc-ns.c): names as readlink
 * writes them, and the scan of /proc, against namespaces made here.
 */
#include "ipc-ns.h"

#include <errno.h>
#include <glib.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_parse(void)
{
	const char *bad[] = {"",	      "ipc:[]",		  "ipc:[0]",	"ipc:[012]",
			     "ipc:[12",	      "ipc:12]",	  "ipc:[12]x",	"ipc:[ 12]",
			     "ipc:[+12]",     "ipc:[-12]",	  "net:[12]",	"ipc:[4294967296]",
			     "ipc:[99999999999999999999]"};
	ino_t id;

	g_assert_cmpint(ipc_ns_parse("ipc:[4026531839]", &id), ==, 0);
	g_assert_cmpuint(id, ==, 4026531839u);
	g_assert_cmpint(ipc_ns_parse("ipc:[4294967295]", &id), ==, 0);
	g_assert_cmpuint(id, ==, 4294967295u);
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		g_assert_cmpint(ipc_ns_parse(bad[i], &id), ==, -EINVAL);
}

/* What readlink(/proc/self/ns/ipc) gives parses to the inode stat gives. */
static void test_parse_readlink(void)
{
	char link[64];
	ssize_t n = readlink("/proc/self/ns/ipc", link, sizeof(link) - 1);
	struct stat st;
	ino_t id;

	g_assert_cmpint(n, >, 0);
	link[n] = '\0';
	g_assert_cmpint(stat("/proc/self/ns/ipc", &st), ==, 0);
	g_assert_cmpint(ipc_ns_parse(link, &id), ==, 0);
	g_assert_cmpuint(id, ==, st.st_ino);
}

typedef struct {
	pid_t pid;
	ino_t found;
	guint seen;
} Search;

static bool find_pid(pid_t pid, ino_t ns_id, void *data)
{
	Search *s = data;

	s->seen++;
	if (pid != s->pid)
		return true;
	s->found = ns_id;
	return false;
}

/* A child in a namespace of its own is found there, and not when skipped. */
static void test_scan(void)
{
	int ready[2];
	Search s = {0};
	ino_t id;
	char c;

	g_assert_cmpint(pipe(ready), ==, 0);
	s.pid = fork();
	g_assert_cmpint(s.pid, >=, 0);
	if (s.pid == 0) {
		if (unshare(CLONE_NEWIPC) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	g_assert_cmpint(read(ready[0], &c, 1), ==, 1);
	g_assert_cmpint(ipc_ns_of(s.pid, &id), ==, 0);
	g_assert_cmpint(ipc_ns_scan(0, find_pid, &s), ==, 0);
	g_assert_cmpuint(s.found, ==, id);
	g_assert_cmpuint(s.found, !=, 0);

	s.found = 0;
	g_assert_cmpint(ipc_ns_scan(s.pid, find_pid, &s), ==, 0);
	g_assert_cmpuint(s.found, ==, 0);

	kill(s.pid, SIGKILL);
	waitpid(s.pid, NULL, 0);
	g_assert_cmpint(ipc_ns_of(s.pid, &id), ==, -ESRCH);
	close(ready[0]);
	close(ready[1]);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ns/parse", test_parse);
	g_test_add_func("/ns/parse-readlink", test_parse_readlink);
	g_test_add_func("/ns/scan", test_scan);
	return g_test_run();
}
