// Both sides: paths of the container, resolved inside its root and never outside it.

package main

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// A path inside a container is the container's: "/etc/x" means the rootfs's /etc/x, and a
// symlink in it means what it would mean inside the container. Resolved on the host with
// plain path joins, "../.." or a symlink to /etc/passwd would reach the host's files
// (runc's CVE-2021-30465 and CVE-2024-45310, docker cp's CVE-2018-15664). openat2 with
// RESOLVE_IN_ROOT (Linux 5.6) makes the kernel resolve a path as if the given directory
// were /, ".." and absolute symlinks included: it cannot lead out of it.

// inRoot is how every container path is resolved: inside the root, and without the
// "magic" links of /proc (/proc/self/root would lead back to the host's /).
const inRoot = unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS

// openInRoot opens path as the container sees it from root (shell: none; openat2).
func openInRoot(root *os.File, p string, flags int, mode uint32) (*os.File, error) {
	how := &unix.OpenHow{Flags: uint64(flags | unix.O_CLOEXEC), Mode: uint64(mode),
		Resolve: inRoot}
	for {
		fd, err := unix.Openat2(int(root.Fd()), p, how)
		if errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN) {
			continue // a rename raced with the lookup: the kernel asks to try again
		}
		if err != nil {
			return nil, &os.PathError{Op: "open", Path: p, Err: err}
		}
		return os.NewFile(uintptr(fd), p), nil
	}
}

// mkdirInRoot creates the directories of p inside root, as mkdir -p would, and returns the
// last one opened with O_PATH. Each step is resolved from root again, so a symlink on the
// way leads where it leads inside the container, and a new directory is made with mkdirat
// in a directory already resolved: no step uses a host path.
func mkdirInRoot(root *os.File, p string) (*os.File, error) {
	dir, err := openInRoot(root, "/", unix.O_PATH|unix.O_DIRECTORY, 0)
	if err != nil {
		return nil, err
	}
	prefix := "/"
	for _, name := range strings.Split(strings.Trim(path.Clean(p), "/"), "/") {
		if name == "" {
			break // p is /
		}
		prefix = path.Join(prefix, name)
		next, err := openInRoot(root, prefix, unix.O_PATH|unix.O_DIRECTORY, 0)
		if errors.Is(err, unix.ENOENT) {
			err = unix.Mkdirat(int(dir.Fd()), name, 0o755)
			if err == nil || errors.Is(err, unix.EEXIST) {
				next, err = openInRoot(root, prefix, unix.O_PATH|unix.O_DIRECTORY, 0)
			}
		}
		dir.Close()
		if err != nil {
			return nil, fmt.Errorf("mkdir %s: %w", prefix, err)
		}
		dir = next
	}
	return dir, nil
}

// createInRoot returns p inside root opened with O_PATH, creating it as an empty file if
// it does not exist (the mount point of a file volume).
func createInRoot(root *os.File, p string) (*os.File, error) {
	if f, err := openInRoot(root, p, unix.O_PATH, 0); err == nil {
		return f, nil
	}
	dir, err := mkdirInRoot(root, path.Dir(p))
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	fd, err := unix.Openat(int(dir.Fd()), path.Base(p),
		unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
	if err != nil && !errors.Is(err, unix.EEXIST) {
		return nil, &os.PathError{Op: "create", Path: p, Err: err}
	}
	if err == nil {
		unix.Close(fd)
	}
	return openInRoot(root, p, unix.O_PATH, 0)
}

// fdPath names an open file by its descriptor, for calls that take a path: mount(2)
// follows /proc/self/fd/N to the very file, whatever its name is by then.
func fdPath(f *os.File) string { return fmt.Sprintf("/proc/self/fd/%d", f.Fd()) }
