#!/usr/bin/env bash
# deps.sh: install the Debian/Ubuntu packages that the tests and lessons need, as root.
# It only touches apt when a package is missing, so a second run does nothing, quickly.
#
#   busybox-static        the test rootfs (tools/mkrootfs.sh)
#   qemu-system-x86, a distro kernel   the VM lane (cgroup v2 on a real distro kernel)
#   iptables iproute2 util-linux       networking and namespace tools the lessons show
#   hyperfine runc crun                benchmarks against the field's runtimes
#   gcc libc6-dev make                 make itself; gcc and the C library (headers, libc.a)
#                                      for cgo (step 3 on) and the static build
#   skopeo umoci docker-registry       images: copy, unpack, and a local classroom registry
set -euo pipefail

die() { echo "deps: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (apt-get install): sudo $0"
[ -r /etc/os-release ] || die "no /etc/os-release: only Debian and Ubuntu are supported"

# The distro kernel package has a different name on each family.
# shellcheck disable=SC1091
. /etc/os-release
case " ${ID:-} ${ID_LIKE:-} " in
*" ubuntu "*) kernel=linux-image-generic ;;
*" debian "*) kernel=linux-image-$(dpkg --print-architecture) ;;
*) die "unsupported distribution ${ID:-unknown}: only Debian and Ubuntu are supported" ;;
esac

packages=(
	busybox-static qemu-system-x86 "$kernel" iptables iproute2 util-linux
	hyperfine runc crun gcc libc6-dev make skopeo umoci docker-registry
)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#packages[@]} packages already installed"
	exit 0
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# apt's output goes to a log, shown only when something fails.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
apt-get update -q >"$log" 2>&1 || { cat "$log" >&2; die "apt-get update failed"; }

# Name every package this distro does not have, rather than apt's first "Unable to locate".
unavailable=()
for p in "${missing[@]}"; do
	candidate=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')
	[ -n "$candidate" ] && [ "$candidate" != "(none)" ] || unavailable+=("$p")
done
if [ ${#unavailable[@]} -gt 0 ]; then
	die "not available from apt on ${PRETTY_NAME:-$ID}: ${unavailable[*]}" \
		"(is the universe/main component enabled?)"
fi

if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
	tail -n 30 "$log" >&2
	die "apt-get install failed"
fi
echo "deps: done"
