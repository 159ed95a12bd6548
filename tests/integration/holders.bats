#!/usr/bin/env bats
# Who holds what (SPEC section 7): KIND/NAME/holders, notify_pid in
# mq/NAME/info, pipes/INODE/{info,holders}. Holders are real processes: the
# interop program hold-objects, shells, sleep pipelines, FIFO ends.
#
# A scan is cached for a second per caller, so a holder that comes or goes
# is waited for (wait_until), never expected at once. Each test mounts as
# root with allow_other on a world-reachable mount point, so an ordinary
# user ($U1, made in setup_file) can read the files too.

load lib
load users

setup_file() { users_create; }
teardown_file() { users_remove; }
setup() { shared_mount_setup; }

teardown() {
	rm -f "/tmp/ipcfs-holders-$N".*
	shared_mount_teardown
}

# has_line FILE REGEX — a line of FILE matches REGEX (whole line).
has_line() { grep -Eqx -- "$2" "$1" 2>/dev/null; }
no_line() { ! has_line "$@"; }

# holding PROGRAM ARGS... — starts a holder in the background and waits for
# its "ready"; sets HOLDER to its pid and HOLDER_OUT to its output file.
holding() {
	HOLDER_OUT=$OUT/holder.$((++HOLDERS))
	bg "$HOLDER_OUT" "$@"
	HOLDER=$BG_PID
	wait_until grep -q ready "$HOLDER_OUT"
}
HOLDERS=0

