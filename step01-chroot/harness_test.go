package main

// Helpers shared by the tests of every step: the engine under test, the rules for root and
// skipping, and a sandbox per test (a network namespace of its own) with leak checks.
//
// Environment:
//
//	CONTAIN_BIN           the engine to test (default: built from this step's source)
//	CONTAIN_ROOTFS        the busybox rootfs with /bin/probe (default /var/lib/contain/rootfs)
//	CONTAIN_REQUIRE_ROOT  set (CI): a test that needs root fails instead of skipping
//	CONTAIN_NO_SKIP       set (the VM lane): every skip is a failure

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	if wrapperDir != "" {
		os.RemoveAll(wrapperDir)
	}
	os.Exit(code)
}

// engine returns the path of the contain binary under test.
func engine(t testing.TB) string {
	if p := os.Getenv("CONTAIN_BIN"); p != "" {
		return p
	}
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "contain-test-bin-")
		if buildErr != nil {
			return
		}
		builtBin = filepath.Join(buildDir, "contain")
		out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return builtBin
}

// testRootfs returns the rootfs that `make rootfs` builds.
func testRootfs(t testing.TB) string {
	dir := os.Getenv("CONTAIN_ROOTFS")
	if dir == "" {
		dir = defaultRootfs
	}
	if _, err := os.Stat(filepath.Join(dir, "bin", "probe")); err != nil {
		t.Fatalf("no test rootfs with /bin/probe at %s (run `make rootfs`): %v", dir, err)
	}
	return dir
}

// skipTest skips, unless this run forbids skipping (the VM lane), where it fails.
func skipTest(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CONTAIN_NO_SKIP") != "" {
		t.Fatalf("would skip, but CONTAIN_NO_SKIP is set: %s", why)
	}
	t.Skip(why)
}

// requireRoot skips a test that needs root, or fails it when the run requires root (CI).
func requireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CONTAIN_REQUIRE_ROOT") != "" {
		t.Fatal("needs root, and CONTAIN_REQUIRE_ROOT is set")
	}
	skipTest(t, "needs root (CONTAIN_REQUIRE_ROOT=1 turns this skip into a failure)")
}

// A sandbox runs the engine in a network namespace of its own (so that the network step's
// bridges and rules never touch the host's) and checks that nothing leaks out of it.
type sandbox struct {
	netns string // name of the network namespace, as `ip netns` knows it
	dir   string // the sandbox's own directory
	bin   string // the directory of the `contain` wrapper, shared by every sandbox
}

var sandboxSeq atomic.Int64

// newSandbox opens a sandbox for one test and checks for leaks when the test ends.
func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	requireRoot(t)
	mounts := hostMounts()
	sb, err := openSandbox(engine(t))
	require.NoError(t, err)
	t.Cleanup(func() {
		for _, leak := range append(sb.close(), mountLeaks(mounts, hostMounts())...) {
			t.Error(leak)
		}
	})
	return sb
}

func openSandbox(bin string) (*sandbox, error) {
	sb := &sandbox{netns: fmt.Sprintf("contain-test-%d-%d", os.Getpid(), sandboxSeq.Add(1))}
	var err error
	if sb.bin, err = writeWrapper(bin); err != nil {
		return nil, err
	}
	if sb.dir, err = os.MkdirTemp("", "contain-sandbox-"); err != nil {
		return nil, err
	}
	if out, err := exec.Command("ip", "netns", "add", sb.netns).CombinedOutput(); err != nil {
		os.RemoveAll(sb.dir)
		return nil, fmt.Errorf("ip netns add: %v: %s", err, out)
	}
	_ = exec.Command("ip", "-n", sb.netns, "link", "set", "lo", "up").Run()
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
func writeWrapper(bin string) (string, error) {
	wrapperOnce.Do(func() {
		if wrapperDir, wrapperErr = os.MkdirTemp("", "contain-wrapper-"); wrapperErr != nil {
			return
		}
		script := "#!/bin/sh\nexec nsenter --net=\"/run/netns/$CONTAIN_SANDBOX\" -- " + bin +
			" \"$@\"\n"
		wrapperErr = os.WriteFile(filepath.Join(wrapperDir, "contain"), []byte(script), 0o755)
	})
	return wrapperDir, wrapperErr
}

// command returns `contain ARGS...`, to run in the sandbox.
func (sb *sandbox) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(sb.bin, "contain"), args...)
	cmd.Env = append(os.Environ(), sb.env()...)
	return cmd
}

// env names the sandbox for the wrapper.
func (sb *sandbox) env() []string {
	return []string{"CONTAIN_SANDBOX=" + sb.netns, "CONTAIN_SANDBOX_DIR=" + sb.dir}
}

// close kills the processes left in the sandbox, removes it and returns what leaked. The
// caller compares the host's mounts before and after (tests running in parallel mount and
// unmount things, so only the caller knows when to compare).
func (sb *sandbox) close() []string {
	var leaks []string
	out, _ := exec.Command("ip", "netns", "pids", sb.netns).Output()
	if pids := strings.Fields(string(out)); len(pids) > 0 {
		leaks = append(leaks, fmt.Sprintf("leak: processes left running: %v", pids))
		for _, pid := range pids {
			_ = exec.Command("kill", "-9", pid).Run()
		}
	}
	_ = exec.Command("ip", "netns", "del", sb.netns).Run()
	os.RemoveAll(sb.dir)
	return leaks
}

// hostMounts lists the mount points of the test's own mount namespace.
func hostMounts() []string {
	data, _ := os.ReadFile("/proc/self/mountinfo")
	var mounts []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		// iproute2 mounts /run/netns once, and the sandboxes of parallel tests come and
		// go: they are not leaks.
		if len(f) > 4 && f[4] != "/run/netns" &&
			!strings.HasPrefix(f[4], "/run/netns/contain-test-") {
			mounts = append(mounts, f[4])
		}
	}
	sort.Strings(mounts)
	return mounts
}

func mountLeaks(before, after []string) []string {
	count := map[string]int{}
	for _, m := range before {
		count[m]--
	}
	for _, m := range after {
		count[m]++
	}
	var leaks []string
	for m, n := range count {
		if n > 0 {
			leaks = append(leaks, fmt.Sprintf("leak: mount left on the host: %s", m))
		}
	}
	return leaks
}

// result is what one engine command did.
type result struct {
	stdout, stderr string
	code           int
}

// run runs `contain ARGS...` in the sandbox with the given standard input.
func (sb *sandbox) run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := sb.command(ctx, args...)
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
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// contain runs `contain ARGS...` in the sandbox and requires it to succeed.
func (sb *sandbox) contain(t *testing.T, args ...string) string {
	t.Helper()
	r := sb.run(t, "", args...)
	require.Equal(t, 0, r.code, "contain %v: stderr: %s", args, r.stderr)
	return r.stdout
}
