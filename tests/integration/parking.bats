#!/usr/bin/env bats
# Issue 3: blocked requests are parked, not blocked. A thousand parked
# readers tie up no worker; interrupts (SIGINT, SIGTERM, SIGKILL, timeout)
# return promptly and lose nothing; poll/select and O_NONBLOCK report the
# queue's state; unmount and SIGTERM answer parked requests and lose nothing.

load lib

# all_in_fuse_wait PID... — every PID is in_fuse_wait.
all_in_fuse_wait() {
	local p
	for p in "$@"; do
		in_fuse_wait "$p" || return 1
	done
}

# in_poll PID — PID sleeps in poll(2)/select(2).
in_poll() {
	local w=
	read -r w <"/proc/$1/wchan" 2>/dev/null
	[[ "$w" == *poll* || "$w" == *select* ]]
}

# none_running PID... — every PID has ended.
none_running() {
	local p
	for p in "$@"; do
		pid_running "$p" && return 1
	done
	return 0
}

# state PID — the process state letter and where it sleeps, for messages.
state() { echo "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) $(cat "/proc/$1/wchan" 2>/dev/null)"; }

@test "1000 readers parked on one empty queue tie up no worker; 1000 messages reach each exactly once" {
	mkq "$N" "maxmsg=10 msgsize=64"
	local readers=() i
	for ((i = 1; i <= 1000; i++)); do
		cat "$MNT/mq/$N/recv" >"$OUT/r.$i" 2>"$OUT/e.$i" 3>&- &
		readers+=($!)
		BG_PIDS+=($!)
	done
	# Parked: every reader sleeps waiting for its read's answer. Starting
	# 1000 processes is work whose time depends on the machine: the
	# deadline is only a guard against a hang.
	wait_until -t 120 all_in_fuse_wait "${readers[@]}"
	assert_eq 0 "$(timeout 5 cat "$MNT/mq/$N/info" | awk '$1 == "curmsgs" {print $2}')" "curmsgs while parked"

	# Each completes: a tied-up worker would hang it (the timeouts only turn
	# a hang into a failure; nothing is timed).
	timeout 5 ls "$MNT/mq" >"$OUT/ls" || fail "ls mq/ did not complete: status $?"
	grep -Fxq "$N" "$OUT/ls" || fail "ls mq/ does not list $N: $(cat "$OUT/ls")"
	timeout 5 cat "$MNT/mq/$N/info" >"$OUT/info" || fail "cat info did not complete"
	assert_match '^maxmsg 10$' "$(cat "$OUT/info")" "info"
	timeout 5 mkdir "$MNT/mq/$N.other" || fail "mkdir did not complete"
	timeout 5 bash -c 'echo other > "$1"' x "$MNT/mq/$N.other/send" || fail "send to another queue did not complete"
	assert_eq other "$(timeout 5 cat "$MNT/mq/$N.other/recv")" "receive from another queue"
	timeout 5 mkdir "$MNT/sem/$N" || fail "mkdir sem/ did not complete"
	# Nobody got anything yet.
	all_in_fuse_wait "${readers[@]}" || fail "a reader returned on an empty queue"

	for ((i = 1; i <= 1000; i++)); do
		timeout 10 bash -c 'echo "m$1" > "$2"' x "$i" "$MNT/mq/$N/send" ||
			fail "send of m$i failed or hung: status $?"
	done
	wait_until -t 120 none_running "${readers[@]}" # a guard against a hang only
	local bad=0
	for ((i = 1; i <= 1000; i++)); do
		wait "${readers[i - 1]}" || { bad=$((bad + 1)); echo "reader $i: status $? $(cat "$OUT/e.$i")" >&2; }
	done
	assert_eq 0 "$bad" "readers that failed"
	# Every reader got exactly one message, and all 1000 were handed out once.
	assert_eq 1000 "$(cat "$OUT"/r.* | wc -l)" "lines received"
	for ((i = 1; i <= 1000; i++)); do echo "m$i"; done | sort >"$OUT/want"
	cat "$OUT"/r.* | sort >"$OUT/got"
	diff "$OUT/want" "$OUT/got" >&2 || fail "messages lost or duplicated"
	local multi
	multi=$(for ((i = 1; i <= 1000; i++)); do [ "$(wc -l <"$OUT/r.$i")" = 1 ] || echo "r.$i"; done)
	assert_eq "" "$multi" "readers without exactly one message"
	assert_eq 0 "$(curmsgs "$N")" "curmsgs at the end"
}

