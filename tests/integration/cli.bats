#!/usr/bin/env bats
# The command line and the installed ipcfs: --help, -V, the [SOURCE] word,
# meson install (daemon, man page, systemd unit), and mounting through
# mount(8) and mount.fuse3, from the command line and from an fstab line.
#
# `meson install` goes to a DESTDIR that setup_file then binds over the
# prefix (default /usr/local) inside this test's private mount namespace
# (run.sh), so mount.fuse3, which runs "ipcfs SOURCE DIR -o OPTS" with sh's
# default search path, finds the ipcfs just built, and nothing outside the
# namespace sees it.

load lib

setup_file() {
	: "${IPCFS_BUILD_ROOT:?IPCFS_BUILD_ROOT must name the meson build directory}"
	: "${IPCFS_PREFIX:?IPCFS_PREFIX must name the install prefix}"
	export DEST="$BATS_FILE_TMPDIR/dest"
	meson install -C "$IPCFS_BUILD_ROOT" --no-rebuild --quiet --destdir "$DEST" >&2
	mount --bind "$DEST$IPCFS_PREFIX" "$IPCFS_PREFIX"
}

teardown_file() {
	umount -l "$IPCFS_PREFIX"
}

# The mount point is one that other users can reach (for allow_other).
setup() {
	IPCFS_NO_AUTOMOUNT=1 common_setup
	MNT=$(mktemp -d /tmp/ipcfs-cli.XXXXXX)
	chmod 755 "$MNT"
	FSTAB="$BATS_TEST_TMPDIR/fstab"
}

# A daemon that mount(8) started is no job of ours: once common_teardown
# has unmounted, wait for it to go.
teardown() {
	local rc=0
	common_teardown || rc=1
	wait_until daemons_gone || rc=1
	rmdir "$MNT" || rc=1
	return $rc
}

installed() { echo "$IPCFS_PREFIX/$1"; }

# PIDs of the installed ipcfs whose command line names $MNT.
daemons() {
	local exe p
	exe=$(installed bin/ipcfs)
	for p in /proc/[0-9]*; do
		[ "$p/exe" -ef "$exe" ] || continue
		tr '\0' '\n' <"$p/cmdline" 2>/dev/null | grep -Fxq -- "$MNT" && echo "${p#/proc/}"
	done
	return 0
}

daemons_gone() { [ -z "$(daemons)" ]; }

# mount_entry — "SOURCE TYPE" of $MNT in this namespace, one line per mount.
mount_entry() {
	awk -v m="$MNT" '$2 == m { print $1, $3 }' /proc/self/mounts
}

# send_and_receive — one message there and back through $MNT.
send_and_receive() {
	mkdir "$MNT/mq/$N"
	echo "hello $N" >"$MNT/mq/$N/send"
	assert_eq "hello $N" "$(timeout 5 cat "$MNT/mq/$N/recv")" "received"
	rmdir "$MNT/mq/$N"
}

@test "--help names SOURCE and lists every ipcfs option" {
	run "$IPCFS" --help
	assert_eq 0 "$status" "exit status"
	assert_match "usage: .*ipcfs \[options\] \[SOURCE\] MOUNTPOINT" "$output" "synopsis"
	for o in maxmsg=N msgsize=N target=PID allow_other; do
		assert_match "^ +-o $o " "$output" "--help line for $o"
	done
}

@test "-V prints meson's project version" {
	run "$IPCFS" -V
	assert_eq 0 "$status" "exit status"
	assert_eq "ipcfs $IPCFS_VERSION" "${lines[0]}" "first line"
}

@test "a third word is refused, and nothing is mounted" {
	run "$IPCFS" ipcfs "$MNT" extra
	assert_eq 1 "$status" "exit status"
	assert_match "unexpected argument 'extra'" "$output"
	! mountpoint -q "$MNT"
}

@test "ipcfs SOURCE MOUNTPOINT mounts, as SOURCE of type fuse.ipcfs" {
	start_ipcfs ipcfs
	assert_eq "ipcfs fuse.ipcfs" "$(mount_entry)" "/proc/mounts"
	send_and_receive
	stop_ipcfs
	start_ipcfs "any,word"
	assert_eq "any,word fuse.ipcfs" "$(mount_entry)" "/proc/mounts"
}

@test "without SOURCE the mount is named ipcfs" {
	start_ipcfs
	assert_eq "ipcfs fuse.ipcfs" "$(mount_entry)" "/proc/mounts"
}

@test "meson install puts the daemon, ipcfs(8) and ipcfs@.service under the prefix" {
	[ -x "$(installed bin/ipcfs)" ] || fail "no $(installed bin/ipcfs)"
	assert_eq "$(installed share/man/man8/ipcfs.8)" "$(man -w ipcfs)" "man -w ipcfs"
	[ -f "$(installed lib/systemd/system/ipcfs@.service)" ] || fail "no unit"
}

@test "the man page renders with no warning and carries the version" {
	local page
	page=$(installed share/man/man8/ipcfs.8)
	run groff -ww -z -man "$page"
	assert_eq "" "$output" "groff -ww warnings"
	run bash -c 'MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$1" 2>&1 >/dev/null' x "$page"
	assert_eq "" "$output" "man --warnings"
	assert_match "ipcfs $IPCFS_VERSION" "$(MANWIDTH=80 man -l "$page" 2>&1 | tail -1)" "footer"
}

