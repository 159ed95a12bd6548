#!/usr/bin/env bats
# Issue 4, "Tools that prove it": the stress test. Many actors use one
# mount at once, each for a fixed number of turns (IPCFS_STRESS_TURNS,
# default 20; never a time, so a slow or busy machine only takes longer): writers through send, send-prio and send-lines, readers
# through recv and recv-lines (some killed at random), a direct POSIX sender
# and receiver on the same queues, semaphore posters and waiters through
# value and through sem_open (some waits interrupted), mkdir/rmdir churn of
# other objects through the mount and the POSIX API, shm writers and readers
# through data and through a direct mapping, and ls -l in a loop. Then:
# every message a writer confirmed was received exactly once and nothing
# else was received, the semaphores hold exactly posts - completed waits,
# the daemon answers, and unmount is clean (teardown).
#
# Accounting rules, so that a check never depends on luck or speed:
# - Work is counted: writers send TURNS messages (or batches) each, and the
#   killed readers go on until the writers are done and each has been
#   killed 5 times (once the queue is empty, every read is killed), so the
#   storm's size never depends on how fast the machine is. Deadlines only
#   guard against a hang, and say so when they expire.
# - A writer logs a message as sent only after its write(2) succeeded, and
#   logs what it is about to try before; writers are never killed.
# - Readers that are killed read with read-mapped, whose one read lands in a
#   mapped file: what the daemon delivered survives the reader's death.
#   Readers that use cat or mq_receive are never killed; at the end they
#   are woken with "STOP" messages, which the check ignores.
# - A wait that may be killed at a moment the test cannot see (SIGKILL) runs
#   only on a semaphore nobody posts, so it has one right outcome: nothing
#   taken. Waits on the posted semaphore are interrupted with SIGINT caught
#   by a trap, so the waiter itself learns (and logs) whether its write
#   succeeded.
#
# IPCFS_STRESS_KEEP=DIR keeps each run's logs (DIR/out.PID) for a post-mortem.

load lib

TURNS=${IPCFS_STRESS_TURNS:-20}
# Each killed reader goes on until it has been killed this many times.
KILLS=5
# Waits on Z, every one killed.
ZTURNS=25
# A guard against a hang only: actors that have not ended by then are stuck.
HANG_SECS=240

setup() {
	IPCFS_NO_AUTOMOUNT=1 common_setup
	# Queues made by mkdir stay small: root's RLIMIT_MSGQUEUE is shared.
	start_ipcfs -o maxmsg=10,msgsize=128
}

# kill_tree PID — SIGKILL to PID and everything below it (the actors are
# shell loops whose children would otherwise outlive them).
kill_tree() {
	local c
	kill -STOP "$1" 2>/dev/null
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		kill_tree "$c"
	done
	kill -9 "$1" 2>/dev/null
}

teardown() {
	local pid
	[ -n "${IPCFS_STRESS_KEEP:-}" ] && mkdir -p "$IPCFS_STRESS_KEEP/out.$$" && find "$OUT" -maxdepth 1 -type f -exec cp {} "$IPCFS_STRESS_KEEP/out.$$" \;
	for pid in "${BG_PIDS[@]}"; do
		pid_running "$pid" && kill_tree "$pid"
	done
	common_teardown
}

# err TEXT — records a failure seen by an actor; the test fails if any.
err() { echo "$*" >>"$OUT/errors"; echo "$*" >&2; }

# delay MAX_MS — a random delay of 1..MAX_MS ms, as timeout(1) takes it.
delay() {
	local ms=$((RANDOM % $1 + 1))
	printf '%d.%03d' $((ms / 1000)) $((ms % 1000))
}

# writers_done — every writer has ended (the killed readers go on till then).
writers_done() { [ -e "$OUT/writers-done" ]; }

# --- message queues ---------------------------------------------------------

# send_writer Q ID FILE — one message "Q.ID.SEQ" per write to FILE (send or
# send-prio, which gets a random priority 0..3).
send_writer() {
	local q=$1 id=$2 file=$3 i=0 m frame
	while ((i < TURNS)); do
		i=$((i + 1))
		m=$q.$id.$i
		frame=$m
		[ "$file" = send-prio ] && frame="$((RANDOM % 4)) $m"
		echo "$m" >>"$OUT/try.$id"
		if ! echo "$frame" >"$MNT/mq/$q/$file"; then
			err "$id: write of $m to $file failed"
			return 1
		fi
		echo "$m" >>"$OUT/ok.$id"
	done
}

