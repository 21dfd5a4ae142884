// Host side: `contain cp`, files between the host and a container, resolved inside it.

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// cp works on the host side only: it never runs or loads anything of the container's (a
// `docker cp` that ran a helper in the container loaded the container's libraries,
// CVE-2019-14271). Container paths are resolved inside the container's root (inroot.go);
// below that, every step is one name relative to a directory already open, and never
// follows a symlink: a container that swaps a directory for a symlink while the copy runs
// (CVE-2018-15664) only ever sends it somewhere inside itself, and modes are set on open
// descriptors, never through a path (CVE-2021-41089).

const cpUsage = `Usage: contain cp SRC DST

Copy a file or directory between the host and a container, running or stopped. One of
SRC and DST is CONTAINER:PATH. If DST is an existing directory, SRC is copied into it.
Symlinks are copied as symlinks.
`

func cpCmd(args []string) error {
	fs := newFlagSet("cp")
	if err := parseFlags(fs, args, cpUsage); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return errors.New("cp: usage: contain cp SRC DST (one of them CONTAINER:PATH)")
	}
	if fs.Arg(0) == "-" || fs.Arg(1) == "-" {
		return errors.New("cp: - (docker's tar stream) is not supported: name a file")
	}
	srcName, srcPath, srcIn := splitContainerPath(fs.Arg(0))
	dstName, dstPath, dstIn := splitContainerPath(fs.Arg(1))
	if srcIn == dstIn {
		return errors.New("cp: one of SRC and DST must be CONTAINER:PATH, the other a host path")
	}
	name := srcName
	if dstIn {
		name = dstName
	}
	c, err := findContainer(name)
	if err != nil {
		return fmt.Errorf("cp: %w", err)
	}
	root, err := c.openRoot()
	if err != nil {
		return fmt.Errorf("cp: %w", err)
	}
	defer root.Close()
	if srcIn {
		err = copyOut(root, srcPath, dstPath)
	} else {
		err = copyIn(srcPath, root, dstPath)
	}
	if err != nil {
		return fmt.Errorf("cp: %w", err)
	}
	return nil
}

// splitContainerPath reads CONTAINER:PATH. A path with a slash before any colon is a host
// path, as with docker (./a:b is a file of the host).
func splitContainerPath(arg string) (name, p string, inContainer bool) {
	name, p, ok := strings.Cut(arg, ":")
	if !ok || name == "" || strings.Contains(name, "/") {
		return "", arg, false
	}
	if !path.IsAbs(p) {
		p = "/" + p // relative to the container's /, its working directory
	}
	return name, p, true
}

// openRoot opens the container's / with O_PATH. A running container's is its first
// process's root, /proc/PID/root: the container's own view, volumes included. A stopped
// container's overlay is mounted again, in a mount namespace of this thread's own
// (shell: unshare --mount), which vanishes with the engine: nothing is left mounted.
func (c *container) openRoot() (*os.File, error) {
	if c.running() {
		root, err := os.OpenFile(fmt.Sprintf("/proc/%d/root", c.Pid),
			unix.O_PATH|unix.O_DIRECTORY, 0)
		if err == nil && !c.running() { // the PID could name another process by now
			root.Close()
			err = fmt.Errorf("container %s ended", c.Name)
		}
		return root, err
	}
	if c.Config.Layer == nil {
		return nil, fmt.Errorf("container %s has no layer", c.Name)
	}
	if c.Restarting {
		return nil, fmt.Errorf("container %s is restarting: try again", c.Name)
	}
	// A mount namespace belongs to a thread: keep this goroutine on it from now on, so
	// that every file operation of the copy sees the overlay.
	runtime.LockOSThread()
	debugf("a mount namespace of the engine's own for %s (shell: unshare --mount)", c.Name)
	if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
		return nil, fmt.Errorf("unshare: %w", err)
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return nil, fmt.Errorf("make / private: %w", err)
	}
	if err := mountOverlay(c.Config.Layer); err != nil {
		return nil, err
	}
	root, err := os.OpenFile(c.Config.Layer.Merged, unix.O_PATH|unix.O_DIRECTORY, 0)
	if err != nil {
		return nil, err
	}
	// Its volumes too, as when it runs: a copy to /data lands in the volume at /data.
	var mounts []mountSpec
	for _, m := range c.Config.Mounts {
		if m.Type != "tmpfs" { // a tmpfs holds nothing while the container is stopped
			mounts = append(mounts, m)
		}
	}
	sources, err := openMountSources(mounts)
	if err == nil {
		err = mountIn(root, mounts, sources)
	}
	if err != nil {
		root.Close()
		return nil, err
	}
	return root, nil
}

