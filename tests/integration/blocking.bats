#!/usr/bin/env bats
# Blocking operations: they wait, they can be interrupted promptly, nothing
# is lost, and blocked callers tie up no worker.

load lib

# The interrupt tests below time a bounded wait, the behaviour under test:
# timeout's 1 s, then an answer to the interrupt promised within a second;
# took_less_than adds slack for a loaded machine (lib.bash).

@test "timeout 1 cat recv on an empty queue returns within 2 s; the next message goes to the next reader" {
	mkdir "$MNT/mq/$N"
	start=$EPOCHREALTIME
	run timeout 1 cat "$MNT/mq/$N/recv"
	took_less_than 2000 "$start"
	assert_eq 124 "$status" "timeout's status"
	echo after >"$MNT/mq/$N/send"
	assert_eq 1 "$(curmsgs "$N")" "the message was not taken by the dead reader"
	assert_eq after "$(timeout 5 cat "$MNT/mq/$N/recv")"
}

@test "timeout -s KILL 1 cat recv returns within 2 s and nothing is lost" {
	mkdir "$MNT/mq/$N"
	start=$EPOCHREALTIME
	run timeout -s KILL 1 cat "$MNT/mq/$N/recv"
	took_less_than 2000 "$start"
	assert_eq 137 "$status" "timeout's status"
	echo after >"$MNT/mq/$N/send"
	assert_eq after "$(timeout 5 cat "$MNT/mq/$N/recv")"
}

@test "Ctrl-C (SIGINT) on a blocked reader returns within 2 s and nothing is lost" {
	mkdir "$MNT/mq/$N"
	start=$EPOCHREALTIME
	run timeout -s INT 1 cat "$MNT/mq/$N/recv"
	took_less_than 2000 "$start"
	[ "$status" != 0 ] || fail "cat succeeded: $output"
	echo after >"$MNT/mq/$N/send"
	assert_eq after "$(timeout 5 cat "$MNT/mq/$N/recv")"
}

@test "many interrupted readers in a row take nothing" {
	mkdir "$MNT/mq/$N"
	for i in 1 2 3 4 5; do
		bg "$OUT/r$i" cat "$MNT/mq/$N/recv"
		pids+=("$BG_PID")
	done
	sleep 0.2
	kill -9 "${pids[@]}"
	for p in "${pids[@]}"; do wait_pid "$p" 3; done
	echo one >"$MNT/mq/$N/send"
	echo two >"$MNT/mq/$N/send"
	assert_eq 2 "$(curmsgs "$N")"
}

@test "a blocked reader gets a message sent later" {
	mkdir "$MNT/mq/$N"
	bg "$OUT/reader" cat "$MNT/mq/$N/recv"
	pid=$BG_PID
	sleep 0.2
	pid_running "$pid" || fail "reader returned on an empty queue: $(cat "$OUT/reader")"
	echo late >"$MNT/mq/$N/send"
	wait_pid "$pid" 5
	assert_eq 0 "$WAIT_STATUS"
	assert_eq late "$(cat "$OUT/reader")"
	assert_eq 0 "$(curmsgs "$N")"
}

@test "a blocked recv-prio reader gets a message sent later by a program" {
	mkdir "$MNT/mq/$N"
	bg "$OUT/reader" cat "$MNT/mq/$N/recv-prio"
	pid=$BG_PID
	sleep 0.2
	printf hi | mq-send "$N" 12
	wait_pid "$pid" 5
	assert_eq "12 hi" "$(cat "$OUT/reader")"
}

@test "a send to a full queue blocks until a recv makes room" {
	mkq "$N" "maxmsg=2 msgsize=16"
	printf a >"$MNT/mq/$N/send"
	printf b >"$MNT/mq/$N/send"
	bg "$OUT/sender" bash -c 'printf c > "$1"' x "$MNT/mq/$N/send"
	pid=$BG_PID
	sleep 0.3
	pid_running "$pid" || fail "send to a full queue returned: $(cat "$OUT/sender")"
	assert_eq 2 "$(curmsgs "$N")"
	assert_eq a "$(timeout 5 cat "$MNT/mq/$N/recv")"
	wait_pid "$pid" 5
	assert_eq 0 "$WAIT_STATUS" "sender: $(cat "$OUT/sender")"
	assert_eq 2 "$(curmsgs "$N")"
	assert_eq b "$(timeout 5 cat "$MNT/mq/$N/recv")"
	assert_eq c "$(timeout 5 cat "$MNT/mq/$N/recv")"
}

