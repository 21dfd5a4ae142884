package testkit

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// The rootfs is shared by every test of every step, and until step 5 a container writes
// straight into it: a test that leaves a file there changes what the next test sees.
// Main compares the rootfs before and after the run and fails the run if it changed.

// rootfsSnapshot lists every entry of the rootfs with its type, mode and size (a
// directory's size and times change with its entries, so only its existence counts).
func rootfsSnapshot(root string) map[string]string {
	snap := map[string]string{}
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		desc := info.Mode().String()
		if info.Mode().IsRegular() {
			desc += fmt.Sprintf(" %d", info.Size())
		}
		snap[p] = desc
		return nil
	})
	return snap
}

// rootfsChanges lists what differs between two snapshots, one line each.
func rootfsChanges(before, after map[string]string) []string {
	var out []string
	for p, b := range before {
		if a, ok := after[p]; !ok {
			out = append(out, "removed: "+p)
		} else if a != b {
			out = append(out, fmt.Sprintf("changed: %s (%s, was %s)", p, a, b))
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			out = append(out, "added: "+p)
		}
	}
	sort.Strings(out)
	return out
}

// rootfsPath is the rootfs the tests use, or "" when there is none to watch.
func rootfsPath() string {
	dir := os.Getenv("CONTAIN_ROOTFS")
	if dir == "" {
		dir = DefaultRootfs
	}
	if _, err := os.Stat(filepath.Join(dir, "bin", "probe")); err != nil {
		return ""
	}
	return dir
}
