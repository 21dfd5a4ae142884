package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"contain/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// running is a container started in the background by a test.
type running struct {
	name string
	cmd  *exec.Cmd
	done chan error
}

// startBackground runs `contain run --name NAME ARGS...` in the background and returns once
// `contain ps` shows it running. The test's end kills it if it still runs.
func startBackground(t *testing.T, sb *testkit.Sandbox, name string, args ...string) *running {
	t.Helper()
	full := append([]string{"run", "--rootfs", testkit.Rootfs(t), "--name", name}, args...)
	r := &running{name: name, done: make(chan error, 1)}
	r.cmd = sb.Command(context.Background(), full...)
	require.NoError(t, r.cmd.Start())
	go func() { r.done <- r.cmd.Wait() }()
	t.Cleanup(func() {
		if r.cmd.ProcessState == nil {
			if pid := containerPid(t, sb, name); pid != "" {
				_ = exec.Command("kill", "-9", pid).Run()
			}
			<-r.done
		}
	})
	for i := 0; i < 200; i++ {
		for _, line := range strings.Split(sb.Contain(t, "ps"), "\n") {
			if f := strings.Fields(line); len(f) > 3 && f[1] == name && f[3] == "running" {
				return r
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("container %s did not start", name)
	return nil
}

// containerPid returns the host PID that `contain ps` shows for a container.
func containerPid(t *testing.T, sb *testkit.Sandbox, name string) string {
	for _, line := range strings.Split(sb.Contain(t, "ps"), "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[1] == name {
			return f[2]
		}
	}
	return ""
}

// wait waits for the engine of a background container and returns its exit status.
func (r *running) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("container %s did not end", r.name)
	}
	return r.cmd.ProcessState.ExitCode()
}

// A container has an ID, a name and a state file while it runs; the state goes with it.
func TestPsAndState(t *testing.T) {
	sb := testkit.NewSandbox(t)
	assert.Equal(t, "CONTAINER ID   NAME   PID   STATUS   CREATED   PORTS   COMMAND\n", sb.Contain(t, "ps"))
	c := startBackground(t, sb, "web", "probe", "sleep", "30")
	out := sb.Contain(t, "ps")
	assert.Regexp(t, `\n[0-9a-f]{12} +web +\d+ +running +\d+s ago +probe sleep 30\n$`, out)

	pid := containerPid(t, sb, "web")
	require.NoError(t, exec.Command("kill", "-9", pid).Run())
	assert.Equal(t, 137, c.wait(t))
	// Since step 4, an exited container stays until `rm` (see TestRm).
	assert.Regexp(t, `\n[0-9a-f]{12} +web +\d+ +exited \(137\) `, sb.Contain(t, "ps", "-a"))
}

// Names are unique: a second container with a taken name is refused, and nothing of it is
// created. Bad names are refused too.
func TestNames(t *testing.T) {
	sb := testkit.NewSandbox(t)
	startBackground(t, sb, "db", "probe", "sleep", "30")
	r := sb.Run(t, "", "run", "--rootfs", testkit.Rootfs(t), "--name", "db", "true")
	assert.Equal(t, 125, r.Code)
	assert.Regexp(t, `^contain: run: name "db" is already in use by container [0-9a-f]{12}\n$`,
		r.Stderr)
	assert.Equal(t, 2, strings.Count(sb.Contain(t, "ps"), "\n"), "only db is listed")

	r = sb.Run(t, "", "run", "--rootfs", testkit.Rootfs(t), "--name", "../etc", "true")
	assert.Equal(t, 125, r.Code)
	assert.Equal(t, "contain: run: invalid name \"../etc\": use letters, digits and _.-\n",
		r.Stderr)
}

// Concurrent runs racing for one name: exactly one wins.
func TestNameRace(t *testing.T) {
	sb := testkit.NewSandbox(t)
	const n = 8
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			codes[i] = sb.Run(t, "", "run", "--rootfs", testkit.Rootfs(t), "--name", "race",
				"probe", "sleep", "1").Code
		}(i)
	}
	wg.Wait()
	won := 0
	for _, code := range codes {
		if code == 0 {
			won++
		} else {
			assert.Equal(t, 125, code)
		}
	}
	assert.Equal(t, 1, won, fmt.Sprint(codes))
}

// A start time that was never read (0) identifies no process: a container whose command
// ended before the engine looked is not running, even though no process has its start
// time either (before the fix, 0 == 0 made it run for ever).
func TestRunningNeedsStartTime(t *testing.T) {
	gone := exec.Command("true")
	require.NoError(t, gone.Run())
	c := &container{Pid: gone.Process.Pid}
	assert.False(t, c.running(), "PID of an ended process, start time 0")
	c = &container{Pid: os.Getpid(), PidStart: processStart(os.Getpid())}
	assert.True(t, c.running(), "a live process with its own start time")
	c.FinishedAt = time.Now()
	assert.False(t, c.running(), "a recorded end wins")
}

// One damaged state file is reported and skipped: ps and run go on with the others.
func TestDamagedStateFile(t *testing.T) {
	sb := testkit.NewSandbox(t)
	bad := filepath.Join(sb.State, strings.Repeat("d", 64))
	require.NoError(t, os.MkdirAll(bad, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(bad, "state.json"), []byte("{trunc"), 0o600))
	t.Cleanup(func() { os.RemoveAll(bad) }) // runs before the sandbox's leak check
	startBackground(t, sb, "good", "probe", "sleep", "30")
	r := sb.Run(t, "", "ps")
	assert.Equal(t, 0, r.Code)
	assert.Regexp(t, `\n[0-9a-f]{12} +good +\d+ +running `, r.Stdout)
	assert.Regexp(t, `^contain: warning: state of d{64}: .* \(skipped\)\n$`, r.Stderr)
	r = sb.Run(t, "", "run", "--rootfs", testkit.Rootfs(t), "--name", "other", "true")
	assert.Equal(t, 0, r.Code, r.Stderr)
}

// An engine killed while it sets a container up leaves no hidden container: either the
// child dies with the engine (its parent-death signal), or its PID is already recorded and
// ps shows it. The engine is killed at moments from 0 to 15 ms after it starts.
func TestEngineKilledDuringSetup(t *testing.T) {
	sb := testkit.NewSandbox(t)
	for i := 0; i < 48; i++ {
		cmd := sb.Command(context.Background(), "run", "--rootfs", testkit.Rootfs(t),
			"probe", "sleep", "30")
		require.NoError(t, cmd.Start())
		time.Sleep(time.Duration(i%16) * time.Millisecond)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	// A run after them removes what they left half made (state directories).
	sb.Contain(t, "run", "--rootfs", testkit.Rootfs(t), "true")
	// Every process left in the sandbox is the first process of a container that ps lists
	// (a child that lost its engine before it ran the command may take a moment to die).
	recorded := map[string]bool{}
	testkit.Eventually(t, "no process but recorded containers", func() bool {
		for _, line := range strings.Split(sb.Contain(t, "ps", "-a"), "\n")[1:] {
			if f := strings.Fields(line); len(f) > 2 {
				recorded[f[2]] = true
			}
		}
		out, _ := exec.Command("ip", "netns", "pids", sb.Netns).Output()
		for _, pid := range strings.Fields(string(out)) {
			if !recorded[pid] {
				return false
			}
		}
		return true
	})
	// What survived is a container like any other: the sandbox's cleanup removes it with
	// rm -f, and its leak check finds no process, state or cgroup left.
}
