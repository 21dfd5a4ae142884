package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const mib = 1 << 20

// runMemhog shows what memory.max does: the kernel kills the process (exit 137, an
// oom_kill in memory.events) part way through, after the last "allocated" line printed.
func runMemhog(args []string) error {
	mb, err := strconv.Atoi(args[0])
	if err != nil || mb < 0 {
		return fmt.Errorf("bad size %q", args[0])
	}
	page := os.Getpagesize()
	chunks := make([][]byte, 0, mb) // kept so the garbage collector frees nothing
	for i := 1; i <= mb; i++ {
		c := make([]byte, mib)
		// Fresh memory is mapped lazily: only a write to each page makes it count.
		for off := 0; off < len(c); off += page {
			c[off] = 1
		}
		chunks = append(chunks, c)
		if i%10 == 0 {
			fmt.Printf("allocated %d MiB\n", i)
		}
	}
	fmt.Printf("done %d MiB\n", len(chunks))
	return nil
}

// runForkbomb starts up to n children that sleep, and stops at the first that cannot be
// started: with pids.max set, fork fails with EAGAIN instead of the host running out of
// processes. Each child is this program again, so the rootfs needs nothing else.
func runForkbomb(args []string) error {
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 0 {
		return fmt.Errorf("bad count %q", args[0])
	}
	self := "/proc/self/exe"
	if _, err := os.Stat(self); err != nil {
		self = os.Args[0] // no /proc (step 1): fall back to how we were started
	}
	var kids []*exec.Cmd
	var startErr error
	for len(kids) < n {
		cmd := exec.Command(self, "sleep", "60")
		// One P keeps each child's runtime to few threads, and threads count as pids too.
		cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
		// Our own streams, not exec's default /dev/null, which a step-1 rootfs lacks.
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		if startErr = cmd.Start(); startErr != nil {
			break
		}
		kids = append(kids, cmd)
	}
	fmt.Printf("started %d of %d\n", len(kids), n)
	if startErr != nil {
		fmt.Printf("error: %v\n", startErr)
	}
	for _, k := range kids {
		k.Process.Signal(syscall.SIGKILL)
	}
	for _, k := range kids {
		k.Wait() // reaps; the error is the expected "signal: killed"
	}
	if len(kids) < n {
		return errQuiet
	}
	return nil
}

// runCpuhog spins one thread for a wall-clock time and reports the CPU time it got: about
// the same with no limit, about half with --cpus 0.5 (cpu.max "50000 100000").
func runCpuhog(args []string) error {
	d, err := parseSeconds(args[0])
	if err != nil {
		return err
	}
	runtime.LockOSThread()
	end := time.Now().Add(d)
	for n := 0; ; n++ {
		if n%4096 == 0 && time.Now().After(end) {
			break
		}
	}
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return fmt.Errorf("getrusage: %w", err)
	}
	ms := (ru.Utime.Nano() + ru.Stime.Nano()) / int64(time.Millisecond)
	fmt.Printf("cpu_ms %d\n", ms)
	return nil
}
