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
	pipe, cfg := receiveConfig("init")
	code := exitEngine
	err := setupContainer(cfg)
	if err == nil {
		code, err = execCommand(cfg)
	}
	// Only reached on failure: report it to the parent, which prints it.
	reportFailure(pipe, code, err)
}

// receiveConfig starts a child of the engine: it reads the configuration from the sync
// socket. Every descriptor but the standard streams will close when the command starts:
// the sync socket, whose EOF tells the parent the command runs, and any the engine
// inherited (closeExtraFds).
func receiveConfig(who string) (*syncPipe, *initConfig) {
	closeExtraFds()
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
	if err := setupUTS(cfg); err != nil {
		return err
	}
	// Shell: chroot "$rootfs". Path lookups now start at the rootfs; the process still
	// shares everything else with the host (see the "break it" part of the lesson).
	debugf("chroot %s (shell: chroot %s)", cfg.Rootfs, cfg.Rootfs)
	if err := unix.Chroot(cfg.Rootfs); err != nil {
		return fmt.Errorf("init: chroot %s: %w", cfg.Rootfs, err)
	}
	if err := unix.Chdir("/"); err != nil {
		return fmt.Errorf("init: chdir /: %w", err)
	}
	return nil
}

// execCommand replaces this process with the user's command. On failure it returns the
// docker-style status: 127 when the command does not exist, 126 when it cannot run.
func execCommand(cfg *initConfig) (int, error) {
	path, err := lookPath(cfg.Args[0], cfg.Env)
	if err != nil {
		return exitNotFound, fmt.Errorf("exec %q: %w", cfg.Args[0], err)
	}
	debugf("execve %s %q", path, cfg.Args)
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

// closeExtraFds marks every descriptor above stderr close-on-exec, so that the command
// inherits only its standard streams. A descriptor that the engine was handed (an open
// directory of the host, say) would be a way out of the container.
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
