#!/usr/bin/env bash
# bench.sh STEPDIR...: how long `contain run /bin/true` takes, start to exit, at each given
# step, next to a C floor (tools/bench/floor.c), runc and crun running /bin/true in the same
# busybox rootfs. Prints a table (median, ratio to crun) and writes it, with the machine and
# the method, into the generated section of docs/performance.md; the rest of that page is
# written by hand. Run as root after `make deps rootfs build`: that is `make bench`.
#
# From step 6 on (a step whose `run` has --network), a step has three rows: --network none,
# the default bridge, and the bridge with a published port; and iperf3 measures the TCP
# throughput from a container to the bridge's address, next to loopback. All of it happens
# in a network namespace that the bench makes and removes, with no way out: only lo and the
# engine's bridge are in it. Every row runs in it then, so that no row pays for entering it.
#
# Settings (environment): ROOTFS, BUILD and GO as in the Makefile; BENCH_ROUNDS (10),
# BENCH_RUNS (30 runs per row and round), BENCH_WARMUP (3 per row and round), BENCH_DOC,
# BENCH_IPERF_RUNS (5 runs per path), BENCH_IPERF_TIME (3 seconds per run).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOTFS=${ROOTFS:-/var/lib/contain/rootfs}
BUILD=${BUILD:-$root/build}
GO=${GO:-go}
ROUNDS=${BENCH_ROUNDS:-10}
RUNS=${BENCH_RUNS:-30}
WARMUP=${BENCH_WARMUP:-3}
DOC=${BENCH_DOC:-$root/docs/performance.md}
IPERF_RUNS=${BENCH_IPERF_RUNS:-5}
IPERF_TIME=${BENCH_IPERF_TIME:-3}
CMD=/bin/true

die() { echo "bench: $*" >&2; exit 1; }
say() { echo "bench: $*" >&2; }

