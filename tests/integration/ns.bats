#!/usr/bin/env bats
# MOUNT/ns/ (SPEC section 8): one directory ipc:[INODE] per IPC namespace the
# caller may inspect, each with the mq/ shm/ sem/ sysv/ of that namespace and
# an info file; the mount itself serves the test's own namespace.
#
# The "container" is guest.bash's ns-guest; the "host" is this test's own
# namespace (run.sh), which holds objects the guest's directories must not
# show.

load lib
load guest

setup() {
	guest_setup
	OWN=
	NS=
	FUSE_DEV_DIR=
}

teardown() {
	local rc=0
	guest_teardown || rc=1
	ipcrm --all 2>/dev/null # the test's namespace's System V objects
	if [ -n "$FUSE_DEV_DIR" ]; then
		umount -l /dev/fuse /etc/fuse.conf
		umount -l "$FUSE_DEV_DIR"
	fi
	return $rc
}

# fuse_for_everyone — FUSE as most distributions set it up for ordinary
# users, in run.sh's private mount namespace only: a /dev/fuse of mode 0666
# (where it is 0600, an ordinary user's daemon cannot mount) and a fuse.conf
# with user_allow_other, mounted over the machine's. teardown undoes it.
fuse_for_everyone() {
	FUSE_DEV_DIR=$OUT/dev
	mkdir "$FUSE_DEV_DIR"
	mount -t tmpfs -o mode=755 tmpfs "$FUSE_DEV_DIR"
	mknod -m 666 "$FUSE_DEV_DIR/fuse" c 10 229
	echo user_allow_other >"$FUSE_DEV_DIR/fuse.conf"
	mount --bind "$FUSE_DEV_DIR/fuse" /dev/fuse
	mount --bind "$FUSE_DEV_DIR/fuse.conf" /etc/fuse.conf
}

# ns_dir PID — the mount's directory of PID's IPC namespace.
ns_dir() { echo "$MNT/ns/$(readlink "/proc/$1/ns/ipc")"; }

# mount_with_guest — starts a guest and the mount; sets NS (the guest's
# ns/ipc:[N]), OWN (the test's own), GUEST_MQ (for to_guest/from_guest).
mount_with_guest() {
	start_guest
	start_ipcfs "$@"
	NS=$(ns_dir "$GUEST")
	OWN=$(ns_dir "$BASHPID")
	GUEST_MQ=$NS/mq
	[ "$NS" != "$OWN" ] || fail "the guest shares the test's IPC namespace"
}

# in_guest CMD... — runs CMD in the guest's IPC namespace.
in_guest() { nsenter -t "$GUEST" --ipc -- "$@"; }

# by_key KEY — KEY (hex, no 0x) as sysv/*/by-key names it.
by_key() { printf '0x%08x' "0x$1"; }

# host_key — a System V key other than the guest's.
host_key() { printf '%x' $((0x$KEY + 32)); }

@test "ns/ lists the guest's namespace and the mount's own; the guest's goes when it exits" {
	start_ipcfs
	ls "$MNT/ns" >/dev/null
	# Started after the mount and a listing: the next one has it.
	start_guest
	NS=$(ns_dir "$GUEST")
	GUEST_MQ=$NS/mq
	local guest_ns own_ns
	guest_ns=$(readlink "/proc/$GUEST/ns/ipc")
	own_ns=$(readlink /proc/self/ns/ipc)
	listed "$MNT/ns" "$guest_ns" || fail "$guest_ns not in: $(ls_of "$MNT/ns")"
	listed "$MNT/ns" "$own_ns" || fail "$own_ns not in: $(ls_of "$MNT/ns")"
	local bad
	bad=$(ls "$MNT/ns" | grep -Ev '^ipc:\[[0-9]+\]$' || true)
	assert_eq "" "$bad" "names in ns/ that are no IPC namespace"
	assert_eq "info mq sem shm sysv " "$(ls_of "$NS")" "ns/$guest_ns/"
	to_guest quit
	wait_pid "$GUEST_RUNNER"
	assert_eq 0 "$WAIT_STATUS" "the guest's exit status"
	not_listed "$MNT/ns" "$guest_ns" || fail "$guest_ns still listed after the guest exited"
	listed "$MNT/ns" "$own_ns" || fail "$own_ns gone"
}

