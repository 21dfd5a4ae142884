# shellcheck shell=bash
# Shared functions of the VM lane, sourced by initramfs.sh, run.sh and test-lane.sh.
#
# The lane boots a Debian distro kernel under qemu with the host's root filesystem shared
# read-only over 9p and a tmpfs overlay on top (see README.md). This file knows where things
# live, which kernel to boot, and how to build the small initramfs that mounts all that.

# Paths. The repository root is two levels above this file, whatever the caller's cwd.
VM_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
VM_REPO=$(cd -- "$VM_DIR/../.." && pwd)
# build/ is git-ignored. CONTAIN_BUILD moves it (the lane's own self-test uses that).
VM_BUILD=${CONTAIN_BUILD:-$VM_REPO/build}
VM_OUT=$VM_BUILD/vm
VM_BUSYBOX=${CONTAIN_VM_BUSYBOX:-/bin/busybox}

# Modules the initramfs needs to mount a 9p root with an overlay on it, and virtio_blk for
# the scratch disk (/dev/vda, for the tests of block I/O limits), in load order (each
# depends on the ones before; the order is also re-derived from modules.dep, so a kernel
# that splits or merges them still works). Names missing from both modules.dep and
# modules.builtin are skipped unless they are in VM_MODULES_REQUIRED.
VM_MODULES=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
	virtio_blk netfs fscache 9pnet 9pnet_virtio 9p overlay)
VM_MODULES_REQUIRED=(virtio_pci 9pnet_virtio 9p overlay)

vm_log() { printf 'contain-vm: %s\n' "$*" >&2; }
vm_die() {
	vm_log "error: $*"
	exit 125 # docker's "engine error": the lane itself failed, not the command
}

