/* test-mq.c — core/ message queues against real kernel queues.
 *
 * Queues are small (the machine's RLIMIT_MSGQUEUE is shared by all of root)
 * and every queue a test makes is unlinked by its fixture's teardown, also
 * when the test fails.
 */
#include "ipc-mq.h"
#include "ipc-name.h"
#include "unit-util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/vfs.h>

#define MAXMSG	4
#define MSGSIZE 64

typedef struct {
	GPtrArray *names; /* every queue name the test may create */
	char *name;	  /* names[0] */
	int mqd;
	int dirfd;
} Fixture;

/* A new queue name, unlinked at teardown. */
static const char *fixture_name(Fixture *f)
{
	char *name = unit_name("mq");

	g_ptr_array_add(f->names, name);
	return name;
}

static void setup(Fixture *f, gconstpointer data)
{
	f->names = g_ptr_array_new_with_free_func(g_free);
	f->name = (char *)fixture_name(f);
	f->mqd = -1;
	f->dirfd = ipc_mq_dir_open();
	g_assert_cmpint(f->dirfd, >=, 0);
}

static void teardown(Fixture *f, gconstpointer data)
{
	guint i;

	for (i = 0; i < f->names->len; i++) {
		g_autofree char *path = g_strconcat("/", f->names->pdata[i], NULL);

		mq_unlink(path);
	}
	g_ptr_array_unref(f->names);
	ipc_mq_close(f->mqd);
	close(f->dirfd);
}

static void make_queue(Fixture *f)
{
	f->mqd = ipc_mq_create(f->name, O_RDWR, 0600, MAXMSG, MSGSIZE);
	g_assert_cmpint(f->mqd, >=, 0);
}

static gboolean has_cap_sys_resource(void)
{
	g_autofree char *status = NULL;
	const char *cap;

	g_assert_true(g_file_get_contents("/proc/self/status", &status, NULL, NULL));
	cap = strstr(status, "CapEff:");
	g_assert_nonnull(cap);
	return (g_ascii_strtoull(cap + strlen("CapEff:"), NULL, 16) >> 24) & 1;
}

static void test_dir_open(Fixture *f, gconstpointer data)
{
	struct statfs sfs;

	g_assert_cmpint(fstatfs(f->dirfd, &sfs), ==, 0);
	g_assert_cmphex(sfs.f_type, ==, 0x19800202);
}

static void test_create(Fixture *f, gconstpointer data)
{
	IpcMqInfo info;
	struct stat st;

	make_queue(f);
	g_assert_cmpint(ipc_mq_getattr(f->mqd, &info), ==, 0);
	g_assert_cmpint(info.maxmsg, ==, MAXMSG);
	g_assert_cmpint(info.msgsize, ==, MSGSIZE);
	g_assert_cmpint(info.curmsgs, ==, 0);
	g_assert_cmpint(info.qsize, ==, 0);
	g_assert_cmpint(fstat(f->mqd, &st), ==, 0);
	g_assert_cmpuint(st.st_mode & 07777, ==, 0600);
	g_assert_cmpuint(st.st_uid, ==, geteuid());
	g_assert_cmpint(fcntl(f->mqd, F_GETFD), ==, FD_CLOEXEC);

	g_assert_cmpint(ipc_mq_create(f->name, O_RDWR, 0600, MAXMSG, MSGSIZE), ==, -EEXIST);
	g_assert_cmpint(ipc_mq_create(f->name, O_RDWR, 0600, 0, 0), ==, -EEXIST);
}

static void test_create_umask(Fixture *f, gconstpointer data)
{
	mode_t old = umask(027);
	struct stat st;

	f->mqd = ipc_mq_create(f->name, O_RDWR, 0666, MAXMSG, MSGSIZE);
	umask(old);
	g_assert_cmpint(f->mqd, >=, 0);
	g_assert_cmpint(fstat(f->mqd, &st), ==, 0);
	g_assert_cmpuint(st.st_mode & 07777, ==, 0640);
}

