#!/usr/bin/env bats
# The tree as a whole: root, limits, names, fixed object directories,
# ownership, command line, mount options, unmount and restart.

load lib

@test "the root lists limits, mq, shm, sem and pipes" {
	run ls "$MNT"
	for e in limits mq shm sem pipes; do
		assert_match "^$e\$" "$output" "ls of the root"
	done
	[ -d "$MNT/mq" ] && [ -d "$MNT/shm" ] && [ -d "$MNT/sem" ] && [ -f "$MNT/limits" ]
}

@test "limits shows the kernel's values and the reader's RLIMIT_MSGQUEUE" {
	run cat "$MNT/limits"
	assert_eq 0 "$status"
	for k in msg_max msgsize_max queues_max msg_default msgsize_default; do
		assert_eq "$(cat /proc/sys/fs/mqueue/$k)" "$(awk -v k=$k '$1 == k {print $2}' <<<"$output")" "limits $k"
	done
	assert_eq "$(ulimit -S -q)" "$(info_field "$MNT/limits" rlimit_msgqueue)" "rlimit_msgqueue"
	assert_eq 21 "$(wc -l <<<"$output")" "line count (6 POSIX, 15 System V)"
	assert_eq 12345 "$(ulimit -S -q 12345; info_field "$MNT/limits" rlimit_msgqueue)" "reader's soft limit"
	echo 777 >/proc/sys/fs/mqueue/queues_max
	assert_eq 777 "$(info_field "$MNT/limits" queues_max)" "fresh read"
}

@test "limits is read-only" {
	assert_fails_with "Permission denied|Operation not permitted|Read-only file system|Bad file descriptor" \
		bash -c 'echo "msg_max 1" > "$1"' x "$MNT/limits"
	assert_eq "$(cat /proc/sys/fs/mqueue/msg_max)" "$(info_field "$MNT/limits" msg_max)"
}

@test "mkdir of an existing object fails with EEXIST, for every kind" {
	for k in mq shm sem; do
		mkdir "$MNT/$k/$N"
		assert_fails_with "$E_EXIST" mkdir "$MNT/$k/$N"
	done
}

@test "rmdir of a missing object fails with ENOENT, for every kind" {
	for k in mq shm sem; do
		assert_fails_with "$E_NOENT" rmdir "$MNT/$k/$N"
		assert_fails_with "$E_NOENT" stat "$MNT/$k/$N"
	done
}

@test "names of 255 bytes work for mq and shm, 256 are refused" {
	n255=$(printf "%s%0$((255 - ${#N}))d" "$N" 0)
	n256=${n255}1
	for k in mq shm; do
		mkdir "$MNT/$k/$n255"
		listed "$MNT/$k" "$n255"
		assert_fails_with "$E_NAMETOOLONG|$E_INVAL" mkdir "$MNT/$k/$n256"
		rmdir "$MNT/$k/$n255"
	done
	[ -z "$(ls /dev/mqueue | grep "$N")" ] && [ -z "$(ls /dev/shm | grep "$N")" ] || fail "left over: $(ls /dev/mqueue /dev/shm)"
}

@test "semaphore names of 251 bytes work, 252 are refused" {
	n251=$(printf "%s%0$((251 - ${#N}))d" "$N" 0)
	mkdir "$MNT/sem/$n251"
	[ -e "/dev/shm/sem.$n251" ]
	assert_eq 0 "$(cat "$MNT/sem/$n251/value")"
	assert_fails_with "$E_NAMETOOLONG|$E_INVAL" mkdir "$MNT/sem/${n251}2"
	rmdir "$MNT/sem/$n251"
	[ -z "$(ls /dev/shm | grep "$N")" ] || fail "left over: $(ls /dev/shm)"
}

@test "mkdir gives mkdir's mode after umask and the caller as owner" {
	(umask 027 && mkdir "$MNT/mq/$N" "$MNT/shm/$N" "$MNT/sem/$N")
	assert_eq 750 "$(stat -c %a "$(kmq "$N")")" "mq mode"
	assert_eq 750 "$(stat -c %a "$(kshm "$N")")" "shm mode"
	assert_eq 750 "$(stat -c %a "$(ksem "$N")")" "sem mode"
	mkdir -m 0604 "$MNT/mq/$N.m" "$MNT/shm/$N.m" "$MNT/sem/$N.m"
	for k in mq shm sem; do
		assert_eq 604 "$(stat -c %a "$MNT/$k/$N.m")" "$k mode through the mount"
		assert_eq "0 0" "$(stat -c '%u %g' "$MNT/$k/$N.m")" "$k owner"
	done
	assert_eq 604 "$(stat -c %a "$(kmq "$N.m")")"
	assert_eq 604 "$(stat -c %a "$(kshm "$N.m")")"
	assert_eq 604 "$(stat -c %a "$(ksem "$N.m")")"
}

@test "chmod and chown of an object change the real object" {
	mkdir "$MNT/mq/$N" "$MNT/shm/$N" "$MNT/sem/$N"
	for k in mq shm sem; do
		chmod 0640 "$MNT/$k/$N"
		chown 1234:2345 "$MNT/$k/$N"
		assert_eq "640 1234 2345" "$(stat -c '%a %u %g' "$MNT/$k/$N")" "$k through the mount"
	done
	assert_eq "640 1234 2345" "$(stat -c '%a %u %g' "$(kmq "$N")")" "mq object"
	assert_eq "640 1234 2345" "$(stat -c '%a %u %g' "$(kshm "$N")")" "shm object"
	assert_eq "640 1234 2345" "$(stat -c '%a %u %g' "$(ksem "$N")")" "sem object"
}