# fd_of PID REGEX — the descriptor numbers of PID whose link matches REGEX.
fd_of() {
	local f
	for f in /proc/"$1"/fd/*; do
		readlink "$f" | grep -Eq -- "$2" && basename "$f"
	done
	return 0
}

@test "a program's queue descriptor, shm mapping and semaphore show in holders" {
	mkdir "$MNT/mq/$N" "$MNT/shm/$N" "$MNT/sem/$N"
	truncate -s 4096 "$MNT/shm/$N/data"
	holding hold-objects -q "$N" -m "$N" -s "$N"
	fd=$(fd_of "$HOLDER" "/$N\$")
	[ -n "$fd" ] || fail "hold-objects has no descriptor of the queue"
	wait_until has_line "$MNT/mq/$N/holders" "$HOLDER fd:$fd r hold-objects"
	wait_until has_line "$MNT/shm/$N/holders" "$HOLDER map rw hold-objects"
	wait_until has_line "$MNT/sem/$N/holders" "$HOLDER map rw hold-objects"
	# One line per process and use; nothing else holds these objects.
	assert_eq 1 "$(wc -l <"$MNT/shm/$N/holders")" "lines of shm holders"
	assert_eq 1 "$(wc -l <"$MNT/mq/$N/holders")" "lines of mq holders"
	kill "$HOLDER"
	wait_until no_line "$MNT/mq/$N/holders" "$HOLDER .*"
	wait_until no_line "$MNT/shm/$N/holders" "$HOLDER .*"
	assert_eq "" "$(cat "$MNT/sem/$N/holders")" "sem holders once it is gone"
}

@test "modes: a write-only descriptor is w, a read-only mapping r" {
	mkdir "$MNT/mq/$N" "$MNT/shm/$N"
	truncate -s 4096 "$MNT/shm/$N/data"
	holding hold-objects -q "$N" -w -m "$N" -r
	wait_until has_line "$MNT/mq/$N/holders" "$HOLDER fd:[0-9]+ w hold-objects"
	wait_until has_line "$MNT/shm/$N/holders" "$HOLDER map r hold-objects"
}

@test "mq info shows the notification owner, 0 once it is gone" {
	mkdir "$MNT/mq/$N"
	assert_eq 0 "$(info_field "$MNT/mq/$N/info" notify_pid)" "before"
	holding hold-objects -q "$N" -n
	assert_eq "$HOLDER" "$(info_field "$MNT/mq/$N/info" notify_pid)" "registered"
	kill "$HOLDER"
	wait_until field_is "$MNT/mq/$N/info" notify_pid 0
}

@test "a shell using send through the mount shows as ipcfs, not as the daemon" {
	mkdir "$MNT/mq/$N"
	holding bash -c 'exec 4>"$1"; echo ready; exec sleep 1000' _ "$MNT/mq/$N/send"
	wait_until has_line "$MNT/mq/$N/holders" "$HOLDER ipcfs w sleep"
	# The daemon does hold a descriptor of the queue for it (what lsof
	# would show), and holders leaves it out.
	[ -n "$(fd_of "$IPCFS_PID" "/$N\$")" ] || fail "the daemon holds no descriptor of the queue"
	no_line "$MNT/mq/$N/holders" "$IPCFS_PID .*"
	# Reading info or holders is not a use of the queue.
	assert_eq 1 "$(wc -l <"$MNT/mq/$N/holders")" "lines of holders"
	kill "$HOLDER"
	wait_until no_line "$MNT/mq/$N/holders" "$HOLDER .*"
}

@test "shm data and sem value used through the mount show as ipcfs with their mode" {
	mkdir "$MNT/shm/$N" "$MNT/sem/$N"
	holding bash -c 'exec 4<>"$1" 5>"$2"; echo ready; exec sleep 1000' _ \
		"$MNT/shm/$N/data" "$MNT/sem/$N/value"
	wait_until has_line "$MNT/shm/$N/holders" "$HOLDER ipcfs rw sleep"
	wait_until has_line "$MNT/sem/$N/holders" "$HOLDER ipcfs w sleep"
}

@test "sleep | sleep: pipes/ shows the pipe, its writer and its reader" {
	bg "$OUT/pipeline" bash -c 'sleep 1000 | sleep 1001'
	wait_until pgrep -f -P "$BG_PID" "sleep 1001"
	w=$(pgrep -f -P "$BG_PID" "sleep 1000")
	r=$(pgrep -f -P "$BG_PID" "sleep 1001")
	ino=$(readlink "/proc/$w/fd/1" | tr -dc 0-9)
	[ -n "$ino" ] || fail "no pipe on the writer's stdout"
	wait_until listed "$MNT/pipes" "$ino"
	want=$(printf '%s\n' "$w fd:1 w sleep" "$r fd:0 r sleep" | sort -n)
	assert_eq "$want" "$(sort -n "$MNT/pipes/$ino/holders")" "holders"
	printf 'type pipe\ncapacity 65536\nqueued 0\n' >"$OUT/want"
	diff -u "$OUT/want" "$MNT/pipes/$ino/info"
	assert_eq "555 444 444" "$(stat -c %a "$MNT/pipes/$ino" "$MNT/pipes/$ino/info" \
		"$MNT/pipes/$ino/holders" | xargs)" "modes of a pipe's directory and files"
	assert_fails_with "$E_PERM" mkdir "$MNT/pipes/123"
	assert_fails_with "$E_PERM" rmdir "$MNT/pipes/$ino"
}

@test "a FIFO with a reader and a writer: path, queued bytes and both ends" {
	fifo=/tmp/ipcfs-holders-$N.fifo
	mkfifo "$fifo"
	bg "$OUT/reader" bash -c 'exec sleep 1000 <"$1"' _ "$fifo"
	r=$BG_PID
	holding bash -c 'exec 5>"$1"; printf hello >&5; echo ready; exec sleep 1001' _ "$fifo"
	w=$HOLDER
	ino=$(stat -c %i "$fifo")
	wait_until listed "$MNT/pipes" "$ino"
	wait_until has_line "$MNT/pipes/$ino/holders" "$r fd:0 r sleep"
	has_line "$MNT/pipes/$ino/holders" "$w fd:5 w sleep"
	printf 'type fifo\npath %s\ncapacity 65536\nqueued 5\n' "$fifo" >"$OUT/want"
	diff -u "$OUT/want" "$MNT/pipes/$ino/info"
	# The bytes are still there for the reader.
	assert_eq 5 "$(info_field "$MNT/pipes/$ino/info" queued)" "queued, read again"
}

# look_at INODE — reads the pipe's info and holders a few times, as a
# monitor would; the pipe may go away meanwhile.
look_at() {
	for _ in 1 2 3; do
		cat "$MNT/pipes/$1/info" "$MNT/pipes/$1/holders" >/dev/null 2>&1 || :
	done
}

@test "reading a FIFO's info and holders changes nothing: a writer still gets EPIPE" {
	fifo=/tmp/ipcfs-holders-$N.fifo
	mkfifo "$fifo"
	bg "$OUT/reader" bash -c 'exec sleep 1000 <"$1"' _ "$fifo"
	r=$BG_PID
	# Writes when told to, SIGPIPE ignored so that it reports EPIPE.
	holding bash -c 'trap "" PIPE; exec 5>"$1"; echo ready
		until [ -e "$2" ]; do sleep 0.05; done
		printf x >&5 && echo wrote || echo "write failed"; exec sleep 1000' _ \
		"$fifo" "$OUT/go"
	ino=$(stat -c %i "$fifo")
	wait_until has_line "$MNT/pipes/$ino/holders" "$r fd:0 r sleep"
	look_at "$ino"
	kill "$r"
	wait_pid "$r"
	look_at "$ino"
	touch "$OUT/go"
	wait_until grep -q "write failed" "$HOLDER_OUT"
	! grep -q wrote "$HOLDER_OUT" || fail "the write went through without a reader"
}

@test "reading a FIFO's info and holders changes nothing: a reader still gets EOF" {
	fifo=/tmp/ipcfs-holders-$N.fifo
	mkfifo "$fifo"
	bg "$OUT/eof" bash -c 'exec 5<"$1"; cat <&5 >/dev/null; echo eof' _ "$fifo"
	bg "$OUT/writer" bash -c 'exec sleep 1000 >"$1"' _ "$fifo"
	w=$BG_PID
	ino=$(stat -c %i "$fifo")
	wait_until has_line "$MNT/pipes/$ino/holders" "$w fd:1 w sleep"
	look_at "$ino"
	kill "$w"
	wait_pid "$w"
	look_at "$ino"
	wait_until grep -q eof "$OUT/eof"
}

@test "an ordinary user sees only the holders /proc shows them" {
	mkdir -m 666 "$MNT/mq/$N"
	holding hold-objects -q "$N"
	root_holder=$HOLDER
	holding setpriv --reuid="$U1" --regid="$U1" --init-groups -- hold-objects -q "$N"
	user_holder=$HOLDER
	wait_until has_line "$MNT/mq/$N/holders" "$root_holder fd:[0-9]+ r hold-objects"
	wait_until has_line "$MNT/mq/$N/holders" "$user_holder fd:[0-9]+ r hold-objects"
	as "$U1" cat "$MNT/mq/$N/holders" >"$OUT/seen"
	has_line "$OUT/seen" "$user_holder fd:[0-9]+ r hold-objects" ||
		fail "the user does not see their own process: $(cat "$OUT/seen")"
	no_line "$OUT/seen" "$root_holder .*" || fail "the user sees root's process"
	# The same for pipes: root's pipeline is not listed for the user.
	bg "$OUT/pipeline" bash -c 'sleep 1000 | sleep 1001'
	wait_until pgrep -f -P "$BG_PID" "sleep 1000"
	ino=$(readlink "/proc/$(pgrep -f -P "$BG_PID" "sleep 1000")/fd/1" | tr -dc 0-9)
	wait_until listed "$MNT/pipes" "$ino"
	! as "$U1" ls "$MNT/pipes" | grep -Fxq "$ino" || fail "the user sees root's pipe"
}

@test "cat mq/*/holders over many queues costs one scan a second, not one a file" {
	stop_ipcfs
	start_ipcfs -d -o allow_other
	for i in $(seq 30); do mkdir "$MNT/mq/$N.$i"; done
	start=$SECONDS
	cat "$MNT"/mq/"$N".*/holders >/dev/null
	cat "$MNT"/mq/"$N".*/holders >/dev/null
	secs=$((SECONDS - start + 1))
	scans=$(grep -c "holders: scanned /proc" "$LOG")
	# A scan is kept for one second: at most one starts in each.
	[ "$scans" -ge 1 ] && [ "$scans" -le "$((secs + 1))" ] ||
		fail "$scans scans for 60 reads in about $secs s"
}

@test "limits shows the System V limits and their use" {
	before=$(info_field "$MNT/limits" shmmni_used)
	id=$(ipcmk -M 4096 | grep -Eo '[0-9]+$')
	assert_eq "$((before + 1))" "$(info_field "$MNT/limits" shmmni_used)" "shmmni_used"
	ipcrm -m "$id"
	for f in shmmax shmall shmmni msgmax msgmnb msgmni semmsl semmns semopm semmni; do
		assert_match '^[0-9]+$' "$(info_field "$MNT/limits" "$f")" "$f"
	done
	assert_eq "$(cat /proc/sys/kernel/msgmni)" "$(info_field "$MNT/limits" msgmni)" msgmni
	assert_eq "$(awk '{print $4}' /proc/sys/kernel/sem)" "$(info_field "$MNT/limits" semmni)" semmni
}