// copyOut copies the container's src to the host's dst.
func copyOut(root *os.File, src, dst string) error {
	f, err := openInRoot(root, src, unix.O_PATH|unix.O_NOFOLLOW, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if st, err := os.Stat(dst); err == nil && st.IsDir() {
		dst = filepath.Join(dst, path.Base(src))
	}
	debugf("copy %s of the container to %s", src, dst)
	return copyOutTree(f, dst, false)
}

// reopen opens an O_PATH descriptor for reading, without looking its path up again.
func reopen(f *os.File, flags int) (*os.File, error) {
	return os.OpenFile(fdPath(f), flags|unix.O_CLOEXEC, 0)
}

// copyOutTree copies what the O_PATH descriptor f names to the host path dst. The copy
// belongs to root, as with docker cp, or keeps the owners when keepOwner is set.
func copyOutTree(f *os.File, dst string, keepOwner bool) error {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return err
	}
	if keepOwner {
		defer func() { _ = os.Lchown(dst, int(st.Uid), int(st.Gid)) }()
	}
	mode := os.FileMode(st.Mode & 0o7777)
	mtime := time.Unix(st.Mtim.Unix())
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		in, err := reopen(f, os.O_RDONLY)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, mode)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		_ = out.Chmod(mode)
		if err := out.Close(); err != nil {
			return err
		}
	case unix.S_IFDIR:
		if err := os.Mkdir(dst, mode); err != nil && !errors.Is(err, os.ErrExist) {
			return err
		}
		dir, err := reopen(f, os.O_RDONLY|unix.O_DIRECTORY)
		if err != nil {
			return err
		}
		defer dir.Close()
		names, err := dir.Readdirnames(-1)
		if err != nil {
			return err
		}
		for _, name := range names {
			fd, err := unix.Openat(int(dir.Fd()), name,
				unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
			if err != nil {
				return fmt.Errorf("open %s: %w", name, err)
			}
			child := os.NewFile(uintptr(fd), name)
			err = copyOutTree(child, filepath.Join(dst, name), keepOwner)
			child.Close()
			if err != nil {
				return err
			}
		}
		_ = os.Chmod(dst, mode)
	case unix.S_IFLNK:
		buf := make([]byte, unix.PathMax)
		n, err := unix.Readlinkat(int(f.Fd()), "", buf)
		if err != nil {
			return err
		}
		_ = os.Remove(dst)
		return os.Symlink(string(buf[:n]), dst)
	default:
		fmt.Fprintf(os.Stderr, "contain: cp: %s: not a file, directory or symlink: skipped\n",
			dst)
		return nil
	}
	return os.Chtimes(dst, mtime, mtime)
}

