#!/usr/bin/env bats
# mq/: POSIX message queues as directories — create, list, send, receive,
# priorities, sizes, non-blocking errors, info snapshots.

load lib

@test "mkdir creates a real queue with the kernel's default attributes, rmdir removes it" {
	Q=$MNT/mq/$N
	mkdir "$Q"
	[ -e "$(kmq "$N")" ] || fail "no /dev/mqueue/$N"
	[ -d "$Q" ]
	run mq-attr "$N"
	assert_eq "maxmsg $(cat /proc/sys/fs/mqueue/msg_default) msgsize $(cat /proc/sys/fs/mqueue/msgsize_default) curmsgs 0" "$output"
	assert_eq "$(cat /proc/sys/fs/mqueue/msg_default)" "$(info_field "$Q/info" maxmsg)" "info maxmsg"
	assert_eq "$(cat /proc/sys/fs/mqueue/msgsize_default)" "$(info_field "$Q/info" msgsize)" "info msgsize"
	listed "$MNT/mq" "$N"
	rmdir "$Q"
	[ ! -e "$(kmq "$N")" ] || fail "queue still exists after rmdir"
	not_listed "$MNT/mq" "$N"
	assert_fails_with "$E_NOENT" ls "$Q"
}

@test "a queue directory holds send, send-prio, recv, recv-prio and info with sensible types" {
	mkdir "$MNT/mq/$N"
	run ls "$MNT/mq/$N"
	for f in send send-prio recv recv-prio info; do
		assert_match "^$f\$" "$output" "ls mq/NAME"
		[ -f "$MNT/mq/$N/$f" ] || fail "$f is not a regular file"
	done
	# write-only and read-only as the contract says
	[ "$((0$(stat -c '%a' "$MNT/mq/$N/send") & 0200))" != 0 ] || fail "send not writable: $(stat -c %a "$MNT/mq/$N/send")"
	[ "$((0$(stat -c '%a' "$MNT/mq/$N/recv") & 0400))" != 0 ] || fail "recv not readable: $(stat -c %a "$MNT/mq/$N/recv")"
	[ "$(($(stat -c '0%a' "$MNT/mq/$N/recv") & 0222))" = 0 ] || fail "recv is writable: $(stat -c %a "$MNT/mq/$N/recv")"
	[ "$(($(stat -c '0%a' "$MNT/mq/$N/send") & 0444))" = 0 ] || fail "send is readable: $(stat -c %a "$MNT/mq/$N/send")"
}

@test "stat of a queue shows the real owner, group and mode" {
	mq-create "$N" 2 16 0604
	chown 123:456 "$(kmq "$N")"
	wait_until -t 2 listed "$MNT/mq" "$N"
	assert_eq "604 123 456" "$(stat -c '%a %u %g' "$MNT/mq/$N")"
	assert_match "^drwx|^d" "$(ls -ld "$MNT/mq/$N")" "ls -ld type"
}

@test "echo sends one message, cat receives it and exits" {
	mkdir "$MNT/mq/$N"
	echo hi >"$MNT/mq/$N/send"
	assert_eq 1 "$(info_field "$MNT/mq/$N/info" curmsgs)" curmsgs
	assert_eq 3 "$(info_field "$MNT/mq/$N/info" qsize)" qsize
	run timeout 5 cat "$MNT/mq/$N/recv"
	assert_eq 0 "$status" "cat status"
	assert_eq hi "$output"
	assert_eq 0 "$(info_field "$MNT/mq/$N/info" curmsgs)" curmsgs
}

@test "each write is one message: two writes, two cats" {
	mkdir "$MNT/mq/$N"
	printf one >"$MNT/mq/$N/send"
	printf two >"$MNT/mq/$N/send"
	assert_eq one "$(timeout 5 cat "$MNT/mq/$N/recv")"
	assert_eq two "$(timeout 5 cat "$MNT/mq/$N/recv")"
}

@test "one process, one open, two write(2) calls send two messages" {
	mkdir "$MNT/mq/$N"
	{ printf first; printf second; } >"$MNT/mq/$N/send"
	assert_eq 2 "$(info_field "$MNT/mq/$N/info" curmsgs)"
	assert_eq first "$(timeout 5 cat "$MNT/mq/$N/recv")"
	assert_eq second "$(timeout 5 cat "$MNT/mq/$N/recv")"
}

