/* caller.h — what the daemon can tell about the process behind a request. */
#pragma once

#include <fuse_lowlevel.h>
#include <stdbool.h>

/* True if the calling thread is being killed: a fatal signal has reached
 * it. A message handed to it now would die with it, so it gets none.
 * Cheaper and earlier than waiting for the kernel's FUSE_INTERRUPT, which a
 * busy daemon may read only after it has replied. */
bool ipcfs_caller_dying(fuse_req_t req);