static void test_create_defaults(Fixture *f, gconstpointer data)
{
	IpcMqLimits limits;
	IpcMqInfo info;

	g_assert_cmpint(ipc_mq_limits(&limits), ==, 0);
	f->mqd = ipc_mq_create(f->name, O_RDWR, 0600, 0, 0);
	g_assert_cmpint(f->mqd, >=, 0);
	g_assert_cmpint(ipc_mq_getattr(f->mqd, &info), ==, 0);
	g_assert_cmpint(info.maxmsg, ==, limits.msg_default);
	g_assert_cmpint(info.msgsize, ==, limits.msgsize_default);
}

static void test_create_bad_attr(Fixture *f, gconstpointer data)
{
	IpcMqLimits limits;

	g_assert_cmpint(ipc_mq_create(f->name, O_RDWR, 0600, MAXMSG, 0), ==, -EINVAL);
	g_assert_cmpint(ipc_mq_create(f->name, O_RDWR, 0600, 0, MSGSIZE), ==, -EINVAL);
	g_assert_cmpint(ipc_mq_create(f->name, O_RDWR, 0600, -1, MSGSIZE), ==, -EINVAL);
	g_assert_cmpint(ipc_mq_limits(&limits), ==, 0);
	if (!has_cap_sys_resource()) {
		g_assert_cmpint(ipc_mq_create(f->name, O_RDWR, 0600, limits.msg_max + 1, MSGSIZE),
				==, -EINVAL);
		g_assert_cmpint(
		    ipc_mq_create(f->name, O_RDWR, 0600, MAXMSG, limits.msgsize_max + 1), ==,
		    -EINVAL);
	}
	/* Nothing was created by any of these. */
	g_assert_cmpint(ipc_mq_open(f->name, O_RDONLY), ==, -ENOENT);
}

static void test_bad_names(Fixture *f, gconstpointer data)
{
	const char *bad[] = {"", ".", "..", "a/b", "/x"};
	g_autofree char *too_long = unit_long_name(IPC_NAME_MAX + 1);
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_assert_cmpint(ipc_mq_create(bad[i], O_RDWR, 0600, MAXMSG, MSGSIZE), ==, -EINVAL);
		g_assert_cmpint(ipc_mq_open(bad[i], O_RDWR), ==, -EINVAL);
		g_assert_cmpint(ipc_mq_unlink(bad[i]), ==, -EINVAL);
	}
	g_assert_cmpint(ipc_mq_create(too_long, O_RDWR, 0600, MAXMSG, MSGSIZE), ==, -ENAMETOOLONG);
	g_assert_cmpint(ipc_mq_open(too_long, O_RDWR), ==, -ENAMETOOLONG);
}

static void test_longest_name(Fixture *f, gconstpointer data)
{
	char *name = unit_long_name(IPC_NAME_MAX);
	g_autoptr(GPtrArray) names = NULL;

	g_ptr_array_add(f->names, name);
	f->mqd = ipc_mq_create(name, O_RDWR, 0600, MAXMSG, MSGSIZE);
	g_assert_cmpint(f->mqd, >=, 0);
	g_assert_cmpint(ipc_mq_list(f->dirfd, &names), ==, 0);
	g_assert_true(g_ptr_array_find_with_equal_func(names, name, g_str_equal, NULL));
	g_assert_cmpint(ipc_mq_unlink(name), ==, 0);
}

static void test_open_unlink(Fixture *f, gconstpointer data)
{
	int mqd;

	g_assert_cmpint(ipc_mq_open(f->name, O_RDWR), ==, -ENOENT);
	g_assert_cmpint(ipc_mq_unlink(f->name), ==, -ENOENT);
	make_queue(f);
	mqd = ipc_mq_open(f->name, O_WRONLY);
	g_assert_cmpint(mqd, >=, 0);
	g_assert_cmpint(ipc_mq_unlink(f->name), ==, 0);
	g_assert_cmpint(ipc_mq_open(f->name, O_RDWR), ==, -ENOENT);
	g_assert_cmpint(ipc_mq_unlink(f->name), ==, -ENOENT);

	/* Open descriptors outlive the name. */
	g_assert_cmpint(ipc_mq_send(mqd, "x", 1, 0, 0), ==, 0);
	ipc_mq_close(mqd);
	ipc_mq_close(-1);
}

