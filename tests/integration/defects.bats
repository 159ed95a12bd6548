#!/usr/bin/env bats
# Defects of issue 8 that a storm does not show: each test here failed on
# the code before its fix (the comment of each says why it would).
#
# Every test mounts a world-reachable mount point as root with -o allow_other
# (users.bash), as a shared mount on a multi-user machine is.

load lib
load users

IPCFS_NO_AUTOMOUNT=1

setup_file() { users_create; }
teardown_file() { users_remove; }
setup() { shared_mount_setup; }
teardown() { shared_mount_teardown; }

# either_gone PID PID — for wait_until: one of them has ended.
either_gone() { pid_gone "$1" || pid_gone "$2"; }

@test "a user who stops the child that creates their queue holds up no one: root's ls and mkdir of mq/ answer, the mount unmounts" {
	# The daemon creates a user's queue in a child that becomes the user,
	# so the user may SIGSTOP it (stop-child, run as the user, tries until
	# its kill() is allowed). The kernel holds mq/'s directory lock for the
	# whole mkdir. Before the fix the worker waited for the child in
	# waitpid() with no deadline: the user's mkdir and root's ls and mkdir
	# of mq/ hung until the child was continued. Now the child must answer
	# within 3 s or is killed.
	bg "$OUT/caught" as "$U1" stop-child "$IPCFS_PID"
	local catcher=$BG_PID mk= i
	# A stop lands only in the child's last moments: try (counted) again.
	for ((i = 0; i < 500; i++)); do
		bg "$OUT/mkdir" as "$U1" mkdir "$MNT/mq/$N.$i"
		mk=$BG_PID
		wait_until -t 10 either_gone "$mk" "$catcher"
		pid_gone "$catcher" && break
		wait_pid "$mk" 10
	done
	pid_gone "$catcher" || fail "no child of the daemon could be stopped in $i tries"
	local child
	child=$(cat "$OUT/caught")
	BG_PIDS+=("$child")
	# Root is not held up past the child's deadline (3 s).
	bg "$OUT/ls" ls "$MNT/mq"
	wait_pid "$BG_PID" 3
	assert_eq 0 "$WAIT_STATUS" "root's ls mq/: $(cat "$OUT/ls")"
	bg "$OUT/mkdir-root" mkdir "$MNT/mq/root$N"
	wait_pid "$BG_PID" 3
	assert_eq 0 "$WAIT_STATUS" "root's mkdir mq/root$N: $(cat "$OUT/mkdir-root")"
	# The user's own mkdir ends too, failed (EINTR) or done.
	wait_pid "$mk" 3
	# The stopped child is gone (killed and reaped), not left stopped.
	wait_until pid_gone "$child"
	listed "$MNT/mq" "root$N"
}
