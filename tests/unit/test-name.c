/* test-name.c — name checks for all three kinds of object.
 */
#include "ipc-name.h"
#include "ipc-sem.h"
#include "ipc-shm.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

static char *repeat(char c, size_t len)
{
	char *s = g_malloc(len + 1);

	memset(s, c, len);
	s[len] = '\0';
	return s;
}

static void test_name_valid(void)
{
	const char *good[] = {"a", "...", ".a", "a.", "jobs", "with space", "sem", "sem.x", "\n"};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(good); i++)
		g_assert_cmpint(ipc_name_check(good[i], IPC_NAME_MAX), ==, 0);
}

static void test_name_invalid(void)
{
	const char *bad[] = {"", ".", "..", "/", "/a", "a/", "a/b", "../a"};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(bad); i++)
		g_assert_cmpint(ipc_name_check(bad[i], IPC_NAME_MAX), ==, -EINVAL);
}

static void test_name_length(void)
{
	g_autofree char *n255 = repeat('a', 255);
	g_autofree char *n256 = repeat('a', 256);
	g_autofree char *n251 = repeat('a', 251);
	g_autofree char *n252 = repeat('a', 252);

	g_assert_cmpint(ipc_name_check(n255, IPC_NAME_MAX), ==, 0);
	g_assert_cmpint(ipc_name_check(n256, IPC_NAME_MAX), ==, -ENAMETOOLONG);
	g_assert_cmpint(ipc_name_check(n255, 10), ==, -ENAMETOOLONG);
	g_assert_cmpint(ipc_sem_name_check(n251), ==, 0);
	g_assert_cmpint(ipc_sem_name_check(n252), ==, -ENAMETOOLONG);
	g_assert_cmpint(ipc_shm_name_check(n255), ==, 0);
	g_assert_cmpint(ipc_shm_name_check(n256), ==, -ENAMETOOLONG);
}

static void test_name_sem(void)
{
	g_assert_cmpint(ipc_sem_name_check("x"), ==, 0);
	g_assert_cmpint(ipc_sem_name_check("sem.x"), ==, 0);
	g_assert_cmpint(ipc_sem_name_check(""), ==, -EINVAL);
	g_assert_cmpint(ipc_sem_name_check(".."), ==, -EINVAL);
	g_assert_cmpint(ipc_sem_name_check("a/b"), ==, -EINVAL);
}

/* POSIX shm and semaphores share /dev/shm: a shm name may not be a
 * semaphore's backing file. */
static void test_name_shm(void)
{
	g_assert_cmpint(ipc_shm_name_check("x"), ==, 0);
	g_assert_cmpint(ipc_shm_name_check("sem"), ==, 0);
	g_assert_cmpint(ipc_shm_name_check("semx"), ==, 0);
	g_assert_cmpint(ipc_shm_name_check("Sem.x"), ==, 0);
	g_assert_cmpint(ipc_shm_name_check("x.sem.y"), ==, 0);
	g_assert_cmpint(ipc_shm_name_check("sem."), ==, -EINVAL);
	g_assert_cmpint(ipc_shm_name_check("sem.x"), ==, -EINVAL);
	g_assert_cmpint(ipc_shm_name_check(""), ==, -EINVAL);
	g_assert_cmpint(ipc_shm_name_check("."), ==, -EINVAL);
	g_assert_cmpint(ipc_shm_name_check("a/b"), ==, -EINVAL);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/name/valid", test_name_valid);
	g_test_add_func("/name/invalid", test_name_invalid);
	g_test_add_func("/name/length", test_name_length);
	g_test_add_func("/name/sem", test_name_sem);
	g_test_add_func("/name/shm", test_name_shm);
	return g_test_run();
}
