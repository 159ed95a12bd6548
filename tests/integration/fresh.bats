#!/usr/bin/env bats
# Names are never stale: objects that other programs create, remove, re-create,
# chmod or chown show through the mount at once, even where the kernel has
# cached them (the daemon learns each change from inotify and invalidates the
# kernel's caches).
#
# Every check first fills the kernel's caches (stat, ls, cd, open through the
# mount), then changes the object outside the mount and polls for the change.
# While a kind is watched, names are cached for 60 s: without the
# invalidation the old answer would last a minute. The polls allow 5 s,
# generous for a loaded machine and still far below that minute. The design
# target, 100 ms, is measured by hand (docs/benchmarks.md), not asserted.

load lib
load fresh-lib

@test "a queue another program removes is gone through the mount at once" {
	mq-create "$N" 2 16
	fill_caches "$MNT/mq/$N" info
	mq-unlink "$N"
	is_gone "$MNT/mq/$N" info
}

@test "a queue removed with rm /dev/mqueue/NAME is gone through the mount at once" {
	mq-create "$N" 2 16
	fill_caches "$MNT/mq/$N" info
	rm "$(kmq "$N")"
	is_gone "$MNT/mq/$N" info
}

@test "an shm object another program removes is gone through the mount at once" {
	shm-create "$N" 64
	fill_caches "$MNT/shm/$N" data
	shm-unlink "$N"
	is_gone "$MNT/shm/$N" data
	shm-create "$N.2" 64
	fill_caches "$MNT/shm/$N.2" info
	rm "$(kshm "$N.2")"
	is_gone "$MNT/shm/$N.2" info
}

@test "a semaphore another program removes is gone through the mount at once" {
	sem-op "$N" create 1
	stat "$MNT/sem/$N/value" >/dev/null
	fill_caches "$MNT/sem/$N" value
	sem-op "$N" unlink
	is_gone "$MNT/sem/$N" value
}

@test "objects other programs create can be used through the mount at once" {
	# Missing names are never cached: ask first, so that a cache could lie.
	gone "$MNT/mq/$N"
	gone "$MNT/shm/$N"
	gone "$MNT/sem/$N"
	mq-create "$N" 2 16
	shm-create "$N" 64
	sem-op "$N" create 2
	assert_eq "maxmsg 2" "$(head -1 "$MNT/mq/$N/info")"
	assert_eq "size 64" "$(cat "$MNT/shm/$N/info")"
	assert_eq 2 "$(cat "$MNT/sem/$N/value")"
	listed "$MNT/mq" "$N"
	listed "$MNT/shm" "$N"
	listed "$MNT/sem" "$N"
}

@test "a queue re-created under its name is the new queue, old open files keep the old one" {
	mq-create "$N" 2 16
	fill_caches "$MNT/mq/$N" info
	local old
	old=$(stat -c %i "$MNT/mq/$N")
	exec 4<"$MNT/mq/$N/info"
	mq-unlink "$N"
	mq-create "$N" 3 32
	wait_until -t "$FRESH" recreated mq "$N" "$old"
	assert_eq "maxmsg 3" "$(head -1 "$MNT/mq/$N/info")"
	# The old descriptor still reads the old queue (pread at 0: a fresh snapshot).
	assert_eq "maxmsg 2" "$(head -1 <&4)"
	exec 4<&-
	printf hi >"$MNT/mq/$N/send"
	assert_eq "maxmsg 3 msgsize 32 curmsgs 1" "$(mq-attr "$N")"
}

@test "an shm object re-created under its name is the new object, old open files keep the old one" {
	shm-create "$N" 64
	fill_caches "$MNT/shm/$N" data
	local old
	old=$(stat -c %i "$MNT/shm/$N")
	exec 4<"$MNT/shm/$N/data"
	rm "$(kshm "$N")"
	shm-create "$N" 128
	wait_until -t "$FRESH" recreated shm "$N" "$old"
	assert_eq 128 "$(stat -c %s "$MNT/shm/$N/data")"
	# fstat of the old descriptor still sees the old object.
	assert_eq 64 "$(stat -L -c %s /dev/fd/4)"
	exec 4<&-
}

@test "a semaphore re-created under its name is the new semaphore" {
	sem-op "$N" create 1
	fill_caches "$MNT/sem/$N" value
	local old
	old=$(stat -c %i "$MNT/sem/$N")
	sem-op "$N" unlink
	sem-op "$N" create 7
	wait_until -t "$FRESH" recreated sem "$N" "$old"
	assert_eq 7 "$(cat "$MNT/sem/$N/value")"
}

# chmod_chown_outside DIR FILE KERNEL_PATH — chmod and chown of the object by
# another program show on DIR and on DIR/FILE, whose mode follows it.
chmod_chown_outside() {
	fill_caches "$1" "$2"
	chmod 0640 "$3"
	wait_until -t "$FRESH" mode_is "$1" 640
	assert_match "^-r[-w]-r-----" "$(ls -l "$1/$2")" "mode of $2"
	assert_match "^drw-r----- " "$(ls -ld "$1")" "ls -ld"
	chown 4321:4322 "$3"
	wait_until -t "$FRESH" owner_is "$1" 4321:4322
	owner_is "$1/$2" 4321:4322
}

@test "chmod and chown of a queue by another program show through the mount at once" {
	mq-create "$N" 2 16 0600
	chmod_chown_outside "$MNT/mq/$N" info "$(kmq "$N")"
}

@test "chmod and chown of an shm object by another program show through the mount at once" {
	shm-create "$N" 64 0600
	chmod_chown_outside "$MNT/shm/$N" data "$(kshm "$N")"
}

@test "chmod and chown of a semaphore by another program show through the mount at once" {
	sem-op "$N" create 1
	chmod_chown_outside "$MNT/sem/$N" value "$(ksem "$N")"
}

@test "the daemon's own mkdir, chmod and rmdir are exact at once" {
	mkdir -m 0600 "$MNT/shm/$N"
	chmod 0640 "$MNT/shm/$N"
	assert_eq 640 "$(stat -c %a "$MNT/shm/$N")"
	assert_eq 640 "$(stat -c %a "$(kshm "$N")")"
	rmdir "$MNT/shm/$N"
	gone "$MNT/shm/$N"
	mkdir "$MNT/shm/$N"
	test -d "$MNT/shm/$N"
}