// copyIn copies the host's src into the container at dst.
func copyIn(src string, root *os.File, dst string) error {
	if _, err := os.Lstat(src); err != nil {
		return err
	}
	// The name the copy gets: its own, never "/", "." or "..", which the *at calls below
	// would take for the host's root or a way out of the directory they start from.
	abs, err := filepath.Abs(src)
	if err != nil || abs == "/" {
		return fmt.Errorf("%s: name a file or directory below /", src)
	}
	dst = path.Clean(dst)
	name, parentPath := path.Base(dst), path.Dir(dst)
	if d, err := openInRoot(root, dst, unix.O_PATH|unix.O_DIRECTORY, 0); err == nil {
		d.Close()
		parentPath, name = dst, filepath.Base(abs) // into an existing directory
	}
	parent, err := openInRoot(root, parentPath, unix.O_PATH|unix.O_DIRECTORY, 0)
	if err != nil {
		return err
	}
	defer parent.Close()
	// Never write into the container's /proc or /sys: those files are the kernel's.
	var sfs unix.Statfs_t
	if err := unix.Fstatfs(int(parent.Fd()), &sfs); err != nil {
		return err
	}
	if sfs.Type == unix.PROC_SUPER_MAGIC || sfs.Type == unix.SYSFS_MAGIC ||
		sfs.Type == unix.CGROUP2_SUPER_MAGIC {
		return fmt.Errorf("%s: refusing to write into the kernel's files (/proc, /sys)", dst)
	}
	debugf("copy %s into the container at %s", src, path.Join(parentPath, name))
	return copyInTree(src, parent, name)
}

// copyInTree copies the host's src to name in the container directory parent.
func copyInTree(src string, parent *os.File, name string) error {
	if name == "" || name == "." || name == ".." || strings.Contains(name, "/") {
		return fmt.Errorf("%q: not a name in a directory", name)
	}
	st, err := os.Lstat(src)
	if err != nil {
		return err
	}
	pfd := int(parent.Fd())
	var old unix.Stat_t
	exists := unix.Fstatat(pfd, name, &old, unix.AT_SYMLINK_NOFOLLOW) == nil
	isDir := exists && old.Mode&unix.S_IFMT == unix.S_IFDIR
	switch {
	case st.IsDir() && exists && !isDir, !st.IsDir() && isDir:
		return fmt.Errorf("%s: cannot copy a directory over a file, or a file over a "+
			"directory", name)
	case exists && !isDir:
		// Replace it, whatever it is: a symlink there is not followed.
		if err := unix.Unlinkat(pfd, name, 0); err != nil {
			return err
		}
	}
	mode := uint32(0o644)
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		mode = sys.Mode & 0o7777 // permissions, setuid, setgid and sticky bits
	}
	switch {
	case st.Mode().IsRegular():
		in, err := os.Open(src)
		if err != nil {
			return err
		}
		defer in.Close()
		fd, err := unix.Openat(pfd, name,
			unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		if err != nil {
			return fmt.Errorf("create %s: %w", name, err)
		}
		out := os.NewFile(uintptr(fd), name)
		defer out.Close()
		if _, err := io.Copy(out, in); err != nil {
			return err
		}
		return setModeTime(out, st, mode)
	case st.IsDir():
		if !exists {
			if err := unix.Mkdirat(pfd, name, 0o700); err != nil {
				return fmt.Errorf("mkdir %s: %w", name, err)
			}
		}
		fd, err := unix.Openat(pfd, name,
			unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("open %s: %w", name, err)
		}
		dir := os.NewFile(uintptr(fd), name)
		defer dir.Close()
		entries, err := os.ReadDir(src)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := copyInTree(filepath.Join(src, e.Name()), dir, e.Name()); err != nil {
				return err
			}
		}
		return setModeTime(dir, st, mode)
	case st.Mode()&os.ModeSymlink != 0:
		target, err := os.Readlink(src)
		if err != nil {
			return err
		}
		return unix.Symlinkat(target, pfd, name)
	}
	fmt.Fprintf(os.Stderr, "contain: cp: %s: not a file, directory or symlink: skipped\n", src)
	return nil
}

// setModeTime sets a copy's mode and modification time through its descriptor.
func setModeTime(f *os.File, st os.FileInfo, mode uint32) error {
	if err := unix.Fchmod(int(f.Fd()), mode); err != nil {
		return err
	}
	return os.Chtimes(fdPath(f), st.ModTime(), st.ModTime())
}
