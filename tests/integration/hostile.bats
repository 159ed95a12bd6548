#!/usr/bin/env bats
# Hostile input and a changing world: every bad input gets a clear errno and
# changes nothing; other processes resizing, unlinking or littering /dev/shm
# never crash or hang the daemon; the daemon's death loses nothing.

load lib

E_FBIG="File too large"
E_OVERFLOW="Value too large for defined data type"

create() { printf '%s' "$1" >"$MNT/mq/.create"; }

# write1 FILE DATA — DATA in one write(2) (bash's printf writes line by line).
write1() { printf '%s' "$2" | dd of="$1" bs=16M count=1 iflag=fullblock status=none; }
queues() { ls -A /dev/mqueue | sort; }
shm_files() { ls -A /dev/shm | sort; }

teardown() {
	# A test that shrank /dev/shm gives the room back.
	[ -z "${SHRUNK:-}" ] || mount -o remount,size=50% /dev/shm
	if mountpoint -q "$BATS_TEST_TMPDIR/mnt2"; then
		fusermount3 -u "$BATS_TEST_TMPDIR/mnt2" || fusermount3 -u -z "$BATS_TEST_TMPDIR/mnt2"
	fi
	common_teardown
}

# daemon_ok — the daemon runs and the mount answers.
daemon_ok() {
	pid_running "$IPCFS_PID" || fail "the daemon is gone"
	timeout 5 ls "$MNT/mq" "$MNT/shm" "$MNT/sem" >/dev/null || fail "the mount does not answer"
	timeout 5 cat "$MNT/limits" >/dev/null || fail "limits does not answer"
}

@test "bad names through mq/.create: EINVAL or ENAMETOOLONG, nothing created" {
	before=$(queues)
	# (An empty write never reaches the daemon: the kernel sends none.)
	shell_fails_with "$E_INVAL" 'printf "\n" > "$1"' "$MNT/mq/.create"
	shell_fails_with "$E_INVAL" 'printf ".\n" > "$1"' "$MNT/mq/.create"
	shell_fails_with "$E_INVAL" 'printf ".." > "$1"' "$MNT/mq/.create"
	shell_fails_with "$E_INVAL" 'printf "a/b" > "$1"' "$MNT/mq/.create"
	shell_fails_with "$E_INVAL" 'printf "/$2" > "$1"' "$MNT/mq/.create" "$N"
	shell_fails_with "$E_INVAL" 'printf "a\0b" > "$1"' "$MNT/mq/.create"
	shell_fails_with "$E_INVAL" 'printf "mode=600 " > "$1"' "$MNT/mq/.create"
	shell_fails_with "$E_INVAL" 'printf "mode=999 $2" > "$1"' "$MNT/mq/.create" "$N"
	shell_fails_with "$E_INVAL" 'printf "maxmsg=-1 $2" > "$1"' "$MNT/mq/.create" "$N"
	shell_fails_with "$E_INVAL" 'printf "maxmsg=99999999999999999999999 $2" > "$1"' "$MNT/mq/.create" "$N"
	long=$(printf "%s%0$((256 - ${#N}))d" "$N" 0)
	shell_fails_with "$E_NAMETOOLONG" 'printf "%s" "$2" > "$1"' "$MNT/mq/.create" "$long"
	assert_eq "$before" "$(queues)" "queues after bad names"
	daemon_ok
}

@test "bad names through mkdir: EINVAL or ENAMETOOLONG, nothing created" {
	before=$(shm_files)
	long=$(printf "%s%0$((256 - ${#N}))d" "$N" 0)
	for k in mq shm sem; do
		assert_fails_with "$E_NAMETOOLONG" mkdir "$MNT/$k/$long"
		assert_fails_with "$E_EXIST" mkdir "$MNT/$k/."
		assert_fails_with "$E_EXIST|$E_NOENT" mkdir "$MNT/$k/.."
	done
	assert_fails_with "$E_NAMETOOLONG" mkdir "$MNT/sem/${long:0:252}"
	assert_fails_with "$E_INVAL" mkdir "$MNT/shm/sem.$N"
	assert_eq "$before" "$(shm_files)" "/dev/shm after bad names"
	assert_eq "" "$(queues | grep "$N")" "queues after bad names"
	daemon_ok
}