static void test_priority_order(Fixture *f, gconstpointer data)
{
	static const struct {
		const char *msg;
		unsigned prio;
	} sent[] = {{"low", 1}, {"high", 5}, {"mid", 3}, {"high2", 5}};
	static const int order[] = {1, 3, 2, 0};
	char buf[MSGSIZE];
	unsigned prio;
	size_t i;

	make_queue(f);
	for (i = 0; i < G_N_ELEMENTS(sent); i++)
		g_assert_cmpint(
		    ipc_mq_send(f->mqd, sent[i].msg, strlen(sent[i].msg), sent[i].prio, 0), ==, 0);
	for (i = 0; i < G_N_ELEMENTS(order); i++) {
		ssize_t n = ipc_mq_receive(f->mqd, buf, sizeof(buf), &prio, 0);

		g_assert_cmpint(n, ==, strlen(sent[order[i]].msg));
		g_assert_cmpmem(buf, n, sent[order[i]].msg, n);
		g_assert_cmpuint(prio, ==, sent[order[i]].prio);
	}
}

static void test_binary(Fixture *f, gconstpointer data)
{
	static const char msg[] = "a\0b\n\0";
	char buf[MSGSIZE];
	ssize_t n;

	make_queue(f);
	g_assert_cmpint(ipc_mq_send(f->mqd, msg, sizeof(msg), 0, -1), ==, 0);
	g_assert_cmpint(ipc_mq_send(f->mqd, "", 0, 0, 0), ==, 0);
	n = ipc_mq_receive(f->mqd, buf, sizeof(buf), NULL, -1);
	g_assert_cmpmem(buf, n, msg, sizeof(msg));
	g_assert_cmpint(ipc_mq_receive(f->mqd, buf, sizeof(buf), NULL, 0), ==, 0);
}

static void test_msgsize(Fixture *f, gconstpointer data)
{
	char buf[MSGSIZE + 1] = {0};
	IpcMqInfo info;

	make_queue(f);
	g_assert_cmpint(ipc_mq_send(f->mqd, buf, MSGSIZE + 1, 0, 0), ==, -EMSGSIZE);
	g_assert_cmpint(ipc_mq_send(f->mqd, buf, MSGSIZE, 0, 0), ==, 0);
	g_assert_cmpint(ipc_mq_receive(f->mqd, buf, MSGSIZE - 1, NULL, 0), ==, -EMSGSIZE);
	g_assert_cmpint(ipc_mq_getattr(f->mqd, &info), ==, 0);
	g_assert_cmpint(info.curmsgs, ==, 1); /* nothing was taken */
	g_assert_cmpint(ipc_mq_receive(f->mqd, buf, MSGSIZE, NULL, 0), ==, MSGSIZE);
}

static void test_bad_prio(Fixture *f, gconstpointer data)
{
	make_queue(f);
	g_assert_cmpint(ipc_mq_send(f->mqd, "x", 1, MQ_PRIO_MAX, 0), ==, -EINVAL);
	g_assert_cmpint(ipc_mq_send(f->mqd, "x", 1, MQ_PRIO_MAX - 1, 0), ==, 0);
}

static void fill(Fixture *f)
{
	int i;

	for (i = 0; i < MAXMSG; i++)
		g_assert_cmpint(ipc_mq_send(f->mqd, "m", 1, 0, 0), ==, 0);
}

static void test_no_wait(Fixture *f, gconstpointer data)
{
	char buf[MSGSIZE];

	make_queue(f);
	g_assert_cmpint(ipc_mq_receive(f->mqd, buf, sizeof(buf), NULL, 0), ==, -EAGAIN);
	fill(f);
	g_assert_cmpint(ipc_mq_send(f->mqd, "m", 1, 0, 0), ==, -EAGAIN);
}

static void test_timeout(Fixture *f, gconstpointer data)
{
	char buf[MSGSIZE];
	gint64 start;

	make_queue(f);
	start = unit_now_ms();
	g_assert_cmpint(ipc_mq_receive(f->mqd, buf, sizeof(buf), NULL, 50), ==, -ETIMEDOUT);
	g_assert_cmpint(unit_now_ms() - start, >=, 49);
	fill(f);
	start = unit_now_ms();
	g_assert_cmpint(ipc_mq_send(f->mqd, "m", 1, 0, 30), ==, -ETIMEDOUT);
	g_assert_cmpint(unit_now_ms() - start, >=, 29);
}