@test "timeout 1 / timeout -s KILL 1 cat recv on an empty queue return within 2 s (date +%s%N); the next reader gets the next message" {
	mkdir "$MNT/mq/$N"
	local start sig
	for sig in TERM KILL; do
		start=$EPOCHREALTIME
		run timeout -s "$sig" 1 cat "$MNT/mq/$N/recv"
		took_less_than 2000 "$start"
		[ "$sig" = TERM ] && assert_eq 124 "$status" "timeout's status"
		[ "$sig" = KILL ] && assert_eq 137 "$status" "timeout -s KILL's status"
		assert_eq "" "$output" "the interrupted reader printed something"
		echo "after-$sig" >"$MNT/mq/$N/send"
		assert_eq 1 "$(curmsgs "$N")" "the message is waiting, not swallowed"
		assert_eq "after-$sig" "$(timeout 5 cat "$MNT/mq/$N/recv")"
		assert_eq 0 "$(curmsgs "$N")"
	done
}

@test "an interrupted 'echo wait > value', then one post: the value is 1" {
	mkdir "$MNT/sem/$N"
	start=$EPOCHREALTIME
	run timeout 1 bash -c 'echo wait > "$1"' x "$MNT/sem/$N/value"
	took_less_than 2000 "$start"
	assert_eq 124 "$status" "timeout's status"
	echo post >"$MNT/sem/$N/value"
	wait_until -t 2 content_is "$MNT/sem/$N/value" 1
	# The interrupted wait takes nothing later either (the daemon's waiter
	# slices are 100 ms; give a late decrement ample time to show).
	sleep 0.5
	assert_eq 1 "$(cat "$MNT/sem/$N/value")"
	assert_eq 1 "$(sem-op "$N" getvalue)"
}

@test "'wait 3' interrupted after two posts (from a program) takes nothing: the value is 2" {
	mkdir "$MNT/sem/$N"
	# SIGINT at its default, as in a terminal (a background job ignores it).
	bg "$OUT/waiter" env --default-signal=INT bash -c 'echo wait 3 > "$1"' x "$MNT/sem/$N/value"
	waiter=$BG_PID
	wait_until in_fuse_wait "$waiter"
	sem-op "$N" post
	sem-op "$N" post
	# Not enough: it still waits (having perhaps taken two, which it must give back).
	sleep 0.3
	pid_running "$waiter" || fail "wait 3 returned after two posts: $(cat "$OUT/waiter")"
	start=$EPOCHREALTIME
	kill -INT "$waiter"
	wait_pid "$waiter" 2
	took_less_than 1500 "$start"
	[ "$WAIT_STATUS" != 0 ] || fail "interrupted wait 3 succeeded"
	wait_until -t 2 content_is "$MNT/sem/$N/value" 2
	sleep 0.3
	assert_eq 2 "$(sem-op "$N" getvalue)" "value a moment later"
}

@test "'wait 3' interrupted after two posts through the same value file: posts are prompt and the value is 2" {
	mkdir "$MNT/sem/$N"
	bg "$OUT/waiter" env --default-signal=INT bash -c 'echo wait 3 > "$1"' x "$MNT/sem/$N/value"
	waiter=$BG_PID
	wait_until in_fuse_wait "$waiter"
	# A shell user posts from another terminal while the waiter waits.
	for i in 1 2; do
		bg "$OUT/post$i" bash -c 'echo post > "$1"' x "$MNT/sem/$N/value"
		poster=$BG_PID
		if ! wait_until -t 2 pid_gone "$poster"; then
			local st
			st=$(state "$poster")
			kill -9 "$waiter" # frees whatever the poster waits behind
			wait_pid "$poster" 5
			fail "post $i through value did not complete within 2 s while 'wait 3' waited (poster: $st)"
			return 1
		fi
		wait "$poster" && WAIT_STATUS=0 || WAIT_STATUS=$?
		assert_eq 0 "$WAIT_STATUS" "post $i: $(cat "$OUT/post$i")"
	done
	pid_running "$waiter" || fail "wait 3 returned after two posts: $(cat "$OUT/waiter")"
	kill -INT "$waiter"
	wait_pid "$waiter" 2
	[ "$WAIT_STATUS" != 0 ] || fail "interrupted wait 3 succeeded"
	wait_until -t 2 content_is "$MNT/sem/$N/value" 2
	sleep 0.3
	assert_eq 2 "$(sem-op "$N" getvalue)"
}

