#!/usr/bin/env bats
# Without an mqueue filesystem on /dev/mqueue (the default on many systems)
# mq/ still lists every queue of the IPC namespace and info still works.

load lib

@test "/dev/mqueue is not mounted in this namespace" {
	! mountpoint -q /dev/mqueue
}

@test "ls mq/ lists queues made by a program and drops them when unlinked" {
	mq-create "$N" 3 32
	wait_until -t 2 listed "$MNT/mq" "$N"
	[ -d "$MNT/mq/$N" ]
	mq-unlink "$N"
	wait_until -t 2 not_listed "$MNT/mq" "$N"
}

@test "mkdir, send, info, recv and rmdir work without /dev/mqueue" {
	printf 'maxmsg=3 msgsize=32 %s\n' "$N" >"$MNT/mq/.create"
	mkdir "$MNT/mq/$N.d"
	assert_eq "maxmsg 3 msgsize 32 curmsgs 0" "$(mq-attr "$N")"
	printf hello >"$MNT/mq/$N/send"
	assert_eq "maxmsg 3"$'\n'"msgsize 32"$'\n'"curmsgs 1"$'\n'"qsize 5"$'\n'"notify_pid 0" \
		"$(cat "$MNT/mq/$N/info")"
	assert_eq hello "$(timeout 5 cat "$MNT/mq/$N/recv")"
	listed "$MNT/mq" "$N.d"
	rmdir "$MNT/mq/$N" "$MNT/mq/$N.d"
	assert_fails_with "$E_NOENT" mq-attr "$N"
	not_listed "$MNT/mq" "$N"
}

@test "stat of a queue shows its mode without /dev/mqueue" {
	mq-create "$N" 2 16 0640
	wait_until -t 2 listed "$MNT/mq" "$N"
	assert_eq 640 "$(stat -c %a "$MNT/mq/$N")"
	chmod 0600 "$MNT/mq/$N"
	assert_eq 600 "$(stat -c %a "$MNT/mq/$N")"
}
