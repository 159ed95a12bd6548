/* ipc-guard.c — a thread-local recovery point for SIGBUS.
 *
 * One process-wide handler serves every thread. A thread arms its own guard
 * around one access to a shared mapping; a fault the kernel raises while the
 * thread is armed jumps back to ipc_guard_arm()'s caller. Any other SIGBUS
 * restores the default action and lets it kill the process as usual.
 */
#include "ipc-guard.h"

#include <pthread.h>
#include <signal.h>

static _Thread_local sigjmp_buf guard_env;
static _Thread_local volatile sig_atomic_t guard_armed;
static pthread_once_t guard_once = PTHREAD_ONCE_INIT;

static void on_sigbus(int sig, siginfo_t *si, void *ucontext)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};

	/* si_code > 0: raised by the kernel for this thread's own access. */
	if (guard_armed && si->si_code > 0) {
		guard_armed = 0;
		siglongjmp(guard_env, 1);
	}
	sigaction(SIGBUS, &dfl, NULL);
	/* A fault repeats when we return; a signal sent by someone must be
	 * raised again (SA_NODEFER: it is not blocked here). */
	if (si->si_code <= 0)
		raise(SIGBUS);
}

static void install_handler(void)
{
	struct sigaction sa = {
	    .sa_sigaction = on_sigbus,
	    .sa_flags = SA_SIGINFO | SA_NODEFER,
	};

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
}

sigjmp_buf *ipc_guard_arm(void)
{
	pthread_once(&guard_once, install_handler);
	guard_armed = 1;
	return &guard_env;
}

void ipc_guard_disarm(void)
{
	guard_armed = 0;
}
