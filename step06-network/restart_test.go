package main

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"contain/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRestart(t *testing.T) {
	for in, want := range map[string]*restartPolicy{
		"":               nil,
		"no":             nil,
		"always":         {Name: "always"},
		"unless-stopped": {Name: "unless-stopped"},
		"on-failure":     {Name: "on-failure"},
		"on-failure:3":   {Name: "on-failure", MaxRetries: 3},
		"on-failure:0":   {Name: "on-failure"}, // as docker: 0 is no limit
	} {
		got, err := parseRestart(in)
		if assert.NoError(t, err, in) {
			assert.Equal(t, want, got, in)
		}
	}
	for in, want := range map[string]string{
		"sometimes":     "want no, on-failure[:N], always or unless-stopped",
		"Always":        "want no, on-failure[:N], always or unless-stopped",
		"always:3":      "only on-failure takes a count",
		"no:1":          "only on-failure takes a count",
		"on-failure:":   "the count must be a number, 0 or more",
		"on-failure:x":  "the count must be a number, 0 or more",
		"on-failure:-1": "the count must be a number, 0 or more",
	} {
		_, err := parseRestart(in)
		if assert.Error(t, err, in) {
			assert.Equal(t, `--restart "`+in+`": `+want, err.Error())
		}
	}
}

func TestShouldRestart(t *testing.T) {
	var none *restartPolicy
	twice := &restartPolicy{Name: "on-failure", MaxRetries: 2}
	failure := &restartPolicy{Name: "on-failure"}
	always := &restartPolicy{Name: "always"}
	unless := &restartPolicy{Name: "unless-stopped"}
	for _, tc := range []struct {
		name             string
		p                *restartPolicy
		status, restarts int
		want             bool
	}{
		{"no policy", none, 1, 0, false},
		{"on-failure, success", twice, 0, 0, false},
		{"on-failure, first failure", twice, 3, 0, true},
		{"on-failure, one retry left", twice, 137, 1, true},
		{"on-failure, no retry left", twice, 3, 2, false},
		{"on-failure without a count", failure, 1, 1000, true},
		{"on-failure without a count, success", failure, 0, 5, false},
		{"always, success", always, 0, 1000, true},
		{"always, failure", always, 1, 0, true},
		{"unless-stopped", unless, 0, 3, true},
	} {
		assert.Equal(t, tc.want, tc.p.shouldRestart(tc.status, tc.restarts), tc.name)
	}
}

func TestNextDelay(t *testing.T) {
	const ms = time.Millisecond
	var got []time.Duration
	for d := time.Duration(0); len(got) < 12; got = append(got, d) {
		d = nextDelay(d, 50*ms) // short runs: the wait doubles each time
	}
	assert.Equal(t, []time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms, 1600 * ms,
		3200 * ms, 6400 * ms, 12800 * ms, 25600 * ms, 51200 * ms, time.Minute, time.Minute},
		got)
	// A run of 10 s or more was a good one: the next wait is the first again.
	assert.Equal(t, 100*ms, nextDelay(time.Minute, 10*time.Second))
	assert.Equal(t, 100*ms, nextDelay(800*ms, time.Hour))
	assert.Equal(t, 1600*ms, nextDelay(800*ms, 10*time.Second-ms))
}

// on-failure:2 restarts a failing command twice, then leaves it exited with its status.
func TestRestartOnFailure(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", "flaky",
		"--restart", "on-failure:2", "sh", "-c", "sleep 0.2; echo try; exit 3")
	// logs -f follows the container across its restarts, to its last end.
	assert.Equal(t, "try\ntry\ntry\n", sb.Contain(t, "logs", "-f", "flaky"))
	testkit.Eventually(t, "two restarts, then exited", func() bool {
		v := inspectOne(t, sb, "flaky")
		return v.State.Status == "exited" && v.RestartCount == 2
	})
	v := inspectOne(t, sb, "flaky")
	assert.Equal(t, 3, v.State.ExitCode)
	assert.False(t, v.State.Restarting)
	assert.Equal(t, "on-failure", v.HostConfig.RestartPolicy.Name)
	assert.Equal(t, 2, v.HostConfig.RestartPolicy.MaximumRetryCount)
	// Each run appends to the same log.
	assert.Equal(t, "try\ntry\ntry\n", sb.Contain(t, "logs", "flaky"))
	assert.Regexp(t, `\n[0-9a-f]{12} +flaky +\d+ +exited \(3\) `, sb.Contain(t, "ps", "-a"))

	// A command that succeeds is not restarted by on-failure.
	sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", "fine",
		"--restart", "on-failure", "true")
	testkit.Eventually(t, "exited", func() bool {
		return inspectOne(t, sb, "fine").State.Status == "exited"
	})
	time.Sleep(500 * time.Millisecond) // a restart would come after 100 ms
	v = inspectOne(t, sb, "fine")
	assert.Equal(t, "exited", v.State.Status)
	assert.Zero(t, v.RestartCount)
}

