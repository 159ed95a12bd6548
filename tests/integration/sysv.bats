#!/usr/bin/env bats
# System V IPC under sysv/ (SPEC section 6): segments, queues and sets made
# through the mount are the kernel's own (sysv-ipc, ipcs, ipcrm use them),
# objects made by programs show up with their attributes, and bad input gets
# a clear error and changes nothing. The run has its own IPC namespace
# (run.sh): teardown removes every System V object in it.

load lib

S="" # set by setup: $MNT/sysv

setup() {
	common_setup
	S=$MNT/sysv
	KEY=$(printf '0x5eed%04x' "$BATS_TEST_NUMBER")
}

teardown() {
	local rc=0
	common_teardown || rc=1
	ipcrm --all 2>/dev/null
	return $rc
}

# mk KIND LINE — writes LINE to sysv/KIND/.create and prints the new ID,
# read back on the same open file.
mk() {
	local id
	id=$(
		exec 3<>"$S/$1/.create"
		printf '%s\n' "$2" >&3 || exit 1
		head -1 <&3
	) || return 1
	[ -n "$id" ] || return 1
	echo "$id"
}

# ncount_is ID NUM N — semaphore NUM of set ID has N waiters (for wait_until).
ncount_is() {
	[ "$(awk -v n="$2" '$1 == "sem" && $2 == n {print $6}' "$S/sem/$1/info")" = "$3" ]
}

# ipcs_row KIND ID — the row ipcs prints for object ID (KIND -m, -q or -s).
ipcs_row() { ipcs "$1" | awk -v id="$2" '$2 == id'; }

@test "sysv/ holds shm, msg and sem, each with .create and by-key" {
	assert_eq "msg sem shm" "$(ls "$S" | xargs)" "ls sysv"
	for k in shm msg sem; do
		[ -d "$S/$k/by-key" ] && [ -f "$S/$k/.create" ] || fail "$k"
		assert_eq ".create by-key" "$(ls -A "$S/$k" | xargs)" "ls -A sysv/$k"
	done
}

@test "shm: .create makes a segment that ipcs and programs see, by-key links to it" {
	local id
	id=$(mk shm "key=$KEY size=4096 mode=640")
	assert_match "^$KEY +$id +root +640 +4096 +0" "$(ipcs_row -m "$id")" "ipcs -m"
	assert_eq "../$id" "$(readlink "$S/shm/by-key/$KEY")" "by-key"
	assert_eq "$KEY" "$(ls "$S/shm/by-key")" "ls by-key"
	assert_eq 4096 "$(stat -c %s "$S/shm/$id/data")" "size"
	assert_eq "640 root root" "$(stat -c '%a %U %G' "$S/shm/$id")" "owner and mode"
	assert_eq 4096 "$(info_field "$S/shm/$id/info" size)" "info size"
	assert_eq 0 "$(info_field "$S/shm/$id/info" removed)" "info removed"
	printf hello >"$S/shm/$id/data"
	assert_eq hello "$(sysv-ipc shm-read "$id" 0 5)" "a program reads what was written"
	sysv-ipc shm-write "$id" 100 "from C"
	assert_eq "from C" "$(dd if="$S/shm/$id/data" bs=1 skip=100 count=6 status=none)" "and the other way"
	local priv
	priv=$(mk shm "size=10")
	assert_eq 0x00000000 "$(info_field "$S/shm/$priv/info" key)" "private key"
	[ "$(ls "$S/shm/by-key")" = "$KEY" ] || fail "a private segment has no by-key link"
}