@test "odd bytes in names (newline, tab, UTF-8, 0xff) are names like any other" {
	for name in "$N"$'\n'x "$N"$'\t'x "${N}-héllo-✓" "$N"$'\xff' "$N"' sp'; do
		for k in mq shm sem; do
			mkdir "$MNT/$k/$name"
			ls -A "$MNT/$k" | grep -Fq -- "${name%%[[:cntrl:]]*}" || fail "$k: $(printf %q "$name") not listed"
			[ -d "$MNT/$k/$name" ] || fail "$k: $(printf %q "$name") not a directory"
		done
		[ -e "$(kmq "$name")" ] && [ -e "$(kshm "$name")" ] && [ -e "$(ksem "$name")" ] ||
			fail "$(printf %q "$name"): not made in the kernel"
		printf 'm' >"$MNT/mq/$name/send"
		assert_eq m "$(cat "$MNT/mq/$name/recv")"
		for k in mq shm sem; do rmdir "$MNT/$k/$name"; done
		[ ! -e "$(kmq "$name")" ] && [ ! -e "$(kshm "$name")" ] && [ ! -e "$(ksem "$name")" ] ||
			fail "$(printf %q "$name"): not removed"
	done
	# Through .create too: a newline inside the name is kept, one at the
	# end is dropped.
	create "$N"$'\nq\n'
	[ -e "$(kmq "$N"$'\nq')" ] || fail "queue with a newline in its name: $(queues | grep -a "$N" | od -c | head)"
	daemon_ok
}

@test "bad semaphore commands fail with EINVAL and change nothing" {
	mkdir "$MNT/sem/$N"
	V=$MNT/sem/$N/value
	echo post 5 >"$V"
	for cmd in hello POST 'post x' 'post -1' 'post +1' 'post 0' 'post  1' 'post 1 2' 'post 1x' \
		'post 4294967296' 'post 2147483648' 'post 99999999999999999999999999' ' post' 'post ' \
		'wait -3' 'trywait 0' $'post\n\n' $'post\r' $'\npost' 'wait\t1' 'trywait 1 '; do
		assert_fails_with "$E_INVAL" write1 "$V" "$cmd"
		assert_eq 5 "$(cat "$V")" "value after $(printf %q "$cmd")"
	done
	shell_fails_with "$E_INVAL" 'printf "post\0" > "$1"' "$V"
	shell_fails_with "$E_INVAL" 'printf "\0post" > "$1"' "$V"
	shell_fails_with "$E_INVAL" 'printf "post 1\0" > "$1"' "$V"
	assert_eq 5 "$(cat "$V")" "value after garbage"
	# One write of 1 MiB (max_write) and one of 3 MiB (several requests).
	assert_fails_with "$E_INVAL" dd if=/dev/zero of="$V" bs=1M count=1 status=none
	assert_fails_with "$E_INVAL" bash -c 'head -c 3145728 /dev/zero | tr "\0" p | dd of="$1" bs=3M iflag=fullblock status=none' x "$V"
	assert_eq 5 "$(cat "$V")" "value after overlong writes"
	# The largest count works; past SEM_VALUE_MAX is EOVERFLOW, all or nothing.
	echo trywait 5 >"$V"
	echo post 2147483647 >"$V"
	assert_eq 2147483647 "$(cat "$V")"
	assert_fails_with "$E_OVERFLOW" bash -c 'echo post > "$1"' x "$V"
	assert_eq 2147483647 "$(sem-op "$N" getvalue)"
	echo trywait 2147483647 >"$V"
	echo post 3 >"$V"
	assert_fails_with "$E_AGAIN" bash -c 'echo trywait 4 > "$1"' x "$V"
	assert_eq 3 "$(cat "$V")"
	daemon_ok
}

@test "writes at odd offsets land where they should" {
	mkdir "$MNT/shm/$N"
	D=$MNT/shm/$N/data
	printf 'abc' | dd of="$D" bs=1 seek=4097 conv=notrunc status=none
	assert_eq 4100 "$(stat -c %s "$(kshm "$N")")"
	assert_eq abc "$(dd if="$(kshm "$N")" bs=1 skip=4097 count=3 status=none)"
	assert_eq 0 "$(head -c 4097 "$(kshm "$N")" | tr -d '\0' | wc -c)" "zeros before"
	# Far out: a sparse object of 1 GiB + 3 bytes.
	printf 'far' | dd of="$D" bs=1 seek=$((1 << 30)) conv=notrunc status=none
	assert_eq $(((1 << 30) + 3)) "$(stat -c %s "$D")"
	assert_eq far "$(dd if="$D" bs=1 skip=$((1 << 30)) count=3 status=none)"
	# Reads at or past the end are short or empty.
	assert_eq 0 "$(dd if="$D" bs=4096 skip=$(((1 << 30) / 4096 + 10)) count=1 status=none | wc -c)"
	assert_eq 2 "$(dd if="$D" bs=1 skip=$(((1 << 30) + 1)) count=10 status=none | wc -c)"
	daemon_ok
}

