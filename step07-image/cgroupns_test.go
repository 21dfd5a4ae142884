package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"contain/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// In a cgroup namespace of its own, the container sees its group as the root, and so does
// a process that exec starts in it: it learns nothing of the host's groups.
func TestCgroupNamespace(t *testing.T) {
	sb := testkit.NewSandbox(t)
	out := sb.Contain(t, "run", "--rootfs", testkit.Rootfs(t), "probe", "cgroup")
	assert.Equal(t, "0::/\n", readV2Line(t, out))

	sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", "own",
		"probe", "sleep", "30")
	v := inspectOne(t, sb, "own")
	assert.Equal(t, "private", v.HostConfig.CgroupnsMode)
	// exec joins the namespace: outside it, the same group would read as its full path.
	assert.Equal(t, "0::/\n", readV2Line(t, sb.Contain(t, "exec", "own", "probe", "cgroup")))
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/cgroup", v.State.Pid))
	require.NoError(t, err)
	host, err := os.Readlink("/proc/self/ns/cgroup")
	require.NoError(t, err)
	assert.NotEqual(t, host, ns, "a namespace of its own")
	assert.Equal(t, ns+"\n", sb.Contain(t, "exec", "own", "readlink", "/proc/self/ns/cgroup"))
	// On the host side, the first process is where the engine put it.
	root, err := cgroup2Mount()
	require.NoError(t, err)
	hostView, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", v.State.Pid))
	require.NoError(t, err)
	assert.Equal(t, "0::"+strings.TrimPrefix(v.CgroupPath, root)+"\n",
		readV2Line(t, string(hostView)))

	// --cgroupns private is the default, spelled out.
	out = sb.Contain(t, "run", "--rootfs", testkit.Rootfs(t), "--cgroupns", "private",
		"probe", "cgroup")
	assert.Equal(t, "0::/\n", readV2Line(t, out))
}

// /sys/fs/cgroup inside is the container's own group, mounted read-only: its cgroup.procs
// lists the container's processes only (here its one process, PID 1), and nothing can be
// written there.
func TestCgroupMountInside(t *testing.T) {
	sb := testkit.NewSandbox(t)
	out := sb.Contain(t, "run", "--rootfs", testkit.Rootfs(t), "probe", "mounts")
	assert.Regexp(t, `(?m)^/sys/fs/cgroup cgroup2 ro,`, out)
	out = sb.Contain(t, "run", "--rootfs", testkit.Rootfs(t),
		"probe", "cat", "/sys/fs/cgroup/cgroup.procs")
	assert.Equal(t, "1\n", out)

	for _, script := range []string{"echo $$ > /sys/fs/cgroup/cgroup.procs",
		"mkdir /sys/fs/cgroup/sub", "echo 1 > /sys/fs/cgroup/cgroup.freeze"} {
		r := sb.Run(t, "", "run", "--rootfs", testkit.Rootfs(t), "sh", "-c", script)
		assert.NotEqual(t, 0, r.Code, script)
		assert.Contains(t, r.Stderr, "Read-only file system", script)
	}
}

// --cgroupns host keeps the engine's namespace: the container sees the full path of its
// group, and the whole tree at /sys/fs/cgroup.
func TestCgroupNamespaceHost(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", "shared",
		"--cgroupns", "host", "probe", "sleep", "30")
	v := inspectOne(t, sb, "shared")
	assert.Equal(t, "host", v.HostConfig.CgroupnsMode)
	root, err := cgroup2Mount()
	require.NoError(t, err)
	want := "0::" + strings.TrimPrefix(v.CgroupPath, root) + "\n"
	assert.Regexp(t, `^0::/.+/[0-9a-f]{64}\n$`, want)
	assert.Equal(t, want, readV2Line(t, sb.Contain(t, "exec", "shared", "probe", "cgroup")))
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/cgroup", v.State.Pid))
	require.NoError(t, err)
	host, err := os.Readlink("/proc/self/ns/cgroup")
	require.NoError(t, err)
	assert.Equal(t, host, ns)
	// /sys/fs/cgroup is the host's whole tree, read-only, as docker mounts it: the group
	// of the container is in it, under its full path.
	assert.Contains(t, sb.Contain(t, "exec", "shared", "probe", "mounts"),
		"\n/sys/fs/cgroup cgroup2 ro,")
	rel := strings.TrimPrefix(v.CgroupPath, root)
	assert.Equal(t, "1\n", sb.Contain(t, "exec", "shared", "grep", "-x", "1",
		"/sys/fs/cgroup"+rel+"/cgroup.procs"))
}

// The cgroup escape of TestStopEscapedProcess fails in a namespace of its own: a cgroup2
// mount made inside has the container's group as its root, so writing to the root's
// cgroup.procs leaves the process where it was.
func TestCgroupEscapeFails(t *testing.T) {
	sb := testkit.NewSandbox(t)
	// The tmpfs keeps the mount point out of the shared rootfs.
	sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", "esc", "sh", "-c",
		"mount -t tmpfs scratch /tmp && mkdir /tmp/cg && mount -t cgroup2 none /tmp/cg && "+
			"echo $$ > /tmp/cg/cgroup.procs && "+
			"while read p; do echo $p; done </tmp/cg/cgroup.procs && "+
			"umount /tmp/cg && echo tried && exec probe sleep 30")
	v := inspectOne(t, sb, "esc")
	testkit.Eventually(t, "the escape was tried", func() bool {
		return strings.Contains(sb.Contain(t, "logs", "esc"), "tried\n")
	})
	// The mount's root is the container's own group: only its own process is there (read
	// by the shell's builtins, so that no other process is).
	assert.Equal(t, "1\ntried\n", sb.Contain(t, "logs", "esc"))
	assert.True(t, populated(v.CgroupPath), "the group is still populated")
	assert.Equal(t, []string{strconv.Itoa(v.State.Pid)},
		strings.Fields(readValue(v.CgroupPath, "cgroup.procs")))
	assert.Equal(t, "running", inspectOne(t, sb, "esc").State.Status)
}

// A bad --cgroupns is one line, status 125, and creates nothing.
func TestCgroupNamespaceBadInput(t *testing.T) {
	sb := testkit.NewSandbox(t)
	for _, mode := range []string{"nope", "", "Host", "container:x"} {
		r := sb.Run(t, "", "run", "--rootfs", testkit.Rootfs(t), "--cgroupns", mode, "true")
		assert.Equal(t, 125, r.Code, mode)
		assert.Equal(t, fmt.Sprintf("contain: run: --cgroupns %q: want private or host\n",
			mode), r.Stderr)
		assert.Equal(t, "", r.Stdout)
		assert.Equal(t, "", sb.Contain(t, "ps", "-a", "-q"), "nothing is created")
	}
}
