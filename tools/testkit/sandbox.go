package testkit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A Sandbox runs the engine in a network namespace of its own (so that the network step's
// bridges and rules never touch the host's), with a state root and a cgroup of its own
// when the engine has them, and checks that nothing leaks out of it.
type Sandbox struct {
	Netns string // the network namespace, as `ip netns` names it
	Dir   string // the sandbox's own directory, removed with it
	State string // the engine's state root (--root), or "" for an engine without one
	Group string // the engine's cgroup (--cgroup-parent), or "" for an engine without one
	Data  string // the engine's data root (--data-root), or "" for an engine without one

	bin     string   // the directory of the `contain` wrapper, shared by every sandbox
	feat    features // what the engine supports
	outside *Outside // another machine (outside.go), once a test asked for it
}

var sandboxSeq atomic.Int64

// NewSandbox opens a sandbox for one test (which needs root, see RequireRoot) and checks
// for leaks when the test ends: containers, processes, state, cgroups, layers, volumes,
// networks, veth pairs, bridges and nft rules (network.go), and the host's mounts compared
// with those before the sandbox.
func NewSandbox(t testing.TB) *Sandbox {
	t.Helper()
	RequireRoot(t)
	mounts := HostMounts()
	sb, err := openSandbox(Engine(t))
	require.NoError(t, err)
	t.Cleanup(func() {
		for _, leak := range append(sb.close(), mountLeaks(mounts, HostMounts())...) {
			t.Error(leak)
		}
	})
	return sb
}

// openSandbox creates the network namespace and the directory of a sandbox.
func openSandbox(bin string) (*Sandbox, error) {
	feat, err := engineFeatures(bin)
	if err != nil {
		return nil, err
	}
	sb := &Sandbox{
		Netns: fmt.Sprintf("contain-test-%d-%d", os.Getpid(), sandboxSeq.Add(1)),
		feat:  feat,
	}
	if sb.bin, err = writeWrapper(bin, feat); err != nil {
		return nil, err
	}
	pattern := fmt.Sprintf("contain-sandbox-%d-*", os.Getpid())
	if sb.Dir, err = os.MkdirTemp("", pattern); err != nil {
		return nil, err
	}
	if out, err := exec.Command("ip", "netns", "add", sb.Netns).CombinedOutput(); err != nil {
		os.RemoveAll(sb.Dir)
		return nil, fmt.Errorf("ip netns add: %v: %s", err, out)
	}
	_ = exec.Command("ip", "-n", sb.Netns, "link", "set", "lo", "up").Run()
	if feat.root {
		sb.State = filepath.Join(sb.Dir, "state")
	}
	if feat.cgroupParent {
		sb.Group = sb.Netns
	}
	if feat.dataRoot {
		sb.Data = filepath.Join(sb.Dir, "data")
	}
	return sb, nil
}

var (
	wrapperOnce sync.Once
	wrapperDir  string
	wrapperErr  error
)

// writeWrapper writes, once per test run, the `contain` script that runs the engine in the
// sandbox that $CONTAIN_SANDBOX names. One script for all: writing an executable while
// parallel tests fork can make its exec fail ("text file busy").
func writeWrapper(bin string, feat features) (string, error) {
	wrapperOnce.Do(func() {
		pattern := fmt.Sprintf("contain-wrapper-%d-*", os.Getpid())
		if wrapperDir, wrapperErr = os.MkdirTemp("", pattern); wrapperErr != nil {
			return
		}
		scripts := map[string]string{
			"contain": wrapperLine(bin, feat),
			// A transcript's commands on the host side, in the sandbox's namespace, and
			// on "another machine" (Outside, made for the transcripts of a network engine).
			"host":    `exec nsenter --net="/run/netns/$CONTAIN_SANDBOX" -- "$@"`,
			"outside": `exec nsenter --net="/run/netns/$CONTAIN_SANDBOX-out" -- "$@"`,
		}
		for name, line := range scripts {
			err := os.WriteFile(filepath.Join(wrapperDir, name), []byte("#!/bin/sh\n"+line+"\n"),
				0o755)
			if err != nil && wrapperErr == nil {
				wrapperErr = err
			}
		}
	})
	return wrapperDir, wrapperErr
}

// wrapperLine is the wrapper's command: the engine inside the sandbox's network namespace,
// with the sandbox's state root and cgroup when the engine has those flags.
func wrapperLine(bin string, feat features) string {
	line := `exec nsenter --net="/run/netns/$CONTAIN_SANDBOX" -- ` + shellQuote(bin)
	if feat.root {
		line += ` --root "$CONTAIN_SANDBOX_DIR/state"`
	}
	if feat.cgroupParent {
		line += ` --cgroup-parent "$CONTAIN_SANDBOX"`
	}
	if feat.dataRoot {
		line += ` --data-root "$CONTAIN_SANDBOX_DIR/data"`
	}
	return line + ` "$@"`
}

// shellQuote quotes s for sh, so that a path with a space or a quote stays one word.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Command returns `contain ARGS...`, to run in the sandbox.
func (sb *Sandbox) Command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(sb.bin, "contain"), args...)
	cmd.Env = append(os.Environ(), sb.Env()...)
	return cmd
}

