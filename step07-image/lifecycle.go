// Host side: stop, kill and rm.

package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// The lifecycle that cgroups make possible: with every process of a container in one
// group, the engine can tell when all of them are gone (cgroup.events) and kill all of
// them at once (cgroup.kill), even those that left the first process's family.

const stopUsage = `Usage: contain stop [-t SECONDS] CONTAINER...

Send SIGTERM to each container's first process; after the grace period (default 10
seconds), kill every process of its cgroup.
`

func stopCmd(args []string) error {
	fs := newFlagSet("stop")
	grace := fs.IntP("time", "t", 10, "seconds to wait before killing")
	if err := parseFlags(fs, args, stopUsage); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("stop: usage: contain stop [-t SECONDS] CONTAINER...")
	}
	return eachContainer("stop", fs.Args(), func(c *container) error {
		return c.stop(time.Duration(*grace) * time.Second)
	})
}

// eachContainer does one command to each named container, as docker does: a failure is
// one line on stderr and the others still get done (eachName).
func eachContainer(op string, refs []string, do func(c *container) error) error {
	return eachName(op, refs, func(ref string) error {
		c, err := findContainer(ref)
		if err != nil {
			return err
		}
		return do(c)
	})
}

// eachName does one thing to each name: it prints the name when done, or one line on
// stderr when not, goes on with the next, and ends with a non-zero status if any failed.
func eachName(op string, names []string, do func(string) error) error {
	failed := false
	for _, name := range names {
		if err := do(name); err != nil {
			fmt.Fprintf(os.Stderr, "contain: %s: %v\n", op, err)
			failed = true
			continue
		}
		fmt.Println(name)
	}
	if failed {
		return &exitError{code: exitEngine}
	}
	return nil
}

// stop asks the first process to end, then kills the whole group after the grace period.
func (c *container) stop(grace time.Duration) error {
	c.markStopped() // by hand: no restart policy brings it back (restart.go)
	if c.Restarting {
		// Between two runs: the monitor sees the mark within 50 ms, or has just started
		// the command again. Look again once it has done either.
		waitFor(func() bool {
			now, err := findContainer(c.ID)
			if err == nil {
				*c = *now
			}
			return err != nil || !c.Restarting
		}, 5*time.Second)
	}
	if !c.running() {
		return nil
	}
	debugf("SIGTERM to PID %d (shell: kill -TERM %[1]d)", c.Pid)
	if err := c.signal(unix.SIGTERM); err != nil && !errors.Is(err, errNotRunning) {
		return err
	}
	if c.paused() {
		_ = c.freeze(false) // a frozen process cannot act on its SIGTERM (freezer.go)
	}
	if !c.waitGone(grace) {
		debugf("still running after %v", grace)
		c.killAll()
		if !c.waitGone(10 * time.Second) {
			return fmt.Errorf("container %s: processes are left in %s", c.Name, c.Cgroup)
		}
	}
	c.waitRecorded()
	return nil
}

// waitGone waits until the group is empty and the first process has ended. Both: a
// process of the container that moved itself out of the group still ends with the first
// process, which is PID 1 of its PID namespace.
func (c *container) waitGone(timeout time.Duration) bool {
	return waitEmpty(c.Cgroup, timeout) && waitFor(func() bool { return !c.running() },
		timeout)
}

// killAll kills every process of the group, and the first process.
func (c *container) killAll() {
	if c.Cgroup != "" {
		killAll(c.Cgroup)
	}
	_ = c.signal(unix.SIGKILL)
}

var errNotRunning = errors.New("is not running")

// signal sends sig to the container's first process (shell: kill -SIG PID) through a
// pidfd: once open, a pidfd names that very process. A bare PID, checked first and
// signalled next, could by then name another process that was given the same number.
func (c *container) signal(sig unix.Signal) error {
	if c.Pid <= 0 {
		return fmt.Errorf("container %s %w", c.Name, errNotRunning)
	}
	fd, err := unix.PidfdOpen(c.Pid, 0)
	if errors.Is(err, unix.ENOSYS) { // before Linux 5.3: the racy way
		if !c.running() {
			return fmt.Errorf("container %s %w", c.Name, errNotRunning)
		}
		return unix.Kill(c.Pid, sig)
	}
	if err != nil {
		return fmt.Errorf("container %s %w", c.Name, errNotRunning)
	}
	defer unix.Close(fd)
	// The pidfd holds the process: if it is ours now, it is ours when signalled.
	if !c.running() {
		return fmt.Errorf("container %s %w", c.Name, errNotRunning)
	}
	if err := unix.PidfdSendSignal(fd, sig, nil, 0); err != nil {
		return fmt.Errorf("signal %d to PID %d: %w", sig, c.Pid, err)
	}
	return nil
}