@test "poll on recv: not readable when empty, readable after another process sends, a blocking poll is woken within 1 s" {
	mkdir "$MNT/mq/$N"
	coproc P { exec poll-seq "$MNT/mq/$N/recv" in 2>&1; }
	BG_PIDS+=("$P_PID")
	local line
	echo "poll 200" >&"${P[1]}"
	read -r -t 5 line <&"${P[0]}" || fail "poll-seq did not answer"
	assert_eq timeout "$line" "poll(200 ms) on an empty queue's recv"

	echo one >"$MNT/mq/$N/send"
	echo "poll 200" >&"${P[1]}"
	read -r -t 5 line <&"${P[0]}" || fail "poll-seq did not answer"
	assert_eq ready "$line" "poll on recv with a message waiting"
	assert_eq one "$(timeout 5 cat "$MNT/mq/$N/recv")"

	echo "poll 200" >&"${P[1]}"
	read -r -t 5 line <&"${P[0]}" || fail "poll-seq did not answer"
	assert_eq timeout "$line" "poll on recv, emptied again"

	# Blocking poll, woken by a program's send.
	echo "poll 10000" >&"${P[1]}"
	wait_until in_poll "$P_PID"
	start=$EPOCHREALTIME
	printf two | mq-send "$N" 0
	read -r -t 5 line <&"${P[0]}" || fail "the blocking poll was not woken"
	took_less_than 1000 "$start"
	assert_eq ready "$line" "blocking poll on recv after a send"

	# select() once, on the same open file.
	echo "select 200" >&"${P[1]}"
	read -r -t 5 line <&"${P[0]}" || fail "poll-seq did not answer"
	assert_eq ready "$line" "select on recv with a message waiting"
	assert_eq two "$(timeout 5 cat "$MNT/mq/$N/recv")"
	echo "select 200" >&"${P[1]}"
	read -r -t 5 line <&"${P[0]}" || fail "poll-seq did not answer"
	assert_eq timeout "$line" "select on recv, empty"
	# ... and a blocking select woken by a send through the mount.
	echo "select 10000" >&"${P[1]}"
	wait_until in_poll "$P_PID"
	start=$EPOCHREALTIME
	echo three >"$MNT/mq/$N/send"
	read -r -t 5 line <&"${P[0]}" || fail "the blocking select was not woken"
	took_less_than 1000 "$start"
	assert_eq ready "$line" "blocking select on recv after a send"
	# Polling took nothing.
	assert_eq 1 "$(curmsgs "$N")"
	exec {P[1]}>&-
}

@test "poll on send: writable with room, not when full, woken within 1 s by a receive" {
	mkq "$N" "maxmsg=2 msgsize=16"
	coproc P { exec poll-seq "$MNT/mq/$N/send" out 2>&1; }
	BG_PIDS+=("$P_PID")
	local line
	echo "poll 200" >&"${P[1]}"
	read -r -t 5 line <&"${P[0]}" || fail "poll-seq did not answer"
	assert_eq ready "$line" "poll on send of an empty queue"
	printf a >"$MNT/mq/$N/send"
	echo "poll 200" >&"${P[1]}"
	read -r -t 5 line <&"${P[0]}" || fail "poll-seq did not answer"
	assert_eq ready "$line" "poll on send with room for one"
	printf b >"$MNT/mq/$N/send"
	echo "poll 200" >&"${P[1]}"
	read -r -t 5 line <&"${P[0]}" || fail "poll-seq did not answer"
	assert_eq timeout "$line" "poll on send of a full queue"
	echo "select 200" >&"${P[1]}"
	read -r -t 5 line <&"${P[0]}" || fail "poll-seq did not answer"
	assert_eq timeout "$line" "select on send of a full queue"

	echo "poll 10000" >&"${P[1]}"
	wait_until in_poll "$P_PID"
	start=$EPOCHREALTIME
	assert_eq a "$(mq-recv "$N" 2>/dev/null)"
	read -r -t 5 line <&"${P[0]}" || fail "the blocking poll was not woken"
	took_less_than 1000 "$start"
	assert_eq ready "$line" "blocking poll on send after a receive"
	assert_eq 1 "$(curmsgs "$N")"
	exec {P[1]}>&-
}

