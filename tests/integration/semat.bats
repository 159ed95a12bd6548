#!/usr/bin/env bats
# sem@OFFSET beside shm/NAME/data (SPEC section 2): the unnamed semaphore a
# program keeps at that offset of the object, driven like sem/NAME/value.

load lib

# The classic transfer's layout (tests/interop/shm-xfer.c): wsem at 0, rsem
# at 32, cnt at 64, buf at 68.

# Makes shm/$N of 128 bytes holding sem_init(pshared) semaphores of value 0
# at 0 and 32: a fresh tmpfs object is zeros, which is exactly that.
mk_sems() {
	mkdir "$MNT/shm/$N"
	truncate -s 128 "$MNT/shm/$N/data"
}

# xfer_read DIR — the reader of the classic transfer, as a user would write
# it: takes every block the writer offers through DIR/sem@32 (rsem), DIR/data
# and DIR/sem@0 (wsem), appending it to $OUT/out, until a block of cnt 0.
xfer_read() {
	local d=$1 cnt
	: >"$OUT/out"
	while :; do
		echo wait >"$d/sem@32"
		cnt=$(($(od -An -t d4 -j 64 -N 4 "$d/data")))
		if [ "$cnt" -gt 0 ]; then
			dd if="$d/data" of="$OUT/out" oflag=append conv=notrunc bs=1024 \
				iflag=skip_bytes,count_bytes skip=68 count="$cnt" status=none
		fi
		echo post >"$d/sem@0"
		[ "$cnt" -eq 0 ] && break
	done
}

# xfer_start WRITER-ARG — starts shm-xfer on 1 MiB of random bytes and waits
# for its "ready" line.
xfer_start() {
	head -c 1048576 /dev/urandom >"$OUT/in"
	# A background job's stdin is /dev/null unless the job itself redirects it.
	bg "$OUT/writer.log" bash -c 'exec shm-xfer "$1" <"$2"' x "$1" "$OUT/in"
	writer=$BG_PID
	wait_until -t 5 grep -q '^ready' "$OUT/writer.log"
}

@test "the classic transfer: a bash reader using only sem@OFFSET, dd and od copies 1 MiB byte for byte" {
	xfer_start "$N"
	xfer_read "$MNT/shm/$N"
	wait "$writer" || fail "the writer: $(cat "$OUT/writer.log")"
	cmp "$OUT/in" "$OUT/out"
}

@test "the same transfer through a System V segment: sysv/shm/ID/sem@OFFSET and data" {
	xfer_start -s
	id=$(awk '/^ready/ {print $2}' "$OUT/writer.log")
	xfer_read "$MNT/sysv/shm/$id"
	wait "$writer" || fail "the writer: $(cat "$OUT/writer.log")"
	cmp "$OUT/in" "$OUT/out"
	# The daemon detaches when the kernel sends RELEASE, after the close.
	wait_until -t 2 test ! -e "$MNT/sysv/shm/$id"
}

@test "sysv sem@OFFSET: bad offsets fail clearly, not listed, the value is the segment's" {
	id=$(exec 3<>"$MNT/sysv/shm/.create"; echo size=128 >&3; head -1 <&3)
	assert_eq 0 "$(cat "$MNT/sysv/shm/$id/sem@64")"
	echo post 5 >"$MNT/sysv/shm/$id/sem@64"
	assert_eq 5 "$(cat "$MNT/sysv/shm/$id/sem@64")"
	assert_eq 5 "$(($(od -An -t u4 -j 64 -N 4 "$MNT/sysv/shm/$id/data")))" "the segment's bytes"
	! ls "$MNT/sysv/shm/$id" | grep -q sem@ || fail "sem@ is listed"
	assert_fails_with "$E_INVAL" cat "$MNT/sysv/shm/$id/sem@4"
	assert_fails_with "$E_INVAL" cat "$MNT/sysv/shm/$id/sem@120"
	assert_fails_with "$E_NOENT" cat "$MNT/sysv/shm/$id/sem@128"
	rmdir "$MNT/sysv/shm/$id"
}

