#!/usr/bin/env bash
# clean.sh: remove what a crashed or interrupted run left behind on this machine:
# container processes, their state, test network namespaces, and mounts left under the
# rootfs or the tests' temporary directories. Safe to run at any time when no container
# of yours is running.
set -uo pipefail
[ "$(id -u)" -eq 0 ] || { echo "clean: must run as root" >&2; exit 1; }
ROOTFS=${ROOTFS:-/var/lib/contain/rootfs}

# Containers: every state file of the default state root and of test sandboxes. A PID is
# killed only if the process still has the start time that the state recorded.
for state in /run/contain/*/state.json /tmp/contain-sandbox-*/state/*/state.json; do
	[ -f "$state" ] || continue
	pid=$(sed -n 's/^ *"pid": \([0-9]*\),$/\1/p' "$state")
	start=$(sed -n 's/^ *"pid_start": \([0-9]*\),$/\1/p' "$state")
	if [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] &&
		[ "$(sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f20)" = "$start" ]; then
		echo "clean: killing container process $pid ($state)"
		kill -9 "$pid" 2>/dev/null
	fi
	rm -rf "$(dirname "$state")"
done

# Test network namespaces, with whatever still runs in them.
for ns in $(ip netns list 2>/dev/null | awk '/^contain-test-/ {print $1}'); do
	for pid in $(ip netns pids "$ns"); do kill -9 "$pid" 2>/dev/null; done
	ip netns del "$ns" && echo "clean: removed network namespace $ns"
done

# Mounts left on the host (deepest first), e.g. a /proc mounted by hand in a step-1 container.
awk -v r="$ROOTFS/" '{ if (index($5, r) == 1 || $5 ~ /^\/tmp\/contain-/) print $5 }' \
	/proc/self/mountinfo | sort -r | while read -r m; do
	umount -l "$m" && echo "clean: unmounted $m"
done

# cgroups (step 4 on): the engine's group (contain) and the tests' (contain-test-*) under
# the cgroup2 mount. Kill what is left in each container's group, then remove the groups.
cg=$(awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") print $5; break } }' \
	/proc/self/mountinfo | head -n 1)
if [ -n "$cg" ]; then
	for group in "$cg"/contain/*/ "$cg"/contain-test-*/*/; do
		[ -f "$group/cgroup.procs" ] || continue
		echo 1 >"$group/cgroup.kill" 2>/dev/null ||
			xargs -r kill -9 <"$group/cgroup.procs" 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$group" 2>/dev/null && break; sleep 0.1; done
		[ -d "$group" ] || echo "clean: removed cgroup $group"
	done
	for group in "$cg"/contain-test-*/; do rmdir "$group" 2>/dev/null; done
fi

rm -rf /tmp/contain-sandbox-* /tmp/contain-test-bin-* /tmp/contain-wrapper-*
exit 0