@test "O_NONBLOCK: dd iflag=nonblock on an empty recv and oflag=nonblock on a full send fail with EAGAIN" {
	mkq "$N" "maxmsg=1 msgsize=16"
	start=$EPOCHREALTIME
	assert_fails_with "$E_AGAIN" timeout 5 dd if="$MNT/mq/$N/recv" iflag=nonblock status=none
	took_less_than 2000 "$start"
	printf a >"$MNT/mq/$N/send"
	start=$EPOCHREALTIME
	shell_fails_with "$E_AGAIN" 'printf b | timeout 5 dd of="$1" oflag=nonblock conv=notrunc status=none' "$MNT/mq/$N/send"
	took_less_than 2000 "$start"
	assert_eq 1 "$(curmsgs "$N")" "the nonblocking send sent nothing"
	assert_eq a "$(timeout 5 dd if="$MNT/mq/$N/recv" iflag=nonblock status=none)" "a nonblocking read with a message"
	assert_eq 0 "$(curmsgs "$N")"
}

@test "a send to a full queue blocks, is interruptible (nothing sent), and completes once a reader makes room" {
	mkq "$N" "maxmsg=2 msgsize=16"
	printf a >"$MNT/mq/$N/send"
	printf b >"$MNT/mq/$N/send"
	# Interrupted: returns promptly and sends nothing.
	start=$EPOCHREALTIME
	run timeout 1 bash -c 'printf x > "$1"' x "$MNT/mq/$N/send"
	took_less_than 2000 "$start"
	assert_eq 124 "$status" "timeout's status"
	assert_eq 2 "$(curmsgs "$N")" "curmsgs after the interrupted send"
	run timeout -s KILL 1 bash -c 'printf y > "$1"' x "$MNT/mq/$N/send"
	took_less_than 4000 "$start"
	assert_eq 137 "$status" "timeout -s KILL's status"
	assert_eq 2 "$(curmsgs "$N")" "curmsgs after the killed send"

	# Blocked in the background until a reader makes room.
	bg "$OUT/sender" bash -c 'printf c > "$1"' x "$MNT/mq/$N/send"
	sender=$BG_PID
	wait_until in_fuse_wait "$sender"
	assert_eq 2 "$(curmsgs "$N")"
	assert_eq a "$(timeout 5 cat "$MNT/mq/$N/recv")"
	wait_pid "$sender" 2
	assert_eq 0 "$WAIT_STATUS" "sender: $(cat "$OUT/sender")"
	assert_eq b "$(timeout 5 cat "$MNT/mq/$N/recv")"
	assert_eq c "$(timeout 5 cat "$MNT/mq/$N/recv")"
	assert_eq 0 "$(curmsgs "$N")"
}

@test "a second sender blocked behind a first on the same full queue is interruptible too" {
	mkq "$N" "maxmsg=1 msgsize=16"
	printf a >"$MNT/mq/$N/send"
	bg "$OUT/first" bash -c 'printf b > "$1"' x "$MNT/mq/$N/send"
	first=$BG_PID
	wait_until in_fuse_wait "$first"
	start=$EPOCHREALTIME
	bg "$OUT/second" timeout 1 bash -c 'printf c > "$1"' x "$MNT/mq/$N/send"
	second=$BG_PID
	if ! wait_until -t 2 pid_gone "$second"; then
		local st
		st=$(for p in $(pgrep -P "$second"); do echo "$p $(state "$p")"; done)
		kill -9 "$first" # frees whatever the second waits behind
		wait_pid "$second" 5
		fail "the second sender was not interrupted within 2 s (its child: $st)"
		return 1
	fi
	wait "$second" && WAIT_STATUS=0 || WAIT_STATUS=$?
	assert_eq 124 "$WAIT_STATUS" "timeout's status"
	assert_eq 1 "$(curmsgs "$N")"
	pid_running "$first" || fail "the first sender returned: $(cat "$OUT/first")"
	assert_eq a "$(timeout 5 cat "$MNT/mq/$N/recv")"
	wait_pid "$first" 2
	assert_eq 0 "$WAIT_STATUS"
	assert_eq b "$(timeout 5 cat "$MNT/mq/$N/recv")"
	assert_eq 0 "$(curmsgs "$N")"
}