@test "truncate to huge sizes: the kernel's answer, the mount stays up" {
	mkdir "$MNT/shm/$N"
	D=$MNT/shm/$N/data
	# tmpfs takes sparse sizes up to the largest off_t.
	truncate -s 1T "$D"
	assert_eq $((1 << 40)) "$(stat -c %s "$(kshm "$N")")"
	assert_eq $((1 << 40)) "$(stat -c %s "$D")"
	# At and past the largest off_t: the kernel's answer (or success, where
	# tmpfs takes it), never a hang or a crash.
	for size in 9223372036854775807 9223372036854775000 $((1 << 62)); do
		run truncate -s "$size" "$D"
		[ "$status" = 0 ] || assert_match "$E_FBIG|$E_INVAL" "$output" "truncate -s $size"
		assert_eq "$(stat -c %s "$(kshm "$N")")" "$(stat -c %s "$D")" "st_size after truncate -s $size"
	done
	run dd if=/dev/zero of="$D" bs=1 count=2 seek=9223372036854775806 conv=notrunc status=none
	[ "$status" = 0 ] || assert_match "$E_FBIG|$E_INVAL" "$output" "write at the largest offset"
	assert_eq "$(stat -c %s "$(kshm "$N")")" "$(stat -c %s "$D")" "st_size after the write"
	truncate -s 0 "$D"
	assert_eq 0 "$(stat -c %s "$(kshm "$N")")"
	daemon_ok
}

@test "a full /dev/shm gives ENOSPC, changes nothing else, and the mount stays up" {
	mkdir "$MNT/shm/$N"
	D=$MNT/shm/$N/data
	SHRUNK=1
	mount -o remount,size=1m /dev/shm
	assert_fails_with "$E_NOSPC" dd if=/dev/zero of="$D" bs=64k count=32 status=none
	# What fitted is there; the object still works once there is room.
	mount -o remount,size=50% /dev/shm
	SHRUNK=
	printf ok >"$D"
	assert_eq ok "$(cat "$D")"
	daemon_ok
}

@test "many open files: the daemon's descriptor limit gives EMFILE, then all is well" {
	IPCFS_NO_AUTOMOUNT=1
	stop_ipcfs
	IPCFS_WRAP=(prlimit --nofile=64:64 --)
	start_ipcfs
	mkdir "$MNT/shm/$N" "$MNT/mq/$N"
	fds=()
	got=
	for ((i = 0; i < 100; i++)); do
		if ! exec {fd}<"$MNT/shm/$N/data" 2>"$OUT/err"; then
			got=$(cat "$OUT/err")
			break
		fi
		fds+=("$fd")
	done
	assert_match "$E_MFILE" "$got" "open beyond the daemon's limit"
	assert_fails_with "$E_MFILE" cat "$MNT/mq/$N/info"
	for fd in "${fds[@]}"; do exec {fd}<&-; done
	wait_until -t 3 content_is "$MNT/shm/$N/info" "size 0"
	echo hi >"$MNT/mq/$N/send"
	assert_eq hi "$(cat "$MNT/mq/$N/recv")"
	daemon_ok
}

@test "another process resizing the object in a loop: reads are short, the daemon survives" {
	mkdir "$MNT/shm/$N"
	D=$MNT/shm/$N/data
	K=$(kshm "$N")
	truncate -s 65536 "$K"
	bg "$OUT/resizer" bash -c 'while :; do truncate -s 0 "$1"; truncate -s 65536 "$1"; truncate -s 10 "$1"; done' x "$K"
	# A number of rounds, not a time: every round is a read, a write and a
	# stat racing the resizer.
	for ((round = 0; round < 100; round++)); do
		n=$(dd if="$D" bs=64k count=1 status=none 2>/dev/null | wc -c)
		[ "$n" -le 65536 ] || fail "read $n bytes from a 64 KiB object"
		dd if=/dev/urandom of="$D" bs=4k count=4 seek=3 conv=notrunc status=none 2>/dev/null
		stat -c %s "$D" >/dev/null
		cat "$MNT/shm/$N/info" >/dev/null
	done
	kill -9 "$BG_PID"
	wait_pid "$BG_PID" 3
	# An fd opened before a shrink: a read past the new end is short.
	truncate -s 65536 "$K"
	exec 5<"$D"
	truncate -s 10 "$K"
	assert_eq 10 "$(head -c 4096 <&5 | wc -c)"
	exec 5<&-
	daemon_ok
}

