#!/usr/bin/env bats
# Who may do what (SPEC section 3): mounted by root with allow_other, every
# request runs with its caller's fsuid, fsgid and supplementary groups, and
# without any of the daemon's capabilities, so the kernel grants or refuses
# exactly what it would for that process calling the POSIX API itself.
#
# users.bash makes two ordinary users and a group ($U2 is a supplementary
# member of $G, $U1 is not). Each test mounts a world-reachable mount point
# as root with -o allow_other.

load lib
load users

E_ACCES="Permission denied"
E_EPERM="Operation not permitted"
# rmdir of another user's object: the sticky /dev/shm and mqueue root refuse
# with EPERM; glibc's mq_unlink and shm_unlink report it as EACCES (POSIX),
# ipcfs passes on what the API gives.

# owner_mode PATH — "USER GROUP MODE" of a real object.
owner_mode() { stat -c '%U %G %a' "$1"; }

kpath() {
	case $1 in
	mq) kmq "$2" ;;
	shm) kshm "$2" ;;
	sem) ksem "$2" ;;
	esac
}

@test "the test users exist; U2 has G as a supplementary group, U1 does not" {
	gid=$(getent group "$G" | cut -d: -f3)
	as "$U2" id -G | tr ' ' '\n' | grep -qx "$gid" || fail "U2 lacks $G: $(as "$U2" id)"
	! as "$U1" id -G | tr ' ' '\n' | grep -qx "$gid" || fail "U1 has $G: $(as "$U1" id)"
	assert_eq "$(id -u "$U1")" "$(as "$U1" id -u)"
	# The users reach the mount.
	as "$U1" ls "$MNT/mq" >/dev/null
}

@test "a user's mkdir makes objects owned by that user, with the mode given" {
	for k in mq shm sem; do
		as "$U1" mkdir -m 640 "$MNT/$k/$N"
		assert_eq "$U1 $U1 640" "$(owner_mode "$(kpath $k "$N")")" "real $k object"
		assert_eq "$U1 $U1 640" "$(owner_mode "$MNT/$k/$N")" "$k object through the mount"
	done
	# The user's umask applies as it would to mq_open/shm_open/sem_open.
	as_sh "$U2" 'umask 077; mkdir "$1"' "$MNT/shm/u2$N"
	assert_eq "$U2 $U2 700" "$(owner_mode "$(kshm "u2$N")")" "umasked mode"
	# mq/.create: the queue belongs to its writer too.
	as_sh "$U2" 'echo "mode=600 c$1" > "$2"' "$N" "$MNT/mq/.create"
	assert_eq "$U2 $U2 600" "$(owner_mode "$(kmq "c$N")")" ".create's queue"
}

@test "another user cannot receive, send, read info of or remove a 0600 queue" {
	as "$U1" mkdir -m 600 "$MNT/mq/$N"
	as_sh "$U1" 'echo secret > "$1"' "$MNT/mq/$N/send"
	Q=$MNT/mq/$N
	assert_fails_with "$E_ACCES" as "$U2" cat "$Q/recv"
	assert_fails_with "$E_ACCES" as "$U2" timeout 3 cat "$Q/recv-prio"
	assert_fails_with "$E_ACCES" as_sh "$U2" 'echo spam > "$1"' "$Q/send"
	assert_fails_with "$E_ACCES" as_sh "$U2" 'echo "3 spam" > "$1"' "$Q/send-prio"
	assert_fails_with "$E_ACCES" as "$U2" cat "$Q/info"
	assert_fails_with "$E_ACCES|$E_EPERM" as "$U2" rmdir "$Q"
	assert_fails_with "$E_EPERM" as "$U2" chmod 666 "$Q"
	# Nothing changed: the one message is still there, the queue too.
	assert_eq "$U1 $U1 600" "$(owner_mode "$(kmq "$N")")"
	assert_eq 1 "$(info_field "$Q/info" curmsgs)" "curmsgs"
	assert_eq secret "$(as "$U1" cat "$Q/recv")"
}

