package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"contain/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The command is PID 1 of its own PID namespace.
func TestPID1(t *testing.T) {
	sb := testkit.NewSandbox(t)
	out := sb.Contain(t, "run", "--rootfs", testkit.Rootfs(t), "probe", "id")
	assert.Contains(t, out, "pid 1\nppid 0\n")
}

// The container's mount table holds its rootfs, /proc, a read-only /sys and a small /dev,
// and nothing of the host's; since step 4, its own cgroup too, read-only (cgroupns.go).
func TestMountTable(t *testing.T) {
	sb := testkit.NewSandbox(t)
	out := sb.Contain(t, "run", "--rootfs", testkit.Rootfs(t), "probe", "mounts")
	var points []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		points = append(points, f[0])
		if f[0] == "/sys" || f[0] == "/sys/fs/cgroup" {
			assert.Regexp(t, `^ro,`, f[2], "%s is read-only", f[0])
		}
	}
	// Step 4: the container's own cgroup, read-only (cgroupns.go). Step 6: the engine's
	// /etc/hosts, /etc/hostname and /etc/resolv.conf (etcfiles.go). Kernels list mounts
	// moved in with move_mount in different orders: compare the sets.
	assert.ElementsMatch(t, []string{"/", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf",
		"/proc", "/sys", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys/fs/cgroup"},
		points)

	out = sb.Contain(t, "run", "--rootfs", testkit.Rootfs(t), "ls", "/dev")
	assert.Equal(t, "fd\nfull\nmqueue\nnull\nptmx\npts\nrandom\nshm\nstderr\nstdin\nstdout\n"+
		"tty\nurandom\nzero\n", out)
	r := sb.Run(t, "", "run", "--rootfs", testkit.Rootfs(t), "sh", "-c",
		"echo gone >/dev/null && head -c 4 /dev/zero | wc -c && touch /sys/x")
	assert.Equal(t, "4\n", r.Stdout)
	assert.Contains(t, r.Stderr, "Read-only file system")
	// New terminals belong to the tty group (5), as on the host.
	out = sb.Contain(t, "run", "--rootfs", testkit.Rootfs(t), "grep", " - devpts ",
		"/proc/self/mountinfo")
	assert.Contains(t, out, ",gid=5,")
}

// A mount made inside the container never appears on the host, and the files under it
// never reach the rootfs.
func TestMountsStayInside(t *testing.T) {
	sb := testkit.NewSandbox(t)
	rootfs := testkit.Rootfs(t)
	sb.Contain(t, "run", "--rootfs", rootfs, "sh", "-c",
		"mount -t tmpfs scratch /tmp && echo x >/tmp/contain-mount-test")
	_, err := os.Stat(filepath.Join(rootfs, "tmp/contain-mount-test"))
	assert.ErrorIs(t, err, os.ErrNotExist)
	host, err := os.ReadFile("/proc/self/mountinfo")
	require.NoError(t, err)
	assert.NotContains(t, string(host), "scratch")
}

// Many runs leave the host's mount table exactly as it was.
func TestHostMountTableUnchanged(t *testing.T) {
	sb := testkit.NewSandbox(t)
	before := testkit.HostMounts()
	for i := 0; i < 30; i++ {
		sb.Contain(t, "run", "--rootfs", testkit.Rootfs(t), "true")
	}
	assert.Equal(t, before, testkit.HostMounts())
}
