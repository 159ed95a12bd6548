# lib.bash — helpers shared by every ipcfs integration test.
#
# Environment (set by meson): IPCFS = the daemon, IPCFS_INTEROP = directory of
# the interop programs (mq-send, shm-check, ...), IPCFS_VERSION = the project
# version. Tests run inside run.sh's private IPC + mount namespace.
#
# Per test: $N is a unique object name, $MNT the mount point, $LOG the
# daemon's stderr. setup() mounts (unless IPCFS_NO_AUTOMOUNT is set before
# common_setup), teardown() kills background helpers, unmounts, requires a
# clean exit (status 0, no CRITICAL/WARNING in the log unless
# IPCFS_LOG_NOISE_OK=1) and removes every object whose name contains $N.

: "${IPCFS:?IPCFS must name the ipcfs binary}"
: "${IPCFS_INTEROP:?IPCFS_INTEROP must name the interop programs directory}"
PATH="$IPCFS_INTEROP:$PATH"

# Messages the tools print for each errno.
E_EXIST="File exists"
E_MSGSIZE="Message too long"
E_AGAIN="Resource temporarily unavailable"
E_INVAL="Invalid argument"
E_NOENT="No such file or directory"
E_NAMETOOLONG="File name too long"
E_PERM="Operation not permitted|Permission denied"
E_MFILE="Too many open files"
E_NOSPC="No space left on device"

# Bounded waits. Where a wait with a bound is the behaviour under test (an
# interrupt answered within a second, a parked reader or a poll woken, a
# non-blocking call that must not wait), the tests name the promised bound
# and the helpers below (wait_until, wait_pid, took_less_than) allow
# SLACK_SECS more: on a loaded machine (every core busy) starting and
# scheduling the processes involved can take a good part of a second by
# itself. The slack only lengthens the wait before a failure; it never makes
# a passing test slower. Nothing else is timed: work is counted.
SLACK_SECS=3

fail() {
	echo "FAIL: $*" >&2
	return 1
}

# assert_eq EXPECTED ACTUAL [WHAT]
assert_eq() {
	[ "$1" = "$2" ] && return 0
	printf 'FAIL: %s\n  expected: %q\n  got:      %q\n' "${3:-value}" "$1" "$2" >&2
	return 1
}

# assert_match REGEX TEXT [WHAT] — extended regex, anywhere in TEXT.
assert_match() {
	grep -Eq -- "$1" <<<"$2" && return 0
	printf 'FAIL: %s\n  expected to match: %s\n  got: %q\n' "${3:-text}" "$1" "$2" >&2
	return 1
}

# assert_fails_with REGEX CMD... — CMD must exit non-zero and print (stdout
# or stderr) something matching REGEX, e.g. "$E_EXIST".
assert_fails_with() {
	local want=$1 out rc
	shift
	out=$("$@" 2>&1) && rc=0 || rc=$?
	if [ "$rc" = 0 ]; then
		printf 'FAIL: succeeded, expected /%s/: %s\n  output: %q\n' "$want" "$*" "$out" >&2
		return 1
	fi
	assert_match "$want" "$out" "error of: $*"
}

# errno_of 'SHELL CODE' [ARGS...] — runs the code in bash (ARGS as $1...),
# prints its combined output and never fails; for ad-hoc inspection.
errno_of() {
	bash -c "$1" errno_of "${@:2}" 2>&1 || true
}

# shell_fails_with REGEX 'SHELL CODE' [ARGS...] — e.g.
#   shell_fails_with "$E_MSGSIZE" 'printf %s "$1" > "$2"' "$big" "$Q/send"
shell_fails_with() {
	assert_fails_with "$1" bash -c "$2" shell_fails_with "${@:3}"
}

# wait_until [-t SECONDS] CMD... — polls CMD every 50 ms until it succeeds;
# fails once SECONDS (default 5) plus SLACK_SECS have passed.
wait_until() {
	local secs=5
	if [ "$1" = -t ]; then
		secs=$2
		shift 2
	fi
	local limit=$((secs + SLACK_SECS))
	local deadline=$((SECONDS + limit + 1)) start=$EPOCHREALTIME
	while :; do
		"$@" && return 0
		if ((SECONDS >= deadline)) || [ "$(elapsed_since "$start")" -ge $((limit * 1000)) ]; then
			fail "not true within ${secs}s (+${SLACK_SECS}s slack): $*"
			return 1
		fi
		sleep 0.05
	done
}

