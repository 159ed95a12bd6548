/* caller.c — the calling process, as /proc shows it (see caller.h). */
#define G_LOG_DOMAIN "ipcfs"

#include "caller.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads the hex signal mask that follows @field in /proc/TID/status. */
static unsigned long long status_mask(const char *status, const char *field)
{
	const char *p = strstr(status, field);

	return p ? strtoull(p + strlen(field), NULL, 16) : 0;
}

bool ipcfs_caller_dying(fuse_req_t req)
{
	/* The kernel turns every fatal signal into SIGKILL pending on each
	 * thread of the dying process (complete_signal()). */
	const unsigned long long kill_bit = 1ULL << (SIGKILL - 1);
	pid_t tid = fuse_req_ctx(req)->pid;
	char path[32], status[4096];
	ssize_t n;
	int fd;

	if (tid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, status, sizeof(status) - 1);
	close(fd);
	if (n <= 0)
		return false;
	status[n] = '\0';
	return (status_mask(status, "\nSigPnd:") | status_mask(status, "\nShdPnd:")) & kill_bit;
}
