package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"contain/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// run -d prints the ID and returns; the monitor keeps the output for `logs` and records
// the exit status.
func TestDetachAndLogs(t *testing.T) {
	sb := testkit.NewSandbox(t)
	id := sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", "talk", "sh", "-c",
		"echo out; echo err >&2; sleep 0.3; echo done; exit 3")
	assert.Regexp(t, `^[0-9a-f]{64}\n$`, id)
	// -f follows until the container ends, then returns everything, in order.
	assert.Equal(t, "out\nerr\ndone\n", sb.Contain(t, "logs", "-f", "talk"))
	assert.Equal(t, "out\nerr\ndone\n", sb.Contain(t, "logs", "talk"))
	testkit.Eventually(t, "exit recorded", func() bool {
		return inspectOne(t, sb, "talk").State.Status == "exited"
	})
	v := inspectOne(t, sb, "talk")
	assert.Equal(t, 3, v.State.ExitCode)
	assert.Equal(t, strings.TrimSpace(id), v.ID)
	assert.False(t, v.State.OOMKilled)
}

// stop of a process that ignores SIGTERM: after the grace period, everything in the
// cgroup is killed, and nothing of the container is left running.
func TestStopTimeout(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", "stubborn", "sh", "-c",
		"probe sigignore & exec probe sigignore")
	dir := inspectOne(t, sb, "stubborn").CgroupPath
	// Each prints ready once it ignores SIGTERM. Before that, a SIGTERM ends a Go program
	// (here with status 2: as PID 1 it survives its own re-raised signal, and exits).
	testkit.Eventually(t, "two processes ignore SIGTERM", func() bool {
		return sb.Contain(t, "logs", "stubborn") == "ready\nready\n"
	})
	assert.Len(t, strings.Fields(readValue(dir, "cgroup.procs")), 2)
	start := time.Now()
	assert.Equal(t, "stubborn\n", sb.Contain(t, "stop", "-t", "2", "stubborn"))
	took := time.Since(start)
	// The grace period is the lower bound; the upper one leaves room for a slow VM lane.
	assert.GreaterOrEqual(t, took, 2*time.Second)
	assert.Less(t, took, 10*time.Second)
	assert.Equal(t, "", readValue(dir, "cgroup.procs"), "nothing left in the cgroup")
	v := inspectOne(t, sb, "stubborn")
	assert.Equal(t, "exited", v.State.Status)
	assert.Equal(t, 137, v.State.ExitCode)
}

// A process that handles SIGTERM ends at once, with its own status.
func TestStopGraceful(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", "polite", "sh", "-c",
		"trap 'exit 7' TERM; echo ready; while true; do sleep 0.1; done")
	// Until the trap is set, the shell is a PID 1 without a handler: SIGTERM would be lost.
	testkit.Eventually(t, "the trap is set", func() bool {
		return sb.Contain(t, "logs", "polite") == "ready\n"
	})
	start := time.Now()
	sb.Contain(t, "stop", "polite")
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Equal(t, 7, inspectOne(t, sb, "polite").State.ExitCode)
}

// kill sends a signal to the first process: KILL by default, or the one asked for.
func TestKill(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--init", "--name", "k",
		"probe", "sleep", "30")
	sb.Contain(t, "kill", "-s", "TERM", "k")
	testkit.Eventually(t, "exited", func() bool {
		return inspectOne(t, sb, "k").State.Status == "exited"
	})
	assert.Equal(t, 128+int(syscall.SIGTERM), inspectOne(t, sb, "k").State.ExitCode)

	r := sb.Run(t, "", "kill", "-s", "NOPE", "k")
	assert.Equal(t, 125, r.Code)
	assert.Equal(t, "contain: kill: unknown signal \"NOPE\"\n", r.Stderr)
	r = sb.Run(t, "", "kill", "k")
	assert.Equal(t, "contain: kill: container k is not running\n", r.Stderr)
}

// rm refuses a running container without -f; rm -f kills it and removes its cgroup and
// its state; nothing of it is left.
func TestRm(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", "gone",
		"probe", "sleep", "30")
	v := inspectOne(t, sb, "gone")
	r := sb.Run(t, "", "rm", "gone")
	assert.Equal(t, 125, r.Code)
	assert.Equal(t, "contain: rm: container gone is running: stop it first, or use rm -f\n",
		r.Stderr)
	assert.Equal(t, "gone\n", sb.Contain(t, "rm", "-f", "gone"))
	assert.Equal(t, "", sb.Contain(t, "ps", "-a", "-q"))
	assert.NoDirExists(t, v.CgroupPath)
	assert.NoDirExists(t, filepath.Join(sb.State, v.ID))
	assert.Zero(t, processStart(v.State.Pid), "the process is gone (or a zombie)")
}

