#!/usr/bin/env bats
# Names are never stale without /dev/mqueue either: the daemon then lists
# queues through a private mount of the mqueue filesystem, and watches that.
# (Helpers and the 5 s bound: fresh-lib.bash.)

load lib
load fresh-lib

@test "/dev/mqueue is not mounted in this namespace" {
	! mountpoint -q /dev/mqueue
}

@test "a queue another program removes or re-creates shows through the mount at once" {
	mq-create "$N" 2 16
	fill_caches "$MNT/mq/$N" info
	mq-unlink "$N"
	is_gone "$MNT/mq/$N" info
	mq-create "$N" 3 32
	fill_caches "$MNT/mq/$N" info
	local old
	old=$(stat -c %i "$MNT/mq/$N")
	mq-unlink "$N"
	mq-create "$N" 4 32
	wait_until -t "$FRESH" recreated mq "$N" "$old"
	assert_eq "maxmsg 4" "$(head -1 "$MNT/mq/$N/info")"
}

@test "chmod of a queue by another program shows through the mount at once" {
	mq-create "$N" 2 16 0600
	stat "$MNT/mq/$N" >/dev/null
	local d="$BATS_TEST_TMPDIR/mqueue"
	mkdir "$d"
	mount -t mqueue mqueue "$d"
	chmod 0640 "$d/$N" || { umount "$d"; return 1; }
	umount "$d"
	wait_until -t "$FRESH" mode_is "$MNT/mq/$N" 640
}