# lines_writer Q ID — batches of 1..5 messages in one write to send-lines.
lines_writer() {
	local q=$1 id=$2 i=0 k batch turn
	for ((turn = 0; turn < TURNS; turn++)); do
		batch=
		for ((k = RANDOM % 5 + 1; k > 0; k--)); do
			i=$((i + 1))
			batch+="$q.$id.$i"$'\n'
		done
		printf %s "$batch" >>"$OUT/try.$id"
		if ! printf %s "$batch" >"$MNT/mq/$q/send-lines"; then
			err "$id: write of a batch to send-lines failed"
			return 1
		fi
		printf %s "$batch" >>"$OUT/ok.$id"
	done
}

# posix_sender Q ID — mq_send(3) straight to the queue (blocking).
posix_sender() {
	local q=$1 id=$2 i=0 m
	while ((i < TURNS)); do
		i=$((i + 1))
		m=$q.$id.$i
		echo "$m" >>"$OUT/try.$id"
		if ! timeout -s KILL "$HANG_SECS" mq-send "$q" 0 <<<"$m" 2>>"$OUT/errors"; then
			err "$id: mq-send of $m failed"
			return 1
		fi
		echo "$m" >>"$OUT/ok.$id"
	done
}

# cat_reader Q FILE ID — cat recv or recv-lines until the stop file exists.
cat_reader() {
	local q=$1 file=$2 id=$3 st
	while [ ! -e "$OUT/stop" ]; do
		st=0
		timeout "$HANG_SECS" cat "$MNT/mq/$q/$file" >>"$OUT/got.$q.$id" 2>>"$OUT/errors" || st=$?
		[ "$st" != 124 ] || { err "$id: cat $file hung: no message for $HANG_SECS s"; return 1; }
		[ "$st" = 0 ] || { err "$id: cat $file: status $st"; return 1; }
	done
}

# posix_receiver Q ID — mq_receive(3) straight from the queue (blocking).
posix_receiver() {
	local q=$1 id=$2 st
	while [ ! -e "$OUT/stop" ]; do
		st=0
		timeout -s KILL "$HANG_SECS" mq-recv "$q" >>"$OUT/got.$q.$id" 2>"$OUT/prio.$id" || st=$?
		[ "$st" = 0 ] || { err "$id: mq-recv: status $st: $(cat "$OUT/prio.$id")"; return 1; }
	done
}

# killed_reader Q FILE ID — one read-mapped of FILE after another, each
# killed by SIGINT or SIGKILL after 1..150 ms, until the writers are done and
# it has been killed KILLS times.
killed_reader() {
	local q=$1 file=$2 id=$3 sigs=(INT KILL) sig st kills=0
	while ! writers_done || ((kills < KILLS)); do
		sig=${sigs[RANDOM % 2]}
		# Emptied first: a reader killed before its open leaves the old file.
		: >"$OUT/map.$id"
		st=0
		timeout -s "$sig" "$(delay 150)" env --default-signal=INT \
			read-mapped "$OUT/map.$id" "$MNT/mq/$q/$file" 2>>"$OUT/rerr.$id" || st=$?
		tr -d '\0' <"$OUT/map.$id" >>"$OUT/got.$q.$id"
		echo "$st $sig" >>"$OUT/kstatus"
		case $st in
		0) ;;
		124 | 137) kills=$((kills + 1)) ;;
		*) err "$id: read-mapped $file: status $st: $(tail -1 "$OUT/rerr.$id")" ;;
		esac
	done
}

# wake_readers Q PID... — after the stop file: while a reader of Q still
# runs, puts a STOP message in Q whenever it is empty (a reader that does
# not end within HANG_SECS is stuck).
wake_readers() {
	local q=$1 limit=$((SECONDS + HANG_SECS))
	shift
	while ! none_running "$@"; do
		if ((SECONDS >= limit)); then
			fail "readers of $q hung: still running $HANG_SECS s after the stop"
			return 1
		fi
		[ "$(curmsgs "$q")" = 0 ] && mq-send "$q" 0 -n <<<STOP 2>/dev/null
		sleep 0.05
	done
}

none_running() {
	local p
	for p in "$@"; do
		pid_running "$p" && return 1
	done
	return 0
}

# --- semaphores -------------------------------------------------------------