@test "a blocked send can be interrupted and sends nothing" {
	mkq "$N" "maxmsg=1 msgsize=16"
	printf a >"$MNT/mq/$N/send"
	start=$EPOCHREALTIME
	run timeout 1 bash -c 'printf b > "$1"' x "$MNT/mq/$N/send"
	took_less_than 2000 "$start"
	assert_eq 124 "$status"
	assert_eq a "$(timeout 5 cat "$MNT/mq/$N/recv")"
	assert_eq 0 "$(curmsgs "$N")" "the interrupted send left a message"
}

@test "an interrupted sem wait takes nothing: one post later makes the value 1" {
	mkdir "$MNT/sem/$N"
	start=$EPOCHREALTIME
	run timeout 1 bash -c 'echo wait > "$1"' x "$MNT/sem/$N/value"
	took_less_than 2000 "$start"
	assert_eq 124 "$status"
	start=$EPOCHREALTIME
	run timeout -s KILL 1 bash -c 'echo wait > "$1"' x "$MNT/sem/$N/value"
	took_less_than 2000 "$start"
	echo post >"$MNT/sem/$N/value"
	wait_until -t 2 content_is "$MNT/sem/$N/value" 1
	# ... and still later
	sleep 0.5
	assert_eq 1 "$(cat "$MNT/sem/$N/value")"
}

@test "a blocked sem wait returns when someone posts" {
	mkdir "$MNT/sem/$N"
	bg "$OUT/waiter" bash -c 'echo wait 2 > "$1"' x "$MNT/sem/$N/value"
	pid=$BG_PID
	sleep 0.2
	pid_running "$pid" || fail "wait returned at value 0"
	sem-op "$N" post
	sem-op "$N" post
	wait_pid "$pid" 5
	assert_eq 0 "$WAIT_STATUS" "waiter: $(cat "$OUT/waiter")"
	assert_eq 0 "$(cat "$MNT/sem/$N/value")"
}

@test "30 blocked readers tie up no worker; each later gets one message" {
	mkdir "$MNT/mq/$N"
	for i in $(seq 1 30); do
		bg "$OUT/r$i" cat "$MNT/mq/$N/recv"
		readers+=("$BG_PID")
	done
	sleep 0.3
	# Each completes: a worker tied up by the readers would hang it (the
	# timeouts only turn such a hang into a failure; nothing is timed).
	timeout 5 ls "$MNT/mq" >/dev/null
	timeout 5 cat "$MNT/mq/$N/info" >/dev/null
	timeout 5 mkdir "$MNT/mq/$N.other"
	timeout 5 bash -c 'echo x > "$1"' x "$MNT/mq/$N.other/send"
	assert_eq x "$(timeout 5 cat "$MNT/mq/$N.other/recv")"
	timeout 5 mkdir "$MNT/shm/$N"
	for i in $(seq 1 30); do
		printf "m$i" >"$MNT/mq/$N/send"
	done
	for p in "${readers[@]}"; do
		wait_pid "$p" 10
		assert_eq 0 "$WAIT_STATUS"
	done
	assert_eq 30 "$(cat "$OUT"/r* | grep -o 'm[0-9]*' | sort -u | wc -l)" "distinct messages received"
	assert_eq 0 "$(curmsgs "$N")"
}

@test "10 shells blocked in 'echo wait > value' tie up no worker; other semaphores stay usable" {
	mkdir "$MNT/sem/$N"
	for i in $(seq 1 10); do
		mkdir "$MNT/sem/$N.$i"
		bg "$OUT/w$i" bash -c 'echo wait > "$1"' x "$MNT/sem/$N.$i/value"
		waiters+=("$BG_PID")
	done
	sleep 0.3
	# Each completes (the timeouts only turn a hang into a failure).
	timeout 5 bash -c 'echo post 2 > "$1"' x "$MNT/sem/$N/value"
	assert_eq 2 "$(timeout 5 cat "$MNT/sem/$N/value")"
	timeout 5 ls "$MNT/sem" >/dev/null
	for i in $(seq 1 10); do
		sem-op "$N.$i" post
	done
	for p in "${waiters[@]}"; do
		wait_pid "$p" 5
		assert_eq 0 "$WAIT_STATUS"
	done
}

