# users.bash — ordinary users for the tests of a root allow_other mount.
#
# users_create (in setup_file) makes two users and a group: $U2 is a
# supplementary member of $G, $U1 is not; users_remove (in teardown_file)
# removes them. shared_mount_setup/teardown mount a world-reachable mount
# point as root with -o allow_other. Loading this file (after lib) sets
# those as the file's hooks; a file may redefine one and call the helper
# from it. as/as_sh run a command as one of the users.

# Retries while another useradd/groupadd holds the passwd lock.
retry() {
	local i
	for ((i = 0; i < 50; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

users_create() {
	export U1="ipcfs_u1_$$" U2="ipcfs_u2_$$" G="ipcfs_g_$$"
	retry useradd -M -U -d /nonexistent -s /bin/bash "$U1"
	retry useradd -M -U -d /nonexistent -s /bin/bash "$U2"
	retry groupadd "$G"
	retry usermod -a -G "$G" "$U2"
}

users_remove() {
	retry userdel "$U1" 2>/dev/null
	retry userdel "$U2" 2>/dev/null
	retry groupdel "$G" 2>/dev/null
	# userdel removes the users' own groups (USERGROUPS_ENAB); make sure.
	groupdel "$U1" 2>/dev/null
	groupdel "$U2" 2>/dev/null
	return 0
}

shared_mount_setup() {
	common_setup
	# bats' own temporary directories are 0700: the users could not reach
	# a mount point there.
	MNT=$(mktemp -d /tmp/ipcfs-shared.XXXXXX)
	chmod 755 "$MNT"
	start_ipcfs -o allow_other
}

shared_mount_teardown() {
	local rc=0
	common_teardown || rc=1
	rmdir "$MNT" 2>/dev/null
	return $rc
}

# as USER CMD... — runs CMD as USER: real, effective, saved and fs ids,
# the user's own group and its supplementary groups, no capabilities.
as() {
	local u=$1
	shift
	as_argv "$u"
	"${AS[@]}" "$@"
}

# as_argv USER — sets AS to the command prefix of `as`, for `bg` (a shell
# function would put a subshell between BG_PID and the command):
#   as_argv "$U1"; bg "$OUT/w" "${AS[@]}" dd ...
as_argv() {
	AS=(setpriv --reuid="$1" --regid="$1" --init-groups --)
}

# as_sh USER 'SHELL CODE' [ARGS...] — the same for shell code ($1... = ARGS).
as_sh() {
	local u=$1
	shift
	as "$u" bash -c "$1" as_sh "${@:2}"
}

IPCFS_NO_AUTOMOUNT=1
setup_file() { users_create; }
teardown_file() { users_remove; }
setup() { shared_mount_setup; }
teardown() { shared_mount_teardown; }
