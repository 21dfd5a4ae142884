// Container side: the child builds a minimal /dev.

package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// The container's /dev is a fresh tmpfs holding only the devices that programs expect,
// never the host's disks. Pseudo-terminals come from a devpts instance of its own
// (newinstance), so the container cannot reach the host's terminals.
var devices = []struct {
	name         string
	major, minor uint32
}{
	{"null", 1, 3},
	{"zero", 1, 5},
	{"full", 1, 7},
	{"random", 1, 8},
	{"urandom", 1, 9},
	{"tty", 5, 0},
}

var devLinks = [][2]string{
	{"pts/ptmx", "/dev/ptmx"},
	{"/proc/self/fd", "/dev/fd"},
	{"/proc/self/fd/0", "/dev/stdin"},
	{"/proc/self/fd/1", "/dev/stdout"},
	{"/proc/self/fd/2", "/dev/stderr"},
}

// setupDev builds /dev: shell equivalent
//
//	mount -t tmpfs -o nosuid,mode=755 tmpfs /dev
//	mknod -m 666 /dev/null c 1 3 ...
//	mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts /dev/pts
func setupDev() error {
	debugf("mount tmpfs on /dev with %d devices, devpts, shm and mqueue", len(devices))
	if err := mountAt("tmpfs", "/dev", "tmpfs", unix.MS_NOSUID|unix.MS_STRICTATIME,
		"mode=755,size=65536k"); err != nil {
		return err
	}
	old := unix.Umask(0)
	defer unix.Umask(old)
	for _, d := range devices {
		path := "/dev/" + d.name
		dev := int(unix.Mkdev(d.major, d.minor))
		if err := unix.Mknod(path, unix.S_IFCHR|0o666, dev); err != nil {
			return fmt.Errorf("init: mknod %s: %w", path, err)
		}
	}
	for _, l := range devLinks {
		if err := os.Symlink(l[0], l[1]); err != nil {
			return fmt.Errorf("init: %w", err)
		}
	}
	const flags = unix.MS_NOSUID | unix.MS_NOEXEC
	// gid=5 is the tty group of every distribution: a new terminal belongs to it (mode 620).
	if err := mountAt("devpts", "/dev/pts", "devpts", flags,
		"newinstance,ptmxmode=0666,mode=0620,gid=5"); err != nil {
		return err
	}
	if err := mountAt("shm", "/dev/shm", "tmpfs", flags|unix.MS_NODEV,
		"mode=1777,size=65536k"); err != nil {
		return err
	}
	// POSIX message queues of the container's IPC namespace.
	return mountAt("mqueue", "/dev/mqueue", "mqueue", flags|unix.MS_NODEV, "")
}
