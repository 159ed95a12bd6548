/* test-sysv.c — core/ System V segments, queues and sets against the
 * kernel's own objects (each run in a private IPC namespace, isolate.sh), and
 * the parsers of what users write to `.create`, `send-type` and `op`.
 */
#include "ipc-sysv-msg.h"
#include "ipc-sysv-sem.h"
#include "ipc-sysv-shm.h"

#include <errno.h>
#include <glib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#define LIT(s) s, sizeof(s) - 1

static int parse_create(IpcSysvKind kind, const char *s, size_t len, IpcSysvCreate *c)
{
	g_autofree char *buf = g_memdup2(len ? s : "", MAX(len, 1));

	return ipc_sysv_parse_create(kind, buf, len, c);
}

static void test_parse_create(void)
{
	IpcSysvCreate c;

	g_assert_cmpint(parse_create(IPC_SYSV_SHM, LIT("size=4096\n"), &c), ==, 0);
	g_assert_cmpint(c.key, ==, IPC_PRIVATE);
	g_assert_cmpuint(c.size, ==, 4096);
	g_assert_cmpuint(c.mode, ==, 0600);
	g_assert_cmpint(parse_create(IPC_SYSV_SHM, LIT("key=0x1234abcd  size=1 mode=640"), &c), ==,
			0);
	g_assert_cmpint(c.key, ==, 0x1234abcd);
	g_assert_cmpuint(c.mode, ==, 0640);
	g_assert_cmpint(parse_create(IPC_SYSV_SEM, LIT("nsems=3 key=4294967295"), &c), ==, 0);
	g_assert_cmpint(c.key, ==, (key_t)0xffffffff);
	g_assert_cmpuint(c.nsems, ==, 3);
	g_assert_cmpint(parse_create(IPC_SYSV_MSG, LIT(""), &c), ==, 0);
	g_assert_cmpint(parse_create(IPC_SYSV_MSG, LIT("key=private\n"), &c), ==, 0);
	g_assert_cmpint(c.key, ==, IPC_PRIVATE);

	g_assert_cmpint(parse_create(IPC_SYSV_SHM, LIT(""), &c), ==, -EINVAL);
	g_assert_cmpint(parse_create(IPC_SYSV_SHM, LIT("size=0"), &c), ==, -EINVAL);
	g_assert_cmpint(parse_create(IPC_SYSV_SHM, LIT("size=-1"), &c), ==, -EINVAL);
	g_assert_cmpint(parse_create(IPC_SYSV_SHM, LIT("size=1 size=2"), &c), ==, -EINVAL);
	g_assert_cmpint(parse_create(IPC_SYSV_SHM, LIT("size=1 nsems=2"), &c), ==, -EINVAL);
	g_assert_cmpint(parse_create(IPC_SYSV_SHM, LIT("size=1 mode=1777"), &c), ==, -EINVAL);
	g_assert_cmpint(parse_create(IPC_SYSV_SHM, LIT("size=1 mode=8"), &c), ==, -EINVAL);
	g_assert_cmpint(parse_create(IPC_SYSV_SHM, LIT("size=1 key=0x123456789"), &c), ==,
			-EINVAL);
	g_assert_cmpint(parse_create(IPC_SYSV_SHM, LIT("size=1 key=4294967296"), &c), ==,
			-EINVAL);
	g_assert_cmpint(parse_create(IPC_SYSV_SHM, LIT("size=1 key=-1"), &c), ==, -EINVAL);
	g_assert_cmpint(parse_create(IPC_SYSV_SHM, LIT("size=1 key=0xg"), &c), ==, -EINVAL);
	g_assert_cmpint(parse_create(IPC_SYSV_SHM, LIT("size=1\0"), &c), ==, -EINVAL);
	g_assert_cmpint(parse_create(IPC_SYSV_SEM, LIT("nsems=0"), &c), ==, -EINVAL);
	g_assert_cmpint(parse_create(IPC_SYSV_SEM, LIT("nsems=65536"), &c), ==, -EINVAL);
	g_assert_cmpint(parse_create(IPC_SYSV_MSG, LIT("size=3"), &c), ==, -EINVAL);
	g_assert_cmpint(parse_create(IPC_SYSV_MSG, LIT("hello"), &c), ==, -EINVAL);
}

static void test_parse_id(void)
{
	int id;

	g_assert_cmpint(ipc_sysv_parse_id("0", &id), ==, 0);
	g_assert_cmpint(id, ==, 0);
	g_assert_cmpint(ipc_sysv_parse_id("2147483647", &id), ==, 0);
	g_assert_cmpint(id, ==, 2147483647);
	g_assert_cmpint(ipc_sysv_parse_id("2147483648", &id), ==, -EINVAL);
	g_assert_cmpint(ipc_sysv_parse_id("01", &id), ==, -EINVAL);
	g_assert_cmpint(ipc_sysv_parse_id("", &id), ==, -EINVAL);
	g_assert_cmpint(ipc_sysv_parse_id("-1", &id), ==, -EINVAL);
	g_assert_cmpint(ipc_sysv_parse_id("by-key", &id), ==, -EINVAL);
}

