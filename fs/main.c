/* main.c — the ipcfs daemon: options, session, mount, loop, clean exit.
 *
 * Reads top to bottom: parse the command line, open the kernel's IPC
 * directories (joining the target's IPC namespace with -o target), create
 * the FUSE session, install signal handlers, mount, daemonize, start the
 * watcher, the event thread and the waiter pool, run the multithreaded loop,
 * then answer whatever still waits and unmount.
 */
#define G_LOG_DOMAIN "ipcfs"

#include "holders.h"
#include "ipc-shm.h"
#include "later.h"
#include "node.h"
#include "ns.h"
#include "target.h"
#include "tree.h"
#include "watch.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_READ 524288 /* 512 KiB */

IpcfsConfig ipcfs_config;

struct ipcfs_options {
	unsigned long maxmsg;
	unsigned long msgsize;
	char *target; /* target=PID, or NULL (strdup()ed by libfuse: free) */
	/* The words that are not options, [SOURCE] MOUNTPOINT (g_free). */
	char *words[2];
	unsigned int nwords;
};

/* ipcfs's own -o options; the rest are libfuse's. */
#define IPCFS_OPT(templ, field) {templ, offsetof(struct ipcfs_options, field), 0}

static const struct fuse_opt ipcfs_opt_spec[] = {
	IPCFS_OPT("maxmsg=%lu", maxmsg),
	IPCFS_OPT("msgsize=%lu", msgsize),
	IPCFS_OPT("target=%s", target),
	IPCFS_OPT("--target=%s", target),
	FUSE_OPT_END,
};

#define USAGE "usage: %s [options] [SOURCE] MOUNTPOINT\n"

static void print_usage(const char *prog)
{
	printf(USAGE "\n"
	       "Presents the kernel's POSIX message queues (mq/), shared memory\n"
	       "objects (shm/) and named semaphores (sem/), and System V segments,\n"
	       "queues and semaphore sets (sysv/), as files.\n"
	       "SOURCE is the word mount(8) passes from fstab (by convention\n"
	       "\"ipcfs\"); it only names the mount in /proc/mounts.\n"
	       "Unmount with: fusermount3 -u MOUNTPOINT (or umount as root)\n"
	       "Manual: man 8 ipcfs\n\n"
	       "ipcfs options:\n"
	       "    -o maxmsg=N            capacity of queues made by mkdir\n"
	       "                           (default: the kernel's msg_default)\n"
	       "    -o msgsize=N           largest message of queues made by mkdir\n"
	       "                           (default: the kernel's msgsize_default)\n"
	       "    -o target=PID          serve the IPC namespace and /dev/shm of process\n"
	       "                           PID (a container's) instead of the daemon's own;\n"
	       "                           also --target=PID\n"
	       "    -o allow_other         let other users in (mounted as root, every\n"
	       "                           request runs with its caller's credentials)\n\n",
	       prog);
	fuse_cmdline_help();
	fuse_lowlevel_help();
}

/* Collects the words that are not options: mount(8) runs
 * "ipcfs SOURCE MOUNTPOINT -o ...", which fuse_parse_cmdline would refuse. */
static int ipcfs_opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct ipcfs_options *opts = data;

	if (key != FUSE_OPT_KEY_NONOPT)
		return 1; /* libfuse's option: keep it */
	if (opts->nwords == G_N_ELEMENTS(opts->words)) {
		g_printerr("ipcfs: unexpected argument '%s'\n" USAGE, arg, outargs->argv[0]);
		return -1;
	}
	opts->words[opts->nwords++] = g_strdup(arg);
	return 0;
}

/* Gives the mount point back to fuse_parse_cmdline, and names the mount
 * "SOURCE on MOUNTPOINT type fuse.ipcfs" (source "ipcfs" without SOURCE),
 * so that mount -a sees an fstab line as mounted. Options given later on
 * the command line win. */
static int put_back_words(struct fuse_args *args, const struct ipcfs_options *opts)
{
	g_autofree char *fsname = NULL;
	char *names = NULL; /* grown by libfuse with realloc(): free() */
	int r;

	if (opts->nwords == 0)
		return 0;
	r = fuse_opt_add_opt(&names, "-osubtype=ipcfs");
	if (r == 0 && opts->nwords == 2) {
		fsname = g_strconcat("fsname=", opts->words[0], NULL);
		r = fuse_opt_add_opt_escaped(&names, fsname);
	}
	if (r == 0)
		r = fuse_opt_insert_arg(args, 1, names);
	free(names);
	if (r < 0)
		return -1;
	return fuse_opt_add_arg(args, opts->words[opts->nwords - 1]);
}

static void ipcfs_init(void *userdata, struct fuse_conn_info *conn)
{
	/* Big messages and shm blocks in one request (libfuse 3.14 caps
	 * requests at 256 pages). Replies stay at 512 KiB: with its header, a
	 * 1 MiB reply no longer fits the largest pipe an unprivileged process
	 * may make (pipe-max-size), and libfuse then gives up splicing. */
	conn->max_write = 1 << 20;
	conn->max_read = MAX_READ;
	/* One read(2) of a message file must stay one request, in order. */
	conn->want &= ~FUSE_CAP_ASYNC_DIO;
	if (conn->capable & FUSE_CAP_SPLICE_WRITE)
		conn->want |= FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE;
}