@test "a semaphore file of the wrong size is an error for it alone" {
	printf 12345 >"$(ksem "$N")"
	mkdir "$MNT/sem/ok$N"
	echo post 2 >"$MNT/sem/ok$N/value"
	assert_fails_with "$E_INVAL" cat "$MNT/sem/$N/value"
	assert_fails_with "$E_INVAL" bash -c 'echo post > "$1"' x "$MNT/sem/$N/value"
	assert_fails_with "$E_INVAL" bash -c 'echo wait > "$1"' x "$MNT/sem/$N/value"
	assert_eq 12345 "$(cat "$(ksem "$N")")" "the file is untouched"
	assert_eq 2 "$(cat "$MNT/sem/ok$N/value")"
	echo trywait >"$MNT/sem/ok$N/value"
	assert_eq 1 "$(sem-op "ok$N" getvalue)"
	# rmdir still removes it (it is sem.NAME, whatever it holds).
	rmdir "$MNT/sem/$N"
	[ ! -e "$(ksem "$N")" ] || fail "debris not removed"
	daemon_ok
}

@test "a semaphore file of the right size with garbage inside: errors or values, never a crash" {
	mkdir "$MNT/sem/$N"
	head -c 32 /dev/zero | tr '\0' '\377' >"$(ksem "$N")"
	for cmd in post trywait 'post 3' 'trywait 2'; do
		timeout 5 bash -c 'echo "$2" > "$1"' x "$MNT/sem/$N/value" 2>/dev/null || true
	done
	timeout 5 cat "$MNT/sem/$N/value" >/dev/null 2>&1 || true
	run timeout 3 bash -c 'echo wait > "$1"' x "$MNT/sem/$N/value"
	daemon_ok
	mkdir "$MNT/sem/ok$N"
	echo post >"$MNT/sem/ok$N/value"
	assert_eq 1 "$(cat "$MNT/sem/ok$N/value")"
}

@test "a sem.NAME that is a directory, a symlink or a FIFO is no semaphore" {
	mkdir "$MNT/sem/real$N"
	echo post 7 >"$MNT/sem/real$N/value"
	mkdir "$(ksem "d$N")"
	ln -s "sem.real$N" "$(ksem "l$N")"
	ln -s /etc/hostname "$(ksem "h$N")"
	mkfifo "$(ksem "f$N")"
	for n in "d$N" "l$N" "h$N" "f$N"; do
		not_listed "$MNT/sem" "$n"
		assert_fails_with "$E_NOENT" timeout 5 cat "$MNT/sem/$n/value"
		assert_fails_with "$E_NOENT" timeout 5 bash -c 'echo post > "$1"' x "$MNT/sem/$n/value"
	done
	assert_eq 7 "$(cat "$MNT/sem/real$N/value")" "the symlink's target is untouched"
	# Creating over debris: EEXIST, the debris stays.
	assert_fails_with "$E_EXIST" mkdir "$MNT/sem/d$N"
	[ -d "$(ksem "d$N")" ] && [ -L "$(ksem "l$N")" ] || fail "debris changed"
	rmdir "$(ksem "d$N")"
	daemon_ok
}

@test "shm debris: a symlink, a directory or a FIFO in /dev/shm is not an object" {
	ln -s /etc/hostname "$(kshm "l$N")"
	mkdir "$(kshm "d$N")"
	mkfifo "$(kshm "f$N")"
	for n in "l$N" "d$N" "f$N"; do
		not_listed "$MNT/shm" "$n"
		assert_fails_with "$E_NOENT" timeout 5 cat "$MNT/shm/$n/data"
		assert_fails_with "$E_NOENT" timeout 5 bash -c 'printf x > "$1"' x "$MNT/shm/$n/data"
	done
	assert_eq "$(cat /etc/hostname)" "$(cat "$(kshm "l$N")")" "the link's target is untouched"
	rmdir "$(kshm "d$N")"
	daemon_ok
}

