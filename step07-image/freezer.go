// Host side: pause and unpause, with the freezer of cgroup v2 (cgroup.freeze).

package main

import (
	"errors"
	"fmt"
	"time"
)

// The seeds' freezer subsystem is one file in cgroup v2: writing 1 to cgroup.freeze stops
// every process of the group and of its subgroups, where they stand, without a signal
// they could see or handle; writing 0 lets them go on. cgroup.events says "frozen 1" once
// all of them are stopped. A SIGKILL still ends a frozen process: rm -f works as usual.

const pauseUsage = `Usage: contain pause CONTAINER...

Freeze every process of each container (cgroup.freeze = 1), until unpause.
`

const unpauseUsage = `Usage: contain unpause CONTAINER...

Let the processes of each paused container run again (cgroup.freeze = 0).
`

func pauseCmd(args []string) error   { return freezeCmd("pause", pauseUsage, args, true) }
func unpauseCmd(args []string) error { return freezeCmd("unpause", unpauseUsage, args, false) }

func freezeCmd(op, usage string, args []string, freeze bool) error {
	fs := newFlagSet(op)
	if err := parseFlags(fs, args, usage); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%s: usage: contain %[1]s CONTAINER...", op)
	}
	return eachContainer(op, fs.Args(), func(c *container) error {
		switch {
		case !c.running():
			return fmt.Errorf("container %s is not running", c.Name)
		case freeze && c.paused():
			return fmt.Errorf("container %s is already paused", c.Name)
		case !freeze && !c.paused():
			return fmt.Errorf("container %s is not paused", c.Name)
		}
		return c.freeze(freeze)
	})
}

// freeze freezes or thaws the group, and waits until the kernel says it is done.
func (c *container) freeze(on bool) error {
	value := "0"
	if on {
		value = "1"
	}
	if err := writeCgroup(c.Cgroup, "cgroup.freeze", value); err != nil {
		return err
	}
	if !waitFor(func() bool { return c.paused() == on }, 5*time.Second) {
		return errors.New("cgroup: cgroup.events does not say frozen " + value)
	}
	return nil
}

// paused tells whether the container's group is frozen (cgroup.events: frozen 1).
func (c *container) paused() bool {
	return c.Cgroup != "" && readCgroupKey(c.Cgroup, "cgroup.events", "frozen") == "1"
}