@test "messages are binary safe (NUL and high bytes, both directions)" {
	mkdir "$MNT/mq/$N"
	printf 'a\0b\377\n' >"$MNT/mq/$N/send"
	assert_eq "61 00 62 ff 0a" "$(timeout 5 cat "$MNT/mq/$N/recv" | od -An -tx1 | xargs)"
	printf 'x\0y' | mq-send "$N" 0
	assert_eq "78 00 79" "$(timeout 5 cat "$MNT/mq/$N/recv" | od -An -tx1 | xargs)"
	printf '\0\0z' >"$MNT/mq/$N/send"
	assert_eq "00 00 7a" "$(mq-recv "$N" 2>/dev/null | od -An -tx1 | xargs)"
}

@test "a message sent through send arrives at priority 0 for a program" {
	mkdir "$MNT/mq/$N"
	printf 'p\0q' >"$MNT/mq/$N/send"
	mq-recv "$N" >"$OUT/msg" 2>"$OUT/err"
	assert_eq "70 00 71" "$(od -An -tx1 "$OUT/msg" | xargs)"
	assert_eq "prio 0" "$(cat "$OUT/err")"
}

@test "a 8 KiB binary message goes through send and recv intact" {
	mkq "$N" maxmsg=2 msgsize=8192
	head -c 8192 /dev/urandom >"$OUT/big"
	dd if="$OUT/big" of="$MNT/mq/$N/send" bs=8192 status=none
	assert_eq 8192 "$(info_field "$MNT/mq/$N/info" qsize)"
	timeout 5 cat "$MNT/mq/$N/recv" >"$OUT/got"
	cmp "$OUT/big" "$OUT/got"
}

@test "send-prio sends at the given priority; recv takes the highest first" {
	mkdir "$MNT/mq/$N"
	printf '1 low' >"$MNT/mq/$N/send-prio"
	printf '5 high' >"$MNT/mq/$N/send-prio"
	printf '3 mid' >"$MNT/mq/$N/send-prio"
	printf '5 high2' >"$MNT/mq/$N/send-prio"
	assert_eq high "$(timeout 5 cat "$MNT/mq/$N/recv")"
	assert_eq high2 "$(timeout 5 cat "$MNT/mq/$N/recv")"
	assert_eq mid "$(timeout 5 cat "$MNT/mq/$N/recv")"
	assert_eq low "$(timeout 5 cat "$MNT/mq/$N/recv")"
}

@test "send-prio hands everything after the first space over verbatim" {
	mkdir "$MNT/mq/$N"
	env printf '7 a  b\n\0' >"$MNT/mq/$N/send-prio"  # one write (bash's printf writes per line)
	mq-recv "$N" >"$OUT/msg" 2>"$OUT/err"
	assert_eq "61 20 20 62 0a 00" "$(od -An -tx1 "$OUT/msg" | xargs)"
	assert_eq "prio 7" "$(cat "$OUT/err")"
}

@test "priorities set by a program are honoured by recv" {
	mkdir "$MNT/mq/$N"
	printf low | mq-send "$N" 1
	printf top | mq-send "$N" 30000
	printf mid | mq-send "$N" 9
	assert_eq top "$(timeout 5 cat "$MNT/mq/$N/recv")"
	assert_eq mid "$(timeout 5 cat "$MNT/mq/$N/recv")"
	assert_eq low "$(timeout 5 cat "$MNT/mq/$N/recv")"
}

@test "recv-prio shows 'PRIO BYTES' and cat recv-prio > send-prio moves a message with its priority" {
	mkdir "$MNT/mq/$N" "$MNT/mq/$N.b"
	printf 'x y\0' | mq-send "$N" 7
	printf 'z' | mq-send "$N" 2
	assert_eq "37 20 78 20 79 00" "$(timeout 5 cat "$MNT/mq/$N/recv-prio" | od -An -tx1 | xargs)"
	timeout 5 cat "$MNT/mq/$N/recv-prio" >"$MNT/mq/$N.b/send-prio"
	assert_eq 0 "$(info_field "$MNT/mq/$N/info" curmsgs)"
	mq-recv "$N.b" >"$OUT/msg" 2>"$OUT/err"
	assert_eq z "$(cat "$OUT/msg")"
	assert_eq "prio 2" "$(cat "$OUT/err")"
}

@test "a bad send-prio frame fails with EINVAL and sends nothing" {
	mkdir "$MNT/mq/$N"
	for frame in 'abc hello' 'nospace' '-1 x' '32768 x' '99999999999999999999 x' ' 5 x' '5x y' '0x5 y'; do
		shell_fails_with "$E_INVAL" 'printf %s "$1" > "$2"' "$frame" "$MNT/mq/$N/send-prio"
	done
	assert_eq 0 "$(info_field "$MNT/mq/$N/info" curmsgs)" "curmsgs after bad frames"
	printf '32767 ok' >"$MNT/mq/$N/send-prio"
	assert_eq "32767 ok" "$(timeout 5 cat "$MNT/mq/$N/recv-prio")"
}