@test "objects made by programs appear with their attributes" {
	local shm msg sem
	shm=$(sysv-ipc shm-create "$KEY" 12345 0604)
	msg=$(sysv-ipc msg-create "$KEY" 0620)
	sem=$(sysv-ipc sem-create "$KEY" 4 0666)
	sysv-ipc msg-send "$msg" 3 abc
	sysv-ipc sem-op "$sem" 2 7
	assert_eq 12345 "$(stat -c %s "$S/shm/$shm/data")" "segment size"
	assert_eq 604 "$(stat -c %a "$S/shm/$shm")" "segment mode"
	assert_eq "$KEY" "$(info_field "$S/msg/$msg/info" key)" "queue key"
	assert_eq 1 "$(info_field "$S/msg/$msg/info" qnum)" "queue qnum"
	assert_eq 3 "$(info_field "$S/msg/$msg/info" cbytes)" "queue cbytes"
	assert_eq 620 "$(stat -c %a "$S/msg/$msg")" "queue mode"
	assert_eq 4 "$(info_field "$S/sem/$sem/info" nsems)" "set nsems"
	assert_eq "0 1 2 3 holders info op" "$(ls "$S/sem/$sem" | sort | xargs)" "set files"
	assert_eq 7 "$(cat "$S/sem/$sem/2")" "semaphore value"
	assert_match "^sem 2 value 7 ncount 0 zcount 0 pid [1-9]" "$(grep '^sem 2 ' "$S/sem/$sem/info")" "info line"
	for k in shm msg sem; do
		listed "$S/$k" "$(eval echo \$$k)" || fail "$k listed"
		assert_eq "../$(eval echo \$$k)" "$(readlink "$S/$k/by-key/$KEY")" "$k by-key"
	done
}

@test "msg: send and recv, with types both ways" {
	local id
	id=$(mk msg "key=$KEY")
	echo hi >"$S/msg/$id/send"
	printf '5 five\0bytes' >"$S/msg/$id/send-type"
	assert_eq "5 five" "$(sysv-ipc msg-recv "$id" 5 | tr -d '\0' | cut -c1-6)" "a program receives type 5"
	assert_eq "1 hi" "$(sysv-ipc msg-recv "$id" 0)" "send uses type 1"
	sysv-ipc msg-send "$id" 42 "typed by C"
	sysv-ipc msg-send "$id" 7 plain
	assert_eq "42 typed by C" "$(cat "$S/msg/$id/recv-type")" "recv-type"
	assert_eq plain "$(cat "$S/msg/$id/recv")" "recv"
	assert_eq 0 "$(info_field "$S/msg/$id/info" qnum)" "all taken"
	assert_match "^$KEY +$id +root +600 +0 +0" "$(ipcs_row -q "$id")" "ipcs -q"
}

@test "msg: recv hands one message out over many reads, then EOF" {
	local id
	id=$(mk msg "")
	echo "one two" >"$S/msg/$id/send"
	echo second >"$S/msg/$id/send"
	assert_eq "one two|second" "$(read -r a <"$S/msg/$id/recv"; read -r b <"$S/msg/$id/recv"; echo "$a|$b")" "one message per open"
	assert_fails_with "$E_AGAIN" dd if="$S/msg/$id/recv" iflag=nonblock status=none
}

@test "sem: numbered files post, wait and trywait; op is one atomic semop" {
	local id
	id=$(mk sem "key=$KEY nsems=3 mode=660")
	assert_match "^$KEY +$id +root +660 +3" "$(ipcs_row -s "$id")" "ipcs -s"
	echo post 3 >"$S/sem/$id/1"
	assert_eq 3 "$(cat "$S/sem/$id/1")" "post 3"
	echo wait 2 >"$S/sem/$id/1"
	assert_eq 1 "$(sysv-ipc sem-get "$id" 1)" "wait 2, seen by a program"
	shell_fails_with "$E_AGAIN" 'echo trywait 2 > "$1"' "$S/sem/$id/1"
	echo "1:-1 2:+4 0:0" >"$S/sem/$id/op"
	assert_eq "0 0 4" "$(for i in 0 1 2; do sysv-ipc sem-get "$id" $i; done | xargs)" "op"
	sysv-ipc sem-op "$id" 0 2
	shell_fails_with "$E_AGAIN" 'echo "0:-1 1:-1 nowait" > "$1"' "$S/sem/$id/op"
	assert_eq "2 0 4" "$(for i in 0 1 2; do cat "$S/sem/$id/$i"; done | xargs)" "an op that would wait changed nothing"
	[ ! -e "$S/sem/$id/3" ] || fail "no semaphore 3"
}