@test "objects unlinked through the POSIX API while open through the mount" {
	mkdir "$MNT/shm/$N" "$MNT/mq/$N" "$MNT/sem/$N"
	exec 5<>"$MNT/shm/$N/data" 9<"$MNT/shm/$N/data" 6>"$MNT/mq/$N/send" 7<"$MNT/mq/$N/recv" 8<>"$MNT/sem/$N/value"
	shm-unlink "$N"
	mq-unlink "$N"
	sem-op "$N" unlink
	wait_until -t 2 not_listed "$MNT/shm" "$N"
	wait_until -t 2 not_listed "$MNT/mq" "$N"
	wait_until -t 2 not_listed "$MNT/sem" "$N"
	# Cached entries live at most a second.
	wait_until -t 2 eval '! stat "$MNT/shm/$N" >/dev/null 2>&1'
	assert_fails_with "$E_NOENT" stat "$MNT/shm/$N"
	wait_until -t 2 eval '! cat "$MNT/mq/$N/info" >/dev/null 2>&1'
	assert_fails_with "$E_NOENT" cat "$MNT/mq/$N/info"
	# Open files keep the objects alive, as unlink(2) does.
	printf kept >&5
	assert_eq kept "$(head -c 4 <&9)"
	printf still >&6
	IFS= read -r -N 5 got <&7 || true
	assert_eq still "$got" "message through descriptors of an unlinked queue"
	echo post 2 >&8
	echo trywait 2 >&8
	assert_fails_with "$E_AGAIN" bash -c 'echo trywait >&8'
	# fstat(2) of an open file keeps working too (cat, dd, cp fstat their input).
	local e=0
	for fd in 5 6 7 8; do
		stat -L "/dev/fd/$fd" >/dev/null 2>"$OUT/fstat" ||
			{ echo "fstat of fd $fd: $(cat "$OUT/fstat")" >&2; e=1; }
	done
	exec 5<&- 6>&- 7<&- 8>&- 9<&-
	[ "$e" = 0 ] || fail "fstat of an open file of an unlinked object fails"
	# A new object of the same name is a new object.
	mkdir "$MNT/shm/$N"
	assert_eq 0 "$(stat -c %s "$MNT/shm/$N/data")"
	daemon_ok
}

@test "a queue unlinked under a parked reader: the reader gets an error within 3 s" {
	mkdir "$MNT/mq/$N"
	bg "$OUT/reader" cat "$MNT/mq/$N/recv"
	reader=$BG_PID
	sleep 0.5
	pid_running "$reader" || fail "the reader did not block: $(cat "$OUT/reader")"
	mq-unlink "$N"
	start=$EPOCHREALTIME
	if ! wait_until -t 3 pid_gone "$reader"; then
		fail "the parked reader still waits $(elapsed_since "$start") ms after mq_unlink (state $(awk '{print $3}' /proc/$reader/stat))"
		return 1
	fi
	wait "$reader" && st=0 || st=$?
	[ "$st" != 0 ] || fail "the reader succeeded: $(cat "$OUT/reader")"
	assert_match "$E_NOENT|Identifier removed|No message|$E_INVAL|Bad file" "$(cat "$OUT/reader")" "the reader's error"
	daemon_ok
}

@test "a queue re-created under a parked reader: the reader does not take the new queue's messages" {
	mkdir "$MNT/mq/$N"
	bg "$OUT/reader" cat "$MNT/mq/$N/recv"
	reader=$BG_PID
	sleep 0.5
	mq-unlink "$N"
	mq-create "$N"
	echo fresh | mq-send "$N" 0
	sleep 1.5
	assert_eq 1 "$(info_field "$MNT/mq/$N/info" curmsgs)" "the new queue's message"
	assert_eq fresh "$(mq-recv "$N" -n)"
	! grep -q fresh "$OUT/reader" || fail "the old queue's reader took the new queue's message"
	daemon_ok
}