static const struct fuse_lowlevel_ops *ipcfs_ops(void)
{
	static struct fuse_lowlevel_ops ops = {.init = ipcfs_init};

	ipcfs_tree_ops(&ops);
	ipcfs_file_ops(&ops);
	return &ops;
}

/* Many blocked readers each hold a queue descriptor: allow as many as we may. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* The daemon's own /dev/shm and mqueue filesystem, or the target's. */
static int open_ipc_dirs(const char *target)
{
	int r;

	if (target) {
		if (ipcfs_target_open(target) < 0)
			return -1;
	} else {
		ipcfs_ns_home.shm_dirfd = ipc_shm_dir_open();
		if (ipcfs_ns_home.shm_dirfd < 0) {
			g_printerr("ipcfs: cannot open /dev/shm: %s\n",
				   g_strerror(-ipcfs_ns_home.shm_dirfd));
			return -1;
		}
	}
	if (ipcfs_ns_home.mq_dirfd < 0)
		ipcfs_ns_home.mq_dirfd = ipc_mq_dir_open();
	if (ipcfs_ns_home.mq_dirfd < 0)
		g_warning("mq/ cannot list queues: /dev/mqueue is not mounted and a private "
			  "mqueue mount needs root (%s); mount it with: "
			  "mount -t mqueue none /dev/mqueue",
			  g_strerror(-ipcfs_ns_home.mq_dirfd));
	r = ipcfs_ns_home_init();
	if (r < 0)
		g_printerr("ipcfs: cannot open its own IPC namespace: %s\n", g_strerror(-r));
	return r < 0 ? -1 : 0;
}

/* Threads of ours must never take the signals meant to end the session. */
static int start_services(struct fuse_session *se)
{
	sigset_t all, old;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = ipcfs_later_init();
	if (r == 0)
		ipcfs_watch_start(se);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

static int run(struct fuse_session *se, const struct fuse_cmdline_opts *opts)
{
	struct fuse_loop_config *cfg;
	int r;

	if (start_services(se) < 0)
		return -1;
	if (opts->singlethread) {
		r = fuse_session_loop(se);
	} else {
		cfg = fuse_loop_cfg_create();
		fuse_loop_cfg_set_clone_fd(cfg, opts->clone_fd);
		fuse_loop_cfg_set_max_threads(cfg, opts->max_threads);
		r = fuse_session_loop_mt(se, cfg);
		fuse_loop_cfg_destroy(cfg);
	}
	ipcfs_watch_stop();
	ipcfs_later_shutdown();
	return r;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct ipcfs_options opts = {0};
	struct fuse_cmdline_opts cmd = {0};
	struct fuse_session *se;
	int ret = 1;

	if (fuse_opt_parse(&args, &opts, ipcfs_opt_spec, ipcfs_opt_proc) < 0 ||
	    put_back_words(&args, &opts) < 0 || fuse_parse_cmdline(&args, &cmd) < 0)
		goto out_args;
	if (cmd.show_help) {
		print_usage(argv[0]);
		ret = 0;
		goto out_args;
	}
	if (cmd.show_version) {
		printf("ipcfs %s\nFUSE library %s\n", IPCFS_VERSION, fuse_pkgversion());
		ret = 0;
		goto out_args;
	}
	if (!cmd.mountpoint) {
		g_printerr("ipcfs: no mount point given (try --help)\n" USAGE, argv[0]);
		goto out_args;
	}
	if (cmd.debug)
		g_log_set_debug_enabled(TRUE);
	ipcfs_config.mq_maxmsg = opts.maxmsg;
	ipcfs_config.mq_msgsize = opts.msgsize;
	ipcfs_config.as_root = geteuid() == 0;
	/* Modes arrive already masked by the caller's umask. */
	umask(0);
	raise_fd_limit();
	/* Before any thread starts: every thread inherits the namespace. */
	if (open_ipc_dirs(opts.target) < 0)
		goto out_args;
	ipcfs_nodes_init();
	ipcfs_tree_init();

	/* The kernel takes max_read from the mount options only. */
	fuse_opt_add_arg(&args, "-omax_read=" G_STRINGIFY(MAX_READ));
	se = fuse_session_new(&args, ipcfs_ops(), sizeof(struct fuse_lowlevel_ops), NULL);
	if (!se)
		goto out_nodes;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (fuse_session_mount(se, cmd.mountpoint) != 0)
		goto out_signals;
	if (fuse_daemonize(cmd.foreground) != 0)
		goto out_unmount;
	ipcfs_holders_init(cmd.mountpoint);
	ret = run(se, &cmd) < 0 ? 1 : 0;
	ipcfs_holders_free();

out_unmount:
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_nodes:
	ipcfs_nodes_free();
	ipcfs_ns_home_free();
out_args:
	g_free(opts.words[0]);
	g_free(opts.words[1]);
	free(opts.target);
	free(cmd.mountpoint);
	fuse_opt_free_args(&args);
	return ret;
}
