#!/usr/bin/env bats
# Containers (SPEC section 8): -o target=PID serves the IPC namespace and the
# /dev/shm of process PID instead of the daemon's own.
#
# The "container" and the "host" are those of guest.bash: the host holds
# objects of the guest's names that the mount must not show.

load lib
load guest

setup() { guest_setup; }
teardown() { guest_teardown; }

@test "target=PID shows exactly the container's objects, not the host's" {
	mq-create "$N-in" 4 128
	shm-create "$N" 16
	sem-op "$N" create 7
	start_guest
	start_ipcfs -o target="$GUEST"
	assert_eq "$N-in $N-out " "$(ls_of "$MNT/mq")" "mq/"
	assert_eq "$N " "$(ls_of "$MNT/shm")" "shm/"
	assert_eq "$N " "$(ls_of "$MNT/sem")" "sem/"
	assert_eq "guest shm" "$(cat "$MNT/shm/$N/data")" "the guest's shm object"
	assert_eq 3 "$(cat "$MNT/sem/$N/value")" "the guest's semaphore"
	assert_eq 0 "$(curmsgs "$N-in")" "the guest's queue, not the host's"
	assert_eq 128 "$(info_field "$MNT/mq/$N-in/info" msgsize)"
	# The namespace's own limits: a fresh one has the kernel's defaults,
	# run.sh raised queues_max to 1024 here.
	assert_eq 256 "$(info_field "$MNT/limits" queues_max)" "the guest's queues_max"
	assert_eq 1024 "$(cat /proc/sys/fs/mqueue/queues_max)" "the host's queues_max"
	# The host still sees its own objects only.
	[ ! -e "$(kmq "$N-out")" ] || fail "the guest's queue is on the host"
	assert_eq 16 "$(stat -c %s "$(kshm "$N")")" "the host's shm object"
}

@test "the daemon is in the container's IPC namespace: its System V segment too" {
	start_guest
	start_ipcfs -o target="$GUEST"
	local guest_ns
	guest_ns=$(readlink "/proc/$GUEST/ns/ipc")
	assert_eq "$guest_ns" "$(readlink "/proc/$IPCFS_PID/ns/ipc")" "the daemon's IPC namespace"
	[ "$guest_ns" != "$(readlink /proc/self/ns/ipc)" ] || fail "the guest shares the host's namespace"
	assert_match "0x0*$KEY " "$(nsenter -t "$GUEST" --ipc ipcs -m)" "the segment in the guest"
	assert_match "0x0*$KEY " "$(nsenter -t "$IPCFS_PID" --ipc ipcs -m)" "the segment as the daemon sees it"
	! ipcs -m | grep -q "0x0*$KEY " || fail "the guest's segment is on the host"
	# And sysv/ shows it.
	assert_eq 4096 "$(cat "$MNT/sysv/shm/by-key/$(printf '0x%08x' "0x$KEY")/info" |
		awk '$1 == "size" {print $2}')" "sysv/shm of the guest"
}

@test "messages go both ways, a parked reader included, and the guest sees what the host wrote" {
	start_guest
	start_ipcfs -o target="$GUEST"
	bg "$OUT/reader" cat "$MNT/mq/$N-out/recv"
	local reader=$BG_PID
	to_guest hello
	wait_pid "$reader"
	assert_eq 0 "$WAIT_STATUS" "the parked reader's status"
	assert_eq "echo: hello" "$(cat "$OUT/reader")" "what the guest sent back"
	wait_until grep -qx "got: hello" "$GUEST_OUT"

	printf 'from host' >"$MNT/shm/$N/data"
	to_guest shm
	assert_eq "shm from host" "$(from_guest)" "the guest reads the host's bytes"
	echo post >"$MNT/sem/$N/value"
	to_guest sem
	assert_eq "sem 4" "$(from_guest)" "the guest sees the host's post"

	mkdir "$MNT/mq/$N-new"
	assert_match "^maxmsg " "$(nsenter -t "$GUEST" --ipc mq-attr "$N-new")" "a queue made through the mount"
	[ ! -e "$(kmq "$N-new")" ] || fail "the queue was made on the host"
	rmdir "$MNT/mq/$N-new"
}

@test "objects made and removed through the mount are the container's" {
	start_guest
	start_ipcfs -o target="$GUEST"
	mkdir "$MNT/shm/$N-made" "$MNT/sem/$N-made"
	echo post >"$MNT/sem/$N-made/value"
	assert_eq "$N $N-made " "$(ls_of "$MNT/shm")" "shm/"
	local in_guest
	in_guest=$(nsenter -t "$GUEST" --mount ls /dev/shm | LC_ALL=C sort | tr '\n' ' ')
	assert_eq "sem.$N sem.$N-made $N $N-made " "$in_guest" "the guest's /dev/shm"
	[ ! -e "$(kshm "$N-made")" ] && [ ! -e "$(ksem "$N-made")" ] ||
		fail "made on the host"
	assert_eq 1 "$(nsenter -t "$GUEST" --ipc --mount sem-op "$N-made" getvalue)" \
		"the guest's sem_open of the new semaphore"
	rmdir "$MNT/shm/$N-made" "$MNT/sem/$N-made"
	in_guest=$(nsenter -t "$GUEST" --mount ls /dev/shm | LC_ALL=C sort | tr '\n' ' ')
	assert_eq "sem.$N $N " "$in_guest" "the guest's /dev/shm after rmdir"
}

