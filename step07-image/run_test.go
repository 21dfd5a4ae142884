package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"contain/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The exit status of `contain run` is the command's, with docker's conventions.
func TestRunExitStatus(t *testing.T) {
	sb := testkit.NewSandbox(t)
	rootfs := testkit.Rootfs(t)
	tests := []struct {
		name   string
		cmd    []string
		code   int
		stderr string
	}{
		{"success", []string{"true"}, 0, ""},
		{"the command's own status", []string{"sh", "-c", "exit 3"}, 3, ""},
		// As PID 1, the shell is immune to SIGKILL sent from inside its own namespace (a
		// kill from the host works: see TestPsAndState).
		{"killed by a signal", []string{"sh", "-c", "kill -9 $$"}, 0, ""},
		{"not found", []string{"no-such-command"}, 127,
			"contain: run: exec \"no-such-command\": executable file not found in $PATH\n"},
		{"not executable", []string{"/etc/passwd"}, 126,
			"contain: run: exec \"/etc/passwd\": permission denied\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := sb.Run(t, "", append([]string{"run", "--rootfs", rootfs}, tc.cmd...)...)
			assert.Equal(t, tc.code, r.Code)
			assert.Equal(t, tc.stderr, r.Stderr)
		})
	}
}

// Bad input gets one clear line and status 125, and starts nothing.
func TestRunBadInput(t *testing.T) {
	sb := testkit.NewSandbox(t)
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"missing rootfs", []string{"run", "--rootfs", "/nonexistent", "true"},
			"contain: run: rootfs: stat /nonexistent: no such file or directory\n"},
		{"unknown flag", []string{"run", "--no-such-flag", "true"},
			"contain: run: unknown flag: --no-such-flag\n"},
		{"no command", []string{"run"},
			"contain: run: no command given (usage: contain run [FLAGS] CMD [ARG...])\n"},
		{"unknown command", []string{"walk"},
			"contain: unknown command \"walk\" (see 'contain help')\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := sb.Run(t, "", tc.args...)
			assert.Equal(t, 125, r.Code)
			assert.Equal(t, tc.stderr, r.Stderr)
			assert.Empty(t, r.Stdout)
		})
	}
}

// Standard streams pass through, unchanged and separate.
func TestRunStreams(t *testing.T) {
	sb := testkit.NewSandbox(t)
	rootfs := testkit.Rootfs(t)
	r := sb.Run(t, "from stdin\n", "run", "--rootfs", rootfs, "cat")
	assert.Equal(t, "from stdin\n", r.Stdout)
	r = sb.Run(t, "", "run", "--rootfs", rootfs, "sh", "-c", "echo out; echo err >&2")
	assert.Equal(t, "out\n", r.Stdout)
	assert.Equal(t, "err\n", r.Stderr)
}

// The command inherits only its standard streams: a descriptor handed to the engine (here
// the host's / as descriptor 7) would be a way out of the container.
func TestNoInheritedDescriptors(t *testing.T) {
	sb := testkit.NewSandbox(t)
	root, err := os.Open("/")
	require.NoError(t, err)
	defer root.Close()
	cmd := sb.Command(context.Background(), "run", "--rootfs", testkit.Rootfs(t),
		"sh", "-c", "exec 8<&7 && echo leaked")
	cmd.ExtraFiles = []*os.File{nil, nil, nil, nil, root} // descriptor 3+4
	out, err := cmd.CombinedOutput()
	assert.Error(t, err)
	assert.NotContains(t, string(out), "leaked")
}

// With --init, PID 1 is the engine itself, which never executes the command: a descriptor
// it inherited would stay open in the container for good (runc's CVE-2024-21626 class).
// Here the host's / as descriptor 7 must not be reachable as /proc/1/fd/7.
func TestInitHoldsNoHostDescriptor(t *testing.T) {
	sb := testkit.NewSandbox(t)
	root, err := os.Open("/")
	require.NoError(t, err)
	defer root.Close()
	cmd := sb.Command(context.Background(), "run", "--rootfs", testkit.Rootfs(t), "--init",
		"sh", "-c", "ls /proc/1/fd/7/ && echo leaked; ls /proc/1/fd")
	cmd.ExtraFiles = []*os.File{nil, nil, nil, nil, root} // descriptor 3+4
	out, _ := cmd.CombinedOutput()
	assert.NotContains(t, string(out), "leaked")
}