# elapsed_since EPOCHREALTIME-value — milliseconds since then.
elapsed_since() {
	local now=${EPOCHREALTIME/[.,]/} then=${1/[.,]/}
	echo $(((now - then) / 1000))
}

# pid_running PID — true while PID exists and is not a zombie.
pid_running() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

pid_gone() { ! pid_running "$1"; }

# in_fuse_wait PID — PID sleeps in the kernel waiting for the daemon's
# answer (a parked read, write or sem wait), not just starting up.
in_fuse_wait() {
	local w=
	read -r w <"/proc/$1/wchan" 2>/dev/null
	[ "$w" = request_wait_answer ]
}

# wait_pid PID [SECONDS] — waits at most SECONDS (default 5, plus
# SLACK_SECS) for a background job; sets WAIT_STATUS to its exit status.
# Fails (and kills it) on timeout.
wait_pid() {
	local pid=$1 secs=${2:-5}
	WAIT_STATUS=
	if ! wait_until -t "$secs" pid_gone "$pid"; then
		local what
		what="$(tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null)state $(awk '{print $3}' /proc/"$pid"/stat 2>/dev/null) in $(cat /proc/"$pid"/wchan 2>/dev/null)"
		kill -9 "$pid" 2>/dev/null
		fail "pid $pid still running after ${secs}s (+${SLACK_SECS}s slack): $what"
		return 1
	fi
	wait "$pid" && WAIT_STATUS=0 || WAIT_STATUS=$?
}

# bg OUTFILE CMD... — starts CMD in the background (stdout+stderr to
# OUTFILE, fd 3 closed for bats), remembers it for teardown, sets BG_PID.
bg() {
	local out=$1
	shift
	"$@" >"$out" 2>&1 3>&- &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}

# start_ipcfs [OPTIONS...] — mounts $MNT in the foreground (as a job) and
# waits up to 10 s for the mount, SIGINT at its default. ${IPCFS_WRAP[@]} (e.g. prlimit ... --)
# is put before the daemon.
start_ipcfs() {
	# A background job of a non-interactive shell starts with SIGINT and
	# SIGQUIT ignored, and libfuse keeps ignored signals ignored: give the
	# daemon the dispositions it has when a user starts it in a terminal.
	local defsig=(env --default-signal=INT,QUIT)
	"${defsig[@]}" true 2>/dev/null || defsig=()
	"${defsig[@]}" "${IPCFS_WRAP[@]}" "$IPCFS" "$@" -f "$MNT" 2>>"$LOG" >>"$LOG" 3>&- </dev/null &
	IPCFS_PID=$!
	local i
	for ((i = 0; i < 200; i++)); do
		mountpoint -q "$MNT" && return 0
		if pid_gone "$IPCFS_PID"; then
			wait "$IPCFS_PID"
			fail "ipcfs exited with status $? before mounting; log:"$'\n'"$(cat "$LOG")"
			IPCFS_PID=
			return 1
		fi
		sleep 0.05
	done
	fail "ipcfs did not mount $MNT within 10 s; log:"$'\n'"$(cat "$LOG")"
	return 1
}

# check_log — the daemon's log has no CRITICAL/WARNING lines (unless the
# test set IPCFS_LOG_NOISE_OK=1).
check_log() {
	[ "${IPCFS_LOG_NOISE_OK:-}" = 1 ] && return 0
	if grep -Eq 'CRITICAL|WARNING' "$LOG" 2>/dev/null; then
		fail "daemon log has warnings:"$'\n'"$(cat "$LOG")"
		return 1
	fi
}

# stop_ipcfs — unmounts with fusermount3 -u, requires the daemon to exit 0
# within 10 s and a clean log.
stop_ipcfs() {
	[ -n "${IPCFS_PID:-}" ] || return 0
	local pid=$IPCFS_PID
	IPCFS_PID=
	if ! fusermount3 -u "$MNT"; then
		fail "fusermount3 -u $MNT failed; log:"$'\n'"$(cat "$LOG")"
		fusermount3 -u -z "$MNT" 2>/dev/null
		kill -TERM "$pid" 2>/dev/null
		wait_pid "$pid" 10 || kill -9 "$pid"
		return 1
	fi
	wait_pid "$pid" 10 || return 1
	[ "$WAIT_STATUS" = 0 ] ||
		{ fail "ipcfs exited with status $WAIT_STATUS; log:"$'\n'"$(cat "$LOG")"; return 1; }
	check_log
}