[ "$(id -u)" -eq 0 ] || die "must run as root (containers need it): sudo $0 $*"
[ $# -gt 0 ] || die "usage: $0 STEPDIR... (make bench passes every step)"
steps=("$@")
for tool in hyperfine gcc "$GO"; do
	command -v "$tool" >/dev/null || die "$tool not found: run make deps (and install Go)"
done
[ -x "$ROOTFS$CMD" ] || die "no $ROOTFS$CMD: run make rootfs"

# Everything the bench makes lives in one temporary directory. The state roots of contain,
# runc and crun go on a tmpfs of its own, as they would in /run on most distributions: on a
# disk filesystem, creating and removing state files costs the engine about a millisecond
# more (docs/performance.md). The name carries this script's PID: should a run crash,
# make clean removes the directory (and unmounts its tmpfs) once that PID is gone.
work=$(mktemp -d "/tmp/contain-bench-$$-XXXXXX")
mkdir -p "$work/state" "$work/rounds" "$work/peak" "$work/bundle"
mount -t tmpfs -o size=64m,mode=0700 contain-bench "$work/state"
id=contain-bench-$$ # container IDs of runc and crun: unique to this run
bound=()            # cgroup v1 hierarchies mounted for crun, unmounted at exit
made=()             # their mount points, when this script created them
netns=              # the bench's network namespace, from step 6 on
inns=()             # the command prefix that runs a command in it (nothing without one)
iperf_engine=()     # the engine (and its global flags) of the iperf3 container, if any
iperf_ctr=contain-bench-iperf
servers=()          # the iperf3 servers' PIDs, while they run
client=             # the iperf3 client's, while it runs

cleanup() {
	set +e
	if [ -n "$netns" ]; then
		# The iperf3 servers and container, if still there; then whatever else runs in the
		# namespace (a container's monitor), and the namespace itself.
		if [ ${#servers[@]} -gt 0 ] || [ -n "$client" ]; then
			kill "${servers[@]}" $client
			wait "${servers[@]}" $client
		fi 2>/dev/null
		if [ ${#iperf_engine[@]} -gt 0 ] &&
			! "${inns[@]}" "${iperf_engine[@]}" rm -f "$iperf_ctr" >/dev/null 2>&1; then
			say "could not remove the container $iperf_ctr: make clean will not find it"
		fi
		for pid in $(ip netns pids "$netns" 2>/dev/null); do kill -9 "$pid"; done
		ip netns del "$netns"
	fi
	for rt in runc crun; do
		command -v "$rt" >/dev/null &&
			"$rt" --root "$work/state/$rt" delete -f "$id-$rt" >/dev/null 2>&1
	done
	umount "$work/state"
	for dir in "${bound[@]}"; do unbind "$dir"; done
	for dir in "${made[@]}"; do rmdir "$dir"; done
	rm -rf "$work"
}

# unbind DIR: unmount the v1 hierarchy of controller DIR's name and check that cgroup2 has
# the controller back. The kernel frees a v1 hierarchy at unmount only if it has no group
# left, even one that rmdir removed but that is still being freed (crun's last); otherwise
# the hierarchy lives on, unseen, and keeps the controller. Mounting and unmounting it
# again, once that group is gone, frees it.
unbind() {
	local dir=$1 c=${1##*/} i
	umount "$dir"
	for ((i = 0; i < 10; i++)); do
		sleep 0.3 # the kernel frees the hierarchy in the background
		if grep -qw "$c" /sys/fs/cgroup/unified/cgroup.controllers; then
			say "gave $c back to cgroup2"
			return
		fi
		mount -t cgroup -o "$c" cgroup "$dir" && umount "$dir"
	done
	say "warning: $c is still bound to a v1 hierarchy; to give it back to cgroup2, later:"
	say "  mount -t cgroup -o $c cgroup $dir && umount $dir"
}
trap cleanup EXIT

# The helpers: the C floor and the memory tracer (gcc), the bundle editor and table (Go).
mkdir -p "$BUILD/bench"
gcc -O2 -Wall -o "$BUILD/bench/floor" "$root/tools/bench/floor.c"
gcc -O2 -Wall -o "$BUILD/bench/peak" "$root/tools/bench/peak.c"
(cd "$root" && "$GO" build -o "$BUILD/bench/report" ./tools/bench/report)

# Rows of the table: an ID (hyperfine's command name), a name, what it isolates, and the
# command line, as hyperfine -N splits it (words, quoted as the shell would).
ids=() names=() whats=() cmds=()
: >"$work/skipped.tsv"

# add_row ID NAME WHAT CMD...: run the command once; keep the row if it succeeds, else note
# why and go on without it, so that one broken runtime does not stop the bench.
add_row() {
	local rid=$1 name=$2 what=$3 out
	shift 3
	if ! out=$("${inns[@]}" "$@" 2>&1); then
		out=$(tail -n 1 <<<"$out")
		say "$name cannot run, left out: ${out:-no message}"
		printf '%s\t%s\n' "$name" "${out:-failed with no message}" >>"$work/skipped.tsv"
		return 1
	fi
	ids+=("$rid") names+=("$name") whats+=("$what") cmds+=("$(printf '%q ' "$@")")
}

# From step 6 on, the engine makes network devices, addresses, routes and nftables rules:
# every run of such a step, and every packet the bench sends, stays in a network namespace
# of the bench's own. It holds lo, and then the bridge that the engine makes in it: no
# interface leads out of it. Its name carries this script's PID, as the temporary
# directory's does. `ip netns exec` would also remount /sys: nsenter enters only the
# network namespace.
for dir in "${steps[@]}"; do
	dir=${dir%/}
	usage=$("$BUILD/bin/${dir%%-*}/contain" run --help 2>&1 || true)
	if grep -q -- '--network' <<<"$usage"; then
		netns=contain-bench-$$-net
		ip netns add "$netns" || { netns=; die "cannot make the network namespace"; }
		inns=(nsenter "--net=/run/netns/$netns")
		"${inns[@]}" ip link set lo up
		say "runs in the network namespace $netns (step 6 on: $dir)"
		break
	fi
done

iperf_step=() # the engine, with its global flags, of the last step with a network
# What each step adds (DESIGN.md); a step not listed here is named by its folder only.
declare -A adds=(
	[01]="chroot" [02]="+ UTS, IPC namespaces" [03]="+ PID, mount ns, pivot_root, /dev"
	[04]="+ cgroup" [05]="+ overlay rootfs" [06]="+ net ns; hosts, hostname, resolv.conf"
	[07]="+ OCI image config" [08]="+ capabilities, seccomp"
)
for dir in "${steps[@]}"; do
	dir=${dir%/} n=${dir%%-*} # step03-pid-mount -> step03
	bin=$BUILD/bin/$n/contain
	[ -x "$bin" ] || die "no $bin: run make build"
	engine=("$bin")
	# From step 3 on, the engine keeps state; --root puts it on the bench's tmpfs. From
	# step 4 on, a container outlives its command unless run with --rm, as `runc run`'s does.
	usage=$("$bin" help 2>&1 || true)
	if grep -q -- '--root' <<<"$usage"; then
		engine+=(--root "$work/state/$n")
	fi
	# From step 5 on, each container has a layer in the data root: on disk, as
	# /var/lib/contain would be, not on the tmpfs.
	if grep -q -- '--data-root' <<<"$usage"; then
		engine+=(--data-root "$work/data/$n")
	fi
	args=("${engine[@]}" run)
	usage=$("$bin" run --help 2>&1 || true)
	if grep -q -- '--rm' <<<"$usage"; then
		args+=(--rm)
	fi
	what=${adds[${n#step}]:-}
	if ! grep -q -- '--network' <<<"$usage"; then
		add_row "$dir" "$dir" "$what" "${args[@]}" --rootfs "$ROOTFS" "$CMD" || true
		continue
	fi
	# From step 6 on: no network, the default bridge (made by the first run that needs it,
	# then there for every other run, as docker0 is), and the bridge with a published port.
	# The port is the bench namespace's: nothing else there listens or forwards.
	add_row "$dir-none" "$dir, none" "$what (--network none)" \
		"${args[@]}" --network none --rootfs "$ROOTFS" "$CMD" || true
	add_row "$dir-bridge" "$dir, bridge" "+ veth pair on the default bridge" \
		"${args[@]}" --rootfs "$ROOTFS" "$CMD" || true
	add_row "$dir-port" "$dir, -p" "+ a published port (-p 8080:80)" \
		"${args[@]}" -p 8080:80 --rootfs "$ROOTFS" "$CMD" || true
	printf '%s: the default bridge, over --network none\t%s\t%s\t5\n' "$dir" "$dir-none" \
		"$dir-bridge" >>"$work/diffs.tsv"
	printf '%s: -p 8080:80, over the bridge\t%s\t%s\t-\n' "$dir" "$dir-bridge" \
		"$dir-port" >>"$work/diffs.tsv"
	iperf_step=("${engine[@]}") # the last step with a network runs the iperf3 container
done
add_row floor "C floor" "clone(uts,ipc,pid,mnt), pivot_root, /proc" \
	"$BUILD/bench/floor" "$ROOTFS" "$CMD" || true

# runc and crun run one bundle: `runc spec`'s template (crun's if runc is missing), with
# the rootfs, the command, no terminal and no network namespace (see report/bundle.go).
spec_tool=$(command -v runc || command -v crun || true)
if [ -n "$spec_tool" ]; then
	(cd "$work/bundle" && "$spec_tool" spec)
	"$BUILD/bench/report" bundle "$work/bundle/config.json" "$ROOTFS" "$CMD"
fi
oci="pid,ipc,uts,mnt ns, cgroup, OCI mounts"

# crun 1.8 refuses a hybrid cgroup host (v1 hierarchies, plus cgroup2 at
# /sys/fs/cgroup/unified) while any controller is attached to the cgroup2 hierarchy: it
# says "cgroups in hybrid mode not supported, drop all controllers from cgroupv2". A
# controller that no v1 hierarchy claims stays with cgroup2 (hugetlb, on the hosts this
# was written on). Mounting a v1 hierarchy of its own for each such controller moves it there (the
# kernel allows it while no cgroup2 group uses it) and leaves cgroup2 empty, as crun wants.
# Undone at exit. Existing hierarchies are never touched.
fix_hybrid() {
	local unified=/sys/fs/cgroup/unified c dir ctrls=()
	[ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = tmpfs ] || return 1
	read -ra ctrls <"$unified/cgroup.controllers" || return 1 # one line: "hugetlb ..."
	[ ${#ctrls[@]} -gt 0 ] || return 1
	for c in "${ctrls[@]}"; do
		dir=/sys/fs/cgroup/$c
		if [ ! -e "$dir" ]; then
			mkdir "$dir" || return 1
			made+=("$dir")
		fi
		! mountpoint -q "$dir" || return 1
		mount -t cgroup -o "$c" cgroup "$dir" || return 1
		bound+=("$dir")
		say "crun: bound the $c controller to a cgroup v1 hierarchy at $dir (until exit)"
	done
}

if [ -z "$spec_tool" ]; then
	printf 'runc, crun\tnot installed (make deps installs them)\n' >>"$work/skipped.tsv"
fi
if command -v runc >/dev/null; then
	add_row runc "runc $(runc --version | awk 'NR==1 {print $3}')" "$oci" \
		runc --root "$work/state/runc" run --bundle "$work/bundle" "$id-runc" || true
fi
if command -v crun >/dev/null; then
	crun_name="crun $(crun --version | awk 'NR==1 {print $3}')"
	crun_run=(crun --root "$work/state/crun" run --bundle "$work/bundle" "$id-crun")
	if ! out=$("${inns[@]}" "${crun_run[@]}" 2>&1) && grep -q hybrid <<<"$out"; then
		crun --root "$work/state/crun" delete -f "$id-crun" >/dev/null 2>&1 || true
		fix_hybrid || say "crun: could not move the cgroup2 controllers to cgroup v1"
	fi
	add_row crun "$crun_name" "$oci" "${crun_run[@]}" || true
	# The same without a cgroup: like for like with the steps before step 4.
	add_row crun-nocg "$crun_name, no cgroup" "as crun, without a cgroup" \
		crun --cgroup-manager=disabled --root "$work/state/crun" run \
		--bundle "$work/bundle" "$id-crun" || true
fi
[ ${#ids[@]} -gt 0 ] || die "nothing could run"
for i in "${!ids[@]}"; do printf '%s\t%s\t%s\n' "${ids[i]}" "${names[i]}" "${whats[i]}"; done \
	>"$work/rows.tsv"

# hyperfine times its commands one after the other: all runs of the first, then all of the
# second... A burst of load from elsewhere would then hit one row only. So the bench makes
# several rounds of a few runs each, every round with every row, the order rotated by one
# each time (each row takes each place); the table pools the runs of all rounds. -N runs
# the commands without a shell, whose start would add to every row. The warm-up runs of
# each round bring back into the caches what the other rows pushed out.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
order=("${!ids[@]}")
say "timing ${#ids[@]} rows: $ROUNDS rounds of $RUNS runs (+$WARMUP warm-up) each"
for ((r = 1; r <= ROUNDS; r++)); do
	hf=(hyperfine -N --style none --warmup "$WARMUP" --runs "$RUNS"
		--export-json "$work/rounds/$(printf %03d "$r").json")
	for i in "${order[@]}"; do hf+=(-n "${ids[i]}"); done
	for i in "${order[@]}"; do hf+=("${cmds[i]}"); done
	"${inns[@]}" "${hf[@]}" >"$work/hyperfine.log" 2>&1 ||
		{ cat "$work/hyperfine.log" >&2; die "hyperfine"; }
	order=("${order[@]:1}" "${order[0]}")
	printf 'bench: round %d/%d done\n' "$r" "$ROUNDS" >&2
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# Memory: one more run of each row under peak (ptrace slows it down: not timed).
argv=()
for i in "${!ids[@]}"; do
	eval "argv=(${cmds[i]})" # the words of the command line, as hyperfine split them
	"${inns[@]}" "$BUILD/bench/peak" "${argv[@]}" 2>"$work/peak/${ids[i]}.txt" >/dev/null ||
		say "${names[i]}: peak failed: $(tail -n 1 "$work/peak/${ids[i]}.txt")"
done

# Throughput, from step 6 on: TCP from a container to the host through the bridge (the
# container's eth0, its veth pair, the bridge), next to TCP from the host to itself over
# loopback, both with iperf3 and both in the bench's namespace. The busybox rootfs has no
# iperf3: the host's iperf3 runs as the client in the network namespace of a detached
# container (nsenter --net), so that its packets take the container's own path, and the
# server listens on the bridge's address (the container's gateway) in the bench's
# namespace. The server could not bind an address that the bench's namespace does not
# have, and the container's namespace leads only there: nothing leaves the machine.
throughput() {
	local out pid gw ns mtu_lo mtu_br i
	mkdir -p "$work/iperf"
	out=$("${inns[@]}" "${iperf_step[@]}" run -d --name "$iperf_ctr" --rootfs "$ROOTFS" \
		sleep 600 2>&1) || { say "iperf3: the container did not start: $out"; return 1; }
	iperf_engine=("${iperf_step[@]}") # from now on, cleanup removes it
	out=$("${inns[@]}" "${iperf_engine[@]}" inspect "$iperf_ctr") || return 1
	pid=$(sed -n 's/^ *"Pid": \([0-9][0-9]*\),\{0,1\}$/\1/p' <<<"$out" | head -n 1)
	gw=$(sed -n 's/^ *"Gateway": "\([0-9.]*\)",\{0,1\}$/\1/p' <<<"$out" | head -n 1)
	if [ -z "$pid" ] || [ -z "$gw" ]; then
		say "iperf3: no PID or gateway in contain inspect $iperf_ctr"
		return 1
	fi
	# Held open, the container's namespace stays the one the client enters, whatever
	# becomes of PID. It must be a namespace of its own: not the host's, not the bench's.
	exec {ns}<"/proc/$pid/ns/net" || return 1
	if [ "$(stat -L -c %i "/dev/fd/$ns")" = "$(stat -L -c %i /proc/$$/ns/net)" ] ||
		[ "$(stat -L -c %i "/dev/fd/$ns")" = "$(stat -L -c %i "/run/netns/$netns")" ]; then
		say "iperf3: process $pid is not in a network namespace of its own"
		return 1
	fi
	"${inns[@]}" iperf3 -s -B "$gw" -p 5201 >"$work/iperf/server-bridge.log" 2>&1 &
	servers+=($!)
	"${inns[@]}" iperf3 -s -B 127.0.0.1 -p 5202 >"$work/iperf/server-loopback.log" 2>&1 &
	servers+=($!)
	for ((i = 0; i < 50; i++)); do
		[ -n "$("${inns[@]}" ss -Hltn src "$gw:5201")" ] &&
			[ -n "$("${inns[@]}" ss -Hltn src 127.0.0.1:5202)" ] && break
		sleep 0.1
	done
	say "iperf3: $IPERF_RUNS runs of $IPERF_TIME s per path, container -> $gw and loopback"
	# Each client in the background, waited for: should the bench be stopped, cleanup
	# stops the client too (the container's namespace is not the bench's, whose processes
	# cleanup kills).
	for ((i = 1; i <= IPERF_RUNS; i++)); do
		nsenter "--net=/dev/fd/$ns" iperf3 -c "$gw" -p 5201 -t "$IPERF_TIME" -J \
			>"$work/iperf/bridge-$i.json" &
		client=$!
		wait "$client" || { say "iperf3: container -> $gw failed"; return 1; }
		"${inns[@]}" iperf3 -c 127.0.0.1 -p 5202 -t "$IPERF_TIME" -J \
			>"$work/iperf/loopback-$i.json" &
		client=$!
		wait "$client" || { say "iperf3: loopback failed"; return 1; }
		client=
	done
	exec {ns}<&-
	kill "${servers[@]}"
	wait "${servers[@]}" 2>/dev/null || true
	servers=()
	"${inns[@]}" "${iperf_engine[@]}" rm -f "$iperf_ctr" >/dev/null && iperf_engine=()
	mtu_lo=$("${inns[@]}" ip -o link show dev lo | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')
	mtu_br=$("${inns[@]}" ip -o link show dev contain0 | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')
	{
		printf 'TCP, container → host: veth, bridge (MTU %s)\tiperf/bridge-*.json\n' "$mtu_br"
		printf 'TCP, host → host: loopback (MTU %s)\tiperf/loopback-*.json\n' "$mtu_lo"
	} >"$work/throughput.tsv"
}
if [ ${#iperf_step[@]} -gt 0 ]; then
	if ! command -v iperf3 >/dev/null; then
		printf 'throughput\tiperf3 not installed (make deps DEPS=bench)\n' >>"$work/skipped.tsv"
	elif ! throughput; then
		rm -f "$work"/iperf/*.json
		printf 'throughput\tiperf3 failed (see above)\n' >>"$work/skipped.tsv"
	fi
fi

# The facts that make the numbers reproducible, for the page.
version() { # the first line of a --version, captured whole (head would cut the pipe)
	local out
	command -v "$1" >/dev/null || { echo "$1 not installed"; return; }
	out=$("$@" 2>&1) || true
	echo "${out%%$'\n'*}"
}
cgroups=$(stat -fc %T /sys/fs/cgroup)
case $cgroups in
cgroup2fs) cgroups="v2 (unified)" ;;
tmpfs) cgroups="v1$(mountpoint -q /sys/fs/cgroup/unified && echo ', hybrid')" ;;
esac
{
	printf 'Date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
	printf 'Commit\t%s\n' "$(git -C "$root" describe --always --dirty 2>/dev/null || echo -)"
	printf 'Kernel\t%s\n' "$(uname -sr)"
	printf 'CPU\t%s, %s cores%s\n' "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)" \
		"$(nproc)" "$(grep -q hypervisor /proc/cpuinfo && echo ', virtual machine')"
	printf 'Memory\t%s GiB\n' "$(awk '/^MemTotal/ {printf "%.1f", $2 / 1048576}' /proc/meminfo)"
	printf 'cgroups\t%s%s\n' "$cgroups" \
		"$([ ${#bound[@]} -eq 0 ] || echo "; for crun, bound to v1 for the run: ${bound[*]}")"
	printf 'Load average\t%s before, %s after (1, 5, 15 min)\n' "$load_before" "$load_after"
	printf 'Versions\t%s; %s; %s; %s; %s\n' "$(version runc --version)" \
		"$(version crun --version)" "$(version hyperfine --version)" \
		"$(version "$GO" version)" "$(version gcc --version)"
	printf 'Method\t%s rounds, each a hyperfine -N run of every row (order rotated by one' \
		"$ROUNDS"
	printf ' per round) with %s warm-up and %s timed runs per row; median and' "$WARMUP" "$RUNS"
	printf ' quartiles of all timed runs; state roots on a tmpfs; memory from one run'
	printf ' under tools/bench/peak.c\n'
	if [ -n "$netns" ]; then
		printf 'Network\tevery row run in a network namespace that the bench made for the run'
		printf ' (%s: lo, and the bridge the engine made in it); %s, %s runs of %s s' \
			"$netns" "$(version iperf3 --version)" "$IPERF_RUNS" "$IPERF_TIME"
		printf ' per path, alternating, one TCP stream\n'
	fi
	# shellcheck disable=SC2016 # the backquotes are Markdown's
	printf 'Reproduce\t`make bench` (= `make deps rootfs build`, then `tools/bench.sh %s`;' \
		"${steps[*]}"
	printf ' BENCH_ROUNDS, BENCH_RUNS, BENCH_WARMUP, BENCH_IPERF_RUNS, BENCH_IPERF_TIME'
	printf ' change the counts)\n'
} >"$work/meta.tsv"

echo
"$BUILD/bench/report" table -base crun -floor floor -cmd "${CMD##*/}" "$work" "$DOC"
echo
say "wrote ${DOC#"$root"/}"