@test "ns/ipc:[N] shows exactly the guest's objects, not the host's" {
	mq-create "$N-host" 4 128
	shm-create "$N-host" 16
	sem-op "$N-host" create 7
	sysv-ipc shm-create "0x$(host_key)" 4096 0600 >/dev/null
	mount_with_guest
	assert_eq "$N-in $N-out " "$(ls_of "$NS/mq")" "mq/"
	assert_eq "$N " "$(ls_of "$NS/shm")" "shm/"
	assert_eq "$N " "$(ls_of "$NS/sem")" "sem/"
	assert_eq 128 "$(info_field "$NS/mq/$N-in/info" msgsize)" "the guest's queue"
	local gid
	gid=$(in_guest ipcs -m | awk -v k="$(by_key "$KEY")" '$1 == k {print $2}')
	[ -n "$gid" ] || fail "no segment $KEY in the guest: $(in_guest ipcs -m)"
	assert_eq "$(by_key "$KEY") " "$(ls_of "$NS/sysv/shm/by-key")" "sysv/shm/by-key"
	assert_eq "../$gid" "$(readlink "$NS/sysv/shm/by-key/$(by_key "$KEY")")" "the guest's segment"
	assert_eq "$gid by-key " "$(ls_of "$NS/sysv/shm")" "sysv/shm"
	assert_eq 4096 "$(stat -c %s "$NS/sysv/shm/$gid/data")" "its size"
	# And the mount's own tree still shows the host's.
	assert_eq "$N-host " "$(ls_of "$MNT/mq")" "the host's mq/"
	assert_eq "$(by_key "$(host_key)") " "$(ls_of "$MNT/sysv/shm/by-key")" "the host's by-key"
}

@test "ns/ipc:[N]: messages both ways, a parked reader, an interrupted one, shm bytes, a sem post" {
	mount_with_guest
	bg "$OUT/reader" cat "$NS/mq/$N-out/recv"
	local reader=$BG_PID
	wait_until in_fuse_wait "$reader"
	to_guest hello
	wait_pid "$reader"
	assert_eq 0 "$WAIT_STATUS" "the parked reader's status"
	assert_eq "echo: hello" "$(cat "$OUT/reader")" "what the guest sent back"
	wait_until grep -qx "got: hello" "$GUEST_OUT"

	assert_eq "guest shm" "$(cat "$NS/shm/$N/data")" "the guest's shm bytes"
	printf 'from host' >"$NS/shm/$N/data"
	to_guest shm
	assert_eq "shm from host" "$(from_guest)" "the guest reads the host's bytes"
	assert_eq 3 "$(cat "$NS/sem/$N/value")" "the guest's semaphore"
	echo post >"$NS/sem/$N/value"
	to_guest sem
	assert_eq "sem 4" "$(from_guest)" "the guest sees the host's post"

	local start
	start=$EPOCHREALTIME
	run timeout -s INT 1 cat "$NS/mq/$N-out/recv"
	took_less_than 2000 "$start"
	[ "$status" != 0 ] || fail "an empty queue gave: $output"
	to_guest again
	assert_eq "echo: again" "$(from_guest)" "the interrupted reader took nothing"
}

