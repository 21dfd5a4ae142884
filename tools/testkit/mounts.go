package testkit

import (
	"fmt"
	"os"
	"sort"
	"strings"
)

// HostMounts lists the mount points of the test process's mount namespace, sorted: what a
// container must leave as it was. The network namespaces of the sandboxes are left out.
func HostMounts() []string {
	data, _ := os.ReadFile("/proc/self/mountinfo")
	return mountPoints(string(data))
}

// mountPoints reads the mount points of a mountinfo text.
func mountPoints(mountinfo string) []string {
	var mounts []string
	for _, line := range strings.Split(mountinfo, "\n") {
		f := strings.Fields(line)
		// iproute2 mounts /run/netns once, and the sandboxes of parallel tests come and
		// go: they are not leaks.
		if len(f) > 4 && f[4] != "/run/netns" &&
			!strings.HasPrefix(f[4], "/run/netns/contain-test-") {
			mounts = append(mounts, f[4])
		}
	}
	sort.Strings(mounts)
	return mounts
}

// mountLeaks reports each mount point that after has more often than before (a point can
// be mounted over several times).
func mountLeaks(before, after []string) []string {
	count := map[string]int{}
	for _, m := range before {
		count[m]--
	}
	for _, m := range after {
		count[m]++
	}
	var leaks []string
	for m, n := range count {
		if n > 0 {
			leaks = append(leaks, fmt.Sprintf("leak: mount left on the host: %s", m))
		}
	}
	sort.Strings(leaks)
	return leaks
}