@test "another user cannot read, write, truncate or remove a 0600 shm object" {
	as "$U1" mkdir -m 600 "$MNT/shm/$N"
	as_sh "$U1" 'printf secret > "$1"' "$MNT/shm/$N/data"
	D=$MNT/shm/$N/data
	assert_fails_with "$E_ACCES" as "$U2" cat "$D"
	assert_fails_with "$E_ACCES" as "$U2" cat "$MNT/shm/$N/info"
	assert_fails_with "$E_ACCES" as_sh "$U2" 'printf x > "$1"' "$D"
	assert_fails_with "$E_ACCES" as_sh "$U2" 'printf x >> "$1"' "$D"
	assert_fails_with "$E_ACCES" as "$U2" dd if=/dev/zero of="$D" bs=1 count=1 seek=2 conv=notrunc status=none
	assert_fails_with "$E_ACCES" as "$U2" truncate -s 0 "$D"
	assert_fails_with "$E_ACCES|$E_EPERM" as "$U2" rmdir "$MNT/shm/$N"
	assert_eq secret "$(cat "$(kshm "$N")")" "the object's bytes"
	assert_eq "$U1 $U1 600" "$(owner_mode "$(kshm "$N")")"
}

@test "another user cannot read, post, wait on or remove a 0600 semaphore" {
	as "$U1" mkdir -m 600 "$MNT/sem/$N"
	as_sh "$U1" 'echo post 2 > "$1"' "$MNT/sem/$N/value"
	V=$MNT/sem/$N/value
	assert_fails_with "$E_ACCES" as "$U2" cat "$V"
	assert_fails_with "$E_ACCES" as_sh "$U2" 'echo post > "$1"' "$V"
	assert_fails_with "$E_ACCES" as_sh "$U2" 'echo post 100 > "$1"' "$V"
	assert_fails_with "$E_ACCES" as_sh "$U2" 'echo trywait > "$1"' "$V"
	assert_fails_with "$E_ACCES" as_sh "$U2" 'echo wait > "$1"' "$V"
	assert_fails_with "$E_ACCES|$E_EPERM" as "$U2" rmdir "$MNT/sem/$N"
	assert_eq 2 "$(sem-op "$N" getvalue)" "value"
	assert_eq "$U1 $U1 600" "$(owner_mode "$(ksem "$N")")"
}

@test "another user can use a 0666 queue, shm object and semaphore" {
	for k in mq shm sem; do
		as "$U1" mkdir -m 666 "$MNT/$k/$N"
		assert_eq "$U1 $U1 666" "$(owner_mode "$(kpath $k "$N")")"
	done
	as_sh "$U2" 'echo from-u2 > "$1"' "$MNT/mq/$N/send"
	assert_eq 1 "$(as "$U2" awk '$1 == "curmsgs" {print $2}' "$MNT/mq/$N/info")" "curmsgs read by U2"
	assert_eq from-u2 "$(as "$U1" cat "$MNT/mq/$N/recv")"
	as_sh "$U2" 'echo back > "$1"' "$MNT/mq/$N/send"
	assert_eq back "$(as "$U2" cat "$MNT/mq/$N/recv")"

	as_sh "$U2" 'printf shared > "$1"' "$MNT/shm/$N/data"
	assert_eq shared "$(as "$U1" cat "$MNT/shm/$N/data")"
	assert_eq "size 6" "$(as "$U2" cat "$MNT/shm/$N/info")"

	as_sh "$U2" 'echo post 3 > "$1"' "$MNT/sem/$N/value"
	as_sh "$U2" 'echo trywait > "$1"' "$MNT/sem/$N/value"
	as_sh "$U1" 'echo wait > "$1"' "$MNT/sem/$N/value"
	assert_eq 1 "$(as "$U2" cat "$MNT/sem/$N/value")"
	# Still the owner's: only U1 (or root) may remove them (sticky /dev/shm
	# and mqueue root).
	assert_fails_with "$E_ACCES|$E_EPERM" as "$U2" rmdir "$MNT/shm/$N"
	as "$U1" rmdir "$MNT/shm/$N"
}