@test "rmdir is IPC_RMID; objects removed by ipcrm are gone at once" {
	local shm msg sem
	shm=$(mk shm "size=100")
	msg=$(mk msg "")
	sem=$(mk sem "nsems=1")
	rmdir "$S/shm/$shm" "$S/msg/$msg" "$S/sem/$sem"
	[ -z "$(ipcs_row -m "$shm")$(ipcs_row -q "$msg")$(ipcs_row -s "$sem")" ] || fail "ipcs still lists them"
	msg=$(mk msg "")
	ipcrm -q "$msg"
	not_listed "$S/msg" "$msg" || fail "listed after ipcrm"
	wait_until -t 1 test ! -e "$S/msg/$msg"
}

@test "chmod and chown are IPC_SET; stat shows owner, mode and times" {
	local id
	id=$(mk msg "key=$KEY")
	chmod 604 "$S/msg/$id"
	chown nobody "$S/msg/$id"
	assert_match "^$KEY +$id +nobody +604 " "$(ipcs_row -q "$id")" "ipcs after IPC_SET"
	wait_until -t 1 test "$(stat -c '%a %U' "$S/msg/$id")" = "604 nobody"
	assert_eq "$(info_field "$S/msg/$id/info" ctime)" "$(stat -c %Z "$S/msg/$id")" "ctime"
	assert_fails_with "$E_INVAL" chmod 4604 "$S/msg/$id"
	assert_fails_with "$E_PERM" touch "$S/msg/$id"
}

@test "a removed segment that is still attached shows removed 1" {
	local id
	id=$(mk shm "size=64")
	exec 4<"$S/shm/$id/data"
	assert_eq 1 "$(info_field "$S/shm/$id/info" nattch)" "the open file attaches"
	rmdir "$S/shm/$id"
	assert_eq 1 "$(info_field "$S/shm/$id/info" removed)" "removed"
	assert_match "dest" "$(ipcs_row -m "$id")" "ipcs says dest"
	exec 4<&-
	wait_until -t 1 test ! -e "$S/shm/$id"
}

@test "holders: programs that attach a segment, and users of the mount" {
	local id q holder
	id=$(mk shm "size=64")
	q=$(mk msg "")
	mkfifo "$OUT/hold"
	# It holds the segment until its stdin, the FIFO, ends.
	bg "$OUT/holder" sh -c 'exec sysv-ipc shm-hold "$1" <"$2"' sh "$id" "$OUT/hold"
	holder=$BG_PID
	exec 5>"$OUT/hold"
	wait_until grep -qx attached "$OUT/holder"
	assert_match "^$holder map rw sysv-ipc$" "$(cat "$S/shm/$id/holders")" "the attaching program"
	exec 4<"$S/msg/$q/recv"
	# Holders keep a scan for a second: the new reader shows by then.
	wait_until -t 2 grep -Eq "^$BASHPID ipcfs r " "$S/msg/$q/holders"
	exec 4<&- 5>&-
	wait_pid "$holder" 5
}

@test "bad .create lines, keys, sizes and nsems fail and make nothing" {
	local before
	before=$(ipcs -a | wc -l)
	for line in "size=0" "size=-1" "key=zz size=1" "key=0x123456789 size=1" "size=1 mode=1777" \
		"size=1 nsems=2" "key=$KEY" "size=$(($(cat /proc/sys/kernel/shmmax) + 1))"; do
		shell_fails_with "$E_INVAL" 'echo "$1" > "$2"' "$line" "$S/shm/.create"
	done
	for line in "nsems=0" "nsems=$(($(awk '{print $1}' /proc/sys/kernel/sem) + 1))" "size=3" ""; do
		shell_fails_with "$E_INVAL" 'echo "$1" > "$2"' "$line" "$S/sem/.create"
	done
	shell_fails_with "$E_INVAL" 'echo "$1" > "$2"' "nsems=1" "$S/msg/.create"
	assert_eq "$before" "$(ipcs -a | wc -l)" "nothing made"
	mk msg "key=$KEY" >/dev/null
	shell_fails_with "$E_EXIST" 'echo "$1" > "$2"' "key=$KEY" "$S/msg/.create"
	assert_fails_with "$E_PERM" mkdir "$S/shm/123"
}

