#!/usr/bin/env bash
# mkrootfs.sh DIR: build the busybox root filesystem that every step runs its containers
# in, with the probe at /bin/probe. Run as root (it may install busybox-static).
#
# The rootfs is built in DIR.new and only then moved to DIR, so an interrupted build never
# leaves a half-made rootfs where the tests would use it.
set -euo pipefail

die() { echo "mkrootfs: $*" >&2; exit 1; }

[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
# Absolute, because the probe is built from another working directory.
dir=$(realpath -m -- "$1")
# DIR is removed and replaced: refuse unless it is empty or a rootfs this script made.
if [ -d "$dir" ] && [ -n "$(ls -A -- "$dir")" ] &&
	! grep -qs '^ID=contain-busybox$' "$dir/etc/os-release"; then
	die "$dir exists and is not a rootfs made by mkrootfs.sh: remove it first"
fi
new="$dir.new"
# The repository root is the parent of this script's folder.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Debian's busybox-static: one statically linked binary, so the rootfs needs no libc.
busybox=/bin/busybox
status=$(dpkg-query -W -f='${Status}' busybox-static 2>/dev/null || true)
if [ "$status" != "install ok installed" ]; then
	echo "mkrootfs: installing busybox-static (apt-get update, apt-get install)"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq busybox-static >/dev/null
fi
[ -x "$busybox" ] || die "$busybox missing after installing busybox-static"
# A dynamic busybox (package busybox) would fail inside the rootfs with "not found".
# (The output is captured first: grep -q could close the pipe early, and with pipefail
# readelf's SIGPIPE would turn a match into a miss.)
if command -v readelf >/dev/null; then
	headers=$(readelf -l "$busybox")
	if grep -q INTERP <<<"$headers"; then
		die "$busybox is dynamically linked: install busybox-static"
	fi
elif ldd "$busybox" >/dev/null 2>&1; then
	die "$busybox is dynamically linked: install busybox-static"
fi

# Go: $GO if set, else go on PATH, else the upstream tarball's usual place.
if [ -n "${GO:-}" ]; then
	command -v "$GO" >/dev/null || die "GO=$GO: not found"
	go=$GO
elif command -v go >/dev/null; then
	go=go
elif [ -x /usr/local/go/bin/go ]; then
	go=/usr/local/go/bin/go
else
	die "go not found (set GO=/path/to/go)"
fi

rm -rf -- "$new"
# Whatever happens below, do not leave DIR.new behind.
trap 'rm -rf -- "$new"' EXIT
trap 'exit 130' INT TERM HUP # exit, so that the EXIT trap runs

mkdir -p "$new"
cd "$new"
mkdir -p bin sbin usr/bin usr/sbin etc proc sys dev root var/tmp run home tmp
chmod 1777 tmp var/tmp
chmod 0700 root

cp "$busybox" bin/busybox
# One link per applet, at the path busybox gives (bin/sh, usr/bin/awk, ...). linuxrc, the
# initrd entry point, is the only one at the top: it would only clutter `ls /`.
for path in $(bin/busybox --list-full); do
	[ "$path" != linuxrc ] || continue
	[ -e "$path" ] || [ -L "$path" ] || ln -s /bin/busybox "$path"
done

cat >etc/passwd <<'END'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
END
cat >etc/group <<'END'
root:x:0:
nogroup:x:65534:
END
version=$(bin/busybox 2>/dev/null | head -n1 | awk '{print $2}' || true)
cat >etc/os-release <<END
NAME="contain test rootfs"
ID=contain-busybox
VERSION_ID=${version#v}
PRETTY_NAME="contain test rootfs (BusyBox $version)"
END

# GOWORK=off and the tools module's own folder: the build must not depend on the state of
# the other modules listed in go.work.
echo "mkrootfs: building the probe"
(cd "$root/tools" && CGO_ENABLED=0 GOWORK=off "$go" build -o "$new/bin/probe" ./probe)

cd /
rm -rf -- "$dir"
mv -- "$new" "$dir"
trap - EXIT
echo "mkrootfs: $dir ready (BusyBox $version)"
