// Host side: the container's cgroup (v2): made, filled, watched and removed by the engine.

package main

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// cgroup v2 is one tree of directories. A directory is a group of processes; its files are
// the group's limits and counters. The engine owns one directory and makes one child per
// container:
//
//	/sys/fs/cgroup/                   cgroup.subtree_control: +memory +pids ...
//	└── contain/                      holds no process, only groups (the "no internal
//	    │                             processes" rule), and passes controllers down:
//	    │                             cgroup.subtree_control: +memory +pids ...
//	    └── 3f2a.../                  the container: cgroup.procs, memory.max, pids.max ...
//
// A controller (memory, cpu, pids, cpuset) is enabled for the children of a group by
// writing "+name" to the group's cgroup.subtree_control.
var cgroupParent = "contain"

// cgroup2Mount finds where the cgroup v2 hierarchy is mounted (shell: findmnt -t cgroup2).
func cgroup2Mount() (string, error) {
	mounts, err := readMountinfo()
	if err != nil {
		return "", err
	}
	for _, m := range mounts {
		if m.fstype == "cgroup2" {
			return m.point, nil
		}
	}
	return "", errors.New("no cgroup2 hierarchy is mounted " +
		"(shell: mount -t cgroup2 none /sys/fs/cgroup)")
}

type mountEntry struct{ point, fstype, super string }

// readMountinfo lists this process's mounts: mount point, type and superblock options.
func readMountinfo() ([]mountEntry, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var mounts []mountEntry
	scan := bufio.NewScanner(f)
	for scan.Scan() {
		// "36 35 98:0 / /mnt rw - cgroup2 none rw": the type follows the " - ".
		before, after, ok := strings.Cut(scan.Text(), " - ")
		left, right := strings.Fields(before), strings.Fields(after)
		if ok && len(left) > 4 && len(right) > 2 {
			mounts = append(mounts, mountEntry{left[4], right[0], right[2]})
		}
	}
	return mounts, scan.Err()
}

// cgroupPath returns the directory of a container's group: <mount>/<parent>/<ID>.
func cgroupPath(id string) (string, error) {
	root, err := cgroup2Mount()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, cgroupParent, id), nil
}

// newCgroup creates the container's group at path, with its limits. When a limit cannot
// be applied, it says why and leaves nothing behind.
func newCgroup(path string, res *resources) error {
	root, err := cgroup2Mount()
	if err != nil {
		return err
	}
	have, err := checkControllers(root, res)
	if err != nil {
		return err
	}
	parent := filepath.Dir(path)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("cgroup: %w", err)
	}
	// Pass every controller the engine uses down from the root to the parent, even those
	// no limit needs: then every container has its counters (memory.current, pids.current).
	for dir := root; ; dir = filepath.Join(dir, nextDir(parent, dir)) {
		for _, c := range []string{"cpuset", "cpu", "io", "memory", "pids"} {
			if !contains(have, c) {
				continue
			}
			if err := writeCgroup(dir, "cgroup.subtree_control", "+"+c); err != nil {
				return err
			}
		}
		if dir == parent {
			break
		}
	}
	debugf("create cgroup %s (shell: mkdir %[1]s)", path)
	if err := os.Mkdir(path, 0o755); err != nil {
		return fmt.Errorf("cgroup: %w", err)
	}
	if err := res.apply(path); err != nil {
		_ = os.Remove(path)
		return err
	}
	return nil
}

// nextDir returns the name of the directory below dir on the way down to path.
func nextDir(path, dir string) string {
	rest, _ := filepath.Rel(dir, path)
	return strings.Split(rest, string(filepath.Separator))[0]
}

// checkControllers returns the controllers of the hierarchy, and makes sure that every
// one the limits need is among them.
func checkControllers(root string, res *resources) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(root, "cgroup.controllers"))
	if err != nil {
		return nil, fmt.Errorf("cgroup: %w", err)
	}
	have := strings.Fields(string(data))
	for _, c := range res.controllers() {
		if contains(have, c) {
			continue
		}
		why := fmt.Sprintf("the %s controller is not available in the cgroup v2 hierarchy at %s",
			c, root)
		if v1 := cgroupV1Mount(c); v1 != "" {
			why += fmt.Sprintf(" (it is bound to cgroup v1, at %s)", v1)
		}
		return nil, fmt.Errorf("%s: %s", res.flagFor(c), why)
	}
	return have, nil
}