# Paths of the real objects.
kmq() { echo "/dev/mqueue/$1"; }
kshm() { echo "/dev/shm/$1"; }
ksem() { echo "/dev/shm/sem.$1"; }

# info_field FILE KEY — value of "KEY value" in a text file of the mount.
info_field() {
	awk -v k="$2" '$1 == k { print $2 }' "$1"
}

# mkq NAME [OPTION...] — creates queue NAME through mq/.create, e.g.
#   mkq q maxmsg=3 msgsize=64   or   mkq q "maxmsg=3 msgsize=64"
mkq() {
	local name=$1
	shift
	printf '%s\n' "${*:+$* }$name" >"$MNT/mq/.create"
}

# curmsgs NAME — messages waiting in queue NAME, from its info file.
curmsgs() { info_field "$MNT/mq/$1/info" curmsgs; }

# took_less_than MS START — a bounded wait: elapsed since START
# (EPOCHREALTIME) is below the promised MS plus SLACK_SECS. Only for a wait
# whose bound is the behaviour under test, never for work.
took_less_than() {
	local ms
	ms=$(elapsed_since "$2")
	[ "$ms" -lt $(($1 + SLACK_SECS * 1000)) ] ||
		fail "took $ms ms (bound $1 ms, +${SLACK_SECS} s slack for a loaded machine)"
}

# content_is FILE TEXT / field_is FILE KEY VALUE — for wait_until (they read
# the file on every try).
content_is() { [ "$(cat "$1" 2>/dev/null)" = "$2" ]; }
field_is() { [ "$(info_field "$1" "$2" 2>/dev/null)" = "$3" ]; }

# listed DIR NAME — NAME is an entry of `ls DIR`.
listed() { ls "$1" | grep -Fxq -- "$2"; }
not_listed() { ! listed "$@"; }

common_setup() {
	N="t${BATS_TEST_NUMBER}_$$"
	MNT="$BATS_TEST_TMPDIR/mnt"
	LOG="$BATS_TEST_TMPDIR/ipcfs.log"
	OUT="$BATS_TEST_TMPDIR"
	BG_PIDS=()
	IPCFS_PID=
	IPCFS_WRAP=()
	IPCFS_LOG_NOISE_OK=
	mkdir -p "$MNT"
	: >"$LOG"
	if [ -z "${IPCFS_NO_AUTOMOUNT:-}" ]; then
		start_ipcfs
	fi
}

# remove_objects — unlinks every object whose name contains $N, also
# through a private mqueue mount when /dev/mqueue is not mounted.
remove_objects() {
	rm -f /dev/shm/*"$N"* 2>/dev/null
	if mountpoint -q /dev/mqueue; then
		rm -f /dev/mqueue/*"$N"* 2>/dev/null
	else
		local d="$BATS_TEST_TMPDIR/mq-cleanup"
		mkdir -p "$d"
		if mount -t mqueue mqueue "$d" 2>/dev/null; then
			rm -f "$d"/*"$N"*
			umount "$d"
		fi
	fi
	return 0
}

# parent_of PID — the parent's pid, or nothing if PID is gone.
parent_of() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	stat=${stat##*) } # after the command name, which may hold anything
	set -- $stat
	echo "$2"
}

# my_child PID — PID is still a child of this shell (running or a zombie).
# Once reaped, its pid may be any process's, even another user's of the
# machine: pids wrap quickly under load.
my_child() { [ "$(parent_of "$1")" = "$BASHPID" ]; }

common_teardown() {
	local rc=0 pid mine=()
	for pid in "${BG_PIDS[@]}"; do
		my_child "$pid" && mine+=("$pid")
	done
	for pid in "${mine[@]}"; do
		kill -9 "$pid" 2>/dev/null
	done
	for pid in "${mine[@]}"; do
		wait_pid "$pid" 5 >/dev/null 2>&1
	done
	if [ -n "${IPCFS_PID:-}" ]; then
		stop_ipcfs || rc=1
	elif mountpoint -q "$MNT"; then
		fusermount3 -u -z "$MNT"
	fi
	echo 1024 >/proc/sys/fs/mqueue/queues_max
	remove_objects
	return $rc
}

setup() { common_setup; }
teardown() { common_teardown; }