static void test_nonblock(Fixture *f, gconstpointer data)
{
	char buf[MSGSIZE];
	int mqd;

	make_queue(f);
	mqd = ipc_mq_open(f->name, O_RDWR | O_NONBLOCK);
	g_assert_cmpint(mqd, >=, 0);
	g_assert_cmpint(ipc_mq_receive(mqd, buf, sizeof(buf), NULL, -1), ==, -EAGAIN);
	g_assert_cmpint(ipc_mq_receive(mqd, buf, sizeof(buf), NULL, 1000), ==, -EAGAIN);
	fill(f);
	g_assert_cmpint(ipc_mq_send(mqd, "m", 1, 0, -1), ==, -EAGAIN);
	ipc_mq_close(mqd);
}

static void *send_one(void *mqd)
{
	g_assert_cmpint(ipc_mq_send(GPOINTER_TO_INT(mqd), "late", 4, 2, -1), ==, 0);
	return NULL;
}

/* A receiver that waits without a deadline gets a message sent later. */
static void test_blocking_receive(Fixture *f, gconstpointer data)
{
	char buf[MSGSIZE];
	unsigned prio;
	pthread_t sender;

	make_queue(f);
	g_assert_cmpint(pthread_create(&sender, NULL, send_one, GINT_TO_POINTER(f->mqd)), ==, 0);
	g_assert_cmpint(ipc_mq_receive(f->mqd, buf, sizeof(buf), &prio, -1), ==, 4);
	g_assert_cmpmem(buf, 4, "late", 4);
	g_assert_cmpuint(prio, ==, 2);
	pthread_join(sender, NULL);
}

static void test_info(Fixture *f, gconstpointer data)
{
	IpcMqInfo info;

	make_queue(f);
	g_assert_cmpint(ipc_mq_send(f->mqd, "abc", 3, 0, 0), ==, 0);
	g_assert_cmpint(ipc_mq_send(f->mqd, "de", 2, 7, 0), ==, 0);

	g_assert_cmpint(ipc_mq_info(f->dirfd, f->name, &info), ==, 0);
	g_assert_cmpint(info.maxmsg, ==, MAXMSG);
	g_assert_cmpint(info.msgsize, ==, MSGSIZE);
	g_assert_cmpint(info.curmsgs, ==, 2);
	g_assert_cmpint(info.qsize, ==, 5);

	g_assert_cmpint(ipc_mq_info(-1, f->name, &info), ==, 0);
	g_assert_cmpint(info.curmsgs, ==, 2);
	g_assert_cmpint(info.maxmsg, ==, MAXMSG);
	g_assert_cmpint(info.qsize, ==, 5);

	/* Reading the info takes no message. */
	g_assert_cmpint(ipc_mq_getattr(f->mqd, &info), ==, 0);
	g_assert_cmpint(info.curmsgs, ==, 2);

	g_assert_cmpint(ipc_mq_unlink(f->name), ==, 0);
	g_assert_cmpint(ipc_mq_info(f->dirfd, f->name, &info), ==, -ENOENT);
	g_assert_cmpint(ipc_mq_info(-1, f->name, &info), ==, -ENOENT);
	g_assert_cmpint(ipc_mq_info(f->dirfd, "a/b", &info), ==, -EINVAL);
	g_assert_cmpint(ipc_mq_info(f->dirfd, "..", &info), ==, -EINVAL);
}

