#!/usr/bin/env bash
# clean.sh [--root DIR] [--cgroup-parent NAME] [--rootfs DIR] [--data-root DIR]: remove
# what crashed runs left behind, and only what is recorded as theirs (`make clean` passes
# STATE_ROOT, CGROUP_PARENT, ROOTFS and DATA_ROOT). Other engines, other state roots and
# live test runs that share this machine are never touched.
#
# - Every container recorded in the state root DIR (default /run/contain), running or not:
#   each DIR/ID/state.json. Its process ("pid") is killed only if /proc/PID/stat still has the
#   recorded start time ("pid_start"): a PID alone may have been reused by anything. Its
#   cgroup ("cgroup") is emptied and removed only if the path is below
#   <cgroup2 mount>/NAME/ (default contain). Its layer (step 5), DATA/containers/ID of the
#   data root DATA (default /var/lib/contain), is removed. Its network (step 6), in this
#   network namespace, the engine's: the host end of its veth pair (veth and the ID's
#   first 11 characters) and, if nft is installed, the rules of its published ports, those
#   of chain ports in table ip contain whose comment is exactly "container ID"; no other
#   table, chain or rule is touched. Then the state dir goes, and the half-made ones
#   (.new-ID) that an engine killed while creating them left.
#   Volumes and networks are data: they stay (contain volume rm, network rm, prune).
# - Mounts below the rootfs DIR (default /var/lib/contain/rootfs), e.g. a /proc mounted by
#   hand in a step-1 container; mounts anywhere else stay.
# - A dead test run's leftovers. The test kit names everything after the test process's
#   PID: network namespaces and cgroups contain-test-PID-N, the other machine of network
#   tests, namespace contain-test-PID-N-out, and the dirs
#   /tmp/contain-sandbox-PID-*, /tmp/contain-wrapper-PID-*, /tmp/contain-test-bin-PID-*,
#   and make bench's /tmp/contain-bench-PID-* (with the containers of its state roots) and
#   network namespace contain-bench-PID-net.
#   They are removed (with the containers recorded in a sandbox's state/, the processes
#   left in such a namespace or cgroup, and mounts below such a dir) only when process PID
#   no longer exists; a live run's are left alone. A sandbox's veth pairs, bridges and
#   nft rules are in its namespace: they go with it.
set -euo pipefail

die() { echo "clean: $*" >&2; exit 1; }
say() { echo "clean: $*"; }

state_root=/run/contain
parent=contain
rootfs=/var/lib/contain/rootfs
data_root=/var/lib/contain
while [ $# -gt 0 ]; do
	case $1 in
	--root) state_root=${2:?--root DIR}; shift 2 ;;
	--cgroup-parent) parent=${2:?--cgroup-parent NAME}; shift 2 ;;
	--rootfs) rootfs=${2:?--rootfs DIR}; shift 2 ;;
	--data-root) data_root=${2:?--data-root DIR}; shift 2 ;;
	*)
		echo "usage: $0 [--root DIR] [--cgroup-parent NAME] [--rootfs DIR] [--data-root DIR]" >&2
		exit 2
		;;
	esac