@test "the container's /dev/shm path resolves inside the container, symlinks too" {
	# The guest's /dev is a tmpfs of its own where shm is an absolute
	# symlink: followed from the host's root it would lead nowhere.
	start_guest 'mount -t tmpfs tmpfs /dev && mkdir -m 1777 /dev/real-shm &&
		ln -s /dev/real-shm /dev/shm'
	[ ! -e /dev/real-shm ] || fail "the host has a /dev/real-shm: the test proves nothing"
	start_ipcfs -o target="$GUEST"
	assert_eq "$N " "$(ls_of "$MNT/shm")" "shm/"
	assert_eq "guest shm" "$(cat "$MNT/shm/$N/data")" "the guest's object"
}

@test "the container exits: what it removed is gone, what it left stays, and unmount is clean" {
	start_guest
	start_ipcfs --target="$GUEST"
	# Known to the kernel's cache (for a minute, while the namespace's
	# mqueue filesystem is watched), so only the watcher can make it go.
	[ -d "$MNT/mq/$N-out" ] || fail "no $N-out"
	to_guest quit
	wait_pid "$GUEST_RUNNER"
	assert_eq 0 "$WAIT_STATUS" "the container's exit status"
	pid_gone "$GUEST" || fail "the guest still runs"
	# The guest removed its answer queue on the way out.
	wait_until eval '[ ! -e "$MNT/mq/$N-out" ]'
	not_listed "$MNT/mq" "$N-out" || fail "$N-out still listed"
	assert_fails_with "$E_NOENT" cat "$MNT/mq/$N-out/info"
	assert_fails_with "$E_NOENT" ls "$MNT/mq/$N-out"
	# The daemon holds the namespace, and its /dev/shm: the rest is there.
	assert_eq "$N-in " "$(ls_of "$MNT/mq")" "mq/ after the exit"
	assert_eq "guest shm" "$(cat "$MNT/shm/$N/data")" "the guest's shm object"
	assert_eq 3 "$(cat "$MNT/sem/$N/value")" "the guest's semaphore"
	printf late >"$MNT/mq/$N-in/send"
	assert_eq late "$(timeout 5 cat "$MNT/mq/$N-in/recv")" "a queue left behind"
	rmdir "$MNT/shm/$N"
	assert_fails_with "$E_NOENT" cat "$MNT/shm/$N/data"
	stop_ipcfs
}

@test "target=PID of the daemon's own namespace serves the host's objects" {
	start_ipcfs -o target=$$
	mkdir "$MNT/mq/$N" "$MNT/shm/$N"
	[ -e "$(kmq "$N")" ] || fail "the queue is not on the host"
	[ -e "$(kshm "$N")" ] || fail "the shm object is not on the host"
	rmdir "$MNT/mq/$N" "$MNT/shm/$N"
}

@test "a process the mounter may not inspect is refused before mounting" {
	use_public_mnt
	bg "$OUT/sleep" sleep 300
	run as_nobody "$IPCFS" -o target="$BG_PID" -f "$MNT"
	assert_eq 1 "$status" "exit status: $output"
	assert_match "target=$BG_PID: you may not inspect process $BG_PID .*Permission denied" "$output"
	! mountpoint -q "$MNT" || fail "mounted"
}

@test "joining another IPC namespace needs root, even for one's own process" {
	use_public_mnt
	# The user's own process in an IPC namespace of its own (through a user
	# namespace, which is how an ordinary user gets one).
	bg "$OUT/own" "${NOBODY[@]}" unshare --user --ipc sleep 300
	local runner=$BG_PID
	wait_until -t 2 eval '[ "$(readlink "/proc/$runner/ns/ipc")" != "$(readlink /proc/self/ns/ipc)" ] ||
		pid_gone "$runner"'
	pid_running "$runner" || skip "no unprivileged user namespaces here: $(cat "$OUT/own")"
	run as_nobody "$IPCFS" -o target="$runner" -f "$MNT"
	assert_eq 1 "$status" "exit status: $output"
	assert_eq "ipcfs: target=$runner: joining its IPC namespace needs root (CAP_SYS_ADMIN): Operation not permitted" "$output"
	! mountpoint -q "$MNT" || fail "mounted"
}

@test "a target that does not exist or is no number is refused before mounting" {
	local pid_max
	pid_max=$(cat /proc/sys/kernel/pid_max)
	run "$IPCFS" -o target="$pid_max" -f "$MNT"
	assert_eq 1 "$status" "exit status: $output"
	assert_eq "ipcfs: target=$pid_max: no such process" "$output"
	for bad in abc 0 -3 12x; do
		run "$IPCFS" --target="$bad" -f "$MNT"
		assert_eq 1 "$status" "exit status for $bad: $output"
		assert_eq "ipcfs: target=$bad: not a process ID" "$output"
	done
	! mountpoint -q "$MNT" || fail "mounted"
}