@test "ns/ipc:[N]/sysv: blocked reads answered from inside, a killed one loses nothing, .create makes it there" {
	# The first queue of each namespace: most likely the same ID in both,
	# which later.c must keep apart.
	local host_id guest_id
	host_id=$(sysv-ipc msg-create 0 0600)
	mount_with_guest
	guest_id=$(in_guest sysv-ipc msg-create 0 0600)
	[ -d "$NS/sysv/msg/$guest_id" ] || fail "no sysv/msg/$guest_id in the guest's tree"
	bg "$OUT/host-reader" cat "$MNT/sysv/msg/$host_id/recv"
	local host_reader=$BG_PID
	bg "$OUT/reader" cat "$NS/sysv/msg/$guest_id/recv"
	local reader=$BG_PID
	wait_until in_fuse_wait "$reader"
	wait_until in_fuse_wait "$host_reader"
	in_guest sysv-ipc msg-send "$guest_id" 3 late
	wait_pid "$reader"
	assert_eq 0 "$WAIT_STATUS" "the guest's reader"
	assert_eq late "$(cat "$OUT/reader")" "what the guest sent"
	pid_running "$host_reader" || fail "the host's reader was answered: $(cat "$OUT/host-reader")"
	sysv-ipc msg-send "$host_id" 1 host
	wait_pid "$host_reader"
	assert_eq host "$(cat "$OUT/host-reader")" "the host's reader"

	local start
	start=$EPOCHREALTIME
	run timeout -s KILL 1 cat "$NS/sysv/msg/$guest_id/recv"
	took_less_than 2000 "$start"
	assert_eq 137 "$status" "the killed reader: $output"
	in_guest sysv-ipc msg-send "$guest_id" 9 after
	assert_eq 1 "$(info_field "$NS/sysv/msg/$guest_id/info" qnum)" "no reader took it"
	assert_eq "9 after" "$(in_guest sysv-ipc msg-recv "$guest_id" 0)" "the message, in the guest"

	local key id
	key=$(by_key "$(host_key)")
	id=$(
		exec 3<>"$NS/sysv/shm/.create"
		printf 'key=%s size=4096\n' "$key" >&3 || exit 1
		head -1 <&3
	)
	[ -n "$id" ] || fail ".create gave no ID"
	assert_match "^$key +$id " "$(in_guest ipcs -m)" "the new segment in the guest"
	! ipcs -m | grep -q "^$key " || fail "the new segment is in the test's namespace: $(ipcs -m)"
	[ -d "$NS/sysv/shm/$id" ] || fail "no sysv/shm/$id"
}

@test "mkdir in ns/ipc:[N]/mq makes the guest's queue, not the host's; rmdir removes it" {
	mount_with_guest
	mkdir "$NS/mq/$N-x"
	assert_match "^maxmsg " "$(in_guest mq-attr "$N-x")" "the queue, in the guest"
	listed "$NS/mq" "$N-x" || fail "not in the guest's mq/"
	not_listed "$MNT/mq" "$N-x" || fail "in the host's mq/"
	[ ! -e "$(kmq "$N-x")" ] || fail "made on the host"
	rmdir "$NS/mq/$N-x"
	assert_fails_with "$E_NOENT" in_guest mq-attr "$N-x"
	not_listed "$NS/mq" "$N-x" || fail "still listed"
	# The daemon's threads went home after those requests.
	mkdir "$MNT/mq/$N-home"
	[ -e "$(kmq "$N-home")" ] || fail "a queue of the mount's own mq/ is not in the test's namespace"
	assert_fails_with "$E_NOENT" in_guest mq-attr "$N-home"
}

@test "ns/ipc:[N]/info names the namespace, shm_pid and the guest's processes" {
	mount_with_guest
	local guest_ns first second want
	guest_ns=$(readlink "/proc/$GUEST/ns/ipc")
	# unshare itself is in the guest's IPC namespace, ns-guest is its child.
	if ((GUEST_RUNNER < GUEST)); then
		first="process $GUEST_RUNNER unshare" second="process $GUEST ns-guest"
	else
		first="process $GUEST ns-guest" second="process $GUEST_RUNNER unshare"
	fi
	want="namespace $guest_ns
shm_pid $((GUEST_RUNNER < GUEST ? GUEST_RUNNER : GUEST))
$first
$second"
	assert_eq "$want" "$(cat "$NS/info")" "info"
	assert_fails_with "$E_PERM" bash -c 'echo x > "$1"' _ "$NS/info"
}

