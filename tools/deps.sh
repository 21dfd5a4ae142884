#!/usr/bin/env bash
# deps.sh GROUP...: install, as root, the Debian/Ubuntu packages that a lane needs, so that
# each lane installs only what it uses. It touches apt only when a package is missing, so a
# second run does nothing, quickly. `make test` runs `deps.sh host vm`, `make bench` runs
# `deps.sh host bench`.
#
#   host    busybox-static       the test rootfs (tools/mkrootfs.sh)
#           gcc libc6-dev make   make itself; gcc and the C library (headers, libc.a) for
#                                cgo (step 3 on) and the static build
#           iptables iproute2 util-linux   networking and namespace tools the tests and
#                                lessons use (ip netns, nsenter)
#           nftables             nft: the tests read the network step's rules (leaks),
#                                clean.sh deletes those of removed containers
#           Go 1.22 or newer     golang-1.NN-go, when no Go that new is installed and apt
#                                has one (bookworm-backports, Ubuntu 24.04); else it says
#                                what to install
#   vm      qemu-system-x86, a distro kernel, busybox-static, cpio, kmod: the VM lane
#   bench   hyperfine runc crun  the bench against the field's runtimes (gcc: host)
#           iperf3               throughput through step 6's bridge
#   images  skopeo umoci docker-registry   OCI images (step 7): copy, unpack, a local
#                                registry. docker-registry's package starts a registry on
#                                every interface and enables it at boot: this script
#                                installs it with service starts forbidden, and disables it
#                                (the tests start their own registry on loopback).
set -euo pipefail

die() { echo "deps: $*" >&2; exit 1; }

[ $# -gt 0 ] || { echo "usage: $0 GROUP... (groups: host vm bench images)" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || die "must run as root (apt-get install): sudo $0 $*"
[ -r /etc/os-release ] || die "no /etc/os-release: only Debian and Ubuntu are supported"
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The distro kernel package has a different name on each family, and Ubuntu compresses
# its modules with zstd (the VM lane decompresses them for its initramfs).
# shellcheck disable=SC1091
. /etc/os-release
case " ${ID:-} ${ID_LIKE:-} " in
*" ubuntu "*) vm_extra=(linux-image-generic zstd) ;;
*" debian "*) vm_extra=("linux-image-$(dpkg --print-architecture)") ;;
*) die "unsupported distribution ${ID:-unknown}: only Debian and Ubuntu are supported" ;;
esac

packages=()
need_go=
for group in "$@"; do
	case $group in
	host)
		packages+=(busybox-static gcc libc6-dev make iptables iproute2 util-linux nftables)
		need_go=1
		;;
	vm) packages+=(qemu-system-x86 "${vm_extra[@]}" busybox-static cpio kmod) ;;
	bench) packages+=(hyperfine runc crun iperf3) ;;
	images) packages+=(skopeo umoci docker-registry) ;;
	*) die "unknown group $group (groups: host vm bench images)" ;;
	esac
done
# Packages that ship a service the tests do not want running (see the header).
services=(docker-registry)

installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

# One run at a time: the policy-rc.d below must not be taken for a stale one by another run.
mkdir -p /run/lock
exec {lockfd}>/run/lock/contain-deps.lock
flock "$lockfd"

