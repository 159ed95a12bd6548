#!/usr/bin/env bats
# sem/: POSIX named semaphores; value reads the count and takes commands.

load lib

val() { cat "$MNT/sem/$N/value"; }

@test "mkdir makes a semaphore of value 0; rmdir removes it" {
	mkdir "$MNT/sem/$N"
	[ -f "$(ksem "$N")" ] || fail "no /dev/shm/sem.$N"
	assert_eq 0 "$(sem-op "$N" getvalue)"
	printf '0\n' >"$OUT/want"
	cmp "$OUT/want" "$MNT/sem/$N/value"
	listed "$MNT/sem" "$N"
	not_listed "$MNT/shm" "sem.$N"
	rmdir "$MNT/sem/$N"
	[ ! -e "$(ksem "$N")" ] || fail "semaphore still exists"
	not_listed "$MNT/sem" "$N"
}

@test "post, post N, with or without newline" {
	mkdir "$MNT/sem/$N"
	echo post >"$MNT/sem/$N/value"
	assert_eq 1 "$(val)"
	echo post 3 >"$MNT/sem/$N/value"
	assert_eq 4 "$(val)"
	printf post >"$MNT/sem/$N/value"
	printf 'post 2' >"$MNT/sem/$N/value"
	assert_eq 7 "$(val)"
	assert_eq 7 "$(sem-op "$N" getvalue)"
}

@test "trywait takes one or N; fails with EAGAIN when it would block" {
	mkdir "$MNT/sem/$N"
	echo post 5 >"$MNT/sem/$N/value"
	echo trywait >"$MNT/sem/$N/value"
	assert_eq 4 "$(val)"
	printf 'trywait 4' >"$MNT/sem/$N/value"
	assert_eq 0 "$(val)"
	start=$EPOCHREALTIME
	shell_fails_with "$E_AGAIN" 'echo trywait > "$1"' "$MNT/sem/$N/value"
	shell_fails_with "$E_AGAIN" 'printf trywait > "$1"' "$MNT/sem/$N/value"
	# A bounded wait: trywait does not wait at all (lib.bash adds slack).
	took_less_than 1000 "$start"
	assert_eq 0 "$(val)"
}

@test "wait with a positive value returns at once; wait N takes N" {
	mkdir "$MNT/sem/$N"
	echo post 3 >"$MNT/sem/$N/value"
	run timeout 5 bash -c 'echo wait > "$1"' x "$MNT/sem/$N/value"
	assert_eq 0 "$status" "wait: $output"
	assert_eq 2 "$(val)"
	run timeout 5 bash -c 'printf "wait 2\n" > "$1"' x "$MNT/sem/$N/value"
	assert_eq 0 "$status" "wait 2: $output"
	assert_eq 0 "$(val)"
}

@test "garbage commands fail with EINVAL and change nothing" {
	mkdir "$MNT/sem/$N"
	echo post 2 >"$MNT/sem/$N/value"
	for cmd in bogus POST 'post 0' 'post -1' 'post abc' 'post 1 2' 'post 2147483648' \
		'wait x' 'wait 0' 'trywait -3' 'postt' 'post1' 'post 3x' '5' 'post 0x3'; do
		shell_fails_with "$E_INVAL" 'printf "%s\n" "$1" > "$2"' "$cmd" "$MNT/sem/$N/value"
		assert_eq 2 "$(val)" "value after '$cmd'"
	done
}

@test "a post by a program is seen in value" {
	mkdir "$MNT/sem/$N"
	sem-op "$N" post
	sem-op "$N" post
	assert_eq 2 "$(val)"
}

@test "a program blocked in sem_wait is released by a post through value" {
	mkdir "$MNT/sem/$N"
	bg "$OUT/waiter" sem-op "$N" wait
	pid=$BG_PID
	# the program is blocked (nothing to take yet)
	sleep 0.2
	pid_running "$pid" || fail "sem_wait returned with value 0: $(cat "$OUT/waiter")"
	echo post >"$MNT/sem/$N/value"
	wait_pid "$pid" 5
	assert_eq 0 "$WAIT_STATUS" "sem-op wait: $(cat "$OUT/waiter")"
	assert_eq 0 "$(val)"
}

@test "semaphores made by programs are listed with owner and mode, and vanish when unlinked" {
	sem-op "$N" create 3
	chmod 0640 "$(ksem "$N")"
	chown 5:6 "$(ksem "$N")"
	wait_until -t 2 listed "$MNT/sem" "$N"
	assert_eq "640 5 6" "$(stat -c '%a %u %g' "$MNT/sem/$N")"
	assert_eq 3 "$(val)"
	sem-op "$N" unlink
	wait_until -t 2 not_listed "$MNT/sem" "$N"
}

@test "value is a fresh snapshot on every read from offset 0 with the file held open" {
	mkdir "$MNT/sem/$N"
	run fd-reread "$MNT/sem/$N/value" "sem-op '$N' post"
	assert_eq 0 "$status" "$output"
	assert_eq "--1--
0
--2--
1
--3--
2" "$output"
}

@test "a sem directory holds value" {
	mkdir "$MNT/sem/$N"
	run ls "$MNT/sem/$N"
	assert_match "^value$" "$output"
}

@test "mkdir sem/ of an existing semaphore fails with EEXIST and keeps its value" {
	sem-op "$N" create 4
	assert_fails_with "$E_EXIST" mkdir "$MNT/sem/$N"
	assert_eq 4 "$(sem-op "$N" getvalue)"
}

@test "post N and trywait N are one step: a reader never sees a value in between" {
	mkdir "$MNT/sem/$N"
	local V=$MNT/sem/$N/value
	# A reader samples the value while the big counts come and go.
	bash -c 'for ((i = 0; i < 400; i++)); do cat "$1"; done' x "$V" >"$OUT/seen" &
	local reader=$!
	BG_PIDS+=("$reader")
	local k
	for ((k = 0; k < 20; k++)); do
		echo post 2147483647 >"$V"
		echo trywait 2147483647 >"$V"
	done
	wait_pid "$reader" 120
	assert_eq 0 "$WAIT_STATUS" "reader"
	assert_eq "" "$(grep -vxE '0|2147483647' "$OUT/seen" | head -3)" "values other than 0 and 2147483647"
	assert_eq 0 "$(cat "$V")"
}
