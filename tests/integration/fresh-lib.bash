# fresh-lib.bash — helpers of fresh.bats and fresh-nomqueue.bats: objects
# changed by other programs must show through the mount at once.
#
# While a kind is watched, names are cached for 60 s: without the daemon's
# invalidation the old answer would last a minute. Polls allow FRESH
# seconds, generous for a loaded machine and still far below that minute.
# The design target, 100 ms, is measured by hand (docs/benchmarks.md), not
# asserted.

FRESH=5 # seconds a change may take to show through the mount

gone() { ! test -e "$1"; }
# cd trusts a cached entry alone (it asks for no attributes): it fails only
# once the kernel's entry is gone.
cannot_cd() { ! (cd "$1") 2>/dev/null; }
mode_is() { [ "$(stat -c %a "$1" 2>/dev/null)" = "$2" ]; }
owner_is() { [ "$(stat -c %u:%g "$1" 2>/dev/null)" = "$2" ]; }
inode_is_not() {
	local ino
	ino=$(stat -c %i "$1" 2>/dev/null) && [ "$ino" != "$2" ]
}

# fill_caches DIR FILE — looks DIR and DIR/FILE up the ways users do.
fill_caches() {
	stat "$1" >/dev/null
	ls -l "$1" >/dev/null
	(cd "$1" && cat "$2" >/dev/null)
	test -e "$1/$2"
}

# is_gone DIR FILE — every way in fails with ENOENT.
is_gone() {
	wait_until -t "$FRESH" cannot_cd "$1"
	gone "$1"
	assert_fails_with "$E_NOENT" stat "$1"
	assert_fails_with "$E_NOENT" stat "$1/$2"
	assert_fails_with "$E_NOENT" cat "$1/$2"
	assert_fails_with "$E_NOENT" bash -c 'cd "$1"' cd "$1"
	assert_fails_with "$E_NOENT" ls "$1"
}

# recreated KIND NAME OLD_INODE — KIND/NAME shows another inode.
recreated() { inode_is_not "$MNT/$1/$2" "$3"; }
