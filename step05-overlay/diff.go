// Host side: `contain diff`, what a container changed, read from its upper dir.

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"syscall"

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

// layerChanges walks the upper dir and compares each entry with the lower dir.
func layerChanges(l *layer) ([]change, error) {
	var changes []change
	err := filepath.WalkDir(l.Upper, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == l.Upper {
			return err
		}
		rel, _ := filepath.Rel(l.Upper, p)
		name := "/" + rel
		info, err := d.Info()
		if err != nil {
			return err
		}
		if isWhiteout(info) {
			changes = append(changes, change{'D', name})
			return nil
		}
		_, lerr := os.Lstat(filepath.Join(l.Lower, rel))
		switch {
		case errors.Is(lerr, os.ErrNotExist):
			changes = append(changes, change{'A', name})
		case lerr != nil:
			return lerr
		default:
			changes = append(changes, change{'C', name})
		}
		if d.IsDir() && isOpaque(p) {
			changes = append(changes, opaqueDeletions(l, rel)...)
		}
		return nil
	})
	sort.Slice(changes, func(i, j int) bool { return changes[i].path < changes[j].path })
	return changes, err
}

// isWhiteout tells a whiteout: a character device with device number 0/0.
func isWhiteout(info fs.FileInfo) bool {
	st, ok := info.Sys().(*syscall.Stat_t) // what os.Lstat gives, not unix.Stat_t
	return ok && info.Mode()&fs.ModeCharDevice != 0 && st.Rdev == 0
}

// isOpaque tells whether overlay marked a directory opaque: made anew where the rootfs
// had one (shell: getfattr -n trusted.overlay.opaque DIR).
func isOpaque(dir string) bool {
	buf := make([]byte, 8)
	n, err := unix.Lgetxattr(dir, "trusted.overlay.opaque", buf)
	return err == nil && n == 1 && buf[0] == 'y'
}

// opaqueDeletions lists the rootfs entries that an opaque directory hides: deleted, though
// no whiteout names them.
func opaqueDeletions(l *layer, rel string) []change {
	entries, _ := os.ReadDir(filepath.Join(l.Lower, rel))
	var out []change
	for _, e := range entries {
		if _, err := os.Lstat(filepath.Join(l.Upper, rel, e.Name())); err != nil {
			out = append(out, change{'D', "/" + filepath.Join(rel, e.Name())})
		}
	}
	return out
}
