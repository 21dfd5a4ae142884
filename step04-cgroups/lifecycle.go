package main

import (
	"errors"
	"fmt"
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
	for _, ref := range fs.Args() {
		c, err := findContainer(ref)
		if err == nil {
			err = c.stop(time.Duration(*grace) * time.Second)
		}
		if err != nil {
			return fmt.Errorf("stop: %w", err)
		}
		fmt.Println(ref)
	}
	return nil
}

// stop asks the first process to end, then kills the whole group after the grace period.
func (c *container) stop(grace time.Duration) error {
	if !c.running() {
		return nil
	}
	debugf("SIGTERM to PID %d (shell: kill -TERM %[1]d)", c.Pid)
	if err := unix.Kill(c.Pid, unix.SIGTERM); err != nil && err != unix.ESRCH {
		return fmt.Errorf("kill %d: %w", c.Pid, err)
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
	if c.running() {
		_ = unix.Kill(c.Pid, unix.SIGKILL)
	}
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
	for _, ref := range fs.Args() {
		c, err := findContainer(ref)
		if err == nil && !c.running() {
			err = fmt.Errorf("container %s is not running", c.Name)
		}
		if err == nil {
			debugf("signal %d to PID %d (shell: kill -%[1]d %[2]d)", sig, c.Pid)
			err = unix.Kill(c.Pid, sig)
		}
		if err != nil {
			return fmt.Errorf("kill: %w", err)
		}
		fmt.Println(ref)
	}
	return nil
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

const rmUsage = `Usage: contain rm [-f] CONTAINER...

Remove containers: their cgroup and their state. A running container needs -f, which
kills it first.
`

func rmCmd(args []string) error {
	fs := newFlagSet("rm")
	force := fs.BoolP("force", "f", false, "kill a running container first")
	if err := parseFlags(fs, args, rmUsage); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("rm: usage: contain rm [-f] CONTAINER...")
	}
	for _, ref := range fs.Args() {
		c, err := findContainer(ref)
		if err == nil && c.running() && !*force {
			err = fmt.Errorf("container %s is running: stop it first, or use rm -f", c.Name)
		}
		if err == nil {
			err = c.destroy()
		}
		if err != nil {
			return fmt.Errorf("rm: %w", err)
		}
		fmt.Println(ref)
	}
	return nil
}

// destroy kills what is left of the container and removes its cgroup and its state.
func (c *container) destroy() error {
	if c.running() {
		c.killAll()
		c.waitGone(5 * time.Second)
	}
	if err := removeCgroup(c.Cgroup); err != nil {
		return err
	}
	return c.remove()
}

// finish records how the container's command ended, and whether the OOM killer ended it.
func (c *container) finish(status int) {
	c.ExitCode, c.FinishedAt = status, time.Now()
	c.OOMKilled = oomKilled(c.Cgroup)
	_ = c.save() // fails if `rm -f` took the state first: nothing to record then
}
