/* fuzz-name — ipc_name_check, ipc_shm_name_check and ipc_sem_name_check
 * against the contract: non-empty, not "." or "..", no '/', at most the
 * kind's length (255, semaphores 251); shm names never start with "sem.". */
#include "fuzz.h"

#include "ipc-name.h"
#include "ipc-sem.h"
#include "ipc-shm.h"

#include <errno.h>

static int reference(const char *name, size_t max_len)
{
	if (!name[0] || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strchr(name, '/'))
		return -EINVAL;
	return strlen(name) > max_len ? -ENAMETOOLONG : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *name = fuzz_cstr(data, size);
	size_t max = size ? data[0] : 0; /* any limit, from the input */
	int r;

	r = ipc_name_check(name, max);
	FUZZ_CHECK(r == reference(name, max));
	r = ipc_name_check(name, IPC_NAME_MAX);
	FUZZ_CHECK(r == reference(name, IPC_NAME_MAX));
	if (r == 0) {
		FUZZ_CHECK(name[0] != '\0' && strlen(name) <= IPC_NAME_MAX);
		FUZZ_CHECK(!strchr(name, '/'));
	}

	r = ipc_shm_name_check(name);
	FUZZ_CHECK(r == (reference(name, IPC_NAME_MAX) == 0 && strncmp(name, "sem.", 4) == 0
				 ? -EINVAL
				 : reference(name, IPC_NAME_MAX)));

	r = ipc_sem_name_check(name);
	FUZZ_CHECK(r == reference(name, IPC_SEM_NAME_MAX));
	FUZZ_CHECK(IPC_SEM_NAME_MAX + 4 == IPC_NAME_MAX);
	free(name);
	return 0;
}