@test "group permissions work through supplementary groups" {
	for k in mq shm sem; do
		mkdir -m 660 "$MNT/$k/$N"
		chgrp "$G" "$MNT/$k/$N"
		assert_eq "root $G 660" "$(owner_mode "$(kpath $k "$N")")" "$k after chgrp"
	done
	# U2 is in G through its supplementary groups only.
	as_sh "$U2" 'echo grp > "$1"' "$MNT/mq/$N/send"
	assert_eq grp "$(as "$U2" cat "$MNT/mq/$N/recv")"
	as_sh "$U2" 'printf grp > "$1"' "$MNT/shm/$N/data"
	assert_eq grp "$(as "$U2" cat "$MNT/shm/$N/data")"
	as_sh "$U2" 'echo post 2 > "$1"' "$MNT/sem/$N/value"
	assert_eq 2 "$(as "$U2" cat "$MNT/sem/$N/value")"
	# U1 is not in G: refused.
	assert_fails_with "$E_ACCES" as "$U1" cat "$MNT/mq/$N/info"
	assert_fails_with "$E_ACCES" as_sh "$U1" 'echo x > "$1"' "$MNT/mq/$N/send"
	assert_fails_with "$E_ACCES" as "$U1" cat "$MNT/shm/$N/data"
	assert_fails_with "$E_ACCES" as "$U1" cat "$MNT/sem/$N/value"
	# Group read-only: U2 may read, not write.
	for k in mq shm sem; do chmod 640 "$MNT/$k/$N"; done
	echo queued >"$MNT/mq/$N/send"
	assert_eq 1 "$(as "$U2" awk '$1 == "curmsgs" {print $2}' "$MNT/mq/$N/info")"
	assert_eq queued "$(as "$U2" cat "$MNT/mq/$N/recv")"
	assert_fails_with "$E_ACCES" as_sh "$U2" 'echo x > "$1"' "$MNT/mq/$N/send"
	assert_eq grp "$(as "$U2" cat "$MNT/shm/$N/data")"
	assert_fails_with "$E_ACCES" as_sh "$U2" 'printf x > "$1"' "$MNT/shm/$N/data"
	# A semaphore needs read and write, as sem_open does.
	assert_fails_with "$E_ACCES" as "$U2" cat "$MNT/sem/$N/value"
	assert_eq 2 "$(sem-op "$N" getvalue)"
	assert_eq grp "$(cat "$(kshm "$N")")"
}

@test "chmod and chown through the mount change the object; non-owners are refused" {
	for k in mq shm sem; do
		K=$(kpath $k "$N")
		as "$U1" mkdir -m 600 "$MNT/$k/$N"
		as "$U1" chmod 644 "$MNT/$k/$N"
		assert_eq "$U1 $U1 644" "$(owner_mode "$K")" "$k: owner's chmod"
		assert_eq "$U1 $U1 644" "$(owner_mode "$MNT/$k/$N")" "$k: shown"
		# A user cannot give an object away, nor touch another's.
		assert_fails_with "$E_EPERM" as "$U1" chown "$U2" "$MNT/$k/$N"
		assert_fails_with "$E_EPERM" as "$U1" chgrp "$G" "$MNT/$k/$N"
		assert_fails_with "$E_EPERM" as "$U2" chmod 666 "$MNT/$k/$N"
		assert_fails_with "$E_EPERM" as "$U2" chgrp "$U2" "$MNT/$k/$N"
		assert_eq "$U1 $U1 644" "$(owner_mode "$K")" "$k: unchanged"
		# Mode and owner belong to KIND/NAME, not to the files inside.
		assert_fails_with "$E_EPERM|$E_ACCES" as "$U1" chmod 666 "$MNT/$k/$N/$(ls "$MNT/$k/$N" | head -1)"
		# Root gives it away; then the new owner may chmod it.
		chown "$U2:$G" "$MNT/$k/$N"
		assert_eq "$U2 $G 644" "$(owner_mode "$K")" "$k: root's chown"
		as "$U2" chmod 600 "$MNT/$k/$N"
		assert_eq "$U2 $G 600" "$(owner_mode "$K")" "$k: new owner's chmod"
		# A member of the group may chgrp its own object to the group.
		as "$U2" chgrp "$U2" "$MNT/$k/$N"
		assert_eq "$U2 $U2 600" "$(owner_mode "$K")" "$k: chgrp"
	done
	# The new mode binds at once: U1 lost access to what it gave away.
	assert_fails_with "$E_ACCES" as "$U1" cat "$MNT/shm/$N/data"
}

@test "root can do everything to a user's 0600 objects" {
	for k in mq shm sem; do
		as "$U1" mkdir -m 600 "$MNT/$k/$N"
	done
	as_sh "$U1" 'echo mine > "$1"; printf mine > "$2"; echo post > "$3"' \
		"$MNT/mq/$N/send" "$MNT/shm/$N/data" "$MNT/sem/$N/value"
	assert_eq 1 "$(info_field "$MNT/mq/$N/info" curmsgs)"
	assert_eq mine "$(cat "$MNT/mq/$N/recv")"
	echo root >"$MNT/mq/$N/send"
	assert_eq mine "$(cat "$MNT/shm/$N/data")"
	printf root >"$MNT/shm/$N/data"
	truncate -s 100 "$MNT/shm/$N/data"
	assert_eq 1 "$(cat "$MNT/sem/$N/value")"
	echo post 2 >"$MNT/sem/$N/value"
	echo trywait 3 >"$MNT/sem/$N/value"
	assert_eq 0 "$(cat "$MNT/sem/$N/value")"
	for k in mq shm sem; do
		chmod 604 "$MNT/$k/$N"
		assert_eq "$U1 $U1 604" "$(owner_mode "$(kpath $k "$N")")"
		rmdir "$MNT/$k/$N"
		[ ! -e "$(kpath $k "$N")" ] || fail "$k still exists"
	done
}