@test "while one shell waits on a semaphore, another can post through the same value file" {
	mkdir "$MNT/sem/$N"
	bg "$OUT/waiter" bash -c 'echo wait > "$1"' x "$MNT/sem/$N/value"
	waiter=$BG_PID
	sleep 0.2
	# bounded: a poster stuck in the kernel must not hang the suite
	bg "$OUT/poster" bash -c 'echo post > "$1"' x "$MNT/sem/$N/value"
	wait_pid "$BG_PID" 3 || fail "post blocked behind the waiting shell"
	wait_pid "$waiter" 3
	assert_eq 0 "$WAIT_STATUS" "waiter: $(cat "$OUT/waiter")"
	assert_eq 0 "$(cat "$MNT/sem/$N/value")"
}

@test "two shells waiting on one semaphore are both served by two posts from a program" {
	mkdir "$MNT/sem/$N"
	bg "$OUT/w1" bash -c 'echo wait > "$1"' x "$MNT/sem/$N/value"
	w1=$BG_PID
	bg "$OUT/w2" bash -c 'echo wait > "$1"' x "$MNT/sem/$N/value"
	w2=$BG_PID
	sleep 0.2
	sem-op "$N" post
	sem-op "$N" post
	wait_pid "$w1" 3
	assert_eq 0 "$WAIT_STATUS" "first waiter: $(cat "$OUT/w1")"
	wait_pid "$w2" 3
	assert_eq 0 "$WAIT_STATUS" "second waiter: $(cat "$OUT/w2")"
	assert_eq 0 "$(sem-op "$N" getvalue)"
}

@test "a second sender blocked on the same full queue can be interrupted too" {
	mkq "$N" "maxmsg=1 msgsize=16"
	printf a >"$MNT/mq/$N/send"
	bg "$OUT/s1" bash -c 'printf b > "$1"' x "$MNT/mq/$N/send"
	sleep 0.2
	bg "$OUT/s2" bash -c 'printf c > "$1"' x "$MNT/mq/$N/send"
	s2=$BG_PID
	sleep 0.2
	kill -TERM "$s2"
	wait_pid "$s2" 2 || fail "second sender not interruptible"
	assert_eq a "$(timeout 5 cat "$MNT/mq/$N/recv")"
	assert_eq b "$(timeout 5 cat "$MNT/mq/$N/recv")"
	assert_eq 0 "$(curmsgs "$N")" "the interrupted sender sent"
}

@test "O_NONBLOCK send fails with EAGAIN at once even while another sender is blocked on the full queue" {
	mkq "$N" "maxmsg=1 msgsize=16"
	printf a >"$MNT/mq/$N/send"
	bg "$OUT/s1" bash -c 'printf b > "$1"' x "$MNT/mq/$N/send"
	sleep 0.2
	# bounded: a non-blocking sender stuck in the kernel must not hang the suite
	bg "$OUT/nb" bash -c 'printf c | dd of="$1" oflag=nonblock status=none' x "$MNT/mq/$N/send"
	wait_pid "$BG_PID" 2 || fail "O_NONBLOCK send blocked behind the blocked sender"
	[ "$WAIT_STATUS" != 0 ] || fail "O_NONBLOCK send succeeded on a full queue"
	assert_match "$E_AGAIN" "$(cat "$OUT/nb")" "error of the O_NONBLOCK send"
}

@test "SIGTERM to the daemon with a blocked reader: the daemon exits 0 and the reader returns" {
	mkdir "$MNT/mq/$N"
	bg "$OUT/reader" cat "$MNT/mq/$N/recv"
	rpid=$BG_PID
	sleep 0.2
	pid=$IPCFS_PID
	IPCFS_PID=
	kill -TERM "$pid"
	wait_pid "$pid" 10
	assert_eq 0 "$WAIT_STATUS" "daemon status; log: $(cat "$LOG")"
	wait_pid "$rpid" 5
	[ "$WAIT_STATUS" != 0 ] || fail "reader succeeded: $(cat "$OUT/reader")"
	mountpoint -q "$MNT" && fusermount3 -u -z "$MNT"
	assert_eq "maxmsg 10 msgsize 1024 curmsgs 0" "$(mq-attr "$N")" "the queue is untouched"
}
