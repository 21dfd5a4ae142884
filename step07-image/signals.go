// Host side: which process receives the signals meant for the container.

package main

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// A signal reaches a container in the foreground in one of two ways:
//
//   - typed at the terminal (Ctrl-C is SIGINT, Ctrl-\ is SIGQUIT): the kernel sends it to
//     every process of the terminal's foreground process group;
//   - sent to the engine (kill ENGINE-PID, a supervisor stopping it): the engine passes it
//     on (signalRelay).
//
// If the command shared the engine's process group, Ctrl-C would reach it twice: once from
// the terminal, once relayed. So the command gets a process group of its own, and when the
// engine is the terminal's foreground job, that group becomes the foreground one, as a
// shell does for the job it starts (tcsetpgrp). Ctrl-C then goes to the container, once.

// signalRelay passes the signals that the engine receives on to the container. It catches
// them from the moment it is made but holds them until the command runs: before that, the
// child is still the engine's Go code, which a signal would end instead of the command.
type signalRelay struct {
	sigs chan os.Signal
	done chan struct{}
}

func catchSignals() *signalRelay {
	r := &signalRelay{sigs: make(chan os.Signal, 16), done: make(chan struct{})}
	signal.Notify(r.sigs, syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM,
		syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH)
	return r
}

// start passes the signals caught so far, and those to come, on to p.
func (r *signalRelay) start(p *os.Process) {
	go func() {
		for {
			select {
			case s := <-r.sigs:
				_ = p.Signal(s)
			case <-r.done:
				return
			}
		}
	}()
}

func (r *signalRelay) stop() {
	signal.Stop(r.sigs)
	close(r.done)
}

// terminal is the engine's terminal, lent to the container while its command runs.
type terminal struct {
	fd   int // the container's standard input, a terminal
	pgrp int // the engine's process group, which takes the terminal back
}

// lendTerminal puts the child in a process group of its own and, when stdin is a terminal
// whose foreground job is the engine, makes the child's group the foreground one
// (shell: what `fg` does for a job). It returns the terminal to take back
// when the command ends, or nil.
func lendTerminal(attr *syscall.SysProcAttr, stdin *os.File) *terminal {
	attr.Setpgid = true
	fd := int(stdin.Fd())
	fg, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	if err != nil || fg != unix.Getpgrp() {
		return nil // not a terminal, or the engine is not in the foreground
	}
	debugf("the container's process group gets the terminal (tcsetpgrp)")
	attr.Foreground, attr.Ctty = true, fd
	return &terminal{fd: fd, pgrp: fg}
}

// takeBack makes the engine's group the terminal's foreground group again. The engine is
// in the background until then: it ignores SIGTTOU, which would stop it for touching the
// terminal.
func (t *terminal) takeBack() {
	if t == nil {
		return
	}
	signal.Ignore(unix.SIGTTOU)
	defer signal.Reset(unix.SIGTTOU)
	_ = unix.IoctlSetPointerInt(t.fd, unix.TIOCSPGRP, t.pgrp)
}
