/* watch.h — the watcher: learns from inotify when another program creates,
 * removes, chmods or chowns an object, and invalidates the kernel's caches
 * at once (watch.c). */
#pragma once

#include "ipcfs.h"

/* Starts the watcher thread on the kernel directories of ipcfs_ns_home; call
 * with all signals blocked. Without inotify, nothing is watched, but the
 * thread still lets go of namespaces under ns/ that no process is in. */
void ipcfs_watch_start(struct fuse_session *se);

/* Ends the thread; no notification is sent after it returns. */
void ipcfs_watch_stop(void);

/* True while every creation, removal and mode or owner change of @kind's
 * objects reaches the kernel's caches at once: names may then be cached long. */
bool ipcfs_watch_covers(const IpcfsKind *kind);