# vm_pick_kernel sets VM_KERNEL (the vmlinuz path), VM_KVER and VM_MODDIR.
# The newest /boot/vmlinuz-* with a /lib/modules dir, preferring one that is not the
# running kernel (a machine that is itself a VM may run a kernel without 9p/virtio
# modules), but taking the running kernel when it is the only one: on a learner's machine
# that is a distro kernel. CONTAIN_VM_KERNEL=/path overrides the choice.
vm_pick_kernel() {
	local k ver running fallback
	running=$(uname -r)
	if [[ -n ${CONTAIN_VM_KERNEL:-} ]]; then
		k=$CONTAIN_VM_KERNEL
		[[ -r $k ]] || vm_die "CONTAIN_VM_KERNEL=$k: no such readable file"
		# Debian names it vmlinuz-VERSION; otherwise say the version explicitly.
		ver=${CONTAIN_VM_KERNEL_VERSION:-$(basename -- "$k")}
		ver=${ver#vmlinuz-}
		[[ -d /lib/modules/$ver ]] ||
			vm_die "no /lib/modules/$ver for $k (set CONTAIN_VM_KERNEL_VERSION)"
	else
		k=''
		fallback=''
		# sort -V orders 6.1.0-9 before 6.1.0-10; -r puts the newest first.
		while IFS= read -r cand; do
			ver=${cand#/boot/vmlinuz-}
			[[ -d /lib/modules/$ver ]] || continue
			if [[ $ver == "$running" ]]; then
				fallback=$cand
				continue
			fi
			k=$cand
			break
		done < <(compgen -G '/boot/vmlinuz-*' | sort -rV)
		[[ -n $k ]] || k=$fallback
		[[ -n $k ]] || vm_die "no /boot/vmlinuz-* with /lib/modules" \
			"(apt-get install linux-image-amd64)"
		ver=${k#/boot/vmlinuz-}
	fi
	VM_KERNEL=$k
	VM_KVER=$ver
	VM_MODDIR=/lib/modules/$ver
}

# vm_module_paths prints the module files (relative to VM_MODDIR) to load, dependencies
# first, each once. It reads modules.dep ("path: dep dep ...", deps listed so that the last
# one loads first, as modprobe does) rather than trusting a fixed list.
vm_module_paths() {
	local -A dep=() seen=()
	local line path name
	while IFS= read -r line; do
		path=${line%%:*}
		name=${path##*/} # no basename: this loop runs once per module of the kernel
		name=${name%%.ko*}
		dep[${name//-/_}]=$line
	done <"$VM_MODDIR/modules.dep"

	_vm_add() { # name [required]
		local n=${1//-/_} l p d
		local -a deps
		[[ -n ${seen[$n]:-} ]] && return 0
		seen[$n]=1
		if [[ -z ${dep[$n]:-} ]]; then
			grep -qE "/${1}\.ko(\.[a-z]+)?$" "$VM_MODDIR/modules.builtin" 2>/dev/null &&
				return 0 # built into the kernel: nothing to load
			[[ ${2:-} == required ]] && vm_die "kernel $VM_KVER has no module $1"
			return 0
		fi
		l=${dep[$n]}
		p=${l%%:*}
		read -r -a deps <<<"${l#*:}"
		for ((d = ${#deps[@]} - 1; d >= 0; d--)); do
			local b=${deps[d]##*/}
			_vm_add "${b%%.ko*}"
		done
		printf '%s\n' "$p"
	}
	local m req
	for m in "${VM_MODULES[@]}"; do
		req=
		[[ " ${VM_MODULES_REQUIRED[*]} " == *" $m "* ]] && req=required
		_vm_add "$m" "$req"
	done
	unset -f _vm_add
}

# vm_build_initramfs builds $VM_OUT/initramfs.cpio.gz for the picked kernel (call
# vm_pick_kernel first) and sets VM_INITRAMFS. It rebuilds only when an input changed: the
# kernel, busybox, or the lane's scripts (a stamp file holds a hash of all of them). A lock
# keeps two concurrent runs from building it at the same time.
vm_build_initramfs() {
	local stamp want tmp f p mods lockfd
	VM_INITRAMFS=$VM_OUT/initramfs.cpio.gz
	stamp=$VM_OUT/initramfs.stamp
	mkdir -p "$VM_OUT"
	[[ -x $VM_BUSYBOX ]] || vm_die "no static busybox at $VM_BUSYBOX (apt-get install" \
		"busybox-static)"
	# Everything that ends up in the image, or decides what does.
	want=$({
		echo "$VM_KERNEL $VM_KVER"
		stat -c '%n %s %Y' "$VM_KERNEL" "$VM_MODDIR/modules.dep"
		sha256sum "$VM_BUSYBOX" "$VM_DIR/lib.sh" "$VM_DIR/init" "$VM_DIR/stage2"
	} | sha256sum | cut -d' ' -f1)

	exec {lockfd}>"$VM_OUT/initramfs.lock"
	flock "$lockfd"
	if [[ -s $VM_INITRAMFS && $(cat "$stamp" 2>/dev/null) == "$want" ]]; then
		exec {lockfd}>&-
		return 0
	fi
	vm_log "building initramfs for kernel $VM_KVER"
	tmp=$(mktemp -d "$VM_OUT/initramfs.XXXXXX")
	chmod 0755 "$tmp" # it becomes the guest's / (mktemp made it 0700)
	mkdir -p "$tmp"/{bin,dev,proc,sys,run,newroot,mnt/host,mnt/rw,lib/modules}
	cp "$VM_BUSYBOX" "$tmp/bin/busybox"
	cp "$VM_DIR/init" "$tmp/init"
	cp "$VM_DIR/stage2" "$tmp/stage2"
	chmod 0755 "$tmp/init" "$tmp/stage2"
	# A command substitution, not a pipe, so that a missing module stops the build.
	mods=$(vm_module_paths) || exit
	# busybox insmod takes plain .ko files only: decompress what the distro compressed.
	while IFS= read -r p; do
		f=$(basename -- "$p")
		f=${f%%.ko*}.ko
		case $p in
		*.ko) cp "$VM_MODDIR/$p" "$tmp/lib/modules/$f" ;;
		*.ko.xz) xz -dc "$VM_MODDIR/$p" >"$tmp/lib/modules/$f" ;;
		*.ko.zst) zstd -qdc "$VM_MODDIR/$p" >"$tmp/lib/modules/$f" ;;
		*.ko.gz) gzip -dc "$VM_MODDIR/$p" >"$tmp/lib/modules/$f" ;;
		*) vm_die "unknown module format: $p" ;;
		esac
		echo "${f%.ko}" >>"$tmp/lib/modules/order"
	done <<<"$mods"
	echo "$VM_KVER" >"$tmp/kernel-version"
	# newc is the only cpio format the kernel unpacks; -R 0:0 makes root own everything.
	(cd "$tmp" && find . | sort | cpio -o -H newc -R 0:0 --quiet) |
		gzip -6 >"$VM_INITRAMFS.tmp"
	mv "$VM_INITRAMFS.tmp" "$VM_INITRAMFS" # atomic: a concurrent reader sees old or new
	echo "$want" >"$stamp"
	rm -rf "$tmp"
	exec {lockfd}>&-
}
