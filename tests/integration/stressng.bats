#!/usr/bin/env bats
# Issue 8: Debian's stress-ng beside the mount. Its mq, sem (POSIX), shm
# and dev-shm stressors make, use and remove objects through the POSIX API
# while a loop lists every kind through the mount and reads every object it
# listed. The daemon must stay up, every listing must succeed, and nothing
# may be logged at warning level (teardown checks the log).
#
# The stressors run as an ordinary user: their queues are charged to that
# user's RLIMIT_MSGQUEUE, never to root's, which every root process on the
# machine shares. /dev/shm of this file's private namespace is capped, so
# dev-shm (which fills it) stays small. Work is bounded by op counts;
# --timeout only guards against a stressor that never gets through them.

load lib
load users

setup_file() {
	users_create
	mount -o remount,size=64m /dev/shm
}

teardown() {
	[ -z "${WORK:-}" ] || rm -rf "$WORK"
	shared_mount_teardown
}

# read_objects KIND FILE — reads FILE of every object ls lists in KIND/ (the
# listing must succeed); an object may vanish meanwhile (ENOENT), nothing
# else may fail. Adds to LISTINGS, READS and FAILURES.
read_objects() {
	local kind=$1 file=$2 names name out
	if ! names=$(ls "$MNT/$kind" 2>&1); then
		FAILURES+=("ls $kind/: $names")
		return
	fi
	LISTINGS=$((LISTINGS + 1))
	for name in $names; do
		if out=$(cat "$MNT/$kind/$name/$file" 2>&1 >/dev/null); then
			READS=$((READS + 1))
		elif [[ "$out" != *"$E_NOENT"* ]]; then
			FAILURES+=("$kind/$name/$file: $out")
		fi
	done
}

# long_listing KIND — ls -l KIND/: entries may vanish between the listing
# and their stat (ENOENT), nothing else may fail.
long_listing() {
	local out
	out=$(ls -l "$MNT/$1" 2>&1 >/dev/null) && { LISTINGS=$((LISTINGS + 1)); return; }
	if grep -v "$E_NOENT" <<<"$out" | grep -q .; then
		FAILURES+=("ls -l $1/: $out")
	else
		LISTINGS=$((LISTINGS + 1))
	fi
}

@test "stress-ng's mq, sem, shm and dev-shm stressors beside the mount while every object is listed and read: the daemon stays up, every listing succeeds" {
	command -v stress-ng >/dev/null || skip "stress-ng is not installed (tools/install-deps)"
	WORK=$(mktemp -d /tmp/ipcfs-stressng.XXXXXX)
	chmod 777 "$WORK"
	as_argv "$U1"
	# stress-ng wants a working directory it may write.
	cd "$WORK"
	bg "$OUT/stress-ng" "${AS[@]}" stress-ng --timeout 120 \
		--mq 1 --mq-ops 100000 --shm 1 --shm-ops 100 --shm-bytes 1m --shm-objs 8 \
		--dev-shm 1 --dev-shm-ops 10 --metrics-brief
	local stress=$BG_PID
	# The sem stressor does not stop at --sem-ops (0.15.06 runs to its
	# timeout): 5 s of it, a bound on its work.
	bg "$OUT/stress-ng-sem" "${AS[@]}" stress-ng --timeout 5 --sem 1 --metrics-brief
	local stress_sem=$BG_PID
	cd "$OLDPWD"
	LISTINGS=0 READS=0 FAILURES=()
	local rounds=0
	while pid_running "$stress" || pid_running "$stress_sem"; do
		long_listing mq
		long_listing shm
		long_listing sem
		read_objects mq info
		read_objects shm info
		read_objects sem value
		rounds=$((rounds + 1))
	done
	wait_pid "$stress" 10
	assert_eq 0 "$WAIT_STATUS" "stress-ng's status: $(cat "$OUT/stress-ng")"
	wait_pid "$stress_sem" 10
	assert_eq 0 "$WAIT_STATUS" "stress-ng --sem's status: $(cat "$OUT/stress-ng-sem")"
	[ ${#FAILURES[@]} = 0 ] || fail "$(printf '%s\n' "${FAILURES[@]}")"
	assert_eq $((rounds * 6)) "$LISTINGS" "listings that succeeded"
	[ "$rounds" -ge 1 ] || fail "no listing ran beside stress-ng"
	pid_running "$IPCFS_PID" || fail "the daemon died"
	echo "# $rounds rounds, $LISTINGS listings, $READS objects read" >&3
	sed "s/^/# /" "$OUT/stress-ng" "$OUT/stress-ng-sem" >&3
}
