package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"contain/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The container has a hostname of its own, and the host's does not change.
func TestHostname(t *testing.T) {
	sb := testkit.NewSandbox(t)
	rootfs := testkit.Rootfs(t)
	before, err := os.Hostname()
	require.NoError(t, err)
	out := sb.Contain(t, "run", "--rootfs", rootfs, "--hostname", "box", "hostname")
	assert.Equal(t, "box\n", out)
	after, err := os.Hostname()
	require.NoError(t, err)
	assert.Equal(t, before, after, "the host's hostname is untouched")

	// Without --hostname, the hostname is the container's short ID (a docker habit).
	out = sb.Contain(t, "run", "--rootfs", rootfs, "hostname")
	assert.Regexp(t, `^[0-9a-f]{12}\n$`, out)

	r := sb.Run(t, "", "run", "--rootfs", rootfs, "--hostname", strings.Repeat("x", 65), "true")
	assert.Equal(t, 125, r.Code)
	assert.Contains(t, r.Stderr, "longer than 64 bytes")
}

// System V IPC objects do not cross the namespace boundary, in either direction.
func TestIPCIsolated(t *testing.T) {
	sb := testkit.NewSandbox(t)
	rootfs := testkit.Rootfs(t)
	const hostKey, ctrKey = 0x5eed01, 0x5eed02
	out, err := exec.Command("ipcmk", "-Q", "-p", "0600", "--key",
		fmt.Sprint(hostKey)).CombinedOutput()
	if err != nil {
		// Old util-linux has no --key: fall back to the probe on the host.
		out, err = exec.Command(rootfs+"/bin/probe", "ipc", "create",
			strconv.Itoa(hostKey)).CombinedOutput()
	}
	require.NoError(t, err, "%s", out)
	t.Cleanup(func() { _ = exec.Command("ipcrm", "-Q", fmt.Sprint(hostKey)).Run() })

	// The rootfs has no /proc; the probe reads /proc/sysvipc, so mount one for it.
	list := sb.Contain(t, "run", "--rootfs", rootfs, "sh", "-c",
		fmt.Sprintf("mount -t proc proc /proc && probe ipc create %d && probe ipc list;"+
			" umount /proc", ctrKey))
	assert.Contains(t, list, fmt.Sprintf("key %d ", ctrKey))
	assert.NotContains(t, list, fmt.Sprintf("key %d ", hostKey), "host queue seen inside")

	host, err := os.ReadFile("/proc/sysvipc/msg")
	require.NoError(t, err)
	assert.NotContains(t, string(host), fmt.Sprintf(" %d ", ctrKey), "container queue on host")
}

// The host's processes do not exist in the container's PID namespace: it cannot signal them.
func TestSignalHostProcesses(t *testing.T) {
	sb := testkit.NewSandbox(t)
	victim := exec.Command("sleep", "60")
	require.NoError(t, victim.Start())
	t.Cleanup(func() { _ = victim.Process.Kill() })
	r := sb.Run(t, "", "run", "--rootfs", testkit.Rootfs(t),
		"probe", "signal", strconv.Itoa(victim.Process.Pid), "TERM")
	assert.Equal(t, 1, r.Code)
	assert.Contains(t, r.Stderr, "no such process")
	assert.NoError(t, victim.Process.Signal(syscall.Signal(0)), "step 3: the host process lives")
}
