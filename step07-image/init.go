// Container side: `contain init`, the child that becomes the container.

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// initMain is the child side: `contain init`, started by runContainer as /proc/self/exe.
// It reads its configuration from the sync socket, turns itself into the container, and
// replaces itself with the user's command. It never returns.
func initMain() {
	dieWithEngine()
	pipe, cfg := receiveConfig("init")
	code := exitEngine
	err := setupContainer(cfg)
	if err == nil && cfg.Init {
		code, err = runReaper(cfg, pipe)
	} else if err == nil {
		code, err = execCommand(cfg)
	}
	if err == nil {
		os.Exit(code) // the --init reaper's command ended
	}
	// Only reached on failure: report it to the parent, which prints it.
	reportFailure(pipe, code, err)
}

// dieWithEngine asks the kernel to kill this process if the engine dies while the container
// is being set up (shell: none; prctl PR_SET_PDEATHSIG): a container must not start with no
// engine to wait for it. The engine may be gone already: then its end of the sync socket
// is closed, which poll reports as a hang-up. execCommand lifts this just before the
// command starts: from then on the container may outlive the engine.
func dieWithEngine() {
	_ = unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0)
	fds := []unix.PollFd{{Fd: syncFd, Events: unix.POLLRDHUP}}
	if n, _ := unix.Poll(fds, 0); n > 0 && fds[0].Revents&(unix.POLLRDHUP|unix.POLLHUP) != 0 {
		os.Exit(exitEngine)
	}
}

// receiveConfig starts a child of the engine: it reads the configuration from the sync
// socket. The socket is close-on-exec: its EOF tells the parent that the command runs.
func receiveConfig(who string) (*syncPipe, *initConfig) {
	pipe := newSyncPipe(os.NewFile(syncFd, "sync"))
	msg, err := pipe.receive()
	if err != nil || msg.Config == nil {
		fmt.Fprintf(os.Stderr, "contain: %s: no configuration from the engine: %v\n", who, err)
		os.Exit(exitEngine)
	}
	debugOn = msg.Config.Debug
	return pipe, msg.Config
}

// reportFailure sends the reason the command could not start to the parent, and exits.
func reportFailure(pipe *syncPipe, code int, err error) {
	if pipe.send(syncMsg{Error: err.Error(), Code: code}) != nil {
		fmt.Fprintf(os.Stderr, "contain: %v\n", err)
	}
	os.Exit(code)
}

// setupContainer isolates this process before the command runs.
func setupContainer(cfg *initConfig) error {
	// The caller's umask is not the container's business: files the command creates get
	// the usual modes, as with runc and docker (shell: umask 022).
	unix.Umask(0o022)
	if err := setupUTS(cfg); err != nil {
		return err
	}
	if err := setupCgroupNS(cfg); err != nil {
		return err
	}
	if err := setupNetns(cfg); err != nil {
		return err
	}
	// pivot_root instead of chroot: see rootfs.go.
	if err := setupRootfs(cfg); err != nil {
		return err
	}
	return mountCgroup(cfg)
}

// execCommand replaces this process with the user's command. On failure it returns the
// docker-style status: 127 when the command does not exist, 126 when it cannot run.
func execCommand(cfg *initConfig) (int, error) {
	path, err := lookPath(cfg.Args[0], cfg.Env)
	if err != nil {
		return exitNotFound, fmt.Errorf("exec %q: %w", cfg.Args[0], err)
	}
	debugf("execve %s %q (shell: exec %[1]s ...)", path, cfg.Args)
	_ = unix.Prctl(unix.PR_SET_PDEATHSIG, 0, 0, 0, 0) // see dieWithEngine
	err = unix.Exec(path, cfg.Args, cfg.Env)
	if errors.Is(err, unix.ENOENT) {
		return exitNotFound, fmt.Errorf("exec %q: %w", path, err)
	}
	return exitCannotExec, fmt.Errorf("exec %q: %w", path, err)
}

// lookPath finds a command in the container's PATH, as a shell would. It runs after the
// chroot, so it searches the container's files, not the host's.
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	found := ""
	for _, dir := range filepath.SplitList(getenv(env, "PATH")) {
		path := filepath.Join(dir, name)
		st, err := os.Stat(path)
		if err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return path, nil
		} else if err == nil && st.Mode().IsRegular() && found == "" {
			found = path // not executable: keep looking, and fail on it (126) if nothing else
		}
	}
	if found != "" {
		return found, nil
	}
	return "", errors.New("executable file not found in $PATH")
}

// closeExtraFds marks every descriptor above stderr close-on-exec, so that no process the
// engine starts inherits one: the command gets only its standard streams. A descriptor
// that the engine was handed (an open directory of the host, say) would be a way out of
// the container. main calls it first thing, on both sides.
func closeExtraFds() {
	if unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC) == nil {
		return
	}
	// Kernels before 5.11 have no close_range: one descriptor at a time.
	entries, _ := os.ReadDir("/proc/self/fd")
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			unix.CloseOnExec(fd)
		}
	}
}

// getenv looks a variable up in an environment list.
func getenv(env []string, key string) string {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}