@test "a write longer than msgsize fails with EMSGSIZE and sends nothing" {
	mkq "$N" maxmsg=2 msgsize=16
	shell_fails_with "$E_MSGSIZE" 'printf 0123456789abcdefX > "$1"' "$MNT/mq/$N/send"
	shell_fails_with "$E_MSGSIZE" 'printf "1 0123456789abcdefX" > "$1"' "$MNT/mq/$N/send-prio"
	assert_eq 0 "$(info_field "$MNT/mq/$N/info" curmsgs)"
	printf 0123456789abcdef >"$MNT/mq/$N/send"
	printf '4 0123456789abcdef' >"$MNT/mq/$N/send-prio"
	assert_eq 2 "$(info_field "$MNT/mq/$N/info" curmsgs)"
	assert_eq "4 0123456789abcdef" "$(timeout 5 cat "$MNT/mq/$N/recv-prio")"
}

@test "O_NONBLOCK read of an empty queue fails with EAGAIN at once" {
	mkdir "$MNT/mq/$N"
	start=$EPOCHREALTIME
	assert_fails_with "$E_AGAIN" timeout 5 dd if="$MNT/mq/$N/recv" iflag=nonblock bs=64 count=1 status=none
	# A bounded wait: it does not wait at all (lib.bash adds slack).
	took_less_than 1000 "$start"
	assert_fails_with "$E_AGAIN" timeout 5 dd if="$MNT/mq/$N/recv-prio" iflag=nonblock bs=64 count=1 status=none
	echo late >"$MNT/mq/$N/send"
	assert_eq late "$(timeout 5 dd if="$MNT/mq/$N/recv" iflag=nonblock bs=64 status=none)"
}

@test "O_NONBLOCK write to a full queue fails with EAGAIN and sends nothing" {
	mkq "$N" maxmsg=2 msgsize=32
	printf a >"$MNT/mq/$N/send"
	printf b >"$MNT/mq/$N/send"
	start=$EPOCHREALTIME
	assert_fails_with "$E_AGAIN" timeout 5 bash -c 'printf c | dd of="$1" oflag=nonblock bs=64 status=none' x "$MNT/mq/$N/send"
	assert_fails_with "$E_AGAIN" timeout 5 bash -c 'printf "3 c" | dd of="$1" oflag=nonblock bs=64 status=none' x "$MNT/mq/$N/send-prio"
	# A bounded wait: neither waits at all (lib.bash adds slack).
	took_less_than 1000 "$start"
	assert_eq 2 "$(info_field "$MNT/mq/$N/info" curmsgs)"
	assert_eq a "$(timeout 5 cat "$MNT/mq/$N/recv")"
	assert_eq b "$(timeout 5 cat "$MNT/mq/$N/recv")"
}

@test ".create makes a queue with maxmsg, msgsize and mode (any order)" {
	printf 'maxmsg=3 msgsize=64 mode=640 %s\n' "$N" >"$MNT/mq/.create"
	printf 'mode=604 msgsize=128 maxmsg=5 %s' "$N.b" >"$MNT/mq/.create"
	assert_eq "maxmsg 3"$'\n'"msgsize 64"$'\n'"curmsgs 0"$'\n'"qsize 0"$'\n'"notify_pid 0" \
		"$(cat "$MNT/mq/$N/info")" "info"
	assert_eq "maxmsg 5 msgsize 128 curmsgs 0" "$(mq-attr "$N.b")"
	assert_eq 640 "$(stat -c %a "$(kmq "$N")")" "mode of $N"
	assert_eq 604 "$(stat -c %a "$(kmq "$N.b")")" "mode of $N.b"
	assert_eq 640 "$(stat -c %a "$MNT/mq/$N")" "stat through the mount"
}

@test "info has exactly five lines in the documented format" {
	mkq "$N" maxmsg=4 msgsize=100
	printf hello >"$MNT/mq/$N/send"
	printf '%s\n' "maxmsg 4" "msgsize 100" "curmsgs 1" "qsize 5" "notify_pid 0" >"$OUT/want"
	cmp "$OUT/want" "$MNT/mq/$N/info"
}

