/* test-parse.c — the parsers of text written by users. Every input is passed
 * in a heap buffer of exactly its length, without a terminating NUL, so that
 * a sanitizer build catches any read past the end.
 */
#include "ipc-mq.h"
#include "ipc-sem.h"

#include <errno.h>
#include <glib.h>
#include <limits.h>
#include <semaphore.h>

/* A string literal with its exact length, embedded NULs included. */
#define LIT(s) s, sizeof(s) - 1

/* A copy of exactly @len bytes (one for an empty input, which is never read). */
static char *exact_copy(const char *s, size_t len)
{
	return g_memdup2(len ? s : "", MAX(len, 1));
}

static int frame(const char *s, size_t len, unsigned *prio, size_t *off)
{
	g_autofree char *buf = exact_copy(s, len);

	return ipc_mq_parse_frame(buf, len, prio, off);
}

static void test_frame_good(void)
{
	unsigned prio;
	size_t off;

	g_assert_cmpint(frame(LIT("0 hi"), &prio, &off), ==, 0);
	g_assert_cmpuint(prio, ==, 0);
	g_assert_cmpuint(off, ==, 2);

	g_assert_cmpint(frame(LIT("32767 a\0b\n c"), &prio, &off), ==, 0);
	g_assert_cmpuint(prio, ==, 32767);
	g_assert_cmpuint(off, ==, 6);

	g_assert_cmpint(frame(LIT("007  x"), &prio, &off), ==, 0);
	g_assert_cmpuint(prio, ==, 7);
	g_assert_cmpuint(off, ==, 4); /* the second space is the message's */

	g_assert_cmpint(frame(LIT("5 "), &prio, &off), ==, 0); /* an empty message */
	g_assert_cmpuint(prio, ==, 5);
	g_assert_cmpuint(off, ==, 2);
}

static void test_frame_bad(void)
{
	static const struct {
		const char *s;
		size_t len;
	} bad[] = {
	    {LIT("")},
	    {LIT("1")},
	    {LIT("12")},
	    {LIT(" x")},
	    {LIT("+1 x")},
	    {LIT("-1 x")},
	    {LIT("1x x")},
	    {LIT("1\tx")},
	    {LIT("1\nx")},
	    {LIT("\0 x")},
	    {LIT("0x1 x")},
	    {LIT("32768 x")},
	    {LIT("4294967296 x")},
	    {LIT("99999999999999999999999999 x")},
	};
	unsigned prio = 42;
	size_t i, off = 42;

	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_test_message("frame %zu", i);
		g_assert_cmpint(frame(bad[i].s, bad[i].len, &prio, &off), ==, -EINVAL);
	}
	g_assert_cmpuint(prio, ==, 42);
	g_assert_cmpuint(off, ==, 42);
}

typedef struct {
	long maxmsg, msgsize;
	mode_t mode;
	char *name;
} Create;

static int create(const char *s, size_t len, Create *c)
{
	g_autofree char *buf = exact_copy(s, len);

	*c = (Create){.maxmsg = -1, .msgsize = -1, .mode = 01000, .name = NULL};
	return ipc_mq_parse_create(buf, len, &c->maxmsg, &c->msgsize, &c->mode, &c->name);
}

static void test_create_name_only(void)
{
	Create c;

	g_assert_cmpint(create(LIT("jobs"), &c), ==, 0);
	g_assert_cmpstr(c.name, ==, "jobs");
	g_assert_cmpint(c.maxmsg, ==, -1); /* unset options are left alone */
	g_assert_cmpint(c.msgsize, ==, -1);
	g_assert_cmpuint(c.mode, ==, 01000);
	g_free(c.name);

	g_assert_cmpint(create(LIT("jobs\n"), &c), ==, 0);
	g_assert_cmpstr(c.name, ==, "jobs");
	g_free(c.name);

	/* Only one trailing newline goes; the name is not validated here. */
	g_assert_cmpint(create(LIT("my jobs maxmsg=3\n\n"), &c), ==, 0);
	g_assert_cmpstr(c.name, ==, "my jobs maxmsg=3\n");
	g_free(c.name);

	/* Not options: wrong case, no '=', unknown key. */
	g_assert_cmpint(create(LIT("MAXMSG=3 q"), &c), ==, 0);
	g_assert_cmpstr(c.name, ==, "MAXMSG=3 q");
	g_free(c.name);
	g_assert_cmpint(create(LIT("maxmsgs=3 q"), &c), ==, 0);
	g_assert_cmpstr(c.name, ==, "maxmsgs=3 q");
	g_free(c.name);
	g_assert_cmpint(create(LIT("maxmsg q"), &c), ==, 0);
	g_assert_cmpstr(c.name, ==, "maxmsg q");
	g_free(c.name);
}

static void test_create_options(void)
{
	Create c;

	g_assert_cmpint(create(LIT("maxmsg=5 msgsize=100 mode=0640 q\n"), &c), ==, 0);
	g_assert_cmpint(c.maxmsg, ==, 5);
	g_assert_cmpint(c.msgsize, ==, 100);
	g_assert_cmpuint(c.mode, ==, 0640);
	g_assert_cmpstr(c.name, ==, "q");
	g_free(c.name);

	g_assert_cmpint(create(LIT("mode=7777 msgsize=9223372036854775807 q r"), &c), ==, 0);
	g_assert_cmpint(c.maxmsg, ==, -1);
	g_assert_cmpint(c.msgsize, ==, LONG_MAX);
	g_assert_cmpuint(c.mode, ==, 07777);
	g_assert_cmpstr(c.name, ==, "q r");
	g_free(c.name);

	g_assert_cmpint(create(LIT("mode=0 maxmsg=01 q"), &c), ==, 0);
	g_assert_cmpuint(c.mode, ==, 0);
	g_assert_cmpint(c.maxmsg, ==, 1);
	g_free(c.name);
}

