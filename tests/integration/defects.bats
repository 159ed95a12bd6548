#!/usr/bin/env bats
# Defects of issue 8 that a storm does not show: each test here failed on
# the code before its fix (the comment of each says why it would).
#
# Every test mounts a world-reachable mount point as root with -o allow_other
# (users.bash), as a shared mount on a multi-user machine is.

load lib
load users

teardown() {
	# A test that raised msgsize_max gives the file's namespace its value back.
	[ -z "${MSGSIZE_MAX_WAS:-}" ] || echo "$MSGSIZE_MAX_WAS" >/proc/sys/fs/mqueue/msgsize_max
	[ -z "${PUB:-}" ] || rm -rf "$PUB"
	rm -f "$(kmq .create)"
	end_stopped_child
	shared_mount_teardown
}

# end_stopped_child — kills the child stop_creating_child stopped if the
# daemon has not (its pid is checked to be still the daemon's child).
end_stopped_child() {
	[ -n "${STOPPED_CHILD:-}" ] && [ -n "${IPCFS_PID:-}" ] || return 0
	[ "$(parent_of "$STOPPED_CHILD")" != "$IPCFS_PID" ] || kill -9 "$STOPPED_CHILD"
}

E_NOBUFS="No buffer space available"

# either_gone PID PID — for wait_until: one of them has ended.
either_gone() { pid_gone "$1" || pid_gone "$2"; }

# stop_creating_child — U1 runs mkdir mq/$N.I and stops (SIGSTOP) the
# daemon's child that creates the queue, as any user may: stop-child, run
# as U1, tries until its kill() is allowed. A stop lands only in the
# child's last moments, so the mkdirs are tried again (counted) until one
# is caught while its mkdir still waits for the daemon. Sets STOPPED_CHILD
# and STOPPED_MKDIR (the pid of that mkdir).
stop_creating_child() {
	local i catcher
	as_argv "$U1"
	for ((i = 0; i < 500; i++)); do
		if [ -z "${catcher:-}" ] || pid_gone "$catcher"; then
			bg "$OUT/caught" "${AS[@]}" stop-child "$IPCFS_PID"
			catcher=$BG_PID
		fi
		bg "$OUT/mkdir" "${AS[@]}" mkdir "$MNT/mq/$N.$i"
		STOPPED_MKDIR=$BG_PID
		wait_until -t 10 either_gone "$STOPPED_MKDIR" "$catcher"
		if pid_gone "$catcher"; then
			wait_pid "$catcher"
			STOPPED_CHILD=$(cat "$OUT/caught")
			pid_running "$STOPPED_MKDIR" && return 0
		fi
		wait_pid "$STOPPED_MKDIR" 10
	done
	fail "no child of the daemon could be stopped in time in $i tries"
}