// --rm removes the container when it ends, in the foreground and detached.
func TestRunRm(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "run", "--rm", "--rootfs", testkit.Rootfs(t), "true")
	assert.Equal(t, "", sb.Contain(t, "ps", "-a", "-q"))
	sb.Contain(t, "run", "-d", "--rm", "--rootfs", testkit.Rootfs(t), "sleep", "0.2")
	testkit.Eventually(t, "removed", func() bool { return sb.Contain(t, "ps", "-a", "-q") == "" })
}

// A container whose command cannot start leaves nothing: no state, no cgroup.
func TestStartFailureLeavesNothing(t *testing.T) {
	sb := testkit.NewSandbox(t)
	for _, detach := range [][]string{nil, {"-d"}} {
		args := append(append([]string{"run"}, detach...), "--rootfs", testkit.Rootfs(t), "nope")
		r := sb.Run(t, "", args...)
		assert.Equal(t, 127, r.Code)
		assert.Equal(t, "contain: run: exec \"nope\": executable file not found in $PATH\n",
			r.Stderr)
		assert.Equal(t, "", r.Stdout)
		assert.Equal(t, "", sb.Contain(t, "ps", "-a", "-q"))
		root, err := cgroup2Mount()
		require.NoError(t, err)
		entries, _ := os.ReadDir(filepath.Join(root, sb.Group))
		for _, e := range entries {
			assert.False(t, e.IsDir(), "cgroup left: %s", e.Name())
		}
	}
}

// The first process is inside the container's cgroup from its first instruction (clone
// into the cgroup), and so is a process started by exec. The container has a cgroup
// namespace of its own (cgroupns_test.go), whose root is its group: inside, that group
// reads as /.
func TestCgroupPlacement(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", "cg",
		"probe", "sleep", "30")
	v := inspectOne(t, sb, "cg")
	assert.Equal(t, "0::/\n", readV2Line(t, sb.Contain(t, "exec", "cg", "probe", "cgroup")))
	procs := strings.Fields(readValue(v.CgroupPath, "cgroup.procs"))
	assert.Contains(t, procs, strconv.Itoa(v.State.Pid))
}

func readV2Line(t *testing.T, cgroupFile string) string {
	for _, line := range strings.SplitAfter(cgroupFile, "\n") {
		if strings.HasPrefix(line, "0::") {
			return line
		}
	}
	t.Fatalf("no cgroup v2 line in %q", cgroupFile)
	return ""
}

// stats reads the cgroup's counters.
func TestStats(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", "st",
		"probe", "sleep", "30")
	out := sb.Contain(t, "stats", "st")
	assert.Regexp(t, `^CONTAINER ID +NAME +CPU % +MEM USAGE / LIMIT +PIDS / LIMIT\n`+
		`[0-9a-f]{12} +st +\d+\.\d% +\S+ / \S+ +\S+ / \S+\n$`, out)
}

// An engine killed with SIGKILL leaves its container running: ps still shows it, and
// rm -f removes all of it.
func TestEngineKilled(t *testing.T) {
	sb := testkit.NewSandbox(t)
	c := startBackground(t, sb, "orphan", "probe", "sleep", "30")
	// ps says running as soon as the child exists, but the child dies if the engine does
	// before it has sent the configuration: wait until the command itself runs.
	pid := containerPid(t, sb, "orphan")
	testkit.Eventually(t, "probe runs", func() bool {
		cmdline, _ := os.ReadFile("/proc/" + pid + "/cmdline")
		return strings.HasPrefix(string(cmdline), "probe\x00")
	})
	require.NoError(t, c.cmd.Process.Kill())
	c.wait(t)
	assert.Regexp(t, `\n[0-9a-f]{12} +orphan +\d+ +running `, sb.Contain(t, "ps"))
	v := inspectOne(t, sb, "orphan")
	sb.Contain(t, "rm", "-f", "orphan")
	assert.NoDirExists(t, v.CgroupPath)
	assert.Zero(t, processStart(v.State.Pid), "the process is gone (or a zombie)")
}

