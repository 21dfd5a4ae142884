// Both sides: the engine clones the child into new namespaces; the child sets them up.

package main

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// A namespace gives a process its own copy of one global resource of the kernel. The
// parent asks for new namespaces when it clones the child
// (shell: unshare --uts --ipc --pid --mount --fork):
//
//	host                          container
//	hostname "vm"                 hostname "box"   (UTS: the host and domain names)
//	message queues, semaphores,   an empty set     (IPC: System V IPC and POSIX
//	shared memory of the host                       message queues)
//	every process, PIDs from 1    its own PIDs     (PID: the command is PID 1)
//	every mount of the host       its own table    (mount: see rootfs.go)
//
// A new namespace starts as a copy: without --hostname, the container keeps the host's name.
const cloneFlags = unix.CLONE_NEWUTS | unix.CLONE_NEWIPC | unix.CLONE_NEWPID | unix.CLONE_NEWNS

// describeNamespaces narrates the namespaces the child is cloned into.
func describeNamespaces() {
	debugf("new UTS namespace (shell: unshare --uts)")
	debugf("new IPC namespace (shell: unshare --ipc)")
	debugf("new PID namespace (shell: unshare --pid --fork)")
	debugf("new mount namespace (shell: unshare --mount)")
}

// setupUTS runs in the child, inside its new UTS namespace: the host's name is untouched.
func setupUTS(cfg *initConfig) error {
	if cfg.Hostname == "" {
		return nil
	}
	debugf("sethostname %s (shell: hostname %s)", cfg.Hostname, cfg.Hostname)
	if err := unix.Sethostname([]byte(cfg.Hostname)); err != nil {
		return fmt.Errorf("init: sethostname %s: %w", cfg.Hostname, err)
	}
	return nil
}
