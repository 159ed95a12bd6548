# guest.bash — test "containers" for the files that look into another IPC
# namespace (containers.bats: -o target=PID, ns.bats: MOUNT/ns/).
#
# A container is ns-guest (tests/interop) started by unshare in its own IPC,
# mount and PID namespaces, with its own tmpfs on /dev/shm: it makes a queue
# pair, a shm object, a semaphore and a System V segment (key $KEY) there,
# then answers messages. The "host" is the test's own namespace (run.sh).
#
# Load after lib. guest_setup/guest_teardown are the files' setup and
# teardown; nothing is mounted automatically.

IPCFS_NO_AUTOMOUNT=1

guest_setup() {
	common_setup
	KEY=$(printf '%x' $((0x1c000000 + ($$ % 65536) * 64 + BATS_TEST_NUMBER)))
	PUBLIC_MNT=
	GUEST_MQ=
}

guest_teardown() {
	local rc=0
	common_teardown || rc=1
	[ -z "$PUBLIC_MNT" ] || rmdir "$PUBLIC_MNT"
	return $rc
}

guest_ready() { grep -qx ready "$GUEST_OUT"; }

# start_guest [SETUP] [NAME] — starts a container whose objects are named
# NAME (default $N); SETUP is shell code that sets up its /dev/shm (default,
# or if empty: a tmpfs of its own). GUEST is ns-guest's PID as seen here,
# GUEST_RUNNER that of the unshare above it (also in the guest's IPC and
# mount namespaces), GUEST_OUT the file of their output.
start_guest() {
	local shm_setup=${1:-'mount -t tmpfs -o mode=1777 tmpfs /dev/shm'} name=${2:-$N}
	GUEST_OUT=$OUT/guest-$name.out
	bg "$GUEST_OUT" unshare --ipc --mount --propagation private --pid --fork --kill-child -- \
		sh -c "$shm_setup"' && exec "$@"' sh ns-guest "$name" "$KEY"
	GUEST_RUNNER=$BG_PID
	wait_until guest_ready
	GUEST=
	read -r GUEST <"/proc/$GUEST_RUNNER/task/$GUEST_RUNNER/children" || true
	[ -n "$GUEST" ] || fail "no guest process under unshare $GUEST_RUNNER"
}

# use_public_mnt — a mount point that users other than root can reach
# (bats' own directories are 0700); teardown removes it.
use_public_mnt() {
	PUBLIC_MNT=$(mktemp -d /tmp/ipcfs-guest.XXXXXX)
	chmod 755 "$PUBLIC_MNT"
	MNT=$PUBLIC_MNT
}

# as_nobody CMD... — runs CMD as user nobody, no groups, no capabilities.
# NOBODY is its command prefix, for `bg` (a shell function would put a
# subshell between BG_PID and the command).
NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
as_nobody() { "${NOBODY[@]}" "$@"; }

# to_guest TEXT / from_guest — one message to the guest named $N, one from
# it, through the queues in $GUEST_MQ (default: the mount's mq/).
to_guest() { printf %s "$1" >"${GUEST_MQ:-$MNT/mq}/$N-in/send"; }
from_guest() { timeout 5 cat "${GUEST_MQ:-$MNT/mq}/$N-out/recv"; }

# ls_of DIR — the entries of DIR on one line.
ls_of() { ls "$1" | tr '\n' ' '; }