@test "a user meets msg_max and msgsize_max as with mq_open" {
	msg_max=$(cat /proc/sys/fs/mqueue/msg_max)
	msgsize_max=$(cat /proc/sys/fs/mqueue/msgsize_max)
	assert_fails_with "$E_INVAL" as_sh "$U1" 'echo "maxmsg=$2 msgsize=64 $1" > "$3"' \
		"$N" $((msg_max + 1)) "$MNT/mq/.create"
	assert_fails_with "$E_INVAL" as_sh "$U1" 'echo "maxmsg=1 msgsize=$2 $1" > "$3"' \
		"$N" $((msgsize_max + 1)) "$MNT/mq/.create"
	[ ! -e "$(kmq "$N")" ] || fail "a queue was made"
	as_sh "$U1" 'echo "maxmsg=$2 msgsize=64 $1" > "$3"' "$N" "$msg_max" "$MNT/mq/.create"
	assert_eq "$U1" "$(stat -c %U "$(kmq "$N")")"
}

@test "queue memory is charged to the creating user, under that user's RLIMIT_MSGQUEUE" {
	# The caller's own (lower) limit binds, exactly as for its mq_open.
	assert_fails_with "$E_MFILE" as_sh "$U1" 'ulimit -q 10000; echo "maxmsg=10 msgsize=8192 $1" > "$2"' \
		"$N" "$MNT/mq/.create"
	[ ! -e "$(kmq "$N")" ] || fail "a queue was made beyond the caller's limit"
	as_sh "$U1" 'ulimit -q 200000; echo "maxmsg=10 msgsize=8192 $1" > "$2"' "$N" "$MNT/mq/.create"
	# U1 fills its own budget (819200 bytes by default: 9 such queues)...
	local i made=1
	for ((i = 0; i < 30; i++)); do
		as_sh "$U1" 'echo "maxmsg=10 msgsize=8192 $1" > "$2"' "u1_${i}_$N" "$MNT/mq/.create" 2>"$OUT/err" || break
		made=$((made + 1))
	done
	assert_match "$E_MFILE" "$(cat "$OUT/err")" "U1's last queue"
	[ "$made" -lt 30 ] || fail "U1 was never stopped"
	# ...which is not U2's budget, nor root's.
	as_sh "$U2" 'echo "maxmsg=10 msgsize=8192 $1" > "$2"' "u2_$N" "$MNT/mq/.create"
	assert_eq "$U2" "$(stat -c %U "$(kmq "u2_$N")")"
	mkdir "$MNT/mq/root_$N"
}

# System V (SPEC section 6): the kernel checks the effective ids; each
# caller's are taken on, without capabilities.

# sysv_mk USER KIND LINE — USER writes LINE to sysv/KIND/.create; prints the ID.
sysv_mk() {
	as_sh "$1" 'exec 3<>"$1"; printf "%s\n" "$2" >&3 && head -1 <&3' "$MNT/sysv/$2/.create" "$3"
}

# ipcs_owner KIND ID — "OWNER PERMS" as ipcs shows them (ipcs cuts names
# to 10 characters).
ipcs_owner() { ipcs "$1" | awk -v id="$2" '$2 == id {print $3, $4}'; }
short() { echo "${1:0:10}"; }

@test "System V objects made by a user belong to that user" {
	local shm msg sem
	shm=$(sysv_mk "$U1" shm "size=100 mode=640")
	msg=$(sysv_mk "$U1" msg "mode=604")
	sem=$(sysv_mk "$U2" sem "nsems=2")
	assert_eq "$(short "$U1") 640" "$(ipcs_owner -m "$shm")" "segment"
	assert_eq "$(short "$U1") 604" "$(ipcs_owner -q "$msg")" "queue"
	assert_eq "$(short "$U2") 600" "$(ipcs_owner -s "$sem")" "set"
	assert_eq "$(id -u "$U1")" "$(info_field "$MNT/sysv/shm/$shm/info" cuid)" "cuid"
	assert_eq "$U2 $U2 600" "$(stat -c '%U %G %a' "$MNT/sysv/sem/$sem")" "stat"
	ipcrm --all
}