@test "the man page documents every option of --help and every file of a mount" {
	local text f own
	text=$(MANWIDTH=200 man -l "$(installed share/man/man8/ipcfs.8)" 2>/dev/null)
	for o in maxmsg=N msgsize=N target=PID allow_other; do
		assert_match "-o $o" "$text" "option $o"
	done
	start_ipcfs
	mkdir "$MNT/mq/$N" "$MNT/shm/$N" "$MNT/sem/$N"
	# One System V object of each kind, with a key: IDs read ID, keys KEY,
	# a set's semaphores N.
	for k in "shm size=8" "msg " "sem nsems=1"; do
		printf 'key=0x5eed0001 %s\n' "${k#* }" >"$MNT/sysv/${k%% *}/.create"
	done
	# pipes come and go; ns/ holds the namespaces of tests running beside
	# this one too: only this test's own is walked.
	own=$(stat -L -c %i /proc/self/ns/ipc)
	while read -r f; do
		f=${f#"$MNT"/}
		f=${f//$N/NAME}
		[[ $f =~ ^pipes/[0-9]+(.*)$ ]] && f="pipes/INODE${BASH_REMATCH[1]}"
		# A namespace's directory and its entries have lines of their
		# own; deeper down, its trees are the top level's.
		[[ $f =~ ^ns/ipc:\[[0-9]+\](.*)$ ]] && f="ns/ipc:[N]${BASH_REMATCH[1]}"
		[[ $f =~ ^ns/ipc:\[N\]/[a-z]+/.+$ ]] && f=${f#ns/ipc:\[N\]/}
		f=$(sed -E 's|^(sysv/[a-z]+)/[0-9]+|\1/ID|; s|^(sysv/sem/ID)/[0-9]+$|\1/N|; s|0x5eed0001|KEY|' <<<"$f")
		f=${f//./\\.}
		f=${f//[/\\[}
		assert_match "^ +${f//]/\\]}/? " "$text" "the tree's line for $f"
	done < <(find "$MNT" -mindepth 1 \( -path "$MNT/ns/*" ! -path "$MNT/ns/ipc:?$own?*" \
		-prune \) -o -print 2>/dev/null)
	rmdir "$MNT/mq/$N" "$MNT/shm/$N" "$MNT/sem/$N" "$MNT"/sysv/*/[0-9]*
}

@test "systemd-analyze verify accepts ipcfs@.service" {
	run systemd-analyze verify "$(installed lib/systemd/system)/ipcfs@mnt-ipc.service"
	assert_eq 0 "$status" "systemd-analyze verify: $output"
	[[ "$output" != *ipcfs* ]] || fail "complaints: $output"
}

@test "the unit's commands mount at the instance's directory, and SIGTERM stops it" {
	local unit line pid
	unit=$(installed lib/systemd/system/ipcfs@.service)
	rmdir "$MNT"
	for line in ExecStartPre ExecStart; do
		line=$(sed -n "s/^$line=//p" "$unit")
		eval "${line//%f/\"\$MNT\"}" 3>&-
	done
	mountpoint -q "$MNT" || fail "not mounted by: $line"
	assert_eq "ipcfs fuse.ipcfs" "$(mount_entry)" "/proc/mounts"
	assert_match allow_other "$(awk -v m="$MNT" '$2 == m { print $4 }' /proc/self/mounts)" "options"
	send_and_receive
	pid=$(daemons)
	kill -TERM "$pid"
	wait_until daemons_gone
	! mountpoint -q "$MNT" || fail "still mounted after SIGTERM"
}

@test "mount -t fuse.ipcfs ipcfs DIR -o allow_other,maxmsg=3 mounts, umount unmounts" {
	mount -t fuse.ipcfs ipcfs "$MNT" -o allow_other,maxmsg=3,msgsize=64 3>&-
	assert_eq "ipcfs fuse.ipcfs" "$(mount_entry)" "/proc/mounts"
	runuser -u nobody -- mkdir "$MNT/mq/$N"
	assert_eq "nobody maxmsg 3 msgsize 64" \
		"$(stat -c %U "$MNT/mq/$N") $(head -2 "$MNT/mq/$N/info" | tr '\n' ' ' | sed 's/ $//')" \
		"owner and attributes of the queue"
	runuser -u nobody -- rmdir "$MNT/mq/$N"
	send_and_receive
	umount "$MNT"
	wait_until daemons_gone
}

@test "an fstab line mounts with mount -a and with mount DIR, once" {
	echo "ipcfs $MNT fuse.ipcfs allow_other,nofail,nosuid,nodev,noexec,maxmsg=2 0 0" >"$FSTAB"
	mount -T "$FSTAB" -a 3>&-
	send_and_receive
	assert_eq 2 "$(mkdir "$MNT/mq/$N" && info_field "$MNT/mq/$N/info" maxmsg; rmdir "$MNT/mq/$N")" "maxmsg"
	mount -T "$FSTAB" -a 3>&-
	assert_eq "ipcfs fuse.ipcfs" "$(mount_entry)" "one mount after a second mount -a"
	umount "$MNT"
	wait_until daemons_gone
	mount -T "$FSTAB" "$MNT" 3>&-
	assert_eq "ipcfs fuse.ipcfs" "$(mount_entry)" "mounted by mount DIR"
	send_and_receive
	umount "$MNT"
	wait_until daemons_gone
}

@test "an fstab line with an option ipcfs does not know fails and says which" {
	echo "ipcfs $MNT fuse.ipcfs allow_other,bogus=1 0 0" >"$FSTAB"
	run mount -T "$FSTAB" "$MNT" 3>&-
	[ "$status" != 0 ] || fail "mount succeeded"
	assert_match "unknown option.*bogus=1" "$output"
	! mountpoint -q "$MNT"
}