# posting TURN — a poster goes on for TURNS posts, and then for as long as
# the interrupted waiter runs: a wait that SIGINT's trap restarts needs a post
# to come back (a counted post, so the accounting stays exact).
posting() { (($1 < TURNS)) || [ ! -e "$OUT/int-done" ]; }

# value_poster — "post K" (K = 1..3) to value, paced; logs K after success.
value_poster() {
	local k turn=0
	while posting $((turn++)); do
		k=$((RANDOM % 3 + 1))
		echo "post $k" >"$MNT/sem/$M/value" || { err "post $k failed"; return 1; }
		echo "$k" >>"$OUT/posts.value"
		sleep 0.0$((RANDOM % 4 + 1))
	done
}

# api_poster — sem_post(3), paced.
api_poster() {
	local turn=0
	while posting $((turn++)); do
		sem-op "$M" post 2>>"$OUT/errors" || { err "sem-op post failed"; return 1; }
		echo 1 >>"$OUT/posts.api"
		sleep 0.0$((RANDOM % 4 + 1))
	done
}

# value_waiter — "wait K" (K = 1..2) to value, blocking, never killed, until
# sem-stop (the posters have ended).
value_waiter() {
	local k
	while [ ! -e "$OUT/sem-stop" ]; do
		k=$((RANDOM % 2 + 1))
		echo "wait $k" >"$MNT/sem/$M/value" || { err "wait $k failed"; return 1; }
		echo "$k" >>"$OUT/waits.value"
	done
}

# api_waiter — sem_wait(3), blocking, never killed (the safety timeout
# would make its outcome unknown, and is an error).
api_waiter() {
	while [ ! -e "$OUT/sem-stop" ]; do
		timeout -s KILL "$HANG_SECS" sem-op "$M" wait 2>>"$OUT/errors" || { err "sem-op wait failed"; return 1; }
		echo 1 >>"$OUT/waits.api"
	done
}

# trywaiter — "trywait" to value, and sem_trywait(3); EAGAIN is fine.
trywaiter() {
	local out turn
	for ((turn = 0; turn < TURNS; turn++)); do
		if out=$(bash -c 'echo trywait >"$1"' x "$MNT/sem/$M/value" 2>&1); then
			echo 1 >>"$OUT/waits.try"
		elif [[ "$out" != *"$E_AGAIN"* ]]; then
			err "trywait: $out"
			return 1
		fi
		if out=$(sem-op "$M" trywait 2>&1); then
			echo 1 >>"$OUT/waits.try"
		elif [[ "$out" != *"$E_AGAIN"* ]]; then
			err "sem-op trywait: $out"
			return 1
		fi
		sleep 0.0$((RANDOM % 3 + 1))
	done
}

# int_waiter — "wait" to value, interrupted by SIGINT after 1..200 ms. The
# waiter traps SIGINT, so it survives and records whether its write
# succeeded (W) or not (I); "S" left behind means it never came back.
# Creates int-done when it ends, which lets the posters stop.
int_waiter() {
	int_waits || { touch "$OUT/int-done"; return 1; }
	touch "$OUT/int-done"
}

int_waits() {
	local res turn
	for ((turn = 0; turn < TURNS; turn++)); do
		: >"$OUT/int.res"
		timeout -k 5 -s INT "$(delay 200)" env --default-signal=INT bash -c '
			trap : INT
			echo S >"$2"
			if echo wait >"$1" 2>/dev/null; then echo W >"$2"; else echo I >"$2"; fi
			' x "$MNT/sem/$M/value" "$OUT/int.res" || true
		res=$(cat "$OUT/int.res")
		case $res in
		W) echo 1 >>"$OUT/waits.int" ;;
		I) echo I >>"$OUT/interrupted.int" ;;
		"") ;; # SIGINT came before the trap: nothing was tried
		*)
			err "interrupted waiter did not come back within 5 s of SIGINT"
			return 1
			;;
		esac
	done
}

# zero_waiter — ZTURNS waits on semaphore Z, which nobody posts, killed by
# SIGKILL or SIGINT after 1..150 ms: every one must end killed, having taken
# nothing.
zero_waiter() {
	local sigs=(INT KILL) sig st turn
	for ((turn = 0; turn < ZTURNS; turn++)); do
		sig=${sigs[RANDOM % 2]}
		st=0
		timeout -s "$sig" "$(delay 150)" env --default-signal=INT \
			bash -c 'echo wait >"$1"' x "$MNT/sem/$Z/value" 2>/dev/null || st=$?
		echo "$st $sig" >>"$OUT/zstatus"
		[ "$st" != 0 ] || { err "a wait on Z (value 0, never posted) succeeded"; return 1; }
	done
}