@test "bad messages fail and send nothing" {
	local id max
	id=$(mk msg "")
	max=$(cat /proc/sys/kernel/msgmax)
	for frame in "0 zero" "-1 neg" "x y" "5"; do
		shell_fails_with "$E_INVAL" 'printf %s "$1" > "$2"' "$frame" "$S/msg/$id/send-type"
	done
	# One write(2) of msgmax + 1 bytes.
	assert_fails_with "$E_INVAL" dd if=/dev/zero of="$S/msg/$id/send" bs=$((max + 1)) count=1 status=none
	assert_eq 0 "$(info_field "$S/msg/$id/info" qnum)" "nothing sent"
}

@test "bad op lines fail and change no semaphore" {
	local id
	id=$(mk sem "nsems=2")
	echo post 5 >"$S/sem/$id/0"
	for line in "2:+1" "0:-1 2:+1" "0:1" "0:+0" "0:+32768" "x:+1" "0:-1 nowait 1:+1" "" "0:-1,1:+1"; do
		shell_fails_with "$E_INVAL" 'printf "%s\n" "$1" > "$2"' "$line" "$S/sem/$id/op"
	done
	shell_fails_with "$E_INVAL" 'echo bump > "$1"' "$S/sem/$id/0"
	assert_eq "5 0" "$(cat "$S/sem/$id/0" "$S/sem/$id/1" | xargs)" "unchanged"
}

@test "a segment never grows, nor is truncated" {
	local id
	id=$(mk shm "size=10")
	printf 0123456789 >"$S/shm/$id/data"
	shell_fails_with "$E_NOSPC" 'printf x >> "$1"' "$S/shm/$id/data"
	# A write across the end is short; dd's retry of the rest finds none.
	shell_fails_with "$E_NOSPC" 'printf abcdefgh | dd of="$1" bs=8 oflag=seek_bytes seek=6 conv=notrunc status=none' "$S/shm/$id/data"
	assert_fails_with "$E_PERM" truncate -s 0 "$S/shm/$id/data"
	assert_fails_with "$E_PERM" truncate -s 20 "$S/shm/$id/data"
	assert_eq 10 "$(stat -c %s "$S/shm/$id/data")" "size"
	assert_eq 012345abcd "$(cat "$S/shm/$id/data")" "bytes"
}

@test "files cannot be created, removed or renamed inside an object's directory" {
	local id
	id=$(mk sem "nsems=1")
	assert_fails_with "$E_PERM" touch "$S/sem/$id/new"
	assert_fails_with "$E_PERM" mkdir "$S/sem/$id/dir"
	assert_fails_with "$E_PERM" rm -f "$S/sem/$id/info"
	assert_fails_with "$E_PERM" mv "$S/sem/$id/op" "$S/sem/$id/op2"
	assert_fails_with "$E_PERM" ln -s x "$S/shm/by-key/0x00000001"
	assert_eq "0 holders info op" "$(ls "$S/sem/$id" | xargs)" "unchanged"
}

# Blocking (SPEC sections 4 and 6): waits hold no worker, answer an
# interrupt within a second, and an interrupted one changes nothing.

@test "Ctrl-C on a blocked cat recv returns within a second and nothing is lost" {
	local id start
	id=$(mk msg "")
	start=$EPOCHREALTIME
	run timeout -s INT 1 cat "$S/msg/$id/recv"
	took_less_than 2000 "$start"
	[ "$status" != 0 ] || fail "cat succeeded: $output"
	start=$EPOCHREALTIME
	run timeout -s KILL 1 cat "$S/msg/$id/recv-type"
	took_less_than 2000 "$start"
	assert_eq 137 "$status" "killed reader"
	sysv-ipc msg-send "$id" 9 after
	assert_eq 1 "$(info_field "$S/msg/$id/info" qnum)" "no reader took it"
	assert_eq "9 after" "$(timeout 5 cat "$S/msg/$id/recv-type")"
}

