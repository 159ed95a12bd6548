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

@test "the classic transfer: a bash reader using only sem@OFFSET, dd and od copies 1 MiB byte for byte" {
	head -c 1048576 /dev/urandom >"$OUT/in"
	# A job started with & reads /dev/null unless its own command redirects.
	bg "$OUT/writer.log" sh -c 'exec shm-xfer "$1" <"$2"' sh "$N" "$OUT/in"
	writer=$BG_PID
	wait_until -t 5 test -e "$MNT/shm/$N/data"
	d=$MNT/shm/$N
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
	wait "$writer" || fail "the writer: $(cat "$OUT/writer.log")"
	cmp "$OUT/in" "$OUT/out"
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