static int parse_frame(const char *s, size_t len, long *type, size_t *off)
{
	g_autofree char *buf = g_memdup2(s, MAX(len, 1));

	return ipc_sysv_msg_parse_frame(buf, len, type, off);
}

static void test_parse_frame(void)
{
	long type;
	size_t off;

	g_assert_cmpint(parse_frame(LIT("7 a\0b"), &type, &off), ==, 0);
	g_assert_cmpint(type, ==, 7);
	g_assert_cmpuint(off, ==, 2);
	g_assert_cmpint(parse_frame(LIT("9223372036854775807 "), &type, &off), ==, 0);
	g_assert_cmpint(type, ==, G_MAXLONG);
	g_assert_cmpint(parse_frame(LIT("9223372036854775808 x"), &type, &off), ==, -EINVAL);
	g_assert_cmpint(parse_frame(LIT("0 x"), &type, &off), ==, -EINVAL);
	g_assert_cmpint(parse_frame(LIT("-1 x"), &type, &off), ==, -EINVAL);
	g_assert_cmpint(parse_frame(LIT("1x"), &type, &off), ==, -EINVAL);
	g_assert_cmpint(parse_frame(LIT(" 1 x"), &type, &off), ==, -EINVAL);
}

static int parse_op(const char *s, size_t len, GArray **ops, bool *nowait)
{
	g_autofree char *buf = g_memdup2(len ? s : "", MAX(len, 1));

	return ipc_sysv_sem_parse_op(buf, len, ops, nowait);
}

static void test_parse_op(void)
{
	g_autoptr(GArray) ops = NULL;
	GArray *bad = NULL;
	bool nowait;

	g_assert_cmpint(parse_op(LIT("0:-1  2:+3 1:0 nowait\n"), &ops, &nowait), ==, 0);
	g_assert_true(nowait);
	g_assert_cmpuint(ops->len, ==, 3);
	g_assert_cmpint(g_array_index(ops, struct sembuf, 0).sem_op, ==, -1);
	g_assert_cmpint(g_array_index(ops, struct sembuf, 1).sem_num, ==, 2);
	g_assert_cmpint(g_array_index(ops, struct sembuf, 1).sem_op, ==, 3);
	g_assert_cmpint(g_array_index(ops, struct sembuf, 2).sem_op, ==, 0);
	g_clear_pointer(&ops, g_array_unref);
	g_assert_cmpint(parse_op(LIT("65535:-32767"), &ops, &nowait), ==, 0);
	g_assert_false(nowait);

	const char *const bads[] = {"", "nowait", "0:1", "0:+0", "0:-0", "0:+32768", "65536:+1",
				    "0:+1 nowait 1:+1", "0:", ":+1", "x:+1", "0:+1x", "0+1",
				    "0:+1 nowait nowait", "0:00"};
	for (size_t i = 0; i < G_N_ELEMENTS(bads); i++) {
		g_assert_cmpint(parse_op(bads[i], strlen(bads[i]), &bad, &nowait), ==, -EINVAL);
		g_assert_null(bad);
	}
}

static gboolean has_id(GArray *ids, int id)
{
	for (guint i = 0; i < ids->len; i++)
		if (g_array_index(ids, int, i) == id)
			return TRUE;
	return FALSE;
}