// Root in the container can move itself out of its cgroup (step 8 takes that away). stop
// still ends it: it waits for the first process too, and kills it after the grace period.
// The escape needs the host's cgroup namespace: in one of its own (the default), the
// cgroup2 it mounts has its own group as the root, and the escape fails (cgroupns_test.go).
func TestStopEscapedProcess(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", "esc", "--cgroupns",
		"host", "sh", "-c",
		"mount -t tmpfs scratch /tmp && mkdir /tmp/cg && mount -t cgroup2 none /tmp/cg && "+
			"echo $$ > /tmp/cg/cgroup.procs"+
			" && umount /tmp/cg && exec probe sigignore")
	v := inspectOne(t, sb, "esc")
	testkit.Eventually(t, "the group is empty", func() bool { return !populated(v.CgroupPath) })
	require.NotZero(t, processStart(v.State.Pid), "the container still runs, outside its group")
	sb.Contain(t, "stop", "-t", "1", "esc")
	assert.Zero(t, processStart(v.State.Pid), "stopped")
	assert.Equal(t, "exited", inspectOne(t, sb, "esc").State.Status)
}

// A container may make groups of its own inside its group; rm -f removes them too,
// deepest first (rmdir refuses a group that has children: EBUSY).
func TestRmRemovesSubgroups(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", "nest", "sh", "-c",
		"mount -t tmpfs scratch /tmp && mkdir /tmp/cg && mount -t cgroup2 none /tmp/cg && "+
			"mkdir -p /tmp/cg/a/b && "+
			"echo $$ > /tmp/cg/a/b/cgroup.procs && umount /tmp/cg && exec probe sleep 30")
	dir := inspectOne(t, sb, "nest").CgroupPath
	testkit.Eventually(t, "the subgroup holds the process", func() bool {
		return readValue(filepath.Join(dir, "a", "b"), "cgroup.procs") != "-"
	})
	assert.Equal(t, "nest\n", sb.Contain(t, "rm", "-f", "nest"))
	assert.NoDirExists(t, dir)
}

// rm, stop and kill go on after a failure, as docker's do: one line per failure, the others
// done, and a non-zero status.
func TestManyContainersOneFailure(t *testing.T) {
	sb := testkit.NewSandbox(t)
	for _, name := range []string{"a", "b"} {
		sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", name,
			"probe", "sleep", "30")
	}
	r := sb.Run(t, "", "kill", "-s", "TERM", "nosuch", "a")
	assert.Equal(t, 125, r.Code)
	assert.Equal(t, "a\n", r.Stdout)
	assert.Equal(t, "contain: kill: no such container: nosuch\n", r.Stderr)
	r = sb.Run(t, "", "stop", "-t", "1", "nosuch", "b")
	assert.Equal(t, 125, r.Code)
	assert.Equal(t, "b\n", r.Stdout)
	r = sb.Run(t, "", "rm", "a", "nosuch", "b")
	assert.Equal(t, 125, r.Code)
	assert.Equal(t, "a\nb\n", r.Stdout)
	assert.Equal(t, "contain: rm: no such container: nosuch\n", r.Stderr)
	assert.Equal(t, "", sb.Contain(t, "ps", "-a", "-q"))
}

// The monitor of run -d keeps nothing of its caller: not a descriptor (a pipe it held open
// would keep the caller's reader waiting for the container's whole life), and not its
// working directory.
func TestMonitorKeepsNothing(t *testing.T) {
	sb := testkit.NewSandbox(t)
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	cmd := sb.Command(context.Background(), "run", "-d", "--rootfs", testkit.Rootfs(t),
		"--name", "quiet", "probe", "sleep", "30")
	cmd.Dir = t.TempDir()
	cmd.Stdout, cmd.ExtraFiles = w, []*os.File{nil, nil, nil, nil, w} // stdout and 7
	require.NoError(t, cmd.Run())
	w.Close()
	done := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, r); close(done) }()
	select {
	case <-done: // every writer is gone: the container still runs, the pipe is closed
	case <-time.After(10 * time.Second):
		t.Fatal("the pipe is still open: the monitor kept the caller's descriptor")
	}
	pid := inspectOne(t, sb, "quiet").State.Pid
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	require.NoError(t, err)
	ppid := strings.Fields(string(stat)[strings.LastIndexByte(string(stat), ')')+1:])[1]
	cwd, err := os.Readlink("/proc/" + ppid + "/cwd")
	require.NoError(t, err)
	assert.Equal(t, "/", cwd, "the monitor's working directory")
}