// The container sees the rootfs as its /, with a clean environment.
func TestRunRootfs(t *testing.T) {
	sb := testkit.NewSandbox(t)
	rootfs := testkit.Rootfs(t)
	out := sb.Contain(t, "run", "--rootfs", rootfs, "cat", "/etc/os-release")
	host, err := os.ReadFile(filepath.Join(rootfs, "etc/os-release"))
	require.NoError(t, err)
	assert.Equal(t, string(host), out)
	t.Setenv("CONTAIN_LEAK_CHECK", "host value")
	out = sb.Contain(t, "run", "--rootfs", rootfs, "env")
	assert.Contains(t, out, "PATH=/usr/local/sbin:")
	assert.NotContains(t, out, "CONTAIN_LEAK_CHECK")
}

// --debug narrates each isolation decision.
func TestDebugNarration(t *testing.T) {
	sb := testkit.NewSandbox(t)
	rootfs := testkit.Rootfs(t)
	r := sb.Run(t, "", "--debug", "run", "--rootfs", rootfs, "true")
	require.Equal(t, 0, r.Code)
	assert.Contains(t, r.Stderr, "[contain] new PID namespace")
	// Step 5: the rootfs is the overlay's lower layer; the root is the overlay. Step 6: the
	// mount points of the engine's /etc files are a layer under it (etcfiles.go).
	assert.Contains(t, r.Stderr, "overlay -o lowerdir="+rootfs+":"+sb.Data+"/etc-layer,")
	assert.Regexp(t, `\[contain\] pivot_root into \S+/merged `, r.Stderr)
	assert.Contains(t, r.Stderr, "[contain] execve /bin/true")
}

// The chroot escape of step 1 fails: after pivot_root the old root is detached, and no
// path leads back to the host's files.
func TestChrootEscape(t *testing.T) {
	sb := testkit.NewSandbox(t)
	secret := filepath.Join(t.TempDir(), "secret")
	require.NoError(t, os.WriteFile(secret, []byte("host secret\n"), 0o600))
	r := sb.Run(t, "", "run", "--rootfs", testkit.Rootfs(t), "probe", "escape", secret)
	assert.Equal(t, 1, r.Code, r.Stderr)
	assert.Contains(t, r.Stderr, "probe: escape failed")
	assert.Empty(t, r.Stdout, "step 3: the escape does not reach the host's file")
}

// A /proc mounted in the container shows only the container's processes: the host's PIDs,
// this test's included, do not exist in its PID namespace.
func TestHostProcesses(t *testing.T) {
	sb := testkit.NewSandbox(t)
	out := sb.Contain(t, "run", "--rootfs", testkit.Rootfs(t), "sh", "-c",
		"mount -t proc proc /proc && probe ps; umount /proc")
	me := strconv.Itoa(os.Getpid()) + " "
	seen := false
	for _, line := range strings.Split(out, "\n") {
		seen = seen || strings.HasPrefix(line, me)
	}
	assert.False(t, seen, "step 3: the test process (pid %s) is visible:\n%s", me, out)
	assert.Regexp(t, `^1 sh\n\d+ probe\n$`, out, "only the container's two processes")
}

// The command gets the usual umask (022), not the one of whoever ran the engine.
func TestUmask(t *testing.T) {
	sb := testkit.NewSandbox(t)
	cmd := sb.Command(context.Background(), "run", "--rootfs", testkit.Rootfs(t), "sh", "-c",
		"umask")
	cmd.Args = append([]string{"sh", "-c", `umask 077 && exec "$@"`, "sh", cmd.Path},
		cmd.Args[1:]...)
	cmd.Path = "/bin/sh"
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Equal(t, "0022\n", string(out))
}

// `hostname NAME` in a container renames the container only (in step 1, the host). (The
// engine runs in a UTS namespace of the test's own: were the host renamed, it would be the
// test's copy, and this machine would keep its name.)
func TestHostnameFromContainer(t *testing.T) {
	sb := testkit.NewSandbox(t)
	wrapper := sb.Command(context.Background()).Path
	cmd := exec.Command("unshare", "--uts", "sh", "-c", `"$0" run --rootfs "$1" `+
		`hostname pwned-by-container && hostname`, wrapper, testkit.Rootfs(t))
	cmd.Env = append(os.Environ(), sb.Env()...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	host, err := os.Hostname()
	require.NoError(t, err)
	// Step 2 on: the container has a UTS namespace of its own; the host keeps its name.
	assert.Equal(t, host+"\n", string(out))
}