// waitRecorded waits a little for the engine or monitor that waits for the container to
// record how it ended, so that ps and inspect right after a stop tell the truth.
func (c *container) waitRecorded() {
	for i := 0; i < 200; i++ {
		now, err := findContainer(c.ID)
		if err != nil || !now.FinishedAt.IsZero() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

const killUsage = `Usage: contain kill [-s SIGNAL] CONTAINER...

Send a signal (default KILL) to each container's first process.
`

func killCmd(args []string) error {
	fs := newFlagSet("kill")
	name := fs.StringP("signal", "s", "KILL", "signal to send")
	if err := parseFlags(fs, args, killUsage); err != nil {
		return err
	}
	sig, err := parseSignal(*name)
	if err != nil {
		return fmt.Errorf("kill: %w", err)
	}
	if fs.NArg() == 0 {
		return errors.New("kill: usage: contain kill [-s SIGNAL] CONTAINER...")
	}
	return eachContainer("kill", fs.Args(), func(c *container) error {
		debugf("signal %d to PID %d (shell: kill -%[1]d %[2]d)", sig, c.Pid)
		if sig == unix.SIGKILL {
			c.markStopped() // by hand, as docker counts it: no restart
		}
		return c.signal(sig)
	})
}

// parseSignal reads a signal as a number (9) or a name (KILL, SIGKILL).
func parseSignal(s string) (unix.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil && n > 0 && n < 65 {
		return unix.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	return 0, fmt.Errorf("unknown signal %q", s)
}

const rmUsage = `Usage: contain rm [-f] [-v] CONTAINER...

Remove containers: their cgroup, their layer and their state. A running container needs
-f, which kills it first. -v removes their anonymous volumes too.
`

func rmCmd(args []string) error {
	fs := newFlagSet("rm")
	force := fs.BoolP("force", "f", false, "kill a running container first")
	volumes := fs.BoolP("volumes", "v", false, "remove its anonymous volumes too")
	if err := parseFlags(fs, args, rmUsage); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("rm: usage: contain rm [-f] CONTAINER...")
	}
	return eachContainer("rm", fs.Args(), func(c *container) error {
		if c.running() && !*force {
			return fmt.Errorf("container %s is running: stop it first, or use rm -f", c.Name)
		}
		// Restarting, or between its command's end and its monitor's record of it, when
		// a restart may follow (live, restart.go).
		if (c.Restarting || c.live()) && !*force {
			return fmt.Errorf("container %s is restarting: stop it first, or use rm -f",
				c.Name)
		}
		c.dropVolumes = *volumes
		return c.destroy()
	})
}

// destroy kills what is left of the container and removes its cgroup and its state.
func (c *container) destroy() error {
	c.stopMonitor()
	if c.running() {
		c.killAll()
		c.waitGone(5 * time.Second)
	}
	if err := removeCgroup(c.Cgroup); err != nil {
		return err
	}
	if err := c.removeStorage(); err != nil {
		return err
	}
	all, err := listContainers()
	if err != nil {
		return err
	}
	if err := disconnect(c, all); err != nil {
		return err
	}
	if err := c.remove(); err != nil {
		return err
	}
	leaveNetwork(c) // its name leaves the neighbours' hosts files
	return nil
}

// finish records how the container's command ended, and whether the OOM killer ended it.
func (c *container) finish(status int) {
	c.ExitCode, c.FinishedAt = status, time.Now()
	c.OOMKilled = oomKills(c.Cgroup) > c.oomBase
	_ = c.save() // fails if `rm -f` took the state first: nothing to record then
}

// stopMonitor ends the monitor of a detached container that is being removed, unless the
// monitor removes it itself (run -d --rm): it would wait on, to record or restart it.
func (c *container) stopMonitor() {
	if c.Monitor <= 0 || c.Monitor == os.Getpid() {
		return
	}
	fd, err := unix.PidfdOpen(c.Monitor, 0)
	if err != nil {
		return // gone already
	}
	defer unix.Close(fd)
	if processStart(c.Monitor) != c.MonitorStart {
		return // the PID is another process's now
	}
	debugf("SIGKILL to the monitor, PID %d", c.Monitor)
	if unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0) == nil {
		// A pidfd is readable once its process has ended.
		_, _ = unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, 1000)
	}
}
