package main

import (
	"bufio"
	"fmt"
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

// exec joins every namespace of a running container: its PIDs, mounts and hostname.
func TestExec(t *testing.T) {
	sb := testkit.NewSandbox(t)
	startBackground(t, sb, "box", "--hostname", "box", "probe", "sleep", "30")

	out := sb.Contain(t, "exec", "box", "sh", "-c", "hostname; probe ps")
	// (sh runs its last command with execve, in its own place.)
	assert.Regexp(t, `^box\n1 probe\n\d+ probe\n$`, out)
	out = sb.Contain(t, "exec", "box", "probe", "mounts")
	assert.True(t, strings.HasPrefix(out, "/ "), out)
	assert.Contains(t, out, "\n/dev/pts devpts ")

	r := sb.Run(t, "in\n", "exec", "box", "sh", "-c", "cat; exit 4")
	assert.Equal(t, 4, r.Code)
	assert.Equal(t, "in\n", r.Stdout)

	r = sb.Run(t, "", "exec", "box", "no-such-command")
	assert.Equal(t, 127, r.Code)
	assert.Equal(t, "contain: exec: exec \"no-such-command\": executable file not found in"+
		" $PATH\n", r.Stderr)
}

// exec of a container that does not exist, or without a command, is one line and 125.
func TestExecBadInput(t *testing.T) {
	sb := testkit.NewSandbox(t)
	r := sb.Run(t, "", "exec", "nobody", "true")
	assert.Equal(t, 125, r.Code)
	assert.Equal(t, "contain: exec: no such container: nobody\n", r.Stderr)
	r = sb.Run(t, "", "exec", "nobody")
	assert.Equal(t, 125, r.Code)
	assert.Equal(t, "contain: exec: usage: contain exec CONTAINER CMD [ARG...]\n", r.Stderr)
}

// exec joins a container only once its command runs: before that, its first process is
// still the engine setting it up, with the host's mounts in its mount namespace. Here a
// state file names a live process whose setup never finished (no start time of the
// command): exec refuses it.
func TestExecBeforeStart(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sleeper := exec.Command("sleep", "30")
	require.NoError(t, sleeper.Start())
	t.Cleanup(func() { _ = sleeper.Process.Kill(); _ = sleeper.Wait() })
	id := strings.Repeat("5e", 32)
	state := fmt.Sprintf(`{"id": %q, "name": "setup", "pid": %d, "pid_start": %d,
		"config": {"rootfs": "/", "args": ["sleep"], "env": []}}`,
		id, sleeper.Process.Pid, processStart(sleeper.Process.Pid))
	dir := filepath.Join(sb.State, id)
	require.NoError(t, os.MkdirAll(dir, 0o700))
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.WriteFile(filepath.Join(dir, "state.json"), []byte(state), 0o600))
	r := sb.Run(t, "", "exec", "setup", "true")
	assert.Equal(t, 125, r.Code)
	assert.Equal(t, "contain: exec: container setup is still being set up: try again\n",
		r.Stderr)
}

// The C side of exec checks the PID again once it has opened its namespaces: a PID whose
// start time is not the one the engine recorded is another process by now, and it joins
// nothing of it. (Called directly, as the engine starts it, with a start time that lies.)
func TestExecChecksThePIDAgain(t *testing.T) {
	testkit.RequireRoot(t)
	sleeper := exec.Command("sleep", "30")
	require.NoError(t, sleeper.Start())
	t.Cleanup(func() { _ = sleeper.Process.Kill(); _ = sleeper.Wait() })
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	pid := strconv.Itoa(sleeper.Process.Pid)
	for _, tc := range []struct {
		start uint64
		want  string
	}{
		{processStart(sleeper.Process.Pid) + 1, `{"error":"exec: check pid: no such process",` +
			`"code":125}`},
		{processStart(sleeper.Process.Pid), `{"pid":`},
	} {
		cmd := exec.Command(testkit.Engine(t), "nsexec")
		cmd.Env = []string{"_CONTAIN_NSENTER=" + pid,
			"_CONTAIN_NSENTER_START=" + strconv.FormatUint(tc.start, 10)}
		cmd.ExtraFiles = []*os.File{w} // descriptor 3
		require.NoError(t, cmd.Start())
		line, err := bufio.NewReader(r).ReadString('\n')
		require.NoError(t, err)
		assert.Contains(t, strings.ToLower(line), strings.ToLower(tc.want))
		_ = cmd.Wait()
	}
	w.Close()
}