// cgroupV1Mount returns where a controller is mounted as cgroup v1, if it is.
func cgroupV1Mount(controller string) string {
	if controller == "io" {
		controller = "blkio" // cgroup v1's name for it
	}
	mounts, _ := readMountinfo()
	for _, m := range mounts {
		if m.fstype == "cgroup" && contains(strings.Split(m.super, ","), controller) {
			return m.point
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// writeCgroup writes one value to one file of a group, narrating it.
func writeCgroup(dir, file, value string) error {
	path := filepath.Join(dir, file)
	debugf("%s = %s (shell: echo %q > %s)", file, value, value, path)
	if err := os.WriteFile(path, []byte(value), 0o644); err != nil {
		return fmt.Errorf("cgroup: write %q to %s: %w", value, path, err)
	}
	return nil
}

// readCgroupKey reads "key value" lines (memory.events, cgroup.events, cpu.stat) and
// returns the value of one key, or "" when the file or the key is missing.
func readCgroupKey(dir, file, key string) string {
	data, _ := os.ReadFile(filepath.Join(dir, file))
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, " "); ok && k == key {
			return v
		}
	}
	return ""
}

// oomKills counts the processes of the group that the kernel's OOM killer killed.
func oomKills(dir string) int64 {
	n, _ := strconv.ParseInt(readCgroupKey(dir, "memory.events", "oom_kill"), 10, 64)
	return n
}

// populated tells whether any process is left in the group.
func populated(dir string) bool {
	return readCgroupKey(dir, "cgroup.events", "populated") == "1"
}

// waitEmpty waits until no process is left in the group, or the time is up.
func waitEmpty(dir string, timeout time.Duration) bool {
	return waitFor(func() bool { return !populated(dir) }, timeout)
}

// waitFor polls until done() holds, or the time is up.
func waitFor(done func() bool, timeout time.Duration) bool {
	for deadline := time.Now().Add(timeout); ; time.Sleep(10 * time.Millisecond) {
		if done() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// killAll kills every process of the group at once (shell: echo 1 > cgroup.kill). Kernels
// before 5.14 have no cgroup.kill: kill the listed processes until none is left.
func killAll(dir string) {
	debugf("kill every process of %s (shell: echo 1 > %[1]s/cgroup.kill)", dir)
	if os.WriteFile(filepath.Join(dir, "cgroup.kill"), []byte("1"), 0o644) == nil {
		return
	}
	for i := 0; i < 100 && populated(dir); i++ {
		data, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
		for _, pid := range strings.Fields(string(data)) {
			var n int
			if _, err := fmt.Sscan(pid, &n); err == nil {
				_ = unix.Kill(n, unix.SIGKILL)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// cloneIntoCgroup makes the child start inside the group (clone3 with CLONE_INTO_CGROUP,
// Linux 5.7): it is never outside, not even for the instant between fork and a write to
// cgroup.procs. The caller closes the returned directory once the child has started.
func cloneIntoCgroup(attr *syscall.SysProcAttr, dir string) (*os.File, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("cgroup: %w", err)
	}
	debugf("clone into cgroup %s (CLONE_INTO_CGROUP)", dir)
	attr.UseCgroupFD, attr.CgroupFD = true, int(f.Fd())
	return f, nil
}

// removeCgroup kills what is left in the group and removes it (shell: rmdir DIR).
func removeCgroup(dir string) error {
	if dir == "" {
		return nil
	}
	if populated(dir) {
		killAll(dir)
		waitEmpty(dir, 5*time.Second)
	}
	// The container may have made groups of its own inside its group, and rmdir removes
	// only a group without children: remove the deepest first.
	debugf("remove cgroup %s (shell: find %[1]s -depth -type d -exec rmdir {} +)", dir)
	var dirs []string
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, path) // a parent comes before its children
		}
		return nil
	})
	for i := len(dirs) - 1; i > 0; i-- {
		_ = os.Remove(dirs[i])
	}
	err := os.Remove(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("cgroup: %w", err)
	}
	return nil
}
