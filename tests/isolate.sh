#!/bin/bash
# isolate.sh [--no-mqueue] COMMAND [ARG...] — runs COMMAND in a private IPC +
# mount namespace, so nothing a test makes can outlive it, even when the test
# dies half-way.
#
# Inside: a fresh tmpfs on /dev/shm, a fresh mqueue on /dev/mqueue (none with
# --no-mqueue), queues_max raised to 1024 and msgsize_default lowered to 1024
# so default-size queues stay cheap (root's RLIMIT_MSGQUEUE of 800 KiB is
# shared with every other root process on the machine). Needs root; exits 77
# (meson's "skipped") otherwise.
set -eu
mqueue=yes
if [ "${1-}" = --no-mqueue ]; then
	mqueue=no
	shift
fi
if [ "$(id -u)" != 0 ]; then
	echo "isolate.sh: needs root for a private IPC + mount namespace" >&2
	exit 77
fi
exec unshare --ipc --mount --propagation private -- bash -c '
	set -eu
	mount -t tmpfs -o mode=1777 tmpfs /dev/shm
	if [ "$1" = yes ]; then
		mkdir -p /dev/mqueue
		mount -t mqueue mqueue /dev/mqueue
	else
		while mountpoint -q /dev/mqueue 2>/dev/null; do umount -l /dev/mqueue; done
	fi
	echo 1024 > /proc/sys/fs/mqueue/queues_max
	echo 1024 > /proc/sys/fs/mqueue/msgsize_default
	shift
	exec "$@"' isolate.sh "$mqueue" "$@"
