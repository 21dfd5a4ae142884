package testkit

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Cgroup2Mount returns where the cgroup v2 hierarchy is mounted, from the first mount of
// type cgroup2 in /proc/self/mountinfo (shell: findmnt -t cgroup2).
func Cgroup2Mount() (string, error) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return "", err
	}
	if point, ok := cgroup2Point(string(data)); ok {
		return point, nil
	}
	return "", errors.New("no cgroup2 hierarchy is mounted " +
		"(shell: mount -t cgroup2 none /sys/fs/cgroup)")
}

// cgroup2Point finds the first cgroup2 mount of a mountinfo text.
func cgroup2Point(mountinfo string) (string, bool) {
	for _, line := range strings.Split(mountinfo, "\n") {
		// "36 35 98:0 / /mnt rw - cgroup2 none rw": the type follows the " - ".
		before, after, ok := strings.Cut(line, " - ")
		left, right := strings.Fields(before), strings.Fields(after)
		if ok && len(left) > 4 && len(right) > 0 && right[0] == "cgroup2" {
			return left[4], true
		}
	}
	return "", false
}

// hasController reports whether the cgroup v2 hierarchy has the controller: on a host
// that binds it to cgroup v1, it is missing from the root's cgroup.controllers.
func hasController(name string) (bool, string, error) {
	root, err := Cgroup2Mount()
	if err != nil {
		return false, "", err
	}
	data, err := os.ReadFile(filepath.Join(root, "cgroup.controllers"))
	if err != nil {
		return false, root, err
	}
	return slices.Contains(strings.Fields(string(data)), name), root, nil
}

// RequireController skips (or, in the VM lane, fails) a test whose limit needs a cgroup
// v2 controller that this machine does not give to the v2 hierarchy.
func RequireController(t testing.TB, name string) {
	t.Helper()
	ok, root, err := hasController(name)
	require.NoError(t, err)
	if !ok {
		Skip(t, fmt.Sprintf("the %s controller is not in the cgroup v2 hierarchy at %s "+
			"(bound to cgroup v1 here): the VM lane, make test-vm, runs this test",
			name, root))
	}
}

// cgroupLeaks reports the groups left below a sandbox's group, removes them with what
// runs in them, and removes the sandbox's group.
func cgroupLeaks(group string) []string {
	root, err := Cgroup2Mount()
	if err != nil {
		return nil
	}
	dir := filepath.Join(root, group)
	var leaks []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.IsDir() {
			leaks = append(leaks, fmt.Sprintf("leak: cgroup left: %s", e.Name()))
			removeCgroup(filepath.Join(dir, e.Name()))
		}
	}
	_ = os.Remove(dir)
	return leaks
}

// removeCgroup kills every process of a group and its descendants, and removes them,
// deepest first (shell: echo 1 > DIR/cgroup.kill; rmdir DIR).
func removeCgroup(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.IsDir() {
			removeCgroup(filepath.Join(dir, e.Name()))
		}
	}
	for deadline := time.Now().Add(5 * time.Second); populated(dir); {
		// cgroup.kill is Linux 5.14: before it, kill each process of the group.
		if os.WriteFile(filepath.Join(dir, "cgroup.kill"), []byte("1"), 0o644) != nil {
			data, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
			for _, pid := range strings.Fields(string(data)) {
				if n, err := strconv.Atoi(pid); err == nil {
					_ = syscall.Kill(n, syscall.SIGKILL)
				}
			}
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = os.Remove(dir)
}

// populated reports whether processes are left in a group or below it.
func populated(dir string) bool {
	data, _ := os.ReadFile(filepath.Join(dir, "cgroup.events"))
	return strings.Contains("\n"+string(data), "\npopulated 1")
}
