// Container side: with --init, the engine stays PID 1 of the container.

package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"

	"golang.org/x/sys/unix"
)

// PID 1 of a PID namespace has two duties that other processes do not:
//   - the kernel does not deliver it a signal for which it has no handler (SIGTERM,
//     SIGINT...), so a program that never expected to be PID 1 ignores `kill` and Ctrl-C;
//   - orphans of the namespace are re-parented to it, and it must wait() for them, or they
//     stay zombies.
//
// With --init the engine itself stays PID 1 (like docker run --init, tini): it starts the
// command as its child, passes every signal on, reaps every orphan, and exits with the
// command's status.
func runReaper(cfg *initConfig, pipe *syncPipe) (int, error) {
	path, err := lookPath(cfg.Args[0], cfg.Env)
	if err != nil {
		return exitNotFound, fmt.Errorf("exec %q: %w", cfg.Args[0], err)
	}
	sigs := make(chan os.Signal, 32)
	signal.Notify(sigs)
	debugf("--init: PID 1 is the engine; it starts %s as its child", path)
	_ = unix.Prctl(unix.PR_SET_PDEATHSIG, 0, 0, 0, 0) // the command runs: see dieWithEngine
	proc, err := os.StartProcess(path, cfg.Args, &os.ProcAttr{
		Env:   cfg.Env,
		Files: []*os.File{os.Stdin, os.Stdout, os.Stderr},
	})
	if errors.Is(err, unix.ENOENT) {
		return exitNotFound, err
	} else if err != nil {
		return exitCannotExec, err
	}
	pipe.Close() // the parent sees EOF: the command runs
	for s := range sigs {
		if s == unix.SIGURG {
			continue // the Go runtime's own preemption signal
		}
		if s != unix.SIGCHLD {
			_ = proc.Signal(s)
			continue
		}
		// Reap every child that has ended, ours or an orphan's.
		for {
			var ws unix.WaitStatus
			pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
			if err != nil || pid <= 0 {
				break
			}
			if pid == proc.Pid && ws.Signaled() {
				return 128 + int(ws.Signal()), nil
			} else if pid == proc.Pid {
				return ws.ExitStatus(), nil
			}
		}
	}
	return exitEngine, nil
}
