package main

import (
	"fmt"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

func runSignal(args []string) error {
	pid, err := strconv.Atoi(args[0])
	if err != nil {
		return fmt.Errorf("bad pid %q", args[0])
	}
	sig, err := parseSignal(args[1])
	if err != nil {
		return err
	}
	// Equivalent to: kill -SIGNAL PID. Signal 0 only checks that PID exists and may be
	// signalled: the cheapest way to show that a host process is visible and reachable.
	if err := unix.Kill(pid, sig); err != nil {
		return fmt.Errorf("kill %d: %w", pid, err)
	}
	fmt.Println("sent")
	return nil
}

// parseSignal accepts a number ("9", "0") or a name with or without the SIG prefix, in
// any case ("KILL", "sigterm").
func parseSignal(s string) (syscall.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 || n > 64 {
			return 0, fmt.Errorf("bad signal %q", s)
		}
		return syscall.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	return 0, fmt.Errorf("bad signal %q", s)
}

func runSleep(args []string) error {
	d, err := parseSeconds(args[0])
	if err != nil {
		return err
	}
	time.Sleep(d)
	return nil
}

// parseSeconds reads a non-negative number of seconds such as "2" or "0.5".
func parseSeconds(s string) (time.Duration, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f > 1e9 {
		return 0, fmt.Errorf("bad number of seconds %q", s)
	}
	return time.Duration(f * float64(time.Second)), nil
}

// runSigignore plays the process that will not stop: `stop` must fall back to SIGKILL
// after its grace period. Ignored, not caught: SIG_IGN shows in /proc/PID/status (SigIgn)
// and survives an exec, as in a shell script that traps TERM.
func runSigignore([]string) error {
	signal.Ignore(syscall.SIGTERM, syscall.SIGINT)
	fmt.Println("ready")
	for {
		// A sleep, not select{}: with no goroutine able to run, the runtime would report
		// a deadlock and exit.
		time.Sleep(time.Hour)
	}
}
