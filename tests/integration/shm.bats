#!/usr/bin/env bats
# shm/: POSIX shared memory objects; data is the object's bytes.

load lib

size_of() { stat -c %s "$1"; }

@test "mkdir creates an empty object; data has size 0 and info says so; rmdir removes it" {
	mkdir "$MNT/shm/$N"
	[ -f "$(kshm "$N")" ] || fail "no /dev/shm/$N"
	assert_eq 0 "$(size_of "$(kshm "$N")")" "object size"
	[ -f "$MNT/shm/$N/data" ] || fail "data is not a regular file"
	assert_eq 0 "$(size_of "$MNT/shm/$N/data")" "st_size of data"
	assert_eq "size 0" "$(cat "$MNT/shm/$N/info")"
	listed "$MNT/shm" "$N"
	rmdir "$MNT/shm/$N"
	[ ! -e "$(kshm "$N")" ] || fail "object still exists"
	not_listed "$MNT/shm" "$N"
}

@test "a shm directory holds data and info" {
	mkdir "$MNT/shm/$N"
	run ls "$MNT/shm/$N"
	assert_match "^data$" "$output"
	assert_match "^info$" "$output"
}

@test "writing data writes the object; st_size, info and the object agree" {
	mkdir "$MNT/shm/$N"
	printf hello >"$MNT/shm/$N/data"
	assert_eq hello "$(cat "$(kshm "$N")")"
	assert_eq 5 "$(size_of "$MNT/shm/$N/data")"
	printf 'size 5\n' >"$OUT/want"
	cmp "$OUT/want" "$MNT/shm/$N/info"
	assert_eq hello "$(cat "$MNT/shm/$N/data")"
}

@test "dd seek/skip act as pwrite/pread at offsets" {
	mkdir "$MNT/shm/$N"
	printf hello >"$MNT/shm/$N/data"
	printf XY | dd of="$MNT/shm/$N/data" bs=1 seek=2 conv=notrunc status=none
	assert_eq heXYo "$(cat "$(kshm "$N")")"
	assert_eq eXY "$(dd if="$MNT/shm/$N/data" bs=1 skip=1 count=3 status=none)"
	assert_eq 5 "$(size_of "$MNT/shm/$N/data")"
}

@test "writing past the end grows the object with zeros in the gap" {
	mkdir "$MNT/shm/$N"
	printf abc >"$MNT/shm/$N/data"
	printf Z | dd of="$MNT/shm/$N/data" bs=1 seek=6 conv=notrunc status=none
	assert_eq 7 "$(size_of "$(kshm "$N")")" "object size"
	assert_eq 7 "$(size_of "$MNT/shm/$N/data")" "st_size"
	assert_eq "61 62 63 00 00 00 5a" "$(od -An -tx1 "$MNT/shm/$N/data" | xargs)"
}

@test "a large write and read through data match the object byte for byte" {
	mkdir "$MNT/shm/$N"
	head -c 300000 /dev/urandom >"$OUT/blob"
	dd if="$OUT/blob" of="$MNT/shm/$N/data" bs=64k status=none
	cmp "$OUT/blob" "$(kshm "$N")"
	cmp "$OUT/blob" "$MNT/shm/$N/data"
	assert_eq "size 300000" "$(cat "$MNT/shm/$N/info")"
}

@test "O_APPEND appends at the object's end" {
	mkdir "$MNT/shm/$N"
	printf hello >"$MNT/shm/$N/data"
	printf ' world' >>"$MNT/shm/$N/data"
	assert_eq "hello world" "$(cat "$(kshm "$N")")"
	# the object grew outside: append still goes to the real end
	truncate -s 3 "$(kshm "$N")"
	printf '!' >>"$MNT/shm/$N/data"
	assert_eq 'hel!' "$(cat "$(kshm "$N")")"
}

@test "O_TRUNC (: > data) empties the object" {
	mkdir "$MNT/shm/$N"
	printf hello >"$MNT/shm/$N/data"
	: >"$MNT/shm/$N/data"
	assert_eq 0 "$(size_of "$(kshm "$N")")"
	assert_eq 0 "$(size_of "$MNT/shm/$N/data")"
	printf ab >"$MNT/shm/$N/data"
	printf c >"$MNT/shm/$N/data"
	assert_eq c "$(cat "$(kshm "$N")")"
}

@test "truncate grows with zeros and shrinks the object" {
	mkdir "$MNT/shm/$N"
	printf hello >"$MNT/shm/$N/data"
	truncate -s 8192 "$MNT/shm/$N/data"
	assert_eq 8192 "$(size_of "$(kshm "$N")")"
	assert_eq 8192 "$(size_of "$MNT/shm/$N/data")"
	assert_eq "size 8192" "$(cat "$MNT/shm/$N/info")"
	assert_eq "00 00" "$(dd if="$MNT/shm/$N/data" bs=1 skip=8190 count=2 status=none | od -An -tx1 | xargs)"
	truncate -s 3 "$MNT/shm/$N/data"
	assert_eq 3 "$(size_of "$(kshm "$N")")"
	assert_eq hel "$(cat "$MNT/shm/$N/data")"
}

