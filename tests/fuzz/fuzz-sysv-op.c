/* fuzz-sysv-op — ipc_sysv_sem_parse_op (`op` lines): never reads past the
 * input; every accepted operation is in range, and a line is accepted only
 * with as many "INDEX:DELTA" words as operations. */
#include "fuzz.h"

#include "ipc-sysv-sem.h"

#include <errno.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_copy(data, size);
	GArray *ops = NULL;
	bool nowait = false;
	size_t colons = 0;
	int r = ipc_sysv_sem_parse_op(buf, size, &ops, &nowait);

	FUZZ_CHECK(r == 0 || r == -EINVAL);
	FUZZ_CHECK((r == 0) == (ops != NULL));
	if (r == 0) {
		for (size_t i = 0; i < size; i++)
			colons += buf[i] == ':';
		FUZZ_CHECK(ops->len >= 1 && ops->len == colons);
		for (guint i = 0; i < ops->len; i++) {
			const struct sembuf *op = &g_array_index(ops, struct sembuf, i);

			FUZZ_CHECK(op->sem_flg == 0);
			FUZZ_CHECK(op->sem_op >= -IPC_SYSV_SEM_VALUE_MAX &&
				   op->sem_op <= IPC_SYSV_SEM_VALUE_MAX);
		}
		FUZZ_CHECK(!nowait || memmem(buf, size, "nowait", 6));
		g_array_unref(ops);
	}
	free(buf);
	return 0;
}