@test ".create without options uses the defaults and mode 0600; a single option keeps the other default" {
	printf '%s' "$N" >"$MNT/mq/.create"
	assert_eq "maxmsg $(cat /proc/sys/fs/mqueue/msg_default) msgsize $(cat /proc/sys/fs/mqueue/msgsize_default) curmsgs 0" "$(mq-attr "$N")"
	assert_eq 600 "$(stat -c %a "$(kmq "$N")")"
	printf 'maxmsg=2 %s\n' "$N.m" >"$MNT/mq/.create"
	assert_eq "maxmsg 2 msgsize $(cat /proc/sys/fs/mqueue/msgsize_default) curmsgs 0" "$(mq-attr "$N.m")"
	printf 'msgsize=50 %s\n' "$N.s" >"$MNT/mq/.create"
	assert_eq "maxmsg $(cat /proc/sys/fs/mqueue/msg_default) msgsize 50 curmsgs 0" "$(mq-attr "$N.s")"
}

@test ".create of an existing queue fails with EEXIST and leaves it alone" {
	mkq "$N" maxmsg=3 msgsize=64
	echo keep >"$MNT/mq/$N/send"
	shell_fails_with "$E_EXIST" 'printf "maxmsg=5 msgsize=32 %s\n" "$1" > "$2"' "$N" "$MNT/mq/.create"
	shell_fails_with "$E_EXIST" 'mkdir "$1"' "$MNT/mq/$N"
	assert_eq "maxmsg 3 msgsize 64 curmsgs 1" "$(mq-attr "$N")"
}

@test "bad .create input fails with EINVAL/ENAMETOOLONG and creates nothing" {
	before=$(ls /dev/mqueue | wc -l)
	long=$(printf 'x%.0s' {1..256})
	for line in "maxmsg=abc $N" "maxmsg=0 $N" "maxmsg=-1 $N" "msgsize=0 $N" "mode=999 $N" \
		"mode=rw $N" "a/b$N" ".." "." "maxmsg=3 " "maxmsg=11 $N" "msgsize=8193 $N" "/$N"; do
		shell_fails_with "$E_INVAL" 'printf "%s\n" "$1" > "$2"' "$line" "$MNT/mq/.create"
	done
	shell_fails_with "$E_INVAL|$E_NAMETOOLONG" 'printf "%s\n" "$1" > "$2"' "$long" "$MNT/mq/.create"
	shell_fails_with "$E_INVAL" 'printf "\n" > "$1"' "$MNT/mq/.create"
	assert_eq "$before" "$(ls /dev/mqueue | wc -l)" "queues in /dev/mqueue"
}

@test ".create and mkdir beyond RLIMIT_MSGQUEUE fail with EMFILE" {
	stop_ipcfs
	IPCFS_WRAP=(prlimit --msgqueue=20000 --)
	start_ipcfs -o maxmsg=10,msgsize=4096
	assert_fails_with "$E_MFILE" mkdir "$MNT/mq/$N"
	shell_fails_with "$E_MFILE" 'printf "maxmsg=10 msgsize=8192 %s\n" "$1" > "$2"' "$N" "$MNT/mq/.create"
	shell_fails_with "$E_MFILE" 'printf "maxmsg=10 msgsize=4096 %s\n" "$1" > "$2"' "$N" "$MNT/mq/.create"
	[ ! -e "$(kmq "$N")" ] || fail "queue created"
	# (a small queue may or may not fit: root's queue memory is shared with
	# every other root process on the machine) — the mount keeps working
	mkdir "$MNT/shm/$N"
}

@test "beyond queues_max .create and mkdir fail with ENOSPC" {
	count=$(ls /dev/mqueue | wc -l)
	echo $((count + 1)) >/proc/sys/fs/mqueue/queues_max
	mkdir "$MNT/mq/$N"
	shell_fails_with "$E_NOSPC" 'mkdir "$1"' "$MNT/mq/$N.b"
	shell_fails_with "$E_NOSPC" 'printf "maxmsg=1 msgsize=8 %s\n" "$1" > "$2"' "$N.c" "$MNT/mq/.create"
	echo 1024 >/proc/sys/fs/mqueue/queues_max
	mkdir "$MNT/mq/$N.b"
}

@test "info is a fresh snapshot on every read from offset 0 with the file held open" {
	mkq "$N" maxmsg=5 msgsize=16
	run fd-reread "$MNT/mq/$N/info" "printf abc > '$MNT/mq/$N/send'"
	assert_eq 0 "$status" "fd-reread: $output"
	assert_eq "--1--
maxmsg 5
msgsize 16
curmsgs 0
qsize 0
notify_pid 0
--2--
maxmsg 5
msgsize 16
curmsgs 1
qsize 3
notify_pid 0
--3--
maxmsg 5
msgsize 16
curmsgs 2
qsize 6
notify_pid 0" "$output"
}

