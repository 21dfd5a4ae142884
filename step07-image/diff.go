// Host side: `contain diff`, what a container changed, read from its upper dir.

package main

import (
	"errors"
	"fmt"
	"os"
	"path"
	"sort"

	"golang.org/x/sys/unix"
)

// Everything a container changed is in its upper dir, in overlay's own notation:
//
//	upper/etc/motd                 a file: added (A), or changed (C) if the rootfs has it
//	upper/tmp/gone                 a character device 0/0: a whiteout, the rootfs's
//	                               /tmp/gone was deleted (D)
//	upper/var/cache/   + xattr     a directory marked opaque (trusted.overlay.opaque=y):
//	                               it replaced the rootfs's, whose entries are all gone
//
// docker diff prints the same letters, from the same directory (overlay2's "diff" dir).

const diffUsage = `Usage: contain diff CONTAINER

List the files and directories a container added (A), changed (C) and deleted (D),
compared with its rootfs.
`

func diffCmd(args []string) error {
	fs := newFlagSet("diff")
	if err := parseFlags(fs, args, diffUsage); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("diff: usage: contain diff CONTAINER")
	}
	c, err := findContainer(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("diff: %w", err)
	}
	if c.Config.Layer == nil {
		return fmt.Errorf("diff: container %s has no layer", c.Name)
	}
	changes, err := layerChanges(c.Config.Layer)
	if err != nil {
		return fmt.Errorf("diff: %w", err)
	}
	for _, ch := range changes {
		fmt.Printf("%c %s\n", ch.kind, ch.path)
	}
	return nil
}

type change struct {
	kind byte // 'A', 'C' or 'D'
	path string
}

// layerChanges walks the upper dir and compares each entry with the lower dir. Both are
// read through descriptors, one name at a time, following no symlink: a symlink in the
// rootfs, or one that a running container puts in place of a directory of its layer,
// must not make diff list the host's files.
func layerChanges(l *layer) ([]change, error) {
	upper, err := os.Open(l.Upper)
	if err != nil {
		return nil, err
	}
	defer upper.Close()
	lower, err := os.Open(l.Lower)
	if err != nil {
		return nil, err
	}
	defer lower.Close()
	var changes []change
	err = walkUpper(upper, lower, "", &changes)
	sort.Slice(changes, func(i, j int) bool { return changes[i].path < changes[j].path })
	return changes, err
}

// noLinks resolves a path below a directory, one name at a time, and refuses every
// symlink on the way (but opens one that is the last name itself, with O_PATH).
const noLinks = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS

// walkUpper lists the changes below the upper directory dir, whose path is rel.
func walkUpper(dir, lower *os.File, rel string, changes *[]change) error {
	names, err := dir.Readdirnames(-1)
	if err != nil {
		return err
	}
	for _, name := range names {
		p := path.Join(rel, name)
		var st unix.Stat_t
		if err := unix.Fstatat(int(dir.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return err
		}
		if st.Mode&unix.S_IFMT == unix.S_IFCHR && st.Rdev == 0 { // a whiteout
			*changes = append(*changes, change{'D', "/" + p})
			continue
		}
		kind := byte('A')
		if f, err := unix.Openat2(int(lower.Fd()), p, &unix.OpenHow{
			Flags: unix.O_PATH | unix.O_NOFOLLOW | unix.O_CLOEXEC, Resolve: noLinks}); err == nil {
			unix.Close(f)
			kind = 'C'
		}
		*changes = append(*changes, change{kind, "/" + p})
		if st.Mode&unix.S_IFMT != unix.S_IFDIR {
			continue
		}
		fd, err := unix.Openat(int(dir.Fd()), name,
			unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		sub := os.NewFile(uintptr(fd), p)
		if kind == 'C' && isOpaque(sub) {
			*changes = append(*changes, opaqueDeletions(sub, lower, p)...)
		}
		err = walkUpper(sub, lower, p, changes)
		sub.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// isOpaque tells whether overlay marked a directory opaque: made anew where the rootfs
// had one (shell: getfattr -n trusted.overlay.opaque DIR).
func isOpaque(dir *os.File) bool {
	buf := make([]byte, 8)
	n, err := unix.Fgetxattr(int(dir.Fd()), "trusted.overlay.opaque", buf)
	return err == nil && n == 1 && buf[0] == 'y'
}

// opaqueDeletions lists the rootfs entries that an opaque directory hides: deleted, though
// no whiteout names them.
func opaqueDeletions(upper, lower *os.File, rel string) []change {
	fd, err := unix.Openat2(int(lower.Fd()), rel, &unix.OpenHow{
		Flags: unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC, Resolve: noLinks})
	if err != nil {
		return nil // not a directory in the rootfs (or a symlink): nothing hidden
	}
	dir := os.NewFile(uintptr(fd), rel)
	defer dir.Close()
	names, _ := dir.Readdirnames(-1)
	var out []change
	for _, name := range names {
		var st unix.Stat_t
		if unix.Fstatat(int(upper.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW) != nil {
			out = append(out, change{'D', "/" + path.Join(rel, name)})
		}
	}
	return out
}
