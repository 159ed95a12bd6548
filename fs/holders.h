/* holders.h — who holds what (SPEC section 7): the holders file of every
 * object, and the pipes/ directory (holders.c). */
#pragma once

#include "ipcfs.h"

/* Learns where the mount is (its ID and device in /proc/self/mountinfo), so
 * that the scan can tell its files apart and never stat them. Call after
 * mounting @mountpoint. */
void ipcfs_holders_init(const char *mountpoint);
void ipcfs_holders_free(void);
