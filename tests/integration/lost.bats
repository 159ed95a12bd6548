#!/usr/bin/env bats
# Nothing lost, nothing hangs (SPEC sections 2 and 4): messages the daemon
# took for a reader that could not have them always go back, whatever fills
# the queue meanwhile; what a caller controls never holds a worker.

load lib

@test "interrupt storm, handled signals: 30 rounds of 3000 messages from a blocking mq_send producer, each received exactly once" {
	# Rounds are counted, never timed (mq-storm: a round that does not end
	# within 300 s is reported as a hang).
	mq-storm "$MNT" 30 3000 handled >"$OUT/storm" 2>&1 || fail "$(cat "$OUT/storm")"
	assert_eq 30 "$(grep -c ', 0 lost, 0 received twice' "$OUT/storm")" "clean rounds"
}

@test "interrupt storm, SIGKILL: 10 rounds, every message in a reader's mapped record or in the queue, exactly once" {
	mq-storm "$MNT" 10 3000 kill >"$OUT/storm" 2>&1 || fail "$(cat "$OUT/storm")"
	assert_eq 10 "$(grep -c ', 0 lost, 0 received twice' "$OUT/storm")" "clean rounds"
}

@test "recv-lines closing on a held message while parked writers refill the queue: the message is not lost" {
	mkq "$N" "maxmsg=2 msgsize=64"
	local Q=$MNT/mq/$N
	printf aaaa >"$Q/send"
	printf bbbb >"$Q/send"
	bg "$OUT/w1" bash -c 'printf c1 > "$1"' x "$Q/send"
	bg "$OUT/w2" bash -c 'printf c2 > "$1"' x "$Q/send"
	# 6 bytes: "aaaa\n" fits, "bbbb\n" is taken and held, then the close.
	assert_eq aaaa "$(dd if="$Q/recv-lines" bs=6 count=1 status=none)"
	wait_until field_is "$Q/info" curmsgs 2
	local got=() i
	for i in 1 2 3; do got+=("$(timeout 5 cat "$Q/recv")"); done
	assert_eq "bbbb c1 c2" "$(printf '%s\n' "${got[@]}" | sort | tr '\n' ' ' | sed 's/ $//')"
	assert_eq 0 "$(curmsgs "$N")"
}

@test "two closes of one shared send-lines descriptor on a full queue send the pending line once, and no empty message" {
	mkq "$N" "maxmsg=1 msgsize=64"
	local Q=$MNT/mq/$N
	echo full >"$Q/send"
	# Two processes share one open file description with a partial line.
	bg "$OUT/w" bash -c 'exec 5>"$1"; printf tail >&5; (exec 5>&-) & exec 5>&-; wait' x "$Q/send-lines"
	assert_eq full "$(timeout 5 cat "$Q/recv")"
	wait_pid "$BG_PID" 10
	assert_eq tail "$(timeout 5 cat "$Q/recv")"
	assert_fails_with "$E_AGAIN" dd if="$Q/recv" iflag=nonblock status=none
}

@test "a write too big, or a bad send-prio frame, fails at once while other writers are parked" {
	mkq "$N" "maxmsg=1 msgsize=16"
	local Q=$MNT/mq/$N
	echo full >"$Q/send"
	bg "$OUT/w" bash -c 'echo parked > "$1"' x "$Q/send"
	wait_until pid_running "$BG_PID"
	shell_fails_with "$E_MSGSIZE" 'head -c 17 /dev/zero > "$1"' "$Q/send"
	shell_fails_with "$E_MSGSIZE" 'head -c 17 /dev/zero | dd of="$1" oflag=nonblock status=none' "$Q/send"
	shell_fails_with "$E_INVAL" 'printf "x y" > "$1"' "$Q/send-prio"
	assert_eq full "$(timeout 5 cat "$Q/recv")"
	wait_pid "$BG_PID" 10
	assert_eq parked "$(timeout 5 cat "$Q/recv")"
}

@test "select on recv: readable while the open file still holds bytes of a message, and at its EOF" {
	mkq "$N" "maxmsg=2 msgsize=8192"
	local Q=$MNT/mq/$N
	head -c 6000 /dev/zero | tr '\0' x | dd of="$Q/send" bs=6000 iflag=fullblock status=none
	python3 - "$Q/recv" <<'PY' || fail "select said not readable"
import os, select, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
assert len(os.read(fd, 100)) == 100
assert select.select([fd], [], [], 2)[0], "held bytes"
assert len(os.read(fd, 10000)) == 5900
assert select.select([fd], [], [], 2)[0], "EOF"
assert os.read(fd, 100) == b""
PY
}

@test "chmod of an object whose name was swapped for a symlink after lookup changes nothing outside /dev/shm" {
	mkdir "$MNT/shm/$N"
	stat "$MNT/shm/$N" >/dev/null
	local target=$OUT/target
	: >"$target"
	chmod 600 "$target"
	rm "/dev/shm/$N"
	ln -s "$target" "/dev/shm/$N"
	chmod 644 "$MNT/shm/$N" 2>/dev/null || true
	assert_eq 600 "$(stat -c %a "$target")" "the symlink's target"
	rm "/dev/shm/$N"
}

@test "100 semaphore waits at once take turns on the pool: every one answers its interrupt, the value stays 0, a post then works" {
	mkdir "$MNT/sem/$N"
	local V=$MNT/sem/$N/value i pids=()
	for ((i = 0; i < 100; i++)); do
		timeout -s INT 2 bash -c 'echo wait > "$1"' x "$V" 3>&- &
		pids+=($!)
	done
	BG_PIDS+=("${pids[@]}")
	# Each is interrupted after 2 s and must answer within about a slice;
	# the bound is slack for a loaded machine, not a speed.
	local pid bad=0
	for pid in "${pids[@]}"; do
		wait_pid "$pid" 30 || bad=$((bad + 1))
		[ "$WAIT_STATUS" = 124 ] || bad=$((bad + 1))
	done
	assert_eq 0 "$bad" "waits that did not end as interrupted"
	assert_eq 0 "$(cat "$V")"
	echo post >"$V"
	assert_eq 1 "$(cat "$V")"
}
