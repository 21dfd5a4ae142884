// Container side: the child makes the rootfs its / (pivot_root) and mounts /proc and /sys.

package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// setupRootfs runs in the child, in its new mount namespace, and makes the rootfs its /.
// Unlike chroot, pivot_root moves the whole mount tree: once the old root is detached, no
// path leads back to the host's files, however many times the process calls chroot.
//
//	before                               after
//	/  (host)                            /  (the rootfs: the only tree left)
//	├── var/lib/contain/rootfs           ├── proc   proc of the new PID namespace
//	└── ... every host mount             ├── sys    sysfs, read-only
//	                                     └── dev    tmpfs with a few devices
func setupRootfs(cfg *initConfig) error {
	// Mounts are shared between namespaces by default on systemd hosts: without this,
	// every mount below would show up on the host too.
	debugf("make / recursively private (shell: mount --make-rprivate /)")
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("init: make / private: %w", err)
	}
	// pivot_root needs the new root to be a mount point: the overlay of the container's
	// layer over the rootfs is one (overlay.go).
	if err := mountOverlay(cfg.Layer); err != nil {
		return err
	}
	// Volumes come from host paths: open them while those still mean something.
	sources, err := openMountSources(cfg.allMounts())
	if err != nil {
		return err
	}
	if err := pivotRoot(cfg.Layer.Merged); err != nil {
		return err
	}
	if err := mountProcSys(); err != nil {
		return err
	}
	if err := setupDev(); err != nil {
		return err
	}
	return mountAll(cfg, sources)
}

// pivotRoot swaps the root mount for the rootfs and detaches the old one.
func pivotRoot(rootfs string) error {
	// pivot_root(".", ".") stacks the old root on top of the new one, at the same place,
	// so no directory has to be created in the rootfs to hold the old root; unmounting "."
	// then takes the old root away and leaves the new one.
	debugf("pivot_root into %s (shell: cd %[1]s && pivot_root . .)", rootfs)
	if err := unix.Chdir(rootfs); err != nil {
		return fmt.Errorf("init: chdir %s: %w", rootfs, err)
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("init: pivot_root %s: %w", rootfs, err)
	}
	debugf("detach the old root (shell: umount -l .)")
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("init: detach the old root: %w", err)
	}
	return unix.Chdir("/")
}

// mountProcSys mounts a /proc that shows only the new PID namespace, and a read-only /sys.
func mountProcSys() error {
	const flags = unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC
	mounts := []struct {
		fstype, target string
		flags          uintptr
	}{
		{"proc", "/proc", flags},
		{"sysfs", "/sys", flags | unix.MS_RDONLY},
	}
	for _, m := range mounts {
		debugf("mount %s on %s (shell: mount -t %[1]s %[1]s %[2]s)", m.fstype, m.target)
		if err := mountAt(m.fstype, m.target, m.fstype, m.flags, ""); err != nil {
			return err
		}
	}
	return nil
}

// mountAt mounts a filesystem, creating the mount point if the rootfs lacks it.
func mountAt(source, target, fstype string, flags uintptr, data string) error {
	if err := os.MkdirAll(target, 0o755); err != nil {
		return fmt.Errorf("init: mkdir %s: %w", target, err)
	}
	if err := unix.Mount(source, target, fstype, flags, data); err != nil {
		return fmt.Errorf("init: mount %s on %s: %w", fstype, target, err)
	}
	return nil
}