static void test_stat(Fixture *f, gconstpointer data)
{
	struct stat st, by_fd;

	f->mqd = ipc_mq_create(f->name, O_RDWR, 0640, MAXMSG, MSGSIZE);
	g_assert_cmpint(f->mqd, >=, 0);
	g_assert_cmpint(fchmod(f->mqd, 0604), ==, 0);
	g_assert_cmpint(fstat(f->mqd, &by_fd), ==, 0);

	g_assert_cmpint(ipc_mq_stat(f->dirfd, f->name, &st), ==, 0);
	g_assert_true(S_ISREG(st.st_mode));
	g_assert_cmpuint(st.st_mode & 07777, ==, 0604);
	g_assert_cmpuint(st.st_uid, ==, geteuid());
	g_assert_cmpuint(st.st_ino, ==, by_fd.st_ino);

	g_assert_cmpint(ipc_mq_stat(-1, f->name, &st), ==, 0);
	g_assert_cmpuint(st.st_mode & 07777, ==, 0604);
	g_assert_cmpuint(st.st_ino, ==, by_fd.st_ino);

	g_assert_cmpint(ipc_mq_unlink(f->name), ==, 0);
	g_assert_cmpint(ipc_mq_stat(f->dirfd, f->name, &st), ==, -ENOENT);
	g_assert_cmpint(ipc_mq_stat(-1, f->name, &st), ==, -ENOENT);
	g_assert_cmpint(ipc_mq_stat(f->dirfd, "..", &st), ==, -EINVAL);
}

static gboolean listed(int dirfd, const char *name)
{
	g_autoptr(GPtrArray) names = NULL;

	g_assert_cmpint(ipc_mq_list(dirfd, &names), ==, 0);
	return g_ptr_array_find_with_equal_func(names, name, g_str_equal, NULL);
}

/* A queue made and removed with the plain POSIX API shows in the listing
 * exactly while it exists. */
static void test_list(Fixture *f, gconstpointer data)
{
	struct mq_attr attr = {.mq_maxmsg = MAXMSG, .mq_msgsize = MSGSIZE};
	g_autofree char *path = g_strconcat("/", f->name, NULL);
	mqd_t mqd;

	g_assert_false(listed(f->dirfd, f->name));
	mqd = mq_open(path, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
	g_assert_cmpint(mqd, >=, 0);
	g_assert_true(listed(f->dirfd, f->name));
	g_assert_true(listed(f->dirfd, f->name)); /* listing twice sees it again */
	g_assert_cmpint(mq_unlink(path), ==, 0);
	g_assert_false(listed(f->dirfd, f->name));
	mq_close(mqd);
	g_assert_cmpint(ipc_mq_list(-1, &(GPtrArray *){NULL}), ==, -EBADF);
}

static long proc_long(const char *file)
{
	g_autofree char *path = g_strconcat("/proc/sys/fs/mqueue/", file, NULL);
	g_autofree char *text = NULL;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	return atol(text);
}

static void test_limits(void)
{
	IpcMqLimits limits;

	g_assert_cmpint(ipc_mq_limits(&limits), ==, 0);
	g_assert_cmpint(limits.msg_max, ==, proc_long("msg_max"));
	g_assert_cmpint(limits.msgsize_max, ==, proc_long("msgsize_max"));
	g_assert_cmpint(limits.queues_max, ==, proc_long("queues_max"));
	g_assert_cmpint(limits.msg_default, ==, proc_long("msg_default"));
	g_assert_cmpint(limits.msgsize_default, ==, proc_long("msgsize_default"));
	g_assert_cmpint(limits.msg_max, >, 0);
}

#define ADD(path, fn) g_test_add(path, Fixture, NULL, setup, fn, teardown)

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	ADD("/mq/dir-open", test_dir_open);
	ADD("/mq/create", test_create);
	ADD("/mq/create/umask", test_create_umask);
	ADD("/mq/create/defaults", test_create_defaults);
	ADD("/mq/create/bad-attr", test_create_bad_attr);
	ADD("/mq/bad-names", test_bad_names);
	ADD("/mq/longest-name", test_longest_name);
	ADD("/mq/open-unlink", test_open_unlink);
	ADD("/mq/priority-order", test_priority_order);
	ADD("/mq/binary", test_binary);
	ADD("/mq/msgsize", test_msgsize);
	ADD("/mq/bad-prio", test_bad_prio);
	ADD("/mq/no-wait", test_no_wait);
	ADD("/mq/timeout", test_timeout);
	ADD("/mq/nonblock", test_nonblock);
	ADD("/mq/blocking-receive", test_blocking_receive);
	ADD("/mq/info", test_info);
	ADD("/mq/stat", test_stat);
	ADD("/mq/list", test_list);
	g_test_add_func("/mq/limits", test_limits);
	return g_test_run();
}
