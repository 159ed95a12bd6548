/* creds.c — per-thread caller credentials (see creds.h). */
#define G_LOG_DOMAIN "ipcfs"

#include "creds.h"
#include "ipcfs.h"

#include <errno.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_GROUPS 256

static int set_thread_groups(size_t n, const gid_t *groups)
{
	return syscall(SYS_setgroups, n, groups) < 0 ? -errno : 0;
}

int ipcfs_creds_enter(fuse_req_t req)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	gid_t groups[MAX_GROUPS];
	int n;
	int r;

	if (!ipcfs_config.as_root || ctx->uid == 0)
		return 0;
	n = fuse_req_getgroups(req, G_N_ELEMENTS(groups), groups);
	if (n < 0)
		return n;
	/* More groups than fit: use the first MAX_GROUPS, never more rights. */
	r = set_thread_groups(MIN(n, MAX_GROUPS), groups);
	if (r < 0)
		return r;
	setfsgid(ctx->gid);
	setfsuid(ctx->uid);
	return 0;
}

void ipcfs_creds_leave(void)
{
	if (!ipcfs_config.as_root)
		return;
	/* fsuid 0 first: it brings back the capabilities the rest needs. */
	setfsuid(0);
	setfsgid(0);
	set_thread_groups(0, NULL);
}
