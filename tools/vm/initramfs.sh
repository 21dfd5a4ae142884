#!/bin/bash
# Build the VM lane's initramfs (build/vm/initramfs.cpio.gz) and print its path.
# run.sh does this itself before each boot; this script is for building or inspecting it
# alone (`tools/vm/initramfs.sh && zcat build/vm/initramfs.cpio.gz | cpio -t`).
# Environment: CONTAIN_VM_KERNEL=/boot/vmlinuz-VERSION picks the kernel.
set -euo pipefail

# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

vm_pick_kernel
vm_build_initramfs
echo "$VM_INITRAMFS"
