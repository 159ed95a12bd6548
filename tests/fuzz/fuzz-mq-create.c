/* fuzz-mq-create — ipc_mq_parse_create, the requests written to mq/.create:
 * "[maxmsg=N] [msgsize=N] [mode=OCTAL] NAME". An accepted request yields a
 * non-empty name that is exactly the tail of the input (less one newline),
 * holds no NUL (it would silently shorten the name), and options in range;
 * options not given leave the outputs alone. */
#include "fuzz.h"

#include "ipc-mq.h"
#include "ipc-name.h"

#include <errno.h>
#include <glib.h>
#include <limits.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_copy(data, size);
	long maxmsg = -7, msgsize = -7;
	mode_t mode = 01000000; /* out of range: tells "left alone" */
	char *name = NULL;
	int r = ipc_mq_parse_create(buf, size, &maxmsg, &msgsize, &mode, &name);

	FUZZ_CHECK(r == 0 || r == -EINVAL);
	if (r < 0) {
		FUZZ_CHECK(name == NULL);
		FUZZ_CHECK(maxmsg == -7 && msgsize == -7 && mode == 01000000);
	} else {
		size_t len = size && buf[size - 1] == '\n' ? size - 1 : size;
		size_t nlen;

		FUZZ_CHECK(name != NULL);
		nlen = strlen(name);
		FUZZ_CHECK(nlen > 0 && nlen <= len);
		/* The name is the input's tail, whole. */
		FUZZ_CHECK(memcmp(buf + len - nlen, name, nlen) == 0);
		FUZZ_CHECK(len - nlen == 0 || buf[len - nlen - 1] == ' ');
		FUZZ_CHECK(maxmsg == -7 || maxmsg >= 1);
		FUZZ_CHECK(msgsize == -7 || msgsize >= 1);
		FUZZ_CHECK(mode == 01000000 || mode <= 07777);
		/* Whatever precedes the name is options. */
		if (len > nlen)
			FUZZ_CHECK(memcmp(buf, "maxmsg=", 7) == 0 || memcmp(buf, "msgsize=", 8) == 0 ||
				   memcmp(buf, "mode=", 5) == 0);
		/* The name check never crashes and keeps its contract. */
		r = ipc_name_check(name, IPC_NAME_MAX);
		FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENAMETOOLONG);
		g_free(name);
	}
	free(buf);
	return 0;
}