# --- shm --------------------------------------------------------------------

# slot K I — the 32 bytes writer K writes in its turn I.
slot() { printf '%-32s' "w$1.$2"; }

# shm_writer K — writes slot K through data (dd at an offset), then checks
# it through a direct mapping of the object.
shm_writer() {
	local k=$1 i=0 v
	while ((i < TURNS)); do
		i=$((i + 1))
		v=$(slot "$k" "$i")
		printf %s "$v" | dd of="$MNT/shm/$S/data" bs=32 seek="$k" iflag=fullblock conv=notrunc status=none ||
			{ err "shm slot $k: write through data failed"; return 1; }
		shm-check "$S" $((k * 32)) "$v" 2>>"$OUT/errors" ||
			{ err "shm slot $k: the mapping does not show '$v' written through data"; return 1; }
		echo "$v" >"$OUT/shm.$k"
	done
}

# shm_poker K — writes slot K through a mapping, then reads it through data.
shm_poker() {
	local k=$1 i=0 v got
	while ((i < TURNS)); do
		i=$((i + 1))
		v=$(slot "$k" "$i")
		shm-poke "$S" $((k * 32)) "$v" 2>>"$OUT/errors" || { err "shm-poke slot $k failed"; return 1; }
		got=$(dd if="$MNT/shm/$S/data" bs=32 skip="$k" count=1 status=none) ||
			{ err "shm slot $k: read through data failed"; return 1; }
		[ "$got" = "$v" ] || { err "shm slot $k: data shows '$got', the mapping has '$v'"; return 1; }
		echo "$v" >"$OUT/shm.$k"
	done
}

# shm_reader — reads the whole object through data: size 1024, and every
# slot looks like something its writer wrote.
shm_reader() {
	local d k size turn
	for ((turn = 0; turn < TURNS; turn++)); do
		size=$(stat -c %s "$MNT/shm/$S/data") || { err "stat data failed"; return 1; }
		[ "$size" = 1024 ] || { err "shm size $size, not 1024"; return 1; }
		d=$(head -c 96 "$MNT/shm/$S/data" | tr '\0' '@') || { err "read of data failed"; return 1; }
		for k in 0 1 2; do
			[[ "${d:k*32:32}" =~ ^w$k\.[0-9]+\ *$ ]] || { err "shm slot $k reads '${d:k*32:32}'"; return 1; }
		done
	done
}

# --- churn and listing -----------------------------------------------------

# churn — mkdir, use, rmdir a queue, a shm object and a semaphore through the
# mount, over and over, with one name.
churn() {
	local c=$N.c i=0
	while ((i < TURNS)); do
		i=$((i + 1))
		if ((i % 2)); then mkq "$c" maxmsg=4 msgsize=64; else mkdir "$MNT/mq/$c"; fi ||
			{ err "churn $i: mq create failed"; return 1; }
		echo "c$i" >"$MNT/mq/$c/send" && [ "$(timeout 5 cat "$MNT/mq/$c/recv")" = "c$i" ] ||
			{ err "churn $i: message through the churn queue failed"; return 1; }
		rmdir "$MNT/mq/$c" || { err "churn $i: mq rmdir failed"; return 1; }
		mkdir "$MNT/shm/$c" && echo "c$i" >"$MNT/shm/$c/data" &&
			[ "$(cat "$MNT/shm/$c/data")" = "c$i" ] && rmdir "$MNT/shm/$c" ||
			{ err "churn $i: shm mkdir/write/read/rmdir failed"; return 1; }
		mkdir "$MNT/sem/$c" && echo "post 2" >"$MNT/sem/$c/value" &&
			[ "$(cat "$MNT/sem/$c/value")" = 2 ] && rmdir "$MNT/sem/$c" ||
			{ err "churn $i: sem mkdir/post/read/rmdir failed"; return 1; }
		echo "$i" >"$OUT/churn"
	done
}

