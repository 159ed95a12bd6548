#!/usr/bin/env bats
# mq/NAME/send-lines and recv-lines: many messages per write and per read.

load lib

@test "one write to send-lines sends one message per line, newline included" {
	mkq "$N" maxmsg=10 msgsize=64
	env printf 'a\nbb\nccc\n' >"$MNT/mq/$N/send-lines"
	assert_eq 3 "$(info_field "$MNT/mq/$N/info" curmsgs)" "curmsgs"
	assert_eq "a" "$(cat "$MNT/mq/$N/recv")"
	assert_eq "bb" "$(mq-recv "$N" 2>/dev/null)" "second message, as a program receives it"
	assert_eq "ccc" "$(cat "$MNT/mq/$N/recv")"
}

@test "a line split across writes is one message; the last line without a newline is sent at close" {
	mkq "$N" maxmsg=10 msgsize=64
	# One open, one process (builtins), several writes: "he" "llo\n" "wor" "ld"
	{ printf he; printf 'llo\nwor'; printf ld; } >"$MNT/mq/$N/send-lines"
	assert_eq 2 "$(info_field "$MNT/mq/$N/info" curmsgs)" "curmsgs"
	assert_eq "$(printf 'hello\n' | od -c)" "$(cat "$MNT/mq/$N/recv" | od -c)" "first message"
	assert_eq "$(printf 'world' | od -c)" "$(cat "$MNT/mq/$N/recv" | od -c)" "second message, no newline added"
}

@test "one read of recv-lines returns every waiting message, newline-terminated, then EOF" {
	mkq "$N" maxmsg=10 msgsize=64
	env printf 'one\n' >"$MNT/mq/$N/send"
	env printf 'two' >"$MNT/mq/$N/send"
	env printf '7 three\n' >"$MNT/mq/$N/send-prio"
	# Highest priority first, "two" gets a newline of its own.
	assert_eq "$(printf 'three\none\ntwo\n' | od -c)" "$(cat "$MNT/mq/$N/recv-lines" | od -c)" "batch"
	assert_eq 0 "$(info_field "$MNT/mq/$N/info" curmsgs)" "curmsgs after the batch"
}

@test "recv-lines blocks for the first message only" {
	mkq "$N" maxmsg=10 msgsize=64
	cat "$MNT/mq/$N/recv-lines" >"$BATS_TEST_TMPDIR/out" &
	local reader=$!
	BG_PIDS+=("$reader")
	sleep 0.3
	pid_running "$reader" || fail "recv-lines returned on an empty queue"
	echo late >"$MNT/mq/$N/send"
	wait_pid "$reader" 5 || fail "recv-lines reader did not finish"
	assert_eq 0 "$WAIT_STATUS" "reader status"
	assert_eq late "$(cat "$BATS_TEST_TMPDIR/out")"
}

@test "2000 lines through send-lines and recv-lines, queue of 10: each exactly once, in order" {
	mkq "$N" maxmsg=10 msgsize=64
	seq 1 2000 >"$MNT/mq/$N/send-lines" &
	local writer=$!
	BG_PIDS+=("$writer")
	: >"$BATS_TEST_TMPDIR/got"
	# Bounded by count, not time: each cat waits for at least one message,
	# so 2000 rounds are always enough. Its timeout only catches a hang (a
	# round waits for one more line from the writer).
	local round st
	for ((round = 0; round < 2000; round++)); do
		[ "$(wc -l <"$BATS_TEST_TMPDIR/got")" -lt 2000 ] || break
		st=0
		timeout 60 cat "$MNT/mq/$N/recv-lines" >>"$BATS_TEST_TMPDIR/got" || st=$?
		[ "$st" != 124 ] || fail "recv-lines hung: no line for 60 s after $(wc -l <"$BATS_TEST_TMPDIR/got") lines"
		[ "$st" = 0 ] || fail "recv-lines: status $st"
	done
	wait_pid "$writer" 10 || fail "writer did not finish"
	assert_eq 0 "$WAIT_STATUS" "writer status"
	seq 1 2000 | diff - "$BATS_TEST_TMPDIR/got" >&2 || fail "messages lost, duplicated or out of order"
}

@test "a line longer than msgsize fails with EMSGSIZE; the lines before it are sent" {
	mkq "$N" maxmsg=10 msgsize=8
	long=$(head -c 20 /dev/zero | tr '\0' x)
	shell_fails_with "$E_MSGSIZE" 'env printf "ok\n%s\n" "$1" > "$2"' "$long" "$MNT/mq/$N/send-lines"
	assert_eq 1 "$(info_field "$MNT/mq/$N/info" curmsgs)" "curmsgs"
	assert_eq ok "$(cat "$MNT/mq/$N/recv")"
}

@test "send-lines to a full queue with O_NONBLOCK fails with EAGAIN, nothing sent" {
	mkq "$N" maxmsg=1 msgsize=16
	echo full >"$MNT/mq/$N/send"
	shell_fails_with "$E_AGAIN" 'printf "x\n" | dd of="$1" oflag=nonblock status=none' "$MNT/mq/$N/send-lines"
	assert_eq 1 "$(info_field "$MNT/mq/$N/info" curmsgs)" "curmsgs"
}

@test "a message recv-lines had no room for goes back to the queue when the reader closes" {
	mkq "$N" maxmsg=10 msgsize=64
	for i in $(seq 10); do echo "message-number-$i" >"$MNT/mq/$N/send"; done
	# 100-byte reads: a message that does not fit is held, then dd closes.
	dd if="$MNT/mq/$N/recv-lines" bs=100 count=1 status=none >"$BATS_TEST_TMPDIR/first"
	cat "$MNT/mq/$N/recv-lines" >"$BATS_TEST_TMPDIR/rest"
	for i in $(seq 10); do echo "message-number-$i"; done | sort >"$BATS_TEST_TMPDIR/want"
	sort "$BATS_TEST_TMPDIR/first" "$BATS_TEST_TMPDIR/rest" | diff "$BATS_TEST_TMPDIR/want" - >&2 ||
		fail "messages lost or duplicated"
}