// always restarts a command that ends, whatever its status, until stop: a container
// stopped by hand stays stopped.
func TestRestartAlways(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", "again",
		"--restart", "always", "sh", "-c", "echo up; sleep 0.2")
	testkit.Eventually(t, "restarted twice", func() bool {
		return inspectOne(t, sb, "again").RestartCount >= 2
	})
	v := inspectOne(t, sb, "again")
	assert.Equal(t, "always", v.HostConfig.RestartPolicy.Name)
	assert.Zero(t, v.HostConfig.RestartPolicy.MaximumRetryCount)

	// The shell is PID 1 and has no SIGTERM handler: -t 1 kills it after a second, if the
	// stop finds it running rather than waiting to be restarted.
	assert.Equal(t, "again\n", sb.Contain(t, "stop", "-t", "1", "again"))
	testkit.Eventually(t, "exited", func() bool {
		v := inspectOne(t, sb, "again")
		return v.State.Status == "exited" && !v.State.Restarting
	})
	count := inspectOne(t, sb, "again").RestartCount
	// The waits so far were at most 400 ms, then 800 ms: a restart would come before this.
	time.Sleep(2 * time.Second)
	v = inspectOne(t, sb, "again")
	assert.Equal(t, "exited", v.State.Status)
	assert.Equal(t, count, v.RestartCount, "restarted after stop")
	// One line a run, but for a run that stop ended before its echo (it may have been
	// starting again just then).
	up := strings.Count(sb.Contain(t, "logs", "again"), "up\n")
	assert.True(t, up == count || up == count+1, "%d runs, %d restarts", up, count)
}

// kill (SIGKILL) is a stop by hand too, as docker counts it: no restart. A crash would be
// restarted within 100 ms.
func TestRestartKilled(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", "shot",
		"--restart", "always", "probe", "sleep", "30")
	sb.Contain(t, "kill", "shot")
	testkit.Eventually(t, "exited", func() bool {
		return inspectOne(t, sb, "shot").State.Status == "exited"
	})
	time.Sleep(500 * time.Millisecond)
	v := inspectOne(t, sb, "shot")
	assert.Equal(t, "exited", v.State.Status)
	assert.Equal(t, 137, v.State.ExitCode)
	assert.Zero(t, v.RestartCount)
}

// rm -f of a container that its monitor keeps restarting leaves nothing: no state, no
// group, and no monitor once its wait is over (the sandbox checks all three at the end).
func TestRestartRmForce(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", "loop",
		"--restart", "always", "sh", "-c", "exit 1")
	testkit.Eventually(t, "restarted", func() bool {
		return inspectOne(t, sb, "loop").RestartCount >= 1
	})
	dir := inspectOne(t, sb, "loop").CgroupPath
	assert.Equal(t, "loop\n", sb.Contain(t, "rm", "-f", "loop"))
	assert.Equal(t, "", sb.Contain(t, "ps", "-a", "-q"))
	assert.NoDirExists(t, dir)
	testkit.Eventually(t, "the monitor is gone", func() bool {
		out, err := exec.Command("ip", "netns", "pids", sb.Netns).Output()
		return err == nil && strings.TrimSpace(string(out)) == ""
	})
	assert.Equal(t, "", sb.Contain(t, "ps", "-a", "-q"), "nothing came back")
	assert.NoDirExists(t, dir, "nothing came back")
}

// A restart policy needs a monitor (run -d) and a container that stays (no --rm); a bad
// one is refused. Each is one line, status 125, and creates nothing.
func TestRestartBadInput(t *testing.T) {
	sb := testkit.NewSandbox(t)
	for _, tc := range []struct {
		flags []string
		want  string
	}{
		{[]string{"--restart", "always"}, "contain: run: --restart needs -d: the monitor " +
			"of a detached container restarts it\n"},
		{[]string{"-d", "--rm", "--restart", "on-failure"}, "contain: run: --restart and " +
			"--rm conflict: one keeps the container, the other removes it\n"},
		{[]string{"-d", "--restart", "sometimes"}, `contain: run: --restart "sometimes": ` +
			"want no, on-failure[:N], always or unless-stopped\n"},
		{[]string{"-d", "--restart", "on-failure:x"}, `contain: run: --restart ` +
			`"on-failure:x": the count must be a number, 0 or more` + "\n"},
	} {
		args := append(append([]string{"run", "--rootfs", testkit.Rootfs(t)}, tc.flags...),
			"true")
		r := sb.Run(t, "", args...)
		assert.Equal(t, 125, r.Code, tc.flags)
		assert.Equal(t, tc.want, r.Stderr, tc.flags)
		assert.Equal(t, "", r.Stdout, tc.flags)
		require.Equal(t, "", sb.Contain(t, "ps", "-a", "-q"), "nothing is created")
	}
	// --restart no is the default, and allowed in the foreground.
	sb.Contain(t, "run", "--rootfs", testkit.Rootfs(t), "--name", "plain", "--restart", "no",
		"true")
	v := inspectOne(t, sb, "plain")
	assert.Equal(t, "no", v.HostConfig.RestartPolicy.Name)
	assert.Zero(t, v.RestartCount)
}

// rm without -f refuses a container that waits to be restarted, as docker does; rm -f
// removes it, and its monitor.
func TestRmRestarting(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", "loop",
		"--restart", "always", "false")
	testkit.Eventually(t, "restarting", func() bool {
		return inspectOne(t, sb, "loop").State.Status == "restarting"
	})
	r := sb.Run(t, "", "rm", "loop")
	assert.Equal(t, 125, r.Code)
	// (It may be between two runs, or in one for an instant.)
	assert.Regexp(t, `^contain: rm: container loop is (restarting|running): stop it first, `+
		`or use rm -f\n$`, r.Stderr)
	assert.Equal(t, "loop\n", sb.Contain(t, "rm", "-f", "loop"))
}