@test "while read -r line < recv takes one message per turn" {
	mkdir "$MNT/mq/$N"
	echo one >"$MNT/mq/$N/send"
	env printf 'two\nand more\n' >"$MNT/mq/$N/send"  # one write
	echo three >"$MNT/mq/$N/send"
	got=()
	while [ ${#got[@]} -lt 3 ] && read -r line <"$MNT/mq/$N/recv"; do
		got+=("$line")
	done
	assert_eq "one|two|three" "$(IFS='|'; echo "${got[*]}")"
	assert_eq 0 "$(info_field "$MNT/mq/$N/info" curmsgs)"
}

@test "a reader that closes early discards the rest of that message only" {
	mkdir "$MNT/mq/$N"
	printf hello >"$MNT/mq/$N/send"
	printf world >"$MNT/mq/$N/send"
	printf third >"$MNT/mq/$N/send"
	assert_eq he "$(timeout 5 dd if="$MNT/mq/$N/recv" bs=2 count=1 status=none)"
	assert_eq 2 "$(info_field "$MNT/mq/$N/info" curmsgs)"
	assert_eq w "$(timeout 5 head -c 1 "$MNT/mq/$N/recv")"
	assert_eq third "$(timeout 5 cat "$MNT/mq/$N/recv")"
}

@test "a message is handed out over many small reads, then EOF" {
	mkdir "$MNT/mq/$N"
	printf abcdefg >"$MNT/mq/$N/send"
	printf next >"$MNT/mq/$N/send"
	assert_eq abcdefg "$(timeout 5 dd if="$MNT/mq/$N/recv" bs=1 status=none)"
	assert_eq 1 "$(info_field "$MNT/mq/$N/info" curmsgs)"
}

@test "queues made and removed by programs show up and vanish within a second" {
	mq-create "$N" 2 16
	wait_until -t 2 listed "$MNT/mq" "$N"
	[ -d "$MNT/mq/$N" ]
	printf prog | mq-send "$N" 0
	assert_eq prog "$(timeout 5 cat "$MNT/mq/$N/recv")"
	mq-unlink "$N"
	wait_until -t 2 not_listed "$MNT/mq" "$N"
	wait_until -t 2 test ! -e "$MNT/mq/$N"
	# the name can be used again at once
	mkdir "$MNT/mq/$N"
	assert_eq 0 "$(info_field "$MNT/mq/$N/info" curmsgs)"
}

@test "a queue re-created by a program under the same name is the new queue" {
	mkq "$N" maxmsg=2 msgsize=16
	[ -d "$MNT/mq/$N" ]
	mq-unlink "$N"
	mq-create "$N" 3 32
	wait_until -t 2 field_is "$MNT/mq/$N/info" maxmsg 3
	assert_eq 32 "$(info_field "$MNT/mq/$N/info" msgsize)"
}

@test "the files of a removed queue fail with ENOENT" {
	mkdir "$MNT/mq/$N"
	rmdir "$MNT/mq/$N"
	shell_fails_with "$E_NOENT" 'echo x > "$1"' "$MNT/mq/$N/send"
	assert_fails_with "$E_NOENT" cat "$MNT/mq/$N/info"
}

@test "ls -l mq/ lists many queues with their owners" {
	for i in 1 2 3 4 5; do
		mkq "$N.$i" maxmsg=1 msgsize=8
	done
	chown 77:88 "$(kmq "$N.3")"
	run ls -ln "$MNT/mq"
	assert_eq 5 "$(grep -c "$N" <<<"$output")" "entries in ls -l"
	assert_match " 77 +88 .*$N\\.3\$" "$output" "owner of $N.3"
}

@test "poll on recv is readable only when a message waits; on send writable only when there is room" {
	mkq "$N" maxmsg=1 msgsize=8
	assert_eq timeout "$(timeout 5 poll-check "$MNT/mq/$N/recv" in 300)" "poll recv empty"
	assert_eq ready "$(timeout 5 poll-check "$MNT/mq/$N/send" out 300)" "poll send with room"
	printf x >"$MNT/mq/$N/send"
	assert_eq ready "$(timeout 5 poll-check "$MNT/mq/$N/recv" in 300)" "poll recv with message"
	assert_eq timeout "$(timeout 5 poll-check "$MNT/mq/$N/send" out 300)" "poll send full"
}

@test "a queue removed while open and made again under its name is usable at once" {
	mkdir "$MNT/mq/$N"
	exec 4<"$MNT/mq/$N/info"
	rmdir "$MNT/mq/$N"
	mkq "$N" maxmsg=1
	echo again >"$MNT/mq/$N/send"
	assert_eq again "$(cat "$MNT/mq/$N/recv")"
	exec 4<&-
}