@test "a blocked reader gets a message sent later by a program" {
	local id
	id=$(mk msg "")
	bg "$OUT/r" timeout 20 cat "$S/msg/$id/recv"
	local reader=$BG_PID
	sleep 0.3
	pid_running "$reader" || fail "the reader did not wait: $(cat "$OUT/r")"
	sysv-ipc msg-send "$id" 3 late
	wait_pid "$reader" 5
	assert_eq 0 "$WAIT_STATUS" "reader status"
	assert_eq late "$(cat "$OUT/r")"
}

@test "a send to a full queue blocks until a recv makes room; an interrupted one sends nothing" {
	local id max n i
	id=$(mk msg "")
	max=$(cat /proc/sys/kernel/msgmax)
	n=$(($(info_field "$S/msg/$id/info" qbytes) / max))
	for ((i = 0; i < n; i++)); do
		dd if=/dev/zero of="$S/msg/$id/send" bs="$max" count=1 status=none
	done
	start=$EPOCHREALTIME
	run timeout -s INT 1 bash -c 'echo more > "$1"' _ "$S/msg/$id/send"
	took_less_than 2000 "$start"
	[ "$status" != 0 ] || fail "the send succeeded"
	assert_eq "$n" "$(info_field "$S/msg/$id/info" qnum)" "nothing sent"
	bg "$OUT/s" timeout 20 bash -c 'echo more > "$1"' _ "$S/msg/$id/send"
	local sender=$BG_PID
	sleep 0.3
	pid_running "$sender" || fail "the sender did not wait"
	assert_eq "$max" "$(cat "$S/msg/$id/recv" | wc -c)" "a big message"
	wait_pid "$sender" 5
	assert_eq 0 "$WAIT_STATUS" "sender status"
	assert_eq $((n * max - max + 5)) "$(info_field "$S/msg/$id/info" cbytes)" "the send went in"
}

@test "interrupted waits and ops take nothing; a blocked wait returns on a post" {
	local id start
	id=$(mk sem "nsems=2")
	echo post 1 >"$S/sem/$id/0"
	start=$EPOCHREALTIME
	run timeout -s INT 1 bash -c 'echo wait 2 > "$1"' _ "$S/sem/$id/0"
	took_less_than 2000 "$start"
	[ "$status" != 0 ] || fail "the wait succeeded"
	run timeout -s KILL 1 bash -c 'echo "0:-1 1:-1" > "$1"' _ "$S/sem/$id/op"
	assert_eq 137 "$status" "killed op"
	assert_eq "1 0" "$(cat "$S/sem/$id/0" "$S/sem/$id/1" | xargs)" "nothing taken"
	bg "$OUT/w" timeout 20 bash -c 'echo "0:-1 1:-1" > "$1"' _ "$S/sem/$id/op"
	local waiter=$BG_PID
	wait_until -t 1 ncount_is "$id" 1 1
	sysv-ipc sem-op "$id" 1 1
	wait_pid "$waiter" 5
	assert_eq 0 "$WAIT_STATUS" "waiter status"
	assert_eq "0 0" "$(cat "$S/sem/$id/0" "$S/sem/$id/1" | xargs)" "the op took both"
}

@test "20 blocked readers and waiters tie up no worker" {
	local q s i
	q=$(mk msg "")
	s=$(mk sem "nsems=1")
	for ((i = 0; i < 10; i++)); do
		bg "$OUT/r$i" timeout 30 cat "$S/msg/$q/recv"
		bg "$OUT/w$i" timeout 30 bash -c 'echo wait > "$1"' _ "$S/sem/$s/0"
	done
	wait_until ncount_is "$s" 0 10
	local other
	other=$(mk msg "")
	echo free >"$S/msg/$other/send"
	assert_eq free "$(timeout 5 cat "$S/msg/$other/recv")" "another queue works"
	for ((i = 0; i < 10; i++)); do sysv-ipc msg-send "$q" 1 "m$i"; done
	echo post 10 >"$S/sem/$s/0"
	for pid in "${BG_PIDS[@]}"; do
		wait_pid "$pid" 10
		assert_eq 0 "$WAIT_STATUS" "every one is served"
	done
	assert_eq "m0 m1 m2 m3 m4 m5 m6 m7 m8 m9" "$(for f in "$OUT"/r*; do cat "$f"; echo; done | sort -V | xargs)" "each reader one message"
}