# While it installs a service package, this script puts its own policy-rc.d in place and
# the machine's own (if any) aside; cleanup puts things back. A run killed before its
# cleanup left them so: repair that first, even when there is nothing to install.
policy=/usr/sbin/policy-rc.d
saved=$policy.contain-saved
log=
cleanup() {
	if [ -n "$log" ]; then rm -f "$log"; fi
	if grep -qs '^# contain tools/deps.sh' "$policy"; then rm -f "$policy"; fi
	if [ -e "$saved" ]; then mv -f "$saved" "$policy"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP # exit, so that the EXIT trap runs
cleanup

missing=()
for p in "${packages[@]}"; do
	installed "$p" || [[ " ${missing[*]} " == *" $p "* ]] || missing+=("$p")
done
# Go: whatever go.sh accepts (GO, PATH, /usr/local/go, /usr/lib/go-1.NN) will do.
go_missing=
if [ -n "$need_go" ] && ! "$root/tools/go.sh" "${GO:-}" >/dev/null 2>&1; then
	go_missing=1
fi
if [ ${#missing[@]} -eq 0 ] && [ -z "$go_missing" ]; then
	echo "deps: all packages of $* already installed"
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
# apt's output goes to a log, shown only when something fails.
log=$(mktemp)
echo "deps: apt-get update"
apt-get update -q >"$log" 2>&1 || { cat "$log" >&2; die "apt-get update failed"; }

# Go from apt when it has one new enough: the newest golang-1.NN-go (NN >= 22) with a
# candidate (bookworm-backports if configured, Ubuntu 24.04's universe).
if [ -n "$go_missing" ]; then
	gopkg=$(apt-cache pkgnames golang-1. 2>/dev/null | grep -E '^golang-1\.[0-9]+-go$' |
		sort -rV | while read -r p; do
			minor=${p#golang-1.}
			minor=${minor%-go}
			[ "$minor" -ge 22 ] || continue
			candidate=$(apt-cache policy "$p" | awk '/Candidate:/ {print $2}')
			if [ -n "$candidate" ] && [ "$candidate" != "(none)" ]; then
				echo "$p"
				break
			fi
		done || true) # no match, or sort cut short by break: not an error
	if [ -n "$gopkg" ]; then missing+=("$gopkg"); fi
fi

if [ ${#missing[@]} -gt 0 ]; then
	# Name every package this distro does not have, rather than apt's first "Unable to
	# locate".
	unavailable=()
	for p in "${missing[@]}"; do
		candidate=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')
		[ -n "$candidate" ] && [ "$candidate" != "(none)" ] || unavailable+=("$p")
	done
	if [ ${#unavailable[@]} -gt 0 ]; then
		die "not available from apt on ${PRETTY_NAME:-$ID}: ${unavailable[*]}" \
			"(is the universe/main component enabled?)"
	fi

	# Installing a service package starts it (sysvinit script or systemd unit) unless
	# policy-rc.d forbids it (status 101: "action forbidden"); invoke-rc.d and
	# deb-systemd-invoke both ask it. A policy-rc.d the machine already has is set aside
	# and put back by cleanup.
	new_services=()
	for s in "${services[@]}"; do
		[[ " ${missing[*]} " == *" $s "* ]] && new_services+=("$s")
	done
	if [ ${#new_services[@]} -gt 0 ]; then
		if [ -e "$policy" ]; then mv "$policy" "$saved"; fi
		printf '#!/bin/sh\n# contain tools/deps.sh: no service starts while it installs\nexit 101\n' \
			>"$policy"
		chmod 0755 "$policy"
	fi

	echo "deps: installing ${missing[*]}"
	if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		die "apt-get install failed"
	fi

	# The package enabled its service at boot: undo that, for the services we installed
	# (a service the machine already had is left as it was). systemctl disable edits the
	# unit's symlinks, with or without systemd running; --now stops it too where systemd
	# runs (policy-rc.d kept it from starting, but a stop costs nothing). Without
	# systemctl, deb-systemd-helper edits the same symlinks. update-rc.d: the links of the
	# sysvinit script, for a machine that boots without systemd.
	for s in "${new_services[@]}"; do
		if [ -d /run/systemd/system ]; then
			systemctl disable --now "$s.service" >>"$log" 2>&1 || true
		elif command -v systemctl >/dev/null; then
			systemctl disable "$s.service" >>"$log" 2>&1 || true
		else
			deb-systemd-helper disable "$s.service" >>"$log" 2>&1 || true
		fi
		update-rc.d "$s" disable >>"$log" 2>&1 || true
		echo "deps: $s installed, its service disabled (tests start their own)"
	done
fi

# Go last: it may just have been installed, or apt may have none.
if [ -n "$go_missing" ]; then
	if ! msg=$("$root/tools/go.sh" "${GO:-}" 2>&1 >/dev/null); then
		echo "deps: $msg" >&2
		exit 2
	fi
fi
echo "deps: done"
