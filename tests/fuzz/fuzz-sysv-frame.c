/* fuzz-sysv-frame — ipc_sysv_msg_parse_frame ("TYPE BYTES") against an
 * independent reading: decimal TYPE 1..LONG_MAX, then one space. */
#include "fuzz.h"

#include "ipc-sysv-msg.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>

static int reference(const char *buf, size_t len, long *type, size_t *off)
{
	const char *space = memchr(buf, ' ', len);
	unsigned long long v;

	if (!space || fuzz_ref_number(buf, space - buf, 10, LONG_MAX, &v) < 0 || v == 0)
		return -EINVAL;
	*type = v;
	*off = space - buf + 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_copy(data, size);
	long type = 0, rtype = 0;
	size_t off = 0, roff = 0;
	int r = ipc_sysv_msg_parse_frame(buf, size, &type, &off);
	int rr = reference(buf, size, &rtype, &roff);

	FUZZ_CHECK(r == rr);
	if (r == 0) {
		FUZZ_CHECK(type >= 1 && type == rtype);
		FUZZ_CHECK(off == roff && off <= size && buf[off - 1] == ' ');
	}
	free(buf);
	return 0;
}
