/* fuzz-mq-frame — ipc_mq_parse_frame, the "PRIO BYTES" frames written to
 * mq/NAME/send-prio: PRIO is decimal digits below MQ_PRIO_MAX, then exactly
 * one space; every byte after it is the message. */
#include "fuzz.h"

#include "ipc-mq.h"

#include <errno.h>
#include <limits.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_copy(data, size);
	unsigned prio = UINT_MAX;
	size_t body = SIZE_MAX;
	int r = ipc_mq_parse_frame(buf, size, &prio, &body);
	const char *space = memchr(buf, ' ', size);
	unsigned long long want;
	int rr = space && fuzz_ref_number(buf, space - buf, 10, MQ_PRIO_MAX - 1, &want) == 0
			 ? 0
			 : -EINVAL;

	FUZZ_CHECK(r == 0 || r == -EINVAL);
	FUZZ_CHECK(r == rr);
	if (r == 0) {
		FUZZ_CHECK(prio < MQ_PRIO_MAX);
		FUZZ_CHECK(prio == want);
		FUZZ_CHECK(body >= 2 && body <= size);
		FUZZ_CHECK(buf[body - 1] == ' ');
		for (size_t i = 0; i + 1 < body; i++)
			FUZZ_CHECK(buf[i] >= '0' && buf[i] <= '9');
	}
	free(buf);
	return 0;
}