// Env names the sandbox for the wrapper: add it to the environment of a command that runs
// the `contain` wrapper some other way than through Command.
func (sb *Sandbox) Env() []string {
	return []string{"CONTAIN_SANDBOX=" + sb.Netns, "CONTAIN_SANDBOX_DIR=" + sb.Dir}
}

// Result is what one engine command did.
type Result struct {
	Stdout, Stderr string
	Code           int // the exit status
}

// Run runs `contain ARGS...` in the sandbox with the given standard input. It fails the
// test only when the engine cannot be run at all, or takes more than two minutes.
func (sb *Sandbox) Run(t testing.TB, stdin string, args ...string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := sb.Command(ctx, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("contain %v: %v", args, err)
	}
	return Result{Stdout: stdout.String(), Stderr: stderr.String(), Code: code}
}

// Contain runs `contain ARGS...` in the sandbox, requires status 0 and returns stdout.
func (sb *Sandbox) Contain(t testing.TB, args ...string) string {
	t.Helper()
	r := sb.Run(t, "", args...)
	require.Equal(t, 0, r.Code, "contain %v: stderr: %s", args, r.Stderr)
	return r.Stdout
}

// close removes what is left in the sandbox, then the sandbox, and returns what leaked.
// The caller compares the host's mounts before and after (tests running in parallel mount
// and unmount things, so only the caller knows when to compare).
func (sb *Sandbox) close() []string {
	var leaks []string
	if sb.feat.rm {
		// Containers outlive their command: remove them; what rm leaves is a leak.
		ids, _ := sb.Command(context.Background(), "ps", "-a", "-q").Output()
		for _, id := range strings.Fields(string(ids)) {
			out, err := sb.Command(context.Background(), "rm", "-f", id).CombinedOutput()
			if err != nil {
				leaks = append(leaks, fmt.Sprintf("leak: rm -f %s: %v: %s", id, err, out))
			}
		}
	}
	out, _ := exec.Command("ip", "netns", "pids", sb.Netns).Output()
	if pids := strings.Fields(string(out)); len(pids) > 0 {
		leaks = append(leaks, fmt.Sprintf("leak: processes left running: %v", pids))
		for _, pid := range pids {
			_ = exec.Command("kill", "-9", pid).Run()
		}
	}
	if sb.feat.network {
		// What the engine made in the namespace goes with it: look before.
		leaks = append(leaks, sb.networkLeaks()...)
	}
	_ = exec.Command("ip", "netns", "del", sb.Netns).Run()
	if sb.State != "" {
		entries, _ := os.ReadDir(sb.State)
		for _, e := range entries {
			if e.Name() != "lock" {
				leaks = append(leaks, fmt.Sprintf("leak: state left: %s", e.Name()))
			}
		}
	}
	if sb.Data != "" {
		// Layers go with their containers; volumes with volume rm (or rm -v).
		for _, dir := range []string{"containers", "volumes"} {
			entries, _ := os.ReadDir(filepath.Join(sb.Data, dir))
			for _, e := range entries {
				leaks = append(leaks, fmt.Sprintf("leak: %s left: %s", dir, e.Name()))
			}
		}
	}
	if sb.Group != "" {
		leaks = append(leaks, cgroupLeaks(sb.Group)...)
	}
	os.RemoveAll(sb.Dir)
	return leaks
}

// Eventually polls until cond holds, or fails the test after ten seconds: for what the
// engine does in the background (a monitor recording an exit, a removal).
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
	}
}
