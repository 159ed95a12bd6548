#!/bin/bash
# run.sh FILE.bats — runs one bats file in a private IPC + mount namespace.
#
# Inside: a fresh tmpfs on /dev/shm, a fresh mqueue on /dev/mqueue (unless the
# file's name ends in -nomqueue.bats, which gets none), queues_max raised to
# 1024 and msgsize_default lowered to 1024 so default-size queues stay cheap
# (root's RLIMIT_MSGQUEUE of 800 KiB is shared with every other root process
# on the machine). Nothing a test makes can leak out of the namespace.
set -eu
file=$1
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root for a private IPC + mount namespace"
	exit 0
fi
exec unshare --ipc --mount --propagation private -- bash -c '
	set -eu
	mount -t tmpfs -o mode=1777 tmpfs /dev/shm
	case "$1" in
	*-nomqueue.bats)
		while mountpoint -q /dev/mqueue 2>/dev/null; do umount -l /dev/mqueue; done ;;
	*)
		mkdir -p /dev/mqueue
		mount -t mqueue mqueue /dev/mqueue ;;
	esac
	echo 1024 > /proc/sys/fs/mqueue/queues_max
	echo 1024 > /proc/sys/fs/mqueue/msgsize_default
	exec bats --tap "$1"' run.sh "$file"
