// Host side: restart policies (--restart), kept by the monitor of a detached container.

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// restartPolicy is docker's --restart: what the monitor does when the command ends.
//
//	no               never restart (the default)
//	on-failure[:N]   restart after a non-zero exit status, at most N times (no N: no limit)
//	always           restart whatever the status
//	unless-stopped   the same as always here; docker also restarts these when its daemon
//	                 starts again, except those stopped by hand
//
// A container stopped by hand (stop, or kill with SIGKILL) is never restarted. Between
// restarts the monitor waits, twice as long each time: 100 ms, 200 ms, ... at most a
// minute, and 100 ms again after a run of at least 10 s.
type restartPolicy struct {
	Name       string `json:"name"`
	MaxRetries int    `json:"max_retries,omitempty"`
}

func parseRestart(s string) (*restartPolicy, error) {
	name, count, hasCount := strings.Cut(s, ":")
	p := &restartPolicy{Name: name}
	switch {
	case name == "on-failure" && hasCount:
		n, err := strconv.Atoi(count)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("--restart %q: the count must be a number, 0 or more", s)
		}
		p.MaxRetries = n
	case hasCount:
		return nil, fmt.Errorf("--restart %q: only on-failure takes a count", s)
	case name == "no" || name == "":
		return nil, nil
	case name != "on-failure" && name != "always" && name != "unless-stopped":
		return nil, fmt.Errorf("--restart %q: want no, on-failure[:N], always or "+
			"unless-stopped", s)
	}
	return p, nil
}

// shouldRestart applies the policy to a command that ended with status after restarts
// restarts.
func (p *restartPolicy) shouldRestart(status, restarts int) bool {
	switch {
	case p == nil:
		return false
	case p.Name == "on-failure":
		return status != 0 && (p.MaxRetries == 0 || restarts < p.MaxRetries)
	}
	return true // always, unless-stopped
}

const (
	firstDelay = 100 * time.Millisecond
	maxDelay   = time.Minute
	goodRun    = 10 * time.Second
)

// nextDelay is the wait before the next restart, after a wait of prev and a run of ran.
func nextDelay(prev, ran time.Duration) time.Duration {
	if prev == 0 || ran >= goodRun {
		return firstDelay
	}
	return min(2*prev, maxDelay)
}

// markStopped records that the container was stopped by hand: its monitor does not
// restart it. A file of its own, so that it never races with the state file.
func (c *container) markStopped() {
	_ = os.WriteFile(filepath.Join(c.dir(), "stopped"), nil, 0o600)
}

func (c *container) stoppedByHand() bool {
	_, err := os.Stat(filepath.Join(c.dir(), "stopped"))
	return err == nil
}

// supervise is the monitor's loop: it waits for the command, records how it ended, and
// starts it again while the policy says so. start starts the container's command.
func (c *container) supervise(p *process, start func() (*process, error)) {
	var delay time.Duration
	for {
		status := p.wait()
		policy := c.Config.Restart
		// The end and whether a restart follows are recorded at once: in between, logs -f
		// and ps would see a container that has ended for good.
		c.Restarting = policy.shouldRestart(status, c.RestartCount) && !c.stoppedByHand()
		c.finish(status)
		if !c.Restarting {
			return
		}
		delay = nextDelay(delay, c.FinishedAt.Sub(c.StartedAt))
		debugf("restart %s in %v (policy %s)", c.Name, delay, policy.Name)
		if !c.waitToRestart(delay) {
			c.Restarting = false
			_ = c.save()
			return
		}
		c.Restarting = false
		c.RestartCount++
		c.FinishedAt, c.ExitCode, c.OOMKilled = time.Time{}, 0, false
		c.oomBase = oomKills(c.Cgroup) // the group's counter goes on from here
		var err error
		if p, err = start(); err != nil {
			c.finish(exitEngine) // start wrote why to the container's log
			return
		}
		if c.stoppedByHand() {
			c.killAll() // stopped while it started again: stop waits for this end
		}
	}
}

// waitToRestart waits before a restart, and looks every 50 ms whether the container was
// stopped by hand or removed meanwhile: then it gives up at once.
func (c *container) waitToRestart(delay time.Duration) bool {
	gone := func() bool {
		_, err := os.Stat(c.dir())
		return err != nil || c.stoppedByHand()
	}
	for end := time.Now().Add(delay); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if gone() {
			return false
		}
	}
	return !gone()
}

// live tells whether the container runs, or is about to run again: logs -f follows it
// across restarts. It reads the state again, since the monitor changes it. A command that
// has ended while its monitor, alive, has not yet recorded the end counts as live too: the
// monitor may be about to restart it.
func (c *container) live() bool {
	now, err := findContainer(c.ID)
	if err != nil {
		return false
	}
	monitor := now.Monitor > 0 && processStart(now.Monitor) == now.MonitorStart
	return now.running() || now.Restarting || (now.FinishedAt.IsZero() && monitor)
}

var errRestartNeedsDetach = errors.New("--restart needs -d: the monitor of a detached " +
	"container restarts it")
