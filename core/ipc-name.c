/* ipc-name.c — POSIX IPC names as ipcfs sees them.
 */
#include "ipc-name.h"

#include <errno.h>
#include <string.h>

int ipc_name_check(const char *name, size_t max_len)
{
	if (!name[0] || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strchr(name, '/'))
		return -EINVAL;
	if (strlen(name) > max_len)
		return -ENAMETOOLONG;
	return 0;
}
