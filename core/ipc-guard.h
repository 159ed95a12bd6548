/* ipc-guard.h — survive SIGBUS while touching a shared mapping.
 *
 * Another process may shrink a shared memory file at any moment; touching the
 * mapping past the new end raises SIGBUS. IPC_GUARDED(expr) evaluates expr with
 * a thread-local recovery point armed: if it faults with SIGBUS, the statement
 * yields -EFAULT instead of killing the process. SIGBUS that happens outside a
 * guard keeps its default action. The first use installs a process-wide SIGBUS
 * handler (chaining to nothing: an unguarded SIGBUS still kills).
 *
 * Usage:   int r = IPC_GUARDED(sem_post(s) < 0 ? -errno : 0);
 */
#pragma once

#include <errno.h>
#include <setjmp.h>

sigjmp_buf *ipc_guard_arm(void);
void ipc_guard_disarm(void);

#define IPC_GUARDED(expr)                                                                          \
	({                                                                                         \
		int ipc_guard_r_;                                                                  \
		if (sigsetjmp(*ipc_guard_arm(), 1) == 0)                                           \
			ipc_guard_r_ = (expr);                                                     \
		else                                                                               \
			ipc_guard_r_ = -EFAULT;                                                    \
		ipc_guard_disarm();                                                                \
		ipc_guard_r_;                                                                      \
	})