# api_churn — objects made through the POSIX API and removed through the
# mount, and the other way round; a fresh name each turn.
api_churn() {
	local i=0 d
	while ((i < TURNS)); do
		i=$((i + 1))
		d=$N.d$i
		mq-create "$d" 4 64 2>>"$OUT/errors" && [ "$(info_field "$MNT/mq/$d/info" maxmsg)" = 4 ] &&
			rmdir "$MNT/mq/$d" || { err "api churn $i: mq made by the API"; return 1; }
		shm-create "$d" 64 2>>"$OUT/errors" && [ "$(stat -c %s "$MNT/shm/$d/data")" = 64 ] &&
			rmdir "$MNT/shm/$d" || { err "api churn $i: shm made by the API"; return 1; }
		sem-op "$d" create 3 2>>"$OUT/errors" && [ "$(cat "$MNT/sem/$d/value")" = 3 ] &&
			rmdir "$MNT/sem/$d" || { err "api churn $i: sem made by the API"; return 1; }
		mkdir "$MNT/mq/$d.x" "$MNT/shm/$d.x" "$MNT/sem/$d.x" &&
			mq-unlink "$d.x" && shm-unlink "$d.x" && sem-op "$d.x" unlink ||
			{ err "api churn $i: objects made by mkdir, unlinked by the API"; return 1; }
		echo "$i" >"$OUT/apichurn"
	done
}

# lister — ls -l of the three kinds and a few cat of info files, in a loop.
# Churned objects may vanish between readdir and stat: "No such file" only.
lister() {
	local st n=0
	while ((n < TURNS)); do
		st=0
		timeout 10 ls -l "$MNT/mq" "$MNT/shm" "$MNT/sem" >"$OUT/ls.out" 2>"$OUT/ls.err" || st=$?
		if [ "$st" != 0 ] && { [ "$st" != 1 ] || grep -v "No such file or directory" "$OUT/ls.err" | grep -q .; }; then
			err "ls -l: status $st: $(cat "$OUT/ls.err")"
			return 1
		fi
		grep -q " $Q1\$" "$OUT/ls.out" && grep -q " $S\$" "$OUT/ls.out" && grep -q " $M\$" "$OUT/ls.out" ||
			{ err "ls -l lacks an object: $(cat "$OUT/ls.out")"; return 1; }
		timeout 10 cat "$MNT/mq/$Q2/info" "$MNT/shm/$S/info" "$MNT/sem/$Z/value" "$MNT/limits" >/dev/null ||
			{ err "cat of info/value/limits failed"; return 1; }
		n=$((n + 1))
		echo "$n" >"$OUT/lists"
	done
}

# actor NAME FUNCTION ARGS... — starts an actor (output to $OUT/log.NAME).
# Actors run under bats' errexit: every command that may fail is guarded,
# and an actor that ends with another status than 0 fails the test.
actor() {
	local name=$1
	shift
	bg "$OUT/log.$name" "$@"
	ACTOR[$BG_PID]=$name
}

# reap PID... — waits for actors; each must end, with status 0. One that
# has not ended within HANG_SECS is stuck.
reap() {
	local p
	for p in "$@"; do
		wait_pid "$p" "$HANG_SECS" || fail "actor ${ACTOR[$p]} hung (still running after $HANG_SECS s): $(tail -5 "$OUT/log.${ACTOR[$p]}")"
		[ "$WAIT_STATUS" = 0 ] ||
			fail "actor ${ACTOR[$p]} ended with status $WAIT_STATUS: $(tail -5 "$OUT/log.${ACTOR[$p]}")"
	done
}

