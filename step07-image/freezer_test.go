package main

import (
	"strings"
	"testing"
	"time"

	"contain/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// logLines counts the lines that a detached container has printed so far.
func logLines(t *testing.T, sb *testkit.Sandbox, name string) int {
	t.Helper()
	return strings.Count(sb.Contain(t, "logs", name), "\n")
}

// pause freezes every process of the container where it stands: its output stops, ps and
// inspect say paused, exec is refused; unpause lets it go on.
func TestPauseUnpause(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", "tick", "sh", "-c",
		"while true; do echo tick; sleep 0.05; done")
	dir := inspectOne(t, sb, "tick").CgroupPath
	testkit.Eventually(t, "it prints", func() bool { return logLines(t, sb, "tick") > 0 })

	assert.Equal(t, "tick\n", sb.Contain(t, "pause", "tick"))
	// pause returns once the kernel says the group is frozen: from then on nothing of it
	// runs, so the log stays as it is (it would have grown by about six lines).
	before := logLines(t, sb, "tick")
	time.Sleep(300 * time.Millisecond)
	assert.Equal(t, before, logLines(t, sb, "tick"), "the log grows while paused")
	assert.Equal(t, "1", readValue(dir, "cgroup.freeze"))
	assert.Regexp(t, `\n[0-9a-f]{12} +tick +\d+ +paused `, sb.Contain(t, "ps"))
	v := inspectOne(t, sb, "tick")
	assert.Equal(t, "paused", v.State.Status)
	assert.True(t, v.State.Paused)
	assert.True(t, v.State.Running, "a paused container still runs, as docker says")
	r := sb.Run(t, "", "exec", "tick", "true")
	assert.Equal(t, 125, r.Code)
	assert.Equal(t, "contain: exec: container tick is paused: unpause it first\n", r.Stderr)

	assert.Equal(t, "tick\n", sb.Contain(t, "unpause", "tick"))
	assert.Equal(t, "0", readValue(dir, "cgroup.freeze"))
	testkit.Eventually(t, "the log grows again", func() bool {
		return logLines(t, sb, "tick") > before
	})
	assert.Regexp(t, `\n[0-9a-f]{12} +tick +\d+ +running `, sb.Contain(t, "ps"))
	v = inspectOne(t, sb, "tick")
	assert.Equal(t, "running", v.State.Status)
	assert.False(t, v.State.Paused)
	sb.Contain(t, "exec", "tick", "true")
}

// pause and unpause of a container in the wrong state are one line each, status 125, and
// change nothing.
func TestPauseErrors(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "run", "--rootfs", testkit.Rootfs(t), "--name", "done", "true")
	sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", "up",
		"probe", "sleep", "30")
	dir := inspectOne(t, sb, "up").CgroupPath
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"pause", "done"}, "contain: pause: container done is not running\n"},
		{[]string{"unpause", "done"}, "contain: unpause: container done is not running\n"},
		{[]string{"unpause", "up"}, "contain: unpause: container up is not paused\n"},
		{[]string{"pause", "nope"}, "contain: pause: no such container: nope\n"},
		{[]string{"pause"}, "contain: pause: usage: contain pause CONTAINER...\n"},
	} {
		r := sb.Run(t, "", tc.args...)
		assert.Equal(t, 125, r.Code, tc.args)
		assert.Equal(t, tc.want, r.Stderr, tc.args)
		assert.Equal(t, "", r.Stdout, tc.args)
	}
	assert.Equal(t, "0", readValue(dir, "cgroup.freeze"))

	sb.Contain(t, "pause", "up")
	r := sb.Run(t, "", "pause", "up")
	assert.Equal(t, 125, r.Code)
	assert.Equal(t, "contain: pause: container up is already paused\n", r.Stderr)
	assert.Equal(t, "paused", inspectOne(t, sb, "up").State.Status, "still paused")
}

// A frozen process cannot act on a SIGTERM: stop thaws the container after sending it, so
// that a command that ends well on SIGTERM still does (without the thaw it would be killed
// after the grace period, status 137).
func TestStopPaused(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", "frozen", "sh", "-c",
		"trap 'exit 7' TERM; echo ready; while true; do sleep 0.1; done")
	// Until the trap is set, the shell is a PID 1 without a handler: the SIGTERM would be
	// lost, and the test would measure the grace period.
	testkit.Eventually(t, "the trap is set", func() bool {
		return sb.Contain(t, "logs", "frozen") == "ready\n"
	})
	sb.Contain(t, "pause", "frozen")
	start := time.Now()
	assert.Equal(t, "frozen\n", sb.Contain(t, "stop", "frozen")) // a grace period of 10 s
	assert.Less(t, time.Since(start), 5*time.Second)
	v := inspectOne(t, sb, "frozen")
	assert.Equal(t, "exited", v.State.Status)
	assert.Equal(t, 7, v.State.ExitCode)
	assert.False(t, v.State.Paused)
}

// rm -f of a paused container: SIGKILL ends frozen processes too, and nothing is left
// (the sandbox checks for leaked processes, state and groups when the test ends).
func TestRmPaused(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", "ice", "sh", "-c",
		"probe sleep 30 & exec probe sleep 30")
	v := inspectOne(t, sb, "ice")
	testkit.Eventually(t, "two processes", func() bool {
		return len(strings.Fields(readValue(v.CgroupPath, "cgroup.procs"))) == 2
	})
	sb.Contain(t, "pause", "ice")
	start := time.Now()
	assert.Equal(t, "ice\n", sb.Contain(t, "rm", "-f", "ice"))
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Equal(t, "", sb.Contain(t, "ps", "-a", "-q"))
	assert.NoDirExists(t, v.CgroupPath)
	require.Zero(t, processStart(v.State.Pid), "the process is gone (or a zombie)")
}
