/* fuzz-sysv-create — ipc_sysv_parse_create for each kind: never reads past
 * the input, and what it accepts is in range and holds each required word. */
#include "fuzz.h"

#include "ipc-sysv.h"

#include <errno.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_copy(data, size);

	for (int kind = IPC_SYSV_SHM; kind <= IPC_SYSV_SEM; kind++) {
		IpcSysvCreate c = {0};
		int r = ipc_sysv_parse_create(kind, buf, size, &c);

		FUZZ_CHECK(r == 0 || r == -EINVAL);
		if (r < 0)
			continue;
		FUZZ_CHECK(c.mode <= 0777);
		FUZZ_CHECK(kind != IPC_SYSV_SHM || (c.size >= 1 && memmem(buf, size, "size=", 5)));
		FUZZ_CHECK(kind != IPC_SYSV_SEM || (c.nsems >= 1 && c.nsems <= 65535));
		FUZZ_CHECK(kind == IPC_SYSV_SHM || c.size == 0);
		FUZZ_CHECK(kind == IPC_SYSV_SEM || c.nsems == 0);
		FUZZ_CHECK(c.key == IPC_PRIVATE || memmem(buf, size, "key=", 4));
		FUZZ_CHECK(!memchr(buf, '\0', size));
	}
	free(buf);
	return 0;
}