static void test_shm(void)
{
	g_autoptr(IpcSysvShm) shm = NULL;
	g_autoptr(GArray) ids = NULL;
	IpcSysvShmInfo info;
	const char *span;
	size_t len;
	int id = ipc_sysv_shm_create(0x5eed0001, 100, 0640);

	g_assert_cmpint(id, >=, 0);
	g_assert_cmpint(ipc_sysv_shm_create(0x5eed0001, 100, 0640), ==, -EEXIST);
	g_assert_cmpint(ipc_sysv_shm_create(IPC_PRIVATE, 0, 0600), ==, -EINVAL);
	g_assert_cmpint(ipc_sysv_shm_list(&ids), ==, 0);
	g_assert_true(has_id(ids, id));
	g_assert_cmpint(ipc_sysv_shm_info(id, &info), ==, 0);
	g_assert_cmpint(info.perm.key, ==, 0x5eed0001);
	g_assert_cmpuint(info.perm.mode, ==, 0640);
	g_assert_cmpuint(info.size, ==, 100);
	g_assert_cmpuint(info.nattch, ==, 0);
	g_assert_false(info.perm.removed);

	g_assert_cmpint(ipc_sysv_shm_attach(id, true, &shm), ==, 0);
	g_assert_cmpuint(ipc_sysv_shm_size(shm), ==, 100);
	g_assert_cmpint(ipc_sysv_shm_write(shm, "hello", 5, 96), ==, 4);
	g_assert_cmpint(ipc_sysv_shm_write(shm, "x", 1, 100), ==, -ENOSPC);
	span = ipc_sysv_shm_span(shm, 16, 96, &len);
	g_assert_cmpuint(len, ==, 4);
	g_assert_cmpmem(span, 4, "hell", 4);
	g_assert_null(ipc_sysv_shm_span(shm, 16, 100, &len));
	g_assert_cmpuint(len, ==, 0);

	g_assert_cmpint(ipc_sysv_shm_set(id, -1, -1, 0604), ==, 0);
	g_assert_cmpint(ipc_sysv_shm_info(id, &info), ==, 0);
	g_assert_cmpuint(info.perm.mode, ==, 0604);
	g_assert_cmpuint(info.nattch, ==, 1);

	g_assert_cmpint(ipc_sysv_shm_remove(id), ==, 0);
	g_assert_cmpint(ipc_sysv_shm_info(id, &info), ==, 0);
	g_assert_true(info.perm.removed);
	g_clear_pointer(&shm, ipc_sysv_shm_detach);
	g_assert_cmpint(ipc_sysv_shm_info(id, &info), ==, -EINVAL);
	g_assert_cmpint(ipc_sysv_shm_attach(id, false, &shm), ==, -EINVAL);
}

static void test_shm_readonly(void)
{
	g_autoptr(IpcSysvShm) shm = NULL;
	int id = ipc_sysv_shm_create(IPC_PRIVATE, 10, 0600);

	g_assert_cmpint(id, >=, 0);
	g_assert_cmpint(ipc_sysv_shm_attach(id, false, &shm), ==, 0);
	g_assert_cmpint(ipc_sysv_shm_write(shm, "x", 1, 0), ==, -EBADF);
	g_assert_cmpint(ipc_sysv_shm_remove(id), ==, 0);
}

/* Writes at @off and reads back through the attachment: 0 if they match. */
static int write_and_check(IpcSysvShm *shm, off_t off)
{
	const char text[] = "through the file or the attachment";
	size_t len;
	const char *span;

	if (ipc_sysv_shm_write(shm, text, sizeof(text), off) != (ssize_t)sizeof(text))
		return 1;
	span = ipc_sysv_shm_span(shm, sizeof(text), off, &len);
	return len == sizeof(text) && memcmp(span, text, len) == 0 ? 0 : 2;
}

/* Without CAP_SYS_ADMIN (an ordinary user's daemon) the segment's own file
 * cannot be opened: writes are stored through the attachment, and land all
 * the same. With it, they go through the file. */
static void test_shm_write_paths(void)
{
	g_autoptr(IpcSysvShm) shm = NULL;
	int id = ipc_sysv_shm_create(IPC_PRIVATE, 3 * 4096 + 100, 0666);
	int status;
	pid_t child;

	g_assert_cmpint(id, >=, 0);
	g_assert_cmpint(ipc_sysv_shm_attach(id, true, &shm), ==, 0);
	g_assert_cmpint(write_and_check(shm, 4090), ==, 0);
	child = fork();
	g_assert_cmpint(child, >=, 0);
	if (child == 0) {
		g_autoptr(IpcSysvShm) own = NULL;

		/* A uid other than 0 loses every effective capability. */
		if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
			_exit(10);
		if (ipc_sysv_shm_attach(id, true, &own) < 0)
			_exit(11);
		_exit(write_and_check(own, 2 * 4096 - 3));
	}
	g_assert_cmpint(waitpid(child, &status, 0), ==, child);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, 0);
	g_assert_cmpint(ipc_sysv_shm_remove(id), ==, 0);
}

