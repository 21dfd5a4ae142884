// Host side: the monitor that waits for a detached container (run -d).

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

// run -d: the container outlives the command that started it, so a small process stays to
// wait for it, keep its output and record how it ended: the monitor (in docker's world,
// containerd-shim; in podman's, conmon).
//
//	contain run -d                   contain monitor ID (a session of its own)
//	--------------                   ------------------
//	state, cgroup, start monitor --> open container.log, start the container
//	                                 with its stdout and stderr in the log
//	print the ID, exit          <--  {pid} once the command runs (or {error})
//	                                 wait; record exit status and OOMKilled
func startMonitor(c *container) error {
	pipe, childEnd, err := newSyncPair()
	if err != nil {
		_ = c.destroy()
		return err
	}
	defer pipe.Close()
	args := []string{"--root", stateRoot, "--cgroup-parent", cgroupParent,
		"--data-root", dataRoot}
	if debugOn {
		args = append(args, "--debug")
	}
	debugf("start a monitor for %s (contain monitor)", shortID(c.ID))
	cmd := exec.Command("/proc/self/exe", append(args, "monitor", c.ID)...)
	cmd.ExtraFiles = []*os.File{childEnd}
	// It keeps nothing of the caller's: no standard streams (they are /dev/null), no other
	// descriptor (main made them close-on-exec), and not its working directory, which it
	// would keep busy (a mount point could not be unmounted).
	cmd.Dir = "/"
	// A session of its own: no terminal, and no Ctrl-C or hangup from ours.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	childEnd.Close()
	if err != nil {
		_ = c.destroy()
		return fmt.Errorf("start monitor: %w", err)
	}
	msg, err := pipe.receive()
	if msg.Error != "" {
		_ = cmd.Wait()
		return &exitError{code: msg.Code, err: errors.New(msg.Error)}
	} else if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = c.destroy()
		return fmt.Errorf("monitor: %w", err)
	}
	_ = cmd.Process.Release() // it lives on, detached; init or a subreaper reaps it
	fmt.Println(c.ID)
	return nil
}

// monitorCmd is the hidden `contain monitor ID`, started by startMonitor with the sync
// socket as descriptor 3. Its own output goes nowhere: it reports through the socket.
func monitorCmd(args []string) error {
	// A signal sent to the monitor is meant for the container (signals.go).
	relay := catchSignals()
	defer relay.stop()
	pipe := newSyncPipe(os.NewFile(syncFd, "run"))
	defer pipe.Close()
	report := func(err error) error {
		code := exitEngine
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
		return pipe.send(syncMsg{Error: err.Error(), Code: code})
	}
	if len(args) != 1 {
		return report(errors.New("monitor: usage: contain monitor ID"))
	}
	c, err := findContainer(args[0])
	if err != nil {
		return report(err)
	}
	c.Monitor, c.MonitorStart = os.Getpid(), processStart(os.Getpid()) // saved at start
	log, err := os.OpenFile(c.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		_ = c.destroy()
		return report(err)
	}
	defer log.Close()
	null, err := os.Open(os.DevNull)
	if err != nil {
		_ = c.destroy()
		return report(err)
	}
	defer null.Close()
	// The child's narration would land in the container's log: keep it out.
	c.Config.Debug = false
	p, err := startContainer(c, null, log, log, relay)
	if err != nil {
		_ = c.destroy() // it never ran: nothing of it stays
		return report(err)
	}
	_ = pipe.send(syncMsg{Pid: c.Pid})
	pipe.Close()
	// Wait, record the end, and restart as the policy says (restart.go).
	c.supervise(p, func() (*process, error) {
		p, err := startContainer(c, null, log, log, relay)
		if err != nil {
			fmt.Fprintf(log, "contain: restart: %v\n", err) // for `contain logs`
		}
		return p, err
	})
	if c.Config.Remove {
		_ = c.destroy()
	}
	return nil
}