@test "unmount with parked readers: plain unmount is refused (busy), umount -f ends them promptly, the daemon exits 0, messages stay" {
	mkdir "$MNT/mq/$N" "$MNT/mq/$N.full"
	for i in 1 2 3 4 5; do
		bg "$OUT/r$i" cat "$MNT/mq/$N/recv"
		readers+=("$BG_PID")
	done
	# Messages in another queue, which the unmount must not touch.
	for i in 1 2 3; do echo "keep$i" >"$MNT/mq/$N.full/send"; done
	wait_until all_in_fuse_wait "${readers[@]}"
	# Open files keep the mount busy, as on any filesystem; nothing changes.
	assert_fails_with "busy" fusermount3 -u "$MNT"
	all_in_fuse_wait "${readers[@]}" || fail "a reader returned after the refused unmount"
	assert_eq 0 "$(curmsgs "$N")"
	# A forced unmount aborts the connection: the readers fail at once.
	pid=$IPCFS_PID
	IPCFS_PID=
	start=$EPOCHREALTIME
	umount -f "$MNT" 2>"$OUT/umount" || true
	for i in 1 2 3 4 5; do
		wait_pid "${readers[i - 1]}" 2
		[ "$WAIT_STATUS" != 0 ] || fail "a parked reader succeeded: $(cat "$OUT/r$i")"
		assert_match "^cat: .*: [A-Z]" "$(cat "$OUT/r$i")" "reader $i's error"
	done
	took_less_than 2000 "$start"
	wait_pid "$pid" 5
	assert_eq 0 "$WAIT_STATUS" "daemon status; log: $(cat "$LOG")"
	check_log
	umount "$MNT" 2>/dev/null || true
	mountpoint -q "$MNT" && fail "still mounted: $(cat "$OUT/umount")"
	assert_eq "maxmsg 10 msgsize 1024 curmsgs 0" "$(mq-attr "$N")" "the readers' queue"
	assert_eq "keep1 keep2 keep3" "$(mq-drain "$N.full" 2>/dev/null | tr '\n' ' ' | sed 's/ $//')" "the other queue's messages"
}

@test "SIGTERM with parked readers, a parked sender and sem waiters: all fail promptly, the daemon exits 0, nothing is lost" {
	mkdir "$MNT/mq/$N" "$MNT/sem/$N"
	mkq "$N.full" "maxmsg=2 msgsize=16"
	echo post 1 >"$MNT/sem/$N/value"
	printf k1 >"$MNT/mq/$N.full/send"
	printf k2 >"$MNT/mq/$N.full/send"
	for i in 1 2 3; do
		bg "$OUT/r$i" cat "$MNT/mq/$N/recv"
		parked+=("$BG_PID")
	done
	bg "$OUT/sender" bash -c 'printf k3 > "$1"' x "$MNT/mq/$N.full/send"
	parked+=("$BG_PID")
	# Waiters on their own semaphores (two waits on one value file would
	# also test the kernel's inode lock, which is another test's business).
	for i in 1 2; do
		mkdir "$MNT/sem/$N.$i"
		bg "$OUT/w$i" bash -c 'echo wait 2 > "$1"' x "$MNT/sem/$N.$i/value"
		parked+=("$BG_PID")
	done
	sem-op "$N.1" post
	bg "$OUT/w3" bash -c 'echo wait 2 > "$1"' x "$MNT/sem/$N/value"
	parked+=("$BG_PID")
	wait_until all_in_fuse_wait "${parked[@]}"
	pid=$IPCFS_PID
	IPCFS_PID=
	start=$EPOCHREALTIME
	kill -TERM "$pid"
	for p in "${parked[@]}"; do
		wait_pid "$p" 3
		[ "$WAIT_STATUS" != 0 ] || fail "a parked request succeeded"
	done
	# An error in the usual words (EINTR from the daemon, or the kernel's
	# ECONNABORTED/ENOTCONN once the connection is gone), not success.
	for f in r1 r2 r3 sender w1 w2 w3; do
		assert_match ": [A-Z][a-z]+( [a-z]+)+" "$(cat "$OUT/$f")" "error of the parked $f"
	done
	took_less_than 3000 "$start"
	wait_pid "$pid" 10
	assert_eq 0 "$WAIT_STATUS" "daemon status; log: $(cat "$LOG")"
	check_log
	mountpoint -q "$MNT" && fusermount3 -u -z "$MNT"
	assert_eq "maxmsg 10 msgsize 1024 curmsgs 0" "$(mq-attr "$N")" "the readers' queue"
	assert_eq "k1k2" "$(mq-drain "$N.full" 2>/dev/null)" "the full queue: the parked send sent nothing"
	assert_eq 1 "$(sem-op "$N.1" getvalue)" "semaphore 1: the interrupted wait 2 took nothing"
	assert_eq 0 "$(sem-op "$N.2" getvalue)" "semaphore 2"
	assert_eq 1 "$(sem-op "$N" getvalue)" "semaphore 0: the interrupted wait 2 took nothing"
}
