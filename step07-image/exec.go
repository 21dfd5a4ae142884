// Host side (`contain exec`), then container side (nsexecMain): a command in a container.

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

const execUsage = `Usage: contain exec CONTAINER CMD [ARG...]

Run CMD inside a running container (by name or ID), in all of its namespaces.
`

// execCmd is `contain exec`: the parent side. The namespaces are joined by the C
// constructor in nsenter.go; this side starts it, hands over the command, and waits.
func execCmd(args []string) error {
	fs := newFlagSet("exec")
	if err := parseFlags(fs, args, execUsage); err != nil {
		return err
	}
	if fs.NArg() < 2 {
		return errors.New("exec: usage: contain exec CONTAINER CMD [ARG...]")
	}
	c, err := findContainer(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("exec: %w", err)
	}
	if !c.running() {
		return fmt.Errorf("exec: container %s is not running", c.Name)
	}
	if c.StartedAt.IsZero() {
		return fmt.Errorf("exec: container %s is still being set up: try again", c.Name)
	}
	if c.paused() {
		return fmt.Errorf("exec: container %s is paused: unpause it first", c.Name)
	}
	cfg := &initConfig{Args: fs.Args()[1:], Env: c.Config.Env, Debug: debugOn}
	if err := execInContainer(c, cfg); err != nil {
		return withPrefix("exec", err)
	}
	return nil
}

// execInContainer starts the command in the namespaces of the container's first process.
func execInContainer(c *container, cfg *initConfig) error {
	// The process that runs the command is our grandchild: become its reaper, so that we
	// can wait for it when its parent (the C intermediate) exits.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("prctl: %w", err)
	}
	pipe, childEnd, err := newSyncPair()
	if err != nil {
		return err
	}
	defer pipe.Close()
	debugf("join the namespaces of PID %d (shell: nsenter -t %[1]d -i -u -n -p -C -m)", c.Pid)
	cmd := exec.Command("/proc/self/exe", "nsexec")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{childEnd}
	cmd.Env = []string{"_CONTAIN_NSENTER=" + strconv.Itoa(c.Pid),
		"_CONTAIN_NSENTER_START=" + strconv.FormatUint(c.PidStart, 10), "GOMAXPROCS=1"}
	cmd.SysProcAttr = &syscall.SysProcAttr{}
	term := lendTerminal(cmd.SysProcAttr, os.Stdin) // Ctrl-C reaches the command once
	cgroupDir, err := cloneIntoCgroup(cmd.SysProcAttr, c.Cgroup)
	if err != nil {
		childEnd.Close()
		return err
	}
	defer cgroupDir.Close()
	relay := catchSignals()
	defer relay.stop()
	err = cmd.Start()
	childEnd.Close()
	if err != nil {
		return fmt.Errorf("start nsexec: %w", err)
	}
	defer term.takeBack()
	msg, err := pipe.receive()
	_ = cmd.Wait() // the intermediate: it exits as soon as it has forked
	if err != nil {
		return fmt.Errorf("join namespaces: %w", err)
	}
	if msg.Error != "" {
		return &exitError{code: msg.Code, err: errors.New(msg.Error)}
	}
	proc, err := os.FindProcess(msg.Pid)
	if err != nil {
		return err
	}
	if err := pipe.send(syncMsg{Config: cfg}); err != nil {
		_ = proc.Kill()
	}
	msg, err = pipe.receive()
	if err != nil && !errors.Is(err, io.EOF) {
		_ = proc.Kill()
	}
	relay.start(proc)
	ps, _ := proc.Wait()
	status := exitStatus(ps)
	if msg.Error != "" {
		return &exitError{code: msg.Code, err: errors.New(msg.Error)}
	}
	if status != 0 {
		return &exitError{code: status}
	}
	return nil
}

// nsexecMain runs inside the container's namespaces (nsenter.go put it there): it reads
// the command from the engine and replaces itself with it. It never returns.
func nsexecMain() {
	pipe, cfg := receiveConfig("nsexec")
	code, err := execCommand(cfg)
	reportFailure(pipe, code, err)
}
