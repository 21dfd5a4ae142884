// Container side: a cgroup namespace of its own, and its group on /sys/fs/cgroup.

package main

import (
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"
)

// In a cgroup namespace of its own (docker's default on cgroup v2, --cgroupns private),
// the container sees its group as the root: /proc/self/cgroup says 0::/, and a cgroup2
// mount shows only its own subtree. It learns nothing of the host's groups, and cannot
// move itself into a group outside its own.
//
// The namespace's root is the group of the process that makes it, so the child makes it
// (shell: unshare --cgroup), once it is in its group: a namespace asked for at clone time
// would take the engine's group as its root.
func setupCgroupNS(cfg *initConfig) error {
	if cfg.CgroupNS == "host" {
		return nil
	}
	// unshare changes the calling thread only: keep this goroutine on it until the exec.
	runtime.LockOSThread()
	debugf("new cgroup namespace (shell: unshare --cgroup)")
	if err := unix.Unshare(unix.CLONE_NEWCGROUP); err != nil {
		return fmt.Errorf("init: unshare the cgroup namespace: %w", err)
	}
	return nil
}

// mountCgroup shows the container its own group, read-only, at /sys/fs/cgroup, as docker
// does (shell: mount -t cgroup2 -o ro cgroup2 /sys/fs/cgroup). With --cgroupns host, the
// mount shows the host's whole tree, read-only: docker's choice too.
func mountCgroup(cfg *initConfig) error {
	const flags = unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC
	debugf("mount cgroup2 on /sys/fs/cgroup, read-only")
	return mountAt("cgroup2", "/sys/fs/cgroup", "cgroup2", flags, "")
}