static void test_msg(void)
{
	/* Room for msgmax + 1 bytes: the over-long send below must have them. */
	g_autofree IpcSysvMsg *m = g_malloc0(sizeof(IpcSysvMsg) + ipc_sysv_msg_max() + 1);
	g_autoptr(GArray) ids = NULL;
	IpcSysvMsgInfo info;
	int id = ipc_sysv_msg_create(0x5eed0002, 0600);

	g_assert_cmpint(id, >=, 0);
	g_assert_cmpint(ipc_sysv_msg_create(0x5eed0002, 0600), ==, -EEXIST);
	g_assert_cmpint(ipc_sysv_msg_list(&ids), ==, 0);
	g_assert_true(has_id(ids, id));
	m->type = 2;
	memcpy(m->text, "two", 3);
	g_assert_cmpint(ipc_sysv_msg_send(id, m, 3, true), ==, 0);
	m->type = 1;
	memcpy(m->text, "one", 3);
	g_assert_cmpint(ipc_sysv_msg_send(id, m, 3, true), ==, 0);
	m->type = 0;
	g_assert_cmpint(ipc_sysv_msg_send(id, m, 3, true), ==, -EINVAL);
	m->type = 1;
	g_assert_cmpint(ipc_sysv_msg_send(id, m, ipc_sysv_msg_max() + 1, true), ==, -EINVAL);
	g_assert_cmpint(ipc_sysv_msg_info(id, &info), ==, 0);
	g_assert_cmpuint(info.qnum, ==, 2);
	g_assert_cmpuint(info.cbytes, ==, 6);

	g_assert_cmpint(ipc_sysv_msg_receive(id, m, 2, 0, true), ==, -E2BIG);
	g_assert_cmpint(ipc_sysv_msg_receive(id, m, 64, 1, true), ==, 3);
	g_assert_cmpmem(m->text, 3, "one", 3);
	g_assert_cmpint(ipc_sysv_msg_receive(id, m, 64, 0, true), ==, 3);
	g_assert_cmpint(m->type, ==, 2);
	g_assert_cmpint(ipc_sysv_msg_receive(id, m, 64, 0, true), ==, -ENOMSG);

	g_assert_cmpint(ipc_sysv_msg_set(id, -1, -1, 0620), ==, 0);
	g_assert_cmpint(ipc_sysv_msg_info(id, &info), ==, 0);
	g_assert_cmpuint(info.perm.mode, ==, 0620);
	g_assert_cmpint(ipc_sysv_msg_remove(id), ==, 0);
	g_assert_cmpint(ipc_sysv_msg_info(id, &info), ==, -EINVAL);
}

static void test_sem(void)
{
	g_autoptr(GArray) ids = NULL;
	IpcSysvSemState st;
	IpcSysvSemInfo info;
	struct sembuf post[] = {{0, 2, 0}, {2, 1, 0}};
	struct sembuf take[] = {{0, -1, 0}, {1, -1, 0}};
	struct sembuf bad[] = {{3, 1, 0}};
	struct sembuf over[] = {{0, 32767, 0}};
	int id = ipc_sysv_sem_create(0x5eed0003, 3, 0600);

	g_assert_cmpint(id, >=, 0);
	g_assert_cmpint(ipc_sysv_sem_create(IPC_PRIVATE, 0, 0600), ==, -EINVAL);
	g_assert_cmpint(ipc_sysv_sem_list(&ids), ==, 0);
	g_assert_true(has_id(ids, id));
	g_assert_cmpint(ipc_sysv_sem_info(id, &info), ==, 0);
	g_assert_cmpuint(info.nsems, ==, 3);

	g_assert_cmpint(ipc_sysv_sem_op(id, post, 2, 0), ==, 0);
	/* Semaphore 1 is 0: nothing of the op happens. */
	g_assert_cmpint(ipc_sysv_sem_op(id, take, 2, 0), ==, -EAGAIN);
	g_assert_cmpint(ipc_sysv_sem_op(id, take, 2, 20), ==, -EAGAIN);
	g_assert_cmpint(ipc_sysv_sem_state(id, 0, &st), ==, 0);
	g_assert_cmpint(st.value, ==, 2);
	g_assert_cmpint(st.pid, ==, getpid());
	g_assert_cmpint(ipc_sysv_sem_op(id, bad, 1, 0), ==, -EINVAL);
	g_assert_cmpint(ipc_sysv_sem_op(id, over, 1, 0), ==, -ERANGE);
	g_assert_cmpint(ipc_sysv_sem_state(id, 2, &st), ==, 0);
	g_assert_cmpint(st.value, ==, 1);
	g_assert_cmpint(ipc_sysv_sem_state(id, 3, &st), ==, -EINVAL);

	g_assert_cmpint(ipc_sysv_sem_set(id, -1, -1, 0660), ==, 0);
	g_assert_cmpint(ipc_sysv_sem_info(id, &info), ==, 0);
	g_assert_cmpuint(info.perm.mode, ==, 0660);
	g_assert_cmpint(ipc_sysv_sem_remove(id), ==, 0);
	g_assert_cmpint(ipc_sysv_sem_info(id, &info), ==, -EINVAL);
}

int main(int argc, char *argv[])
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sysv/parse/create", test_parse_create);
	g_test_add_func("/sysv/parse/id", test_parse_id);
	g_test_add_func("/sysv/parse/frame", test_parse_frame);
	g_test_add_func("/sysv/parse/op", test_parse_op);
	g_test_add_func("/sysv/shm", test_shm);
	g_test_add_func("/sysv/shm/readonly", test_shm_readonly);
	g_test_add_func("/sysv/shm/write-paths", test_shm_write_paths);
	g_test_add_func("/sysv/msg", test_msg);
	g_test_add_func("/sysv/sem", test_sem);
	return g_test_run();
}