@test "sem@OFFSET reads, posts and trywaits the very sem_t at that offset" {
	mk_sems
	assert_eq 0 "$(cat "$MNT/shm/$N/sem@32")"
	echo post 3 >"$MNT/shm/$N/sem@32"
	assert_eq 3 "$(cat "$MNT/shm/$N/sem@32")"
	assert_eq 0 "$(cat "$MNT/shm/$N/sem@0")"
	# glibc keeps the value in the low 32 bits of the sem_t's first word.
	assert_eq 3 "$(($(od -An -t u4 -j 32 -N 4 "$(kshm "$N")")))" "the object's bytes"
	echo trywait 2 >"$MNT/shm/$N/sem@32"
	assert_eq 1 "$(cat "$MNT/shm/$N/sem@32")"
	assert_fails_with "$E_AGAIN" bash -c 'echo trywait 2 > "$1"' x "$MNT/shm/$N/sem@32"
	assert_eq 1 "$(cat "$MNT/shm/$N/sem@32")"
	echo wait >"$MNT/shm/$N/sem@32"
	assert_eq 0 "$(cat "$MNT/shm/$N/sem@32")"
}

@test "a wait on sem@OFFSET blocks until a post, and an interrupted one takes nothing" {
	mk_sems
	start=$EPOCHREALTIME
	run timeout 1 bash -c 'echo wait > "$1"' x "$MNT/shm/$N/sem@0"
	took_less_than 2000 "$start"
	assert_eq 124 "$status"
	bg /dev/null bash -c 'echo wait 2 > "$1"; echo done > "$2"' x "$MNT/shm/$N/sem@0" "$OUT/done"
	echo post >"$MNT/shm/$N/sem@0"
	sleep 0.3
	[ ! -e "$OUT/done" ] || fail "wait 2 returned after one post"
	echo post >"$MNT/shm/$N/sem@0"
	wait_until -t 2 test -e "$OUT/done"
	assert_eq 0 "$(cat "$MNT/shm/$N/sem@0")"
}

@test "sem@OFFSET is not listed, but stat and open work; bad offsets fail clearly" {
	mk_sems
	assert_eq "data holders info" "$(ls "$MNT/shm/$N" | tr '\n' ' ' | sed 's/ $//')"
	assert_eq "$(stat -c '%a %U' "$MNT/shm/$N/data")" "$(stat -c '%a %U' "$MNT/shm/$N/sem@64")" \
		"the object's mode and owner"
	assert_fails_with "$E_INVAL" cat "$MNT/shm/$N/sem@3"
	assert_fails_with "$E_INVAL" cat "$MNT/shm/$N/sem@120"
	assert_fails_with "$E_NOENT" cat "$MNT/shm/$N/sem@128"
	assert_fails_with "$E_NOENT" cat "$MNT/shm/$N/sem@"
	assert_fails_with "$E_NOENT" cat "$MNT/shm/$N/sem@x"
	assert_fails_with "$E_NOENT" cat "$MNT/shm/$N/sem@-8"
	assert_fails_with "$E_NOENT" cat "$MNT/shm/$N/sem@99999999999999999999999"
	assert_fails_with "$E_NOENT" cat "$MNT/shm/$N/semx0"
	assert_fails_with "$E_NOENT" cat "$MNT/sem/nonexistent-$N/sem@0"
}

@test "an object shrunk under an open sem@OFFSET gives an error for it alone; the mount stays up" {
	mk_sems
	exec 5<>"$MNT/shm/$N/sem@64"
	truncate -s 0 "$(kshm "$N")"
	run bash -c 'echo post >&5'
	[ "$status" -ne 0 ] || fail "a post into a truncated object succeeded"
	exec 5>&-
	assert_eq 0 "$(stat -c %s "$MNT/shm/$N/data")"
	ls "$MNT/shm" >/dev/null
}