@test "a user who stops the child that creates their queue holds up no one: root's ls and mkdir of mq/ answer, the mount unmounts" {
	# The daemon creates a user's queue in a child that becomes the user,
	# so the user may SIGSTOP it (stop-child, run as the user, tries until
	# its kill() is allowed). The kernel holds mq/'s directory lock for the
	# whole mkdir. Before the fix the worker waited for the child in
	# waitpid() with no deadline: the user's mkdir and root's ls and mkdir
	# of mq/ hung until the child was continued. Now the child must answer
	# within 3 s or is killed.
	stop_creating_child
	local mk=$STOPPED_MKDIR child=$STOPPED_CHILD
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

# parked_or_gone PID — for wait_until: the writer PID waits for the daemon or
# has ended.
parked_or_gone() { in_fuse_wait "$1" || pid_gone "$1"; }

# big_message MARKER — makes $PUB/MARKER, a file the users may read that
# holds $BIG bytes: the 8-byte MARKER, then zeros.
big_message() {
	if [ -z "${PUB:-}" ]; then
		PUB=$(mktemp -d /tmp/ipcfs-messages.XXXXXX)
		chmod 755 "$PUB"
	fi
	{ printf %-8s "$1"; head -c $((BIG - 8)) /dev/zero; } >"$PUB/$1"
}

@test "parked writes are bounded per caller: past 4 MiB a user's write fails with ENOBUFS and sends nothing; another user's still parks; each parked one arrives once" {
	# Before the fix every parked write kept its copy (up to 1 MiB) with no
	# bound: all 16 of U1's 512 KiB writes below parked and none failed.
	local BIG=$((512 * 1024))
	MSGSIZE_MAX_WAS=$(cat /proc/sys/fs/mqueue/msgsize_max)
	echo $BIG >/proc/sys/fs/mqueue/msgsize_max
	# The queue is U1's, charged to U1's RLIMIT_MSGQUEUE (800 KiB), never
	# to root's, which other root processes share.
	as_sh "$U1" 'echo "maxmsg=1 msgsize=$1 mode=0666 $2" > "$3"' $BIG "$N" "$MNT/mq/.create"
	local Q=$MNT/mq/$N i pids=() refused=() parked=()
	printf first >"$Q/send"
	as_argv "$U1"
	# One at a time, 16 writes of 512 KiB (8 MiB): they park or are refused.
	for ((i = 1; i <= 16; i++)); do
		big_message "u1-$i"
		bg "$OUT/w$i" "${AS[@]}" dd if="$PUB/u1-$i" of="$Q/send" bs=$BIG status=none
		pids[i]=$BG_PID
		wait_until parked_or_gone "$BG_PID"
	done
	for ((i = 1; i <= 16; i++)); do
		if pid_gone "${pids[i]}"; then
			wait_pid "${pids[i]}"
			[ "$WAIT_STATUS" != 0 ] || fail "write $i ended before any room: $(cat "$OUT/w$i")"
			assert_match "$E_NOBUFS" "$(cat "$OUT/w$i")" "write $i"
			refused+=("$i")
		else
			parked+=("u1-$i")
		fi
	done
	# 4 MiB per caller: at most 8 of the 512 KiB writes park.
	[ "${#refused[@]}" -ge 8 ] || fail "only ${#refused[@]} of 16 writes refused: ${refused[*]}"
	[ "${#parked[@]}" -ge 1 ] || fail "no write parked"
	# The bound is the caller's: U2's write parks beside U1's.
	big_message u2
	as_argv "$U2"
	bg "$OUT/w-u2" "${AS[@]}" dd if="$PUB/u2" of="$Q/send" bs=$BIG status=none
	local u2=$BG_PID
	wait_until parked_or_gone "$u2"
	pid_running "$u2" || fail "U2's write ended: $(cat "$OUT/w-u2")"
	# Drain: the first message, each parked write once, nothing refused.
	local got=()
	for ((i = 0; i < ${#parked[@]} + 2; i++)); do
		got+=("$(timeout 10 dd if="$Q/recv" bs=8 count=1 status=none | tr -d ' ')")
	done
	assert_eq "$(printf '%s\n' first "${parked[@]}" u2 | sort | xargs)" \
		"$(printf '%s\n' "${got[@]}" | sort | xargs)" "messages received"
	assert_fails_with "$E_AGAIN" dd if="$Q/recv" iflag=nonblock status=none
	for i in "${pids[@]}" "$u2"; do
		wait_pid "$i"
	done
}

@test "readdir offsets: telldir/seekdir round trips over a listing of many READDIR calls; an offset past 32 bits is the end" {
	# Before the fix the daemon cut the offset to 32 bits: seekdir(2^32+1)
	# listed from entry 1 ("..") again instead of the end, so a program
	# walking by cookies could loop.
	local i
	for ((i = 0; i < 400; i++)); do
		: >"/dev/shm/$N-$i"
	done
	local out
	out=$(dir-seek "$MNT/shm" 2>&1) || fail "$out"
	# ., .. and the 400 objects.
	assert_eq "402 entries" "$out"
}

@test "a queue named .create made by a program is not shadowed: listed once, usable, removable; then mq/.create makes queues again" {
	# Before the fix mq/.create was always the file: ls -a listed ".create"
	# twice (the file, and the queue's name), and the queue could not be
	# reached, shown or removed through the mount.
	# The kernel knows the file's entry first; the watcher must replace it.
	[ -f "$MNT/mq/.create" ]
	mq-create .create
	wait_until test -d "$MNT/mq/.create"
	assert_eq 1 "$(ls -a "$MNT/mq" | grep -cx '\.create')" "entries named .create"
	assert_eq "maxmsg 10" "$(grep maxmsg "$MNT/mq/.create/info")"
	echo hi >"$MNT/mq/.create/send"
	assert_eq hi "$(mq-recv .create 2>/dev/null)"
	# Meanwhile the name is the queue's: writing options to it fails plainly.
	shell_fails_with "Is a directory" 'echo "q$1" > "$2"' "$N" "$MNT/mq/.create"
	rmdir "$MNT/mq/.create"
	[ ! -e "$(kmq .create)" ] || fail "the queue is still there"
	# The file is back (the watcher invalidates the name at once).
	wait_until test -f "$MNT/mq/.create"
	assert_eq 1 "$(ls -a "$MNT/mq" | grep -cx '\.create')" "entries named .create"
	mkq "$N" maxmsg=3
	assert_eq 3 "$(info_field "$MNT/mq/$N/info" maxmsg)"
}

@test "a reader in 1000 groups (/proc/TID/status past 4 KiB) is seen dying: a message arriving after its SIGKILL is not taken for it" {
	# The daemon reads the caller's /proc/TID/status to see a SIGKILL
	# pending (SigPnd, after the Groups line). Before the fix it read 4 KiB
	# only: for a caller in many groups it never saw one, and a message
	# arriving before the kernel's INTERRUPT was read went to the dead
	# reader and was lost. To hold the INTERRUPT back, the daemon runs one
	# worker (-s) and a user stops the child it creates a queue in: the
	# worker waits for it (up to 3 s) while the reader is killed and the
	# message sent; only the daemon's event thread answers meanwhile.
	stop_ipcfs
	start_ipcfs -s -o allow_other
	mkq "$N" maxmsg=2
	local Q=$MNT/mq/$N
	bg "$OUT/reader" setpriv --groups "$(seq -s, 1000000000 1000000999)" -- cat "$Q/recv"
	local reader=$BG_PID
	wait_until in_fuse_wait "$reader"
	[ "$(wc -c <"/proc/$reader/status")" -gt 8192 ] || fail "the reader's status is short"
	stop_creating_child
	kill -9 "$reader"
	printf m | mq-send "$N" 0
	wait_pid "$reader"
	# The message was not taken for the dead reader: it is still queued.
	assert_eq m "$(mq-recv "$N" -n 2>/dev/null)"
	wait_pid "$STOPPED_MKDIR"
}

# ignores_sigchld PID — PID has SIGCHLD (17) ignored.
ignores_sigchld() {
	local mask
	mask=$(awk '$1 == "SigIgn:" { print $2 }' "/proc/$1/status")
	(((0x$mask >> 16) & 1))
}

@test "a daemon started with SIGCHLD ignored creates a user's queues: 20 mkdirs succeed, a taken name says EEXIST" {
	# The daemon creates a user's queue in a child. Before the fix the
	# worker read the child's exit status with waitpid(): with SIGCHLD
	# ignored the kernel reaps the child itself, waitpid fails (ECHILD) and
	# the status read was uninitialised, so the mkdir failed or succeeded
	# at random. Now the answer comes over a socket.
	stop_ipcfs
	IPCFS_WRAP=(env --ignore-signal=CHLD)
	start_ipcfs -o allow_other
	ignores_sigchld "$IPCFS_PID" || fail "the daemon does not ignore SIGCHLD"
	local i
	for ((i = 0; i < 20; i++)); do
		as "$U1" mkdir "$MNT/mq/$N.$i"
	done
	assert_eq 20 "$(ls /dev/mqueue | grep -c "^$N\.")"
	assert_fails_with "$E_EXIST" as "$U1" mkdir "$MNT/mq/$N.0"
}