@test "another user reaches none of a user's 0600 segment, queue or set" {
	local shm msg sem S=$MNT/sysv
	shm=$(sysv_mk "$U1" shm "size=100")
	msg=$(sysv_mk "$U1" msg "")
	sem=$(sysv_mk "$U1" sem "nsems=1")
	as_sh "$U1" 'printf secret > "$1"; echo kept > "$2"; echo post 2 > "$3"' \
		"$S/shm/$shm/data" "$S/msg/$msg/send" "$S/sem/$sem/0"
	assert_fails_with "$E_ACCES" as "$U2" cat "$S/shm/$shm/data"
	assert_fails_with "$E_ACCES" as_sh "$U2" 'printf x > "$1"' "$S/shm/$shm/data"
	assert_fails_with "$E_ACCES" as "$U2" timeout 3 cat "$S/msg/$msg/recv"
	assert_fails_with "$E_ACCES" as_sh "$U2" 'echo spam > "$1"' "$S/msg/$msg/send"
	assert_fails_with "$E_ACCES" as "$U2" cat "$S/sem/$sem/0"
	assert_fails_with "$E_ACCES" as_sh "$U2" 'echo post > "$1"' "$S/sem/$sem/0"
	assert_fails_with "$E_ACCES" as_sh "$U2" 'echo "0:-1" > "$1"' "$S/sem/$sem/op"
	assert_fails_with "$E_ACCES" as "$U2" cat "$S/sem/$sem/info"
	for k in shm msg sem; do
		id=$(eval echo \$$k)
		assert_fails_with "$E_EPERM" as "$U2" rmdir "$S/$k/$id"
		assert_fails_with "$E_EPERM" as "$U2" chmod 666 "$S/$k/$id"
	done
	# Nothing changed.
	assert_eq secret "$(as "$U1" cat "$S/shm/$shm/data" | tr -d '\0')" "segment"
	assert_eq 1 "$(info_field "$S/msg/$msg/info" qnum)" "queue"
	assert_eq 2 "$(as "$U1" cat "$S/sem/$sem/0")" "semaphore"
	assert_eq "$(short "$U1") 600" "$(ipcs_owner -m "$shm")" "mode"
	ipcrm --all
}

@test "System V group bits count for supplementary groups; root's rights are not lent" {
	local shm S=$MNT/sysv
	shm=$(sysv_mk root shm "size=10 mode=640")
	chown "$U1:$G" "$S/shm/$shm"
	assert_eq "$(short "$U1") 640" "$(ipcs_owner -m "$shm")" "IPC_SET by root"
	printf hello >"$S/shm/$shm/data"
	assert_eq hello "$(as "$U2" cat "$S/shm/$shm/data" | tr -d '\0')" "group read"
	assert_fails_with "$E_ACCES" as_sh "$U2" 'printf x > "$1"' "$S/shm/$shm/data"
	as_sh "$U1" 'printf HE > "$1"' "$S/shm/$shm/data"
	assert_eq HEllo "$(cat "$S/shm/$shm/data" | tr -d '\0')" "owner write"
	# U1 owns it now: IPC_SET and IPC_RMID are U1's, not root's alone.
	as "$U1" chmod 600 "$S/shm/$shm"
	assert_fails_with "$E_ACCES" as "$U2" cat "$S/shm/$shm/data"
	as "$U1" rmdir "$S/shm/$shm"
	ipcrm --all
}

@test "a parked System V reader keeps its own rights: a chmod meanwhile stops it" {
	local msg S=$MNT/sysv
	msg=$(sysv_mk root msg "mode=666")
	bg "$OUT/r" as "$U2" timeout 20 cat "$S/msg/$msg/recv"
	local reader=$BG_PID
	sleep 0.3
	chmod 600 "$S/msg/$msg"
	echo private >"$S/msg/$msg/send"
	wait_pid "$reader" 5
	[ "$WAIT_STATUS" != 0 ] || fail "the reader got: $(cat "$OUT/r")"
	assert_match "$E_ACCES" "$(cat "$OUT/r")" "reader's error"
	assert_eq private "$(cat "$S/msg/$msg/recv")" "the message stayed"
	ipcrm --all
}
