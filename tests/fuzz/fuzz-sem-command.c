/* fuzz-sem-command — ipc_sem_parse_command, the commands written to
 * sem/NAME/value, against an independent reading of the contract:
 * "post", "wait" or "trywait", optionally one space and a count
 * 1..SEM_VALUE_MAX (decimal digits only), optionally one newline. */
#include "fuzz.h"

#include "ipc-sem.h"

#include <errno.h>
#include <semaphore.h>

static int reference(const char *buf, size_t len, IpcSemOp *op, unsigned *count)
{
	static const struct {
		const char *word;
		IpcSemOp op;
	} words[] = {{"post", IPC_SEM_POST}, {"wait", IPC_SEM_WAIT}, {"trywait", IPC_SEM_TRYWAIT}};
	unsigned long long n = 1;

	if (len && buf[len - 1] == '\n')
		len--;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t w = strlen(words[i].word);

		if (len < w || memcmp(buf, words[i].word, w) != 0)
			continue;
		if (len > w && (buf[w] != ' ' ||
				fuzz_ref_number(buf + w + 1, len - w - 1, 10, SEM_VALUE_MAX, &n) < 0 ||
				n == 0))
			return -EINVAL;
		*op = words[i].op;
		*count = n;
		return 0;
	}
	return -EINVAL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_copy(data, size);
	IpcSemOp op = (IpcSemOp)-1, rop = (IpcSemOp)-1;
	unsigned count = 0, rcount = 0;
	int r = ipc_sem_parse_command(buf, size, &op, &count);
	int rr = reference(buf, size, &rop, &rcount);

	FUZZ_CHECK(r == 0 || r == -EINVAL);
	FUZZ_CHECK(r == rr);
	if (r == 0) {
		FUZZ_CHECK(op == IPC_SEM_POST || op == IPC_SEM_WAIT || op == IPC_SEM_TRYWAIT);
		FUZZ_CHECK(count >= 1 && count <= SEM_VALUE_MAX);
		FUZZ_CHECK(op == rop && count == rcount);
		/* Every accepted command starts with its word. */
		FUZZ_CHECK(size >= 4);
	}
	free(buf);
	return 0;
}