@test "creating files inside object directories is refused and changes nothing" {
	mkdir "$MNT/mq/$N" "$MNT/shm/$N" "$MNT/sem/$N"
	for k in mq shm sem; do
		d=$MNT/$k/$N
		before=$(ls "$d")
		assert_fails_with "$E_PERM" touch "$d/new"
		assert_fails_with "$E_PERM" mkdir "$d/sub"
		assert_fails_with "$E_PERM" ln -s /etc/passwd "$d/link"
		assert_fails_with "$E_PERM" mknod "$d/fifo" p
		assert_eq "$before" "$(ls "$d")" "files of $k/$N"
	done
}

@test "removing or renaming files inside object directories is refused and changes nothing" {
	mkdir "$MNT/mq/$N" "$MNT/shm/$N" "$MNT/sem/$N"
	for k in mq shm sem; do
		d=$MNT/$k/$N
		before=$(ls "$d")
		f=$(ls "$d" | head -n 1)
		assert_fails_with "$E_PERM" rm -f "$d/$f"
		assert_fails_with "$E_PERM" mv "$d/$f" "$d/renamed"
		assert_eq "$before" "$(ls "$d")" "files of $k/$N"
	done
	[ -e "$(kmq "$N")" ] && [ -e "$(kshm "$N")" ] && [ -e "$(ksem "$N")" ]
}

@test "a file cannot be created at the top of mq/, shm/, sem/ or the root" {
	for d in "$MNT" "$MNT/mq" "$MNT/shm" "$MNT/sem"; do
		assert_fails_with "$E_PERM|$E_INVAL|Function not implemented" touch "$d/$N.file"
	done
	assert_fails_with "$E_PERM|$E_INVAL" mkdir "$MNT/$N.dir"
}

@test "-h and --help print usage and exit 0; -V and --version print the version and exit 0" {
	for o in -h --help; do
		run "$IPCFS" $o
		assert_eq 0 "$status" "status of $o"
		assert_match "[Uu]sage" "$output" "$o output"
	done
	for o in -V --version; do
		run "$IPCFS" $o
		assert_eq 0 "$status" "status of $o"
		assert_match "${IPCFS_VERSION:-[0-9]+\.[0-9]+}" "$output" "$o output"
	done
}

@test "without a mount point ipcfs fails and says why" {
	run "$IPCFS"
	[ "$status" != 0 ] || fail "exit status 0"
	[ -n "$output" ] || fail "no message"
}

@test "mount options maxmsg and msgsize set what mkdir uses" {
	stop_ipcfs
	start_ipcfs -o maxmsg=4,msgsize=128
	mkdir "$MNT/mq/$N"
	assert_eq "maxmsg 4 msgsize 128 curmsgs 0" "$(mq-attr "$N")"
	assert_eq 4 "$(info_field "$MNT/mq/$N/info" maxmsg)"
	assert_eq 128 "$(info_field "$MNT/mq/$N/info" msgsize)"
}

@test "SIGTERM unmounts cleanly and ipcfs exits 0" {
	pid=$IPCFS_PID
	IPCFS_PID=
	kill -TERM "$pid"
	wait_pid "$pid" 10
	assert_eq 0 "$WAIT_STATUS" "exit status; log: $(cat "$LOG")"
	! mountpoint -q "$MNT" || fail "still mounted"
	check_log
}

@test "SIGINT unmounts cleanly and ipcfs exits 0" {
	pid=$IPCFS_PID
	IPCFS_PID=
	kill -INT "$pid"
	wait_pid "$pid" 10
	assert_eq 0 "$WAIT_STATUS" "exit status; log: $(cat "$LOG")"
	! mountpoint -q "$MNT" || fail "still mounted"
}

@test "objects and messages outlive the daemon" {
	mkdir "$MNT/mq/$N" "$MNT/shm/$N" "$MNT/sem/$N"
	echo kept >"$MNT/mq/$N/send"
	printf bytes >"$MNT/shm/$N/data"
	echo post 2 >"$MNT/sem/$N/value"
	stop_ipcfs
	start_ipcfs
	assert_eq kept "$(timeout 5 cat "$MNT/mq/$N/recv")"
	assert_eq bytes "$(cat "$MNT/shm/$N/data")"
	assert_eq 2 "$(cat "$MNT/sem/$N/value")"
}

@test "ordinary errors leave no warning in the daemon's log" {
	mkdir "$MNT/mq/$N"
	echo x >"$MNT/mq/$N/send"
	timeout 5 cat "$MNT/mq/$N/recv" >/dev/null
	assert_fails_with "$E_EXIST" mkdir "$MNT/mq/$N"
	assert_fails_with "$E_NOENT" cat "$MNT/mq/$N.none/info"
	rmdir "$MNT/mq/$N"
	assert_fails_with "$E_NOENT" rmdir "$MNT/mq/$N"
	stop_ipcfs
}
