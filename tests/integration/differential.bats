#!/usr/bin/env bats
# Differential checks: tests/checker/shm-diff and mq-diff apply one long
# random sequence of operations to a file of the mount and the same sequence
# to a reference object driven directly, and every result, errno and byte
# must agree. Each run is bounded by a count of operations, never by time; a
# random seed (printed, so a failure can be replayed with
# `tools/check-diff --seed S`) and a few fixed ones.

load lib

PATH="${IPCFS_CHECKER:?IPCFS_CHECKER must name the checker programs directory}:$PATH"

# How many operations a random-seed run makes; a few thousand take seconds.
OPS=3000

# checker NAME ARGS... — runs a checker; its whole output goes to the log,
# the result must be "agreed". The safety timeout only keeps a hung daemon
# from hanging the suite (3000 operations take a few seconds even on a
# loaded machine); its expiry is reported as a hang.
checker() {
	run timeout -s KILL 240 "$@"
	echo "$output"
	[ "$status" != 137 ] || fail "$1 hung (killed after 240 s); replay with the seed above"
	assert_eq 0 "$status" "$1's status (1 = a disagreement, shown above)"
	assert_match "^agreed [0-9]+ ops" "${lines[-1]}" "$1's last line"
}

# shm_pair — shm/$N through the mount, /dev/shm/$N-ref as the reference.
shm_pair() {
	mkdir "$MNT/shm/$N"
	shm-create "$N-ref" 0
}

# mq_pair NAME MAXMSG MSGSIZE — mq/NAME made through the mount, /NAME-ref
# directly, with the same attributes.
mq_pair() {
	mkq "$1" "maxmsg=$2 msgsize=$3"
	mq-create "$1-ref" "$2" "$3"
}

@test "shm-diff: $OPS random operations on data agree with a tmpfs object (random seed)" {
	shm_pair
	checker shm-diff -n "$OPS" "$MNT/shm/$N/data" "$(kshm "$N-ref")"
	# What the mount wrote is in the object itself.
	cmp "$(kshm "$N")" "$(kshm "$N-ref")" || fail "the object differs from the reference"
}

@test "shm-diff: fixed seeds 1, 2 and 3, 1000 operations each" {
	shm_pair
	local seed
	for seed in 1 2 3; do
		checker shm-diff -n 1000 -s "$seed" "$MNT/shm/$N/data" "$(kshm "$N-ref")"
		cmp "$(kshm "$N")" "$(kshm "$N-ref")" || fail "seed $seed: the object differs from the reference"
	done
}

@test "mq-diff: $OPS random sends and receives agree with a queue driven by the POSIX API (random seed)" {
	mq_pair "$N" 4 512
	checker mq-diff -n "$OPS" "$MNT/mq/$N" "$N-ref"
}

@test "mq-diff: fixed seeds on a one-message queue, a small one and a full-size one" {
	local attrs seed q
	for attrs in "1 64" "3 300" "10 8192"; do
		for seed in 11 12; do
			q="$N.$seed.${attrs% *}"
			mq_pair "$q" $attrs
			checker mq-diff -n 800 -s "$seed" "$MNT/mq/$q" "$q-ref"
			# Root's queue memory is shared machine-wide: give it back.
			rmdir "$MNT/mq/$q"
			mq-unlink "$q-ref"
		done
	done
}

@test "the checkers report a disagreement: the op, both results, the seed, status 1" {
	# /dev/null cannot be truncated: the first operation already differs.
	mkdir "$MNT/shm/$N"
	run shm-diff -n 10 -s 5 "$MNT/shm/$N/data" /dev/null
	assert_eq 1 "$status" "shm-diff's status"
	assert_eq "seed 5" "${lines[0]}"
	assert_match "^DISAGREE at op 0: ftruncate" "$output"
	assert_match "ref: +-1 EINVAL" "$output"
	assert_match "replay: shm-diff -n 10 -s 5 " "$output"
	# Queues with another msgsize: info disagrees before anything is sent.
	mkq "$N" "maxmsg=2 msgsize=100"
	mq-create "$N-ref" 2 101
	run mq-diff -n 10 -s 6 "$MNT/mq/$N" "$N-ref"
	assert_eq 1 "$status" "mq-diff's status"
	assert_match "^DISAGREE at op 0: info at the start" "$output"
	assert_match "mount: msgsize 100" "$output"
}