@test "ns/ipc:[OWN] shows the same objects as the mount's own trees" {
	start_ipcfs
	OWN=$(ns_dir "$BASHPID")
	mq-create "$N-a" 4 64
	mkdir "$MNT/mq/$N-b"
	shm-create "$N" 16
	sysv-ipc shm-create "0x$KEY" 4096 0600 >/dev/null
	assert_eq "$N-a $N-b " "$(ls_of "$OWN/mq")" "ns/ipc:[OWN]/mq"
	assert_eq "$(ls_of "$MNT/mq")" "$(ls_of "$OWN/mq")" "the same as mq/"
	assert_eq "$(ls_of "$MNT/shm")" "$(ls_of "$OWN/shm")" "the same as shm/"
	assert_eq "$(ls_of "$MNT/sysv/shm")" "$(ls_of "$OWN/sysv/shm")" "the same as sysv/shm"
	printf own >"$OWN/mq/$N-a/send"
	assert_eq 1 "$(curmsgs "$N-a")" "a message sent through ns/ipc:[OWN]"
	assert_eq own "$(timeout 5 cat "$MNT/mq/$N-a/recv")"
}

@test "ns/ rights: nobody sees neither the guest's namespace nor its processes, even right after root" {
	use_public_mnt
	mount_with_guest -o allow_other
	local guest_ns own_ns
	guest_ns=$(readlink "/proc/$GUEST/ns/ipc")
	own_ns=$(readlink /proc/self/ns/ipc)
	run as_nobody ls "$MNT/ns"
	assert_eq 0 "$status" "ls ns/ as nobody: $output"
	! grep -Fxq "$guest_ns" <<<"$output" || fail "nobody sees the guest's namespace"
	# nobody's own ls is a process of the test's namespace.
	grep -Fxq "$own_ns" <<<"$output" || fail "nobody does not see its own namespace: $output"
	ls "$NS/mq" >/dev/null
	assert_fails_with "$E_NOENT" as_nobody ls "$NS/mq"
	assert_fails_with "$E_NOENT" as_nobody cat "$NS/info"
	cat "$NS/mq/$N-in/info" >/dev/null
	assert_fails_with "$E_NOENT" as_nobody cat "$NS/mq/$N-in/info"
	# In its own namespace, nobody is told of its own processes only.
	local out self
	out=$(as_nobody sh -c 'echo $$; exec cat "$1"' sh "$OWN/info" 2>&1) ||
		fail "nobody cannot read its own namespace's info: $out"
	self=$(head -1 <<<"$out")
	assert_match "^process $self cat$" "$out" "nobody's own cat in info"
	! grep -q "^process $$ " <<<"$out" || fail "nobody is told of root's bats $$: $out"
	! grep -q "^process $IPCFS_PID " <<<"$out" || fail "nobody is told of the daemon: $out"
}

@test "two guests at once: each ns/ipc:[N] shows its own guest's objects only" {
	start_guest
	local g1=$GUEST
	start_guest "" "$N-b"
	local g2=$GUEST
	start_ipcfs
	local ns1 ns2 key
	ns1=$(ns_dir "$g1")
	ns2=$(ns_dir "$g2")
	[ "$ns1" != "$ns2" ] || fail "both guests in one namespace"
	listed "$MNT/ns" "${ns1##*/}" && listed "$MNT/ns" "${ns2##*/}" || fail "ns/ has not both: $(ls_of "$MNT/ns")"
	assert_eq "$N-in $N-out " "$(ls_of "$ns1/mq")" "the first guest's mq/"
	assert_eq "$N-b-in $N-b-out " "$(ls_of "$ns2/mq")" "the second guest's mq/"
	assert_eq "$N " "$(ls_of "$ns1/shm")" "the first guest's shm/"
	assert_eq "$N-b " "$(ls_of "$ns2/shm")" "the second guest's shm/"
	printf two >"$ns2/mq/$N-b-in/send"
	assert_eq "echo: two" "$(timeout 5 cat "$ns2/mq/$N-b-out/recv")" "the second guest's answer"
	assert_eq 0 "$(info_field "$ns1/mq/$N-in/info" curmsgs)" "nothing went to the first guest"
	# Both made segment KEY, each in its own namespace (likely with the same
	# ID): what goes into one is not in the other.
	key=$(by_key "$KEY")
	printf one >"$ns1/sysv/shm/by-key/$key/data"
	printf two >"$ns2/sysv/shm/by-key/$key/data"
	assert_eq one "$(head -c 3 "$ns1/sysv/shm/by-key/$key/data")" "the first guest's segment"
	assert_eq two "$(head -c 3 "$ns2/sysv/shm/by-key/$key/data")" "the second guest's segment"
	local id1
	id1=$(basename "$(readlink "$ns1/sysv/shm/by-key/$key")")
	assert_eq one "$(nsenter -t "$g1" --ipc sysv-ipc shm-read "$id1" 0 3)" "in the first guest"
}

