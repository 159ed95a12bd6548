/* caller.c — the calling process, as /proc shows it (see caller.h). */
#define G_LOG_DOMAIN "ipcfs"

#include "caller.h"

#include <fcntl.h>
#include <glib.h>
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

/* Reads all of /proc/TID/status: the signal masks come after the groups,
 * and a caller with many groups has a long Groups line. */
static GString *read_status(pid_t tid)
{
	char path[32], chunk[4096];
	GString *status;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	status = g_string_sized_new(sizeof(chunk));
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		g_string_append_len(status, chunk, n);
	close(fd);
	return status;
}

bool ipcfs_caller_dying(fuse_req_t req)
{
	/* The kernel turns every fatal signal into SIGKILL pending on each
	 * thread of the dying process (complete_signal()). */
	const unsigned long long kill_bit = 1ULL << (SIGKILL - 1);
	pid_t tid = fuse_req_ctx(req)->pid;
	g_autoptr(GString) status = tid > 0 ? read_status(tid) : NULL;

	if (!status)
		return false;
	return (status_mask(status->str, "\nSigPnd:") | status_mask(status->str, "\nShdPnd:")) &
	       kill_bit;
}