done
[ "$(id -u)" -eq 0 ] || die "must run as root: sudo $0"
# Absolute and without .. (every check below compares path prefixes).
state_root=$(realpath -m -- "$state_root")
rootfs=$(realpath -m -- "$rootfs")
data_root=$(realpath -m -- "$data_root")
# "Below /" would be every mount of the machine.
[ "$rootfs" != / ] || die "--rootfs /: refusing to unmount everything below /"
# A name below the cgroup2 mount, as the engine's --cgroup-parent: relative, no "..".
[[ $parent =~ ^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$ && /$parent/ != */../* &&
	/$parent/ != */./* ]] || die "--cgroup-parent $parent: want a relative cgroup name"

# Where cgroup v2 is mounted (the engine uses the first cgroup2 mount, so do we). In
# mountinfo the type follows the " - " field.
cg=$(awk '{ for (i = 7; i < NF; i++) if ($i == "-") {
		if ($(i + 1) == "cgroup2") print $5
		break
	} }' /proc/self/mountinfo | head -n 1)

# alive PID: true if process PID exists (a zombie counts: its parent has not reaped it).
alive() { [ -e "/proc/$1" ]; }

# start_time PID: field 22 of /proc/PID/stat, the process's start time in clock ticks
# after boot. The command name (field 2) may hold spaces and ")": cut after the last ")".
start_time() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	# shellcheck disable=SC2086 # split into fields on purpose
	set -- $stat
	echo "${20}"
}

# running PID: not gone and not a zombie.
running() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# json_field FILE NAME: the value of a top-level field of a state file, as the engine
# writes it (json.MarshalIndent: top-level fields indented by two spaces, one per line).
# Numbers as they are; strings without their quotes, and only if nothing in them is
# escaped (a path the engine made never is). Anything else prints nothing.
json_field() {
	sed -n -e "s/^  \"$2\": \([0-9][0-9]*\),\{0,1\}\$/\1/p" \
		-e "s/^  \"$2\": \"\([^\"\\\\]*\)\",\{0,1\}\$/\1/p" "$1" | head -n 1
}

# kill_cgroup DIR: kill every process in the cgroup DIR and its children, then remove
# them, deepest first. cgroup.kill (Linux 5.14) kills the whole subtree at once; before
# it, kill what cgroup.procs lists, level by level.
kill_cgroup() {
	local dir=$1 d procs
	[ -d "$dir" ] || return 0
	if ! { [ -e "$dir/cgroup.kill" ] && echo 1 >"$dir/cgroup.kill"; } 2>/dev/null; then
		while IFS= read -r procs; do
			xargs -r kill -9 <"$procs" 2>/dev/null || true
		done < <(find "$dir" -name cgroup.procs)
	fi
	# The killed processes leave the group when they have exited: retry for a second.
	while IFS= read -r d; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			rmdir "$d" 2>/dev/null && break
			sleep 0.1
		done
	done < <(find "$dir" -depth -type d)
	if [ -d "$dir" ]; then say "cannot remove cgroup $dir"; else say "removed cgroup $dir"; fi
}

# umount_below DIR: unmount every mount below DIR (not DIR itself), deepest first. Mount
# points in mountinfo escape spaces and such as \040: printf %b decodes them.
umount_below() {
	local m
	awk -v r="$1/" 'index($5, r) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while IFS= read -r m; do
			m=$(printf '%b' "$m")
			if umount -l -- "$m"; then say "unmounted $m"; fi
		done
}

# clean_network ID: remove what connected container ID to its network in this namespace
# (step 6): its published ports' rules and the host end of its veth pair.
clean_network() {
	local id=$1 veth=veth${1:0:11} handle
	# nft -a prints each rule's handle:
	#   tcp dport 8080 dnat to 10.88.0.2:80 comment "container ID" # handle 12
	if command -v nft >/dev/null && nft list table ip contain >/dev/null 2>&1; then
		{ nft -a list chain ip contain ports 2>/dev/null || true; } |
			sed -n "s/.* comment \"container $id\" # handle \([0-9][0-9]*\)\$/\1/p" |
			while read -r handle; do
				if nft delete rule ip contain ports handle "$handle"; then
					say "removed nft rule (ip contain ports handle $handle) of $id"
				fi
			done
	fi
	# The kernel deletes the pair when the container's namespace goes: it may be gone now.
	if [ -n "$(ip -o link show dev "$veth" type veth 2>/dev/null)" ] &&
		ip link del "$veth" 2>/dev/null; then
		say "removed veth $veth of container $id"
	fi
}

# clean_state ROOT PARENT_RE [DATA [NET]]: remove the containers recorded under the state
# root ROOT. PARENT_RE: a regular expression for the cgroup parents (below the cgroup2
# mount) their recorded cgroups may be in. DATA: the data root that holds their layers.
# NET (any word): their veth pairs and rules are in this network namespace (clean_network).
clean_state() {
	local root=$1 parent_re=$2 data=${3:-} net=${4:-} state dir pid start cgroup lockfd id
	for state in "$root"/*/state.json; do
		[ -f "$state" ] || continue
		dir=${state%/state.json}
		pid=$(json_field "$state" pid)
		start=$(json_field "$state" pid_start)
		if [ -n "$pid" ] && [ "$pid" -gt 0 ] && [ -n "$start" ] &&
			[ "$(start_time "$pid" || true)" = "$start" ]; then
			say "killing container process $pid ($dir)"
			kill -9 "$pid" 2>/dev/null || true
			for _ in 1 2 3 4 5 6 7 8 9 10; do
				running "$pid" || break
				sleep 0.1
			done
		fi
		cgroup=$(json_field "$state" cgroup)
		if [ -n "$cgroup" ] && [ -n "$cg" ]; then
			cgroup=$(realpath -m -- "$cgroup")
			if [[ $cgroup =~ ^${cg//./\\.}/$parent_re/. ]]; then
				kill_cgroup "$cgroup"
			else
				say "not removing cgroup $cgroup of $dir: not below $cg/${parent_re//\\/}/"
			fi
		fi
		# Under the state root's lock, as the engine removes a container: an engine that
		# is writing this state file finishes first.
		if [ -e "$root/lock" ] && exec {lockfd}<"$root/lock"; then
			flock -w 10 "$lockfd" || say "$root/lock: still locked after 10 s, going on"
		fi
		id=${dir##*/}
		if [[ -n $net && $id =~ ^[0-9a-f]{64}$ ]]; then clean_network "$id"; fi
		if [[ -n $data && $id =~ ^[0-9a-f]{64}$ && -d $data/containers/$id ]]; then
			umount_below "$data/containers/$id"
			rm -rf --one-file-system -- "$data/containers/$id"
			say "removed layer $data/containers/$id"
		fi
		rm -rf -- "$dir"
		if [ -n "${lockfd:-}" ]; then exec {lockfd}<&-; lockfd=; fi
		say "removed container state $dir"
	done
	for dir in "$root"/.new-*; do
		[ -d "$dir" ] || continue
		rm -rf -- "$dir"
		say "removed half-made container state $dir"
	done
}

# 1. The containers of the given state root and cgroup parent; their network is in this
# namespace.
clean_state "$state_root" "${parent//./\\.}" "$data_root" net

# 2. Mounts below the rootfs.
umount_below "$rootfs"

# 3. Dead test runs. Every PID that names a test leftover...
netns=$(ip netns list 2>/dev/null | awk '{ print $1 }' |
	grep -E '^contain-(test-[0-9]+-[0-9]+(-out)?|bench-[0-9]+-net)$' || true)
pids=$({
	printf '%s\n' "$netns"
	if [ -n "$cg" ]; then
		find "$cg" -mindepth 1 -maxdepth 1 -type d -regex '.*/contain-test-[0-9]+-[0-9]+' \
			-printf '%f\n'
	fi
	find /tmp -mindepth 1 -maxdepth 1 -type d \
		-regex '/tmp/contain-\(sandbox\|wrapper\|test-bin\|bench\)-[0-9]+-.*' -printf '%f\n'
} | sed -n -E 's/^contain-(test|sandbox|wrapper|test-bin|bench)-([0-9]+)-.*/\2/p' | sort -un)

# ... whose process is gone.
for pid in $pids; do
	alive "$pid" && continue
	say "test run $pid is gone: removing what it left"
	# Its sandboxes' containers (their cgroups: the run's contain-test-PID-N groups).
	for dir in /tmp/contain-sandbox-"$pid"-*/; do
		if [ -d "$dir/state" ]; then
			clean_state "${dir%/}/state" "contain-test-$pid-[0-9]+" "${dir%/}/data"
		fi
	done
	# A bench's containers (one state root per step, in its cgroup parent "contain").
	for dir in /tmp/contain-bench-"$pid"-*/state/step[0-9][0-9]/; do
		if [ -d "$dir" ]; then
			step=$(basename "$dir")
			clean_state "${dir%/}" contain "${dir%/state/*}/data/$step"
		fi
	done
	# Its network namespaces (the sandboxes' and their -out), with whatever still runs in
	# them, and everything in them: bridges, veth pairs, nft rules.
	for ns in $netns; do
		[[ $ns == contain-test-$pid-* || $ns == contain-bench-$pid-net ]] || continue
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
		if ip netns del "$ns"; then say "removed network namespace $ns"; fi
	done
	# Its cgroups.
	if [ -n "$cg" ]; then
		for group in "$cg"/contain-test-"$pid"-*/; do
			if [[ $group =~ /contain-test-$pid-[0-9]+/$ ]]; then kill_cgroup "${group%/}"; fi
		done
	fi
	# Its dirs: mounts below them first, and rm stays on their filesystem, so a leftover
	# bind mount of a host dir is unmounted, never emptied.
	for dir in /tmp/contain-sandbox-"$pid"-* /tmp/contain-wrapper-"$pid"-* \
		/tmp/contain-test-bin-"$pid"-* /tmp/contain-bench-"$pid"-*; do
		[ -d "$dir" ] || continue
		umount_below "$dir"
		if rm -rf --one-file-system -- "$dir"; then say "removed $dir"; fi
	done
done
exit 0