# daemon_holds IPCNS — the daemon has a descriptor of namespace IPCNS
# (as readlink names it) open.
daemon_holds() {
	local fd
	for fd in /proc/"$IPCFS_PID"/fd/*; do
		[ "$(readlink "$fd")" = "$1" ] && return 0
	done
	return 1
}

# cwd_dropped PID — the kernel has dropped the entry of PID's working
# directory (d_path marks it deleted).
cwd_dropped() { [[ "$(readlink "/proc/$1/cwd")" == *" (deleted)" ]]; }

@test "after the guest exits: a cwd inside still answers, a new lookup is ENOENT, unmount is clean" {
	mount_with_guest
	local guest_ns holder
	guest_ns=$(readlink "/proc/$GUEST/ns/ipc")
	bg "$OUT/holder" bash -c 'cd "$1" && echo in && exec sleep 300' _ "$NS/mq"
	holder=$BG_PID
	wait_until eval 'grep -qx in "$OUT/holder" || pid_gone "$holder"'
	pid_running "$holder" || fail "the holder did not get in: $(cat "$OUT/holder")"
	local cwd=/proc/$holder/cwd
	to_guest quit
	wait_pid "$GUEST_RUNNER"
	! timeout 5 ls "$MNT/ns" | grep -Fxq "$guest_ns" || fail "still listed"
	# The guest removed its answer queue; the other one stays.
	assert_eq "$N-in " "$(timeout 5 ls "$cwd" | tr '\n' ' ')" "ls of the held cwd"
	timeout 5 bash -c 'printf late >"$1"' _ "$cwd/$N-in/send"
	assert_eq late "$(timeout 5 cat "$cwd/$N-in/recv")" "a queue of the gone namespace"
	assert_fails_with "$E_NOENT" timeout 5 ls "$NS"
	assert_fails_with "$E_NOENT" timeout 5 ls "$NS/mq"
	assert_fails_with "$E_NOENT" timeout 5 cat "$NS/info"
	# The kernel's hold is still good after the failed lookups, and the
	# namespace's /dev/shm is held with it.
	assert_eq 0 "$(timeout 5 cat "$cwd/$N-in/info" | info_field /dev/stdin curmsgs)" "info through the cwd"
	assert_eq "guest shm" "$(timeout 5 cat "$cwd/../shm/$N/data")" "the guest's shm object through the cwd"
	daemon_holds "$guest_ns" || fail "the daemon does not hold $guest_ns"
	# The watcher drops the kernel's entries of a namespace no process is
	# in, every two seconds: the cwd's too, and it goes on working.
	wait_until -t 4 cwd_dropped "$holder"
	assert_eq "$N-in " "$(timeout 5 ls "$cwd" | tr '\n' ' ')" "ls of the held cwd, its entry dropped"
	assert_eq "guest shm" "$(timeout 5 cat "$cwd/../shm/$N/data")" "the shm object, the cwd's entry dropped"
	kill "$holder"
	wait_pid "$holder"
	# Nothing of it in use any more: the daemon lets the namespace go.
	wait_until -t 4 eval '! daemon_holds "$guest_ns"'
	stop_ipcfs
}

@test "a guest whose /dev/shm is no tmpfs: empty read-only shm/ and sem/, its queues and System V served" {
	mkdir -m 1777 "$OUT/plain-shm"
	start_guest "mount --bind '$OUT/plain-shm' /dev/shm"
	[ -e "$OUT/plain-shm/$N" ] || fail "the guest's shm object is not in its plain /dev/shm"
	start_ipcfs
	NS=$(ns_dir "$GUEST")
	GUEST_MQ=$NS/mq
	assert_eq "" "$(ls_of "$NS/shm")" "shm/"
	assert_eq "" "$(ls_of "$NS/sem")" "sem/"
	assert_fails_with "Read-only file system" mkdir "$NS/shm/$N-x"
	assert_fails_with "Read-only file system" mkdir "$NS/sem/$N-x"
	[ ! -e "$OUT/plain-shm/$N-x" ] && [ ! -e "$OUT/plain-shm/sem.$N-x" ] || fail "made in the plain /dev/shm"
	assert_eq "$N-in $N-out " "$(ls_of "$NS/mq")" "mq/"
	to_guest hi
	assert_eq "echo: hi" "$(from_guest)" "the guest's answer"
	assert_eq "$(by_key "$KEY") " "$(ls_of "$NS/sysv/shm/by-key")" "sysv/shm/by-key"
}

@test "bad names under ns/ are ENOENT and ns/ takes no mkdir" {
	start_ipcfs
	local own mnt_ns
	own=$(readlink /proc/self/ns/ipc)
	own=${own#ipc:[}
	own=${own%]}
	mnt_ns=$(readlink /proc/self/ns/mnt)
	mnt_ns=${mnt_ns#mnt:[}
	mnt_ns=${mnt_ns%]}
	[ -d "$MNT/ns/ipc:[$own]" ] || fail "no ns/ipc:[$own]"
	for bad in "ipc:[1]" foo "ipc:[abc]" "ipc:[]" "ipc:[$own" "ipc:[0$own]" "ipc:[$own]x" \
		"mnt:[$mnt_ns]" "ipc:[$mnt_ns]"; do
		assert_fails_with "$E_NOENT" ls "$MNT/ns/$bad"
	done
	assert_fails_with "$E_PERM" mkdir "$MNT/ns/foo"
	assert_fails_with "$E_PERM" mkdir "$MNT/ns/ipc:[1]"
	assert_fails_with "$E_EXIST|$E_PERM" mkdir "$MNT/ns/ipc:[$own]"
	assert_fails_with "$E_PERM|Device or resource busy|Directory not empty" rmdir "$MNT/ns/ipc:[$own]"
	[ -d "$MNT/ns/ipc:[$own]/mq" ] || fail "rmdir removed something"
}

@test "an ordinary user's own namespace: listed for it and usable; from there, not the mount's own" {
	use_public_mnt
	start_ipcfs -o allow_other
	# nobody's process in an IPC namespace of its own (through a user
	# namespace, which is how an ordinary user gets one; one that maps
	# nobody, else the kernel lets no one of outside create a queue there).
	bg "$OUT/own" "${NOBODY[@]}" unshare --map-current-user --ipc sleep 300
	local runner=$BG_PID
	wait_until eval '[ "$(readlink "/proc/$runner/ns/ipc")" != "$(readlink /proc/self/ns/ipc)" ] ||
		pid_gone "$runner"'
	pid_running "$runner" || skip "no unprivileged user namespaces here: $(cat "$OUT/own")"
	local theirs own_ns
	theirs=$(readlink "/proc/$runner/ns/ipc")
	own_ns=$(readlink /proc/self/ns/ipc)
	run as_nobody ls "$MNT/ns"
	assert_eq 0 "$status" "ls ns/ as nobody: $output"
	grep -Fxq "$theirs" <<<"$output" || fail "nobody does not see its own process's namespace: $output"
	as_nobody mkdir "$MNT/ns/$theirs/mq/$N"
	assert_eq nobody "$(stat -c %U "$MNT/ns/$theirs/mq/$N")" "the queue's owner"
	assert_match "^maxmsg " "$(nsenter -t "$runner" --ipc mq-attr "$N")" "the queue, in nobody's namespace"
	[ ! -e "$(kmq "$N")" ] || fail "made in the test's namespace"
	# From inside its namespace, nobody has no process in the test's (which
	# is this test's alone): the mount's own namespace is not for it.
	run nsenter -t "$runner" --ipc -- "${NOBODY[@]}" ls "$MNT/ns"
	assert_eq 0 "$status" "ls ns/ as nobody in its namespace: $output"
	! grep -Fxq "$own_ns" <<<"$output" ||
		fail "nobody, with no process in it, is shown the mount's own $own_ns: $output"
	assert_eq "$theirs" "$output" "what nobody sees from its namespace"
	assert_fails_with "$E_NOENT" nsenter -t "$runner" --ipc -- "${NOBODY[@]}" ls "$MNT/ns/$own_ns/mq"
}

# holds_segment OUT ID NSENTER-ARGS... — a program attached to System V
# segment ID in the namespaces NSENTER-ARGS enter, until the test closes
# HOLD_FDS; sets HOLDER.
holds_segment() {
	local out=$1 id=$2 fd
	shift 2
	mkfifo "$out.fifo"
	bg "$out" nsenter "$@" -- sh -c 'exec sysv-ipc shm-hold "$1" <"$2"' sh "$id" "$out.fifo"
	HOLDER=$BG_PID
	exec {fd}>"$out.fifo"
	HOLD_FDS+=("$fd")
	wait_until grep -qx attached "$out"
}

# has_holder FILE PID COMM — FILE (holders) has PID's line.
has_holder() { grep -Eq "^$2 map rw $3\$" "$1"; }

@test "holders under ns/ipc:[N] are that namespace's, for the same shm name and the same segment ID" {
	local ga gb nsa nsb ida idb host_shm guest_shm seg_a seg_b fd
	shm-create "$N" 4096
	start_guest
	ga=$GUEST
	start_guest "" "$N-b"
	gb=$GUEST
	start_ipcfs
	nsa=$(ns_dir "$ga")
	nsb=$(ns_dir "$gb")
	# The second segment of a new namespace: the same ID in both.
	ida=$(nsenter -t "$ga" --ipc sysv-ipc shm-create 0 4096 0600)
	idb=$(nsenter -t "$gb" --ipc sysv-ipc shm-create 0 4096 0600)
	assert_eq "$ida" "$idb" "the kernel's IDs of the two guests' second segments"
	bg "$OUT/host-shm" hold-objects -m "$N"
	host_shm=$BG_PID
	bg "$OUT/guest-shm" nsenter -t "$ga" --mount -- hold-objects -m "$N"
	guest_shm=$BG_PID
	wait_until grep -q ready "$OUT/host-shm"
	wait_until grep -q ready "$OUT/guest-shm"
	HOLD_FDS=()
	holds_segment "$OUT/seg-a" "$ida" -t "$ga" --ipc
	seg_a=$HOLDER
	holds_segment "$OUT/seg-b" "$idb" -t "$gb" --ipc
	seg_b=$HOLDER
	# A scan is kept for a second: wait for the holder that belongs there,
	# then the same scan must not have the other.
	wait_until has_holder "$nsa/shm/$N/holders" "$guest_shm" hold-objects
	! has_holder "$nsa/shm/$N/holders" "$host_shm" hold-objects || fail "the host's mapping in the guest's holders"
	wait_until has_holder "$MNT/shm/$N/holders" "$host_shm" hold-objects
	! has_holder "$MNT/shm/$N/holders" "$guest_shm" hold-objects || fail "the guest's mapping in the host's holders"
	wait_until has_holder "$nsa/sysv/shm/$ida/holders" "$seg_a" sysv-ipc
	! has_holder "$nsa/sysv/shm/$ida/holders" "$seg_b" sysv-ipc || fail "the second guest's $idb in the first's"
	wait_until has_holder "$nsb/sysv/shm/$idb/holders" "$seg_b" sysv-ipc
	! has_holder "$nsb/sysv/shm/$idb/holders" "$seg_a" sysv-ipc || fail "the first guest's $ida in the second's"
	for fd in "${HOLD_FDS[@]}"; do exec {fd}>&-; done
}

@test "holders of segment ID 0, the first of every new namespace" {
	local gid fd
	mount_with_guest
	gid=$(in_guest ipcs -m | awk -v k="$(by_key "$KEY")" '$1 == k {print $2}')
	assert_eq 0 "$gid" "the ID of the guest's first segment"
	HOLD_FDS=()
	holds_segment "$OUT/seg" "$gid" -t "$GUEST" --ipc
	wait_until has_holder "$NS/sysv/shm/$gid/holders" "$HOLDER" sysv-ipc ||
		fail "holders of segment 0: $(cat "$NS/sysv/shm/$gid/holders")"
	for fd in "${HOLD_FDS[@]}"; do exec {fd}>&-; done
}

@test "a daemon of an ordinary user serves its own namespace only: EPERM for another, not listed" {
	use_public_mnt
	chown nobody "$MNT"
	bg "$OUT/own" "${NOBODY[@]}" unshare --map-current-user --ipc sleep 300
	local runner=$BG_PID
	wait_until eval '[ "$(readlink "/proc/$runner/ns/ipc")" != "$(readlink /proc/self/ns/ipc)" ] ||
		pid_gone "$runner"'
	pid_running "$runner" || skip "no unprivileged user namespaces here: $(cat "$OUT/own")"
	fuse_for_everyone
	IPCFS_WRAP=("${NOBODY[@]}")
	start_ipcfs -o allow_other
	local theirs own_ns
	theirs=$(readlink "/proc/$runner/ns/ipc")
	own_ns=$(readlink /proc/self/ns/ipc)
	assert_fails_with "Operation not permitted" as_nobody ls "$MNT/ns/$theirs/mq"
	assert_fails_with "Operation not permitted" as_nobody stat "$MNT/ns/$theirs"
	# Its own namespace needs no setns.
	mq-create "$N" 4 64 0644
	assert_eq "$N" "$(as_nobody ls "$MNT/ns/$own_ns/mq")" "the daemon's own namespace"
	# The user may inspect a process there, but a namespace the daemon
	# cannot serve is not listed.
	run as_nobody ls "$MNT/ns"
	assert_eq 0 "$status" "ls ns/: $output"
	grep -Fxq "$own_ns" <<<"$output" || fail "$own_ns not in: $output"
	! grep -Fxq "$theirs" <<<"$output" || fail "$theirs listed: $output"
}

@test "blocked semaphore waits in ns/ipc:[N], POSIX and System V, end on a post inside the guest" {
	mount_with_guest
	local sid waiter
	echo wait 3 >"$NS/sem/$N/value"
	assert_eq 0 "$(cat "$NS/sem/$N/value")" "the guest's semaphore, taken"
	bg "$OUT/wait" bash -c 'echo wait >"$1"' _ "$NS/sem/$N/value"
	waiter=$BG_PID
	wait_until in_fuse_wait "$waiter"
	nsenter -t "$GUEST" --ipc --mount -- sem-op "$N" post
	wait_pid "$waiter"
	assert_eq 0 "$WAIT_STATUS" "the POSIX waiter: $(cat "$OUT/wait")"
	assert_eq 0 "$(cat "$NS/sem/$N/value")" "the post went to the waiter"

	sid=$(in_guest sysv-ipc sem-create 0 1 0600)
	bg "$OUT/sysv-wait" bash -c 'echo wait 2 >"$1"' _ "$NS/sysv/sem/$sid/0"
	waiter=$BG_PID
	wait_until in_fuse_wait "$waiter"
	in_guest sysv-ipc sem-op "$sid" 0 1
	pid_running "$waiter" || fail "the waiter took 1 of 2: $(cat "$OUT/sysv-wait")"
	in_guest sysv-ipc sem-op "$sid" 0 1
	wait_pid "$waiter"
	assert_eq 0 "$WAIT_STATUS" "the System V waiter: $(cat "$OUT/sysv-wait")"
	assert_eq 0 "$(in_guest sysv-ipc sem-get "$sid" 0)" "the guest's set, taken"
}

@test "under -o target the target's namespace is the mount's own; the test's is another under ns/" {
	mq-create "$N-host" 4 64
	start_guest
	start_ipcfs -o target="$GUEST"
	NS=$(ns_dir "$GUEST")
	OWN=$(ns_dir "$BASHPID")
	assert_eq "$(ls_of "$MNT/mq")" "$(ls_of "$NS/mq")" "ns/ of the target: the same as mq/"
	assert_eq "$N-in $N-out " "$(ls_of "$NS/mq")" "the target's queues"
	assert_eq "$N-host " "$(ls_of "$OWN/mq")" "the test's namespace, under ns/"
	printf host >"$OWN/mq/$N-host/send"
	assert_eq 1 "$(info_field "$OWN/mq/$N-host/info" curmsgs)" "a message to the test's queue"
	assert_match "curmsgs 1" "$(mq-attr "$N-host")" "the queue, as the test's namespace sees it"
}