static void test_create_bad(void)
{
	static const struct {
		const char *s;
		size_t len;
	} bad[] = {
	    {LIT("")},
	    {LIT("\n")},
	    {LIT("maxmsg=5")},
	    {LIT("maxmsg=5\n")},
	    {LIT("maxmsg=5 ")},
	    {LIT("maxmsg=5 \n")},
	    {LIT("maxmsg=0 q")},
	    {LIT("maxmsg= q")},
	    {LIT("maxmsg=-1 q")},
	    {LIT("maxmsg=+1 q")},
	    {LIT("maxmsg=5x q")},
	    {LIT("maxmsg=5\tq")},
	    {LIT("maxmsg=9223372036854775808 q")},
	    {LIT("msgsize=0 q")},
	    {LIT("msgsize=99999999999999999999 q")},
	    {LIT("mode=8 q")},
	    {LIT("mode=10000 q")},
	    {LIT("mode=0x1 q")},
	    {LIT("mode= q")},
	    {LIT("maxmsg=5 maxmsg=5 q")},
	    {LIT("mode=1 maxmsg=5 mode=1 q")},
	    {LIT("q\0r")},
	    {LIT("\0")},
	};
	Create c;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_test_message("create %zu", i);
		g_assert_cmpint(create(bad[i].s, bad[i].len, &c), ==, -EINVAL);
		g_assert_null(c.name);
		g_assert_cmpint(c.maxmsg, ==, -1); /* nothing is stored on failure */
		g_assert_cmpint(c.msgsize, ==, -1);
		g_assert_cmpuint(c.mode, ==, 01000);
	}
}

static int command(const char *s, size_t len, IpcSemOp *op, unsigned *count)
{
	g_autofree char *buf = exact_copy(s, len);

	return ipc_sem_parse_command(buf, len, op, count);
}

static void test_command_good(void)
{
	static const struct {
		const char *s;
		size_t len;
		IpcSemOp op;
		unsigned count;
	} good[] = {
	    {LIT("post"), IPC_SEM_POST, 1},
	    {LIT("post\n"), IPC_SEM_POST, 1},
	    {LIT("post 3"), IPC_SEM_POST, 3},
	    {LIT("post 3\n"), IPC_SEM_POST, 3},
	    {LIT("post 007"), IPC_SEM_POST, 7},
	    {LIT("post 2147483647"), IPC_SEM_POST, SEM_VALUE_MAX},
	    {LIT("wait"), IPC_SEM_WAIT, 1},
	    {LIT("wait 2\n"), IPC_SEM_WAIT, 2},
	    {LIT("trywait"), IPC_SEM_TRYWAIT, 1},
	    {LIT("trywait 10\n"), IPC_SEM_TRYWAIT, 10},
	};
	IpcSemOp op;
	unsigned count;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(good); i++) {
		g_test_message("command %zu", i);
		g_assert_cmpint(command(good[i].s, good[i].len, &op, &count), ==, 0);
		g_assert_cmpint(op, ==, good[i].op);
		g_assert_cmpuint(count, ==, good[i].count);
	}
}

static void test_command_bad(void)
{
	static const struct {
		const char *s;
		size_t len;
	} bad[] = {
	    {LIT("")},
	    {LIT("\n")},
	    {LIT("post ")},
	    {LIT("post \n")},
	    {LIT("post 0")},
	    {LIT("post 00")},
	    {LIT("post -1")},
	    {LIT("post +1")},
	    {LIT("post 3x")},
	    {LIT("post  3")},
	    {LIT("post 3 ")},
	    {LIT("post 3\n\n")},
	    {LIT("post\n\n")},
	    {LIT("post\t3")},
	    {LIT(" post")},
	    {LIT("postx")},
	    {LIT("pos")},
	    {LIT("Post")},
	    {LIT("post\0")},
	    {LIT("post 2147483648")},
	    {LIT("post 99999999999999999999999")},
	    {LIT("wai")},
	    {LIT("try")},
	    {LIT("trywait 0\n")},
	    {LIT("wait post")},
	};
	IpcSemOp op = 42;
	unsigned count = 42;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_test_message("command %zu", i);
		g_assert_cmpint(command(bad[i].s, bad[i].len, &op, &count), ==, -EINVAL);
	}
	g_assert_cmpint(op, ==, 42);
	g_assert_cmpuint(count, ==, 42);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/parse/frame/good", test_frame_good);
	g_test_add_func("/parse/frame/bad", test_frame_bad);
	g_test_add_func("/parse/create/name-only", test_create_name_only);
	g_test_add_func("/parse/create/options", test_create_options);
	g_test_add_func("/parse/create/bad", test_create_bad);
	g_test_add_func("/parse/command/good", test_command_good);
	g_test_add_func("/parse/command/bad", test_command_bad);
	return g_test_run();
}