@test "SIGTERM and SIGINT with busy files unmount cleanly, exit 0" {
	for sig in TERM INT; do
		mkdir "$MNT/mq/$sig$N" "$MNT/sem/$sig$N"
		bg "$OUT/r$sig" cat "$MNT/mq/$sig$N/recv"
		bg "$OUT/w$sig" bash -c 'echo wait > "$1"' x "$MNT/sem/$sig$N/value"
		sleep 0.3
		pid=$IPCFS_PID
		IPCFS_PID=
		kill -"$sig" "$pid"
		wait_pid "$pid" 10
		assert_eq 0 "$WAIT_STATUS" "exit status after SIG$sig"
		! mountpoint -q "$MNT" || fail "still mounted after SIG$sig"
		check_log
		start_ipcfs
	done
}

@test "kill -9 of the daemon loses nothing; a fresh mount shows everything" {
	mkdir "$MNT/mq/$N" "$MNT/shm/$N" "$MNT/sem/$N"
	echo one >"$MNT/mq/$N/send"
	printf '5 two' >"$MNT/mq/$N/send-prio"
	printf persistent >"$MNT/shm/$N/data"
	echo post 4 >"$MNT/sem/$N/value"
	pid=$IPCFS_PID
	IPCFS_PID=
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	# Still in the kernel.
	assert_eq 2 "$(mq-attr "$N" | awk '{print $6}')" "curmsgs in the kernel"
	assert_eq persistent "$(cat "$(kshm "$N")")"
	assert_eq 4 "$(sem-op "$N" getvalue)"
	# The dead mount answers ENOTCONN until unmounted.
	run ls "$MNT"
	[ "$status" != 0 ] || fail "the dead mount still answers"
	fusermount3 -u "$MNT" || umount -l "$MNT"
	: >"$LOG"
	start_ipcfs
	listed "$MNT/mq" "$N" && listed "$MNT/shm" "$N" && listed "$MNT/sem" "$N"
	assert_eq 2 "$(info_field "$MNT/mq/$N/info" curmsgs)"
	assert_eq two "$(cat "$MNT/mq/$N/recv")"
	assert_eq one "$(cat "$MNT/mq/$N/recv")"
	assert_eq persistent "$(cat "$MNT/shm/$N/data")"
	assert_eq 4 "$(cat "$MNT/sem/$N/value")"
}

@test "two mounts side by side see and drive the same objects" {
	MNT2=$BATS_TEST_TMPDIR/mnt2
	mkdir -p "$MNT2"
	"$IPCFS" -f "$MNT2" 2>>"$LOG.2" 3>&- </dev/null &
	pid2=$!
	BG_PIDS+=("$pid2")
	wait_until -t 10 mountpoint -q "$MNT2"
	mkdir "$MNT/mq/$N" "$MNT2/shm/$N"
	wait_until -t 2 listed "$MNT2/mq" "$N"
	wait_until -t 2 listed "$MNT/shm" "$N"
	echo across >"$MNT2/mq/$N/send"
	assert_eq across "$(cat "$MNT/mq/$N/recv")"
	bg "$OUT/reader2" cat "$MNT2/mq/$N/recv"
	sleep 0.2
	echo back >"$MNT/mq/$N/send"
	wait_pid "$BG_PID" 5
	assert_eq back "$(cat "$OUT/reader2")"
	printf shared >"$MNT/shm/$N/data"
	assert_eq shared "$(cat "$MNT2/shm/$N/data")"
	rmdir "$MNT2/mq/$N"
	wait_until -t 2 not_listed "$MNT/mq" "$N"
	fusermount3 -u "$MNT2"
	wait_pid "$pid2" 10
	assert_eq 0 "$WAIT_STATUS" "second daemon's exit"
	daemon_ok
}

@test "a FIFO swapped in for an object after lookup does not hang a worker" {
	# The owner of a /dev/shm file may replace it with a FIFO between the
	# kernel's (cached) lookup and the open: open(2) of a FIFO for reading
	# waits for a writer, and the caller would sit in D state.
	K=$(kshm "$N")
	: >"$K"
	stat "$MNT/shm/$N/data" >/dev/null
	rm "$K"
	mkfifo "$K"
	bg "$OUT/reader" cat "$MNT/shm/$N/data"
	reader=$BG_PID
	wait_until -t 3 pid_gone "$reader" && ok=1 || ok=
	# Release a stuck worker whatever happened, so the mount can go.
	timeout 2 bash -c 'echo > "$1"' x "$K" 2>/dev/null || true
	wait_pid "$reader" 3
	[ -n "$ok" ] || fail "open of data blocked on a FIFO (the worker waited in open(2) for a writer)"
	daemon_ok
}