@test "st_size follows resizes made outside the mount at once" {
	shm-create "$N" 4096
	wait_until -t 2 listed "$MNT/shm" "$N"
	assert_eq 4096 "$(size_of "$MNT/shm/$N/data")"
	truncate -s 100 "$(kshm "$N")"
	assert_eq 100 "$(size_of "$MNT/shm/$N/data")"
	assert_eq "size 100" "$(cat "$MNT/shm/$N/info")"
	assert_eq 100 "$(cat "$MNT/shm/$N/data" | wc -c)"
}

@test "a program's existing mapping sees writes to data at once" {
	shm-create "$N" 4096
	bg "$OUT/check" shm-check "$N" 100 fresh 5000
	pid=$BG_PID
	wait_until grep -q mapped "$OUT/check"
	printf fresh | dd of="$MNT/shm/$N/data" bs=1 seek=100 conv=notrunc status=none
	wait_pid "$pid" 6
	assert_eq 0 "$WAIT_STATUS" "shm-check: $(cat "$OUT/check")"
}

@test "data reads see a program's mapped writes at once, also after an earlier read" {
	shm-create "$N" 4096
	assert_eq "00 00 00 00 00 00" "$(dd if="$MNT/shm/$N/data" bs=1 skip=200 count=6 status=none | od -An -tx1 | xargs)"
	shm-poke "$N" 200 poked!
	assert_eq poked! "$(dd if="$MNT/shm/$N/data" bs=1 skip=200 count=6 status=none)"
	# keep data open across the change
	exec 4<"$MNT/shm/$N/data"
	head -c 10 <&4 >/dev/null
	shm-poke "$N" 0 AAAA
	assert_eq AAAA "$(head -c 4 "$MNT/shm/$N/data")"
	shm-poke "$N" 0 BBBB
	assert_eq BBBB "$(head -c 4 "$MNT/shm/$N/data")"
	exec 4<&-
	run shm-check "$N" 200 poked!
	assert_eq 0 "$status" "$output"
}

@test "an object shrunk by another process gives short reads and the mount keeps working" {
	mkdir "$MNT/shm/$N"
	head -c 1048576 /dev/zero | tr '\0' x >"$MNT/shm/$N/data"
	exec 4<"$MNT/shm/$N/data"
	truncate -s 10 "$(kshm "$N")"
	assert_eq 10 "$(cat <&4 | wc -c)" "read through the fd opened before the shrink"
	exec 4<&-
	assert_eq 10 "$(cat "$MNT/shm/$N/data" | wc -c)"
	assert_eq "" "$(dd if="$MNT/shm/$N/data" bs=1 skip=20 count=5 status=none)"
	assert_eq "size 10" "$(cat "$MNT/shm/$N/info")"
	pid_running "$IPCFS_PID" || fail "daemon died"
	mkdir "$MNT/shm/$N.after"
}

@test "an object unlinked by another process disappears and the mount keeps working" {
	mkdir "$MNT/shm/$N"
	printf abc >"$MNT/shm/$N/data"
	shm-unlink "$N"
	wait_until -t 2 not_listed "$MNT/shm" "$N"
	wait_until -t 2 test ! -e "$MNT/shm/$N/data"
	pid_running "$IPCFS_PID" || fail "daemon died"
	ls "$MNT/shm" >/dev/null
}

@test "objects made by programs are listed, with their owner and mode" {
	shm-create "$N" 10 0640
	chown 11:22 "$(kshm "$N")"
	wait_until -t 2 listed "$MNT/shm" "$N"
	assert_eq "640 11 22" "$(stat -c '%a %u %g' "$MNT/shm/$N")"
	shm-unlink "$N"
	wait_until -t 2 not_listed "$MNT/shm" "$N"
}

@test "shm/ never shows semaphores, sem/ never shows shm objects" {
	sem-op "$N.sem" create 1
	shm-create "$N.shm" 8
	mkdir "$MNT/sem/$N.mksem"
	wait_until -t 2 listed "$MNT/sem" "$N.sem"
	wait_until -t 2 listed "$MNT/shm" "$N.shm"
	run ls "$MNT/shm"
	[[ "$output" != *sem* ]] || fail "shm/ shows a semaphore: $output"
	run ls "$MNT/sem"
	[[ "$output" != *"$N.shm"* ]] || fail "sem/ shows a shm object: $output"
}

@test "a shm name starting with sem. is refused with EINVAL" {
	assert_fails_with "$E_INVAL" mkdir "$MNT/shm/sem.$N"
	[ ! -e "/dev/shm/sem.$N" ] || fail "created /dev/shm/sem.$N"
	sem-op "$N" create 0
	assert_fails_with "$E_NOENT|$E_INVAL" ls "$MNT/shm/sem.$N"
}

@test "data keeps working on an fd opened before rmdir" {
	mkdir "$MNT/shm/$N"
	printf hello >"$MNT/shm/$N/data"
	exec 4<>"$MNT/shm/$N/data"
	rmdir "$MNT/shm/$N"
	[ ! -e "$(kshm "$N")" ]
	printf XY >&4
	run head -c 5 <&4
	exec 4>&-
	assert_eq llo "$output" "read on after the write"
}