# sum FILE... — the sum of the numbers in FILEs (missing files count 0).
sum() { cat "$@" 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'; }

@test "stress: writers, killed readers, POSIX users, sem posters/waiters, churn and ls at once, $TURNS turns each; nothing lost, nothing doubled, counts exact" {
	Q1=$N.a Q2=$N.b M=$N.m Z=$N.z S=$N.s
	mkq "$Q1" maxmsg=10 msgsize=128
	mkq "$Q2" maxmsg=8 msgsize=96
	mkdir "$MNT/sem/$M" "$MNT/sem/$Z" "$MNT/shm/$S"
	truncate -s 1024 "$MNT/shm/$S/data"
	printf '%s' "$(slot 0 0)$(slot 1 0)$(slot 2 0)" | dd of="$MNT/shm/$S/data" conv=notrunc status=none
	: >"$OUT/errors"
	local start=$SECONDS
	declare -gA ACTOR=()
	local writers=() readers1=() readers2=() semwaiters=() others=()

	actor s1 send_writer "$Q1" s1 send; writers+=("$BG_PID")
	actor l1 lines_writer "$Q1" l1; writers+=("$BG_PID")
	actor p1 posix_sender "$Q1" p1; writers+=("$BG_PID")
	actor s2 send_writer "$Q2" s2 send-prio; writers+=("$BG_PID")
	actor s3 send_writer "$Q2" s3 send; writers+=("$BG_PID")
	actor l2 lines_writer "$Q2" l2; writers+=("$BG_PID")
	actor p2 posix_sender "$Q2" p2; writers+=("$BG_PID")

	actor r1 cat_reader "$Q1" recv r1; readers1+=("$BG_PID")
	actor r2 cat_reader "$Q1" recv-lines r2; readers1+=("$BG_PID")
	actor x1 posix_receiver "$Q1" x1; readers1+=("$BG_PID")
	actor k1 killed_reader "$Q1" recv k1; others+=("$BG_PID")
	actor k2 killed_reader "$Q1" recv-lines k2; others+=("$BG_PID")
	actor r3 cat_reader "$Q2" recv r3; readers2+=("$BG_PID")
	actor x2 posix_receiver "$Q2" x2; readers2+=("$BG_PID")
	actor k3 killed_reader "$Q2" recv k3; others+=("$BG_PID")
	actor k4 killed_reader "$Q2" recv-lines k4; others+=("$BG_PID")

	actor vp value_poster; others+=("$BG_PID")
	actor ap api_poster; others+=("$BG_PID")
	actor vw value_waiter; semwaiters+=("$BG_PID")
	actor aw api_waiter; semwaiters+=("$BG_PID")
	actor tw trywaiter; others+=("$BG_PID")
	actor iw int_waiter; others+=("$BG_PID")
	actor zw zero_waiter; others+=("$BG_PID")

	actor h0 shm_writer 0; others+=("$BG_PID")
	actor h1 shm_writer 1; others+=("$BG_PID")
	actor h2 shm_poker 2; others+=("$BG_PID")
	actor hr shm_reader; others+=("$BG_PID")

	actor ch churn; others+=("$BG_PID")
	actor ac api_churn; others+=("$BG_PID")
	actor ls lister; others+=("$BG_PID")

	# Writers end after their turns; a last write may wait for room, which
	# the readers (still running) make. The readers that are never killed
	# stop then: left waiting on an empty queue while the other actors
	# finish, they would wait for as long as a slow machine takes. The killed
	# readers finish their kills on the emptying queue (any STOP they get is
	# ignored), the other actors their turns.
	reap "${writers[@]}"
	touch "$OUT/writers-done" "$OUT/stop"
	wake_readers "$Q1" "${readers1[@]}"
	wake_readers "$Q2" "${readers2[@]}"
	reap "${others[@]}"
	touch "$OUT/sem-stop"
	# Blocked semaphore waiters are released by posts, which are counted.
	local limit=$((SECONDS + HANG_SECS))
	while ! none_running "${semwaiters[@]}"; do
		((SECONDS < limit)) || fail "semaphore waiters hung: still running $HANG_SECS s after the stop"
		if [ "$(cat "$MNT/sem/$M/value")" -lt 2 ]; then
			echo post >"$MNT/sem/$M/value" && echo 1 >>"$OUT/posts.end"
		fi
		sleep 0.05
	done
	reap "${readers1[@]}" "${readers2[@]}" "${semwaiters[@]}"
	local run_secs=$((SECONDS - start))

	if [ -s "$OUT/errors" ]; then
		fail "actors saw errors: $(head -30 "$OUT/errors")"
	fi

	# Messages: drain what is left, then compare with the writers' logs.
	mq-drain "$Q1" >"$OUT/got.$Q1.drain" 2>"$OUT/drain.err" || fail "mq-drain $Q1: $(cat "$OUT/drain.err")"
	mq-drain "$Q2" >"$OUT/got.$Q2.drain" 2>"$OUT/drain.err" || fail "mq-drain $Q2: $(cat "$OUT/drain.err")"
	local q
	for q in "$Q1" "$Q2"; do
		cat "$OUT/got.$q."* | grep -vx STOP | sort >"$OUT/all.got.$q"
		grep -hx "$q\..*" "$OUT"/ok.* | sort >"$OUT/all.ok.$q"
		grep -hx "$q\..*" "$OUT"/try.* | sort >"$OUT/all.try.$q"
		assert_eq "" "$(uniq -d "$OUT/all.got.$q" | head -10)" "messages of $q received twice"
		assert_eq "" "$(comm -23 "$OUT/all.ok.$q" "$OUT/all.got.$q" | head -10)" "messages sent to $q, never received"
		assert_eq "" "$(comm -13 "$OUT/all.try.$q" "$OUT/all.got.$q" | head -10)" "messages received from $q that no writer sent there"
		assert_eq 0 "$(curmsgs "$q")" "curmsgs of $q after the drain"
	done
	local sent got
	sent=$(cat "$OUT"/ok.* | wc -l)
	got=$(cat "$OUT"/all.got.* | wc -l)
	assert_eq "$sent" "$got" "messages received vs sent"

	# Semaphores: M holds posts - completed waits; Z took nothing.
	local posts waits value
	posts=$(sum "$OUT"/posts.*)
	waits=$(sum "$OUT"/waits.*)
	value=$(cat "$MNT/sem/$M/value")
	assert_eq $((posts - waits)) "$value" "value of M (posts $posts, completed waits $waits)"
	assert_eq "$value" "$(sem-op "$M" getvalue)" "sem_getvalue of M"
	assert_eq 0 "$(cat "$MNT/sem/$Z/value")" "value of Z after killed waits"
	echo "post 3" >"$MNT/sem/$Z/value"
	assert_eq 3 "$(sem-op "$Z" getvalue)" "Z after post 3: no killed wait took a count"

	# shm: each slot holds its writer's last value, seen both ways.
	local k
	for k in 0 1 2; do
		assert_eq "$(cat "$OUT/shm.$k")" "$(dd if="$MNT/shm/$S/data" bs=32 skip="$k" count=1 status=none)" "shm slot $k through data"
		shm-check "$S" $((k * 32)) "$(cat "$OUT/shm.$k")" || fail "shm slot $k through the mapping"
	done

	# The daemon is alive and answers; churn left nothing behind.
	pid_running "$IPCFS_PID" || fail "ipcfs died"
	timeout 5 cat "$MNT/limits" >/dev/null || fail "limits does not answer"
	local want_mq
	want_mq=$(printf '%s\n' "$Q1" "$Q2")
	wait_until -t 3 bash -c '[ "$(timeout 5 ls "$1" | grep -F "$2")" = "$3" ]' x "$MNT/mq" "$N" "$want_mq" ||
		fail "mq/ lists: $(ls "$MNT/mq")"
	wait_until -t 3 bash -c '[ "$(timeout 5 ls "$1" | grep -F "$2")" = "$3" ]' x "$MNT/shm" "$N" "$S" ||
		fail "shm/ lists: $(ls "$MNT/shm")"
	wait_until -t 3 bash -c '[ "$(timeout 5 ls "$1" | grep -F "$2")" = "$3" ]' x "$MNT/sem" "$N" "$(printf '%s\n' "$M" "$Z")" ||
		fail "sem/ lists: $(ls "$MNT/sem")"

	local killed zkilled intr
	killed=$(awk '$1 != 0' "$OUT/kstatus" | wc -l)
	zkilled=$(wc -l <"$OUT/zstatus")
	intr=$(cat "$OUT/interrupted.int" 2>/dev/null | wc -l)
	echo "# ${run_secs}s: $sent messages ($(for f in "$OUT"/ok.*; do printf '%s=%s ' "${f##*.}" "$(wc -l <"$f")"; done)), $(cat "$OUT"/kstatus | wc -l) killable reads ($killed killed);" \
		"sem: $posts posted, $waits waits done, $intr interrupted, $zkilled killed on Z; churn $(cat "$OUT/churn") + api $(cat "$OUT/apichurn"); ls $(cat "$OUT/lists")" >&3
	# Counted, so exact whatever the machine's speed: each of the 4 killed
	# readers was killed at least KILLS times, every wait on Z was killed.
	[ "$killed" -ge $((4 * KILLS)) ] || fail "only $killed readers were killed"
	assert_eq "$ZTURNS" "$zkilled" "killed waits on Z"
	# Every writer did all its turns.
	local f
	for f in "$OUT"/ok.s* "$OUT"/ok.p*; do
		assert_eq "$TURNS" "$(wc -l <"$f")" "messages of writer ${f##*.}"
	done
}
