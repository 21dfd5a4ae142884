package testkit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// DefaultRootfs is where `make rootfs` puts the test rootfs, and the rootfs that the
// transcripts in docs/ show.
const DefaultRootfs = "/var/lib/contain/rootfs"

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
	buildDir  string
)

// Main runs the tests of a step and removes what the kit made for the whole run (the
// built engine, the wrapper script). The run fails if it changed the shared rootfs
// (rootfs.go). Use it as: os.Exit(testkit.Main(m)).
func Main(m *testing.M) int {
	root := rootfsPath()
	var before map[string]string
	if root != "" {
		before = rootfsSnapshot(root)
	}
	code := m.Run()
	if root != "" {
		if changes := rootfsChanges(before, rootfsSnapshot(root)); len(changes) > 0 {
			fmt.Fprintf(os.Stderr, "testkit: the tests changed the shared rootfs %s:\n", root)
			for _, c := range changes {
				fmt.Fprintln(os.Stderr, "  "+c)
			}
			code = 1
		}
	}
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	if wrapperDir != "" {
		os.RemoveAll(wrapperDir)
	}
	return code
}

// Engine returns the path of the contain binary under test: $CONTAIN_BIN, or the step in
// the current directory built once per run (shell: go build -o DIR/contain .).
func Engine(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("CONTAIN_BIN"); p != "" {
		return p
	}
	buildOnce.Do(func() {
		pattern := fmt.Sprintf("contain-test-bin-%d-*", os.Getpid())
		if buildDir, buildErr = os.MkdirTemp("", pattern); buildErr != nil {
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

// Rootfs returns the test rootfs: $CONTAIN_ROOTFS, or the one `make rootfs` builds. It
// fails the test when the rootfs has no /bin/probe, the tests' eyes inside a container.
func Rootfs(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("CONTAIN_ROOTFS")
	if dir == "" {
		dir = DefaultRootfs
	}
	if _, err := os.Stat(filepath.Join(dir, "bin", "probe")); err != nil {
		t.Fatalf("no test rootfs with /bin/probe at %s (run `make rootfs`): %v", dir, err)
	}
	return dir
}

// Skip skips the test, unless this run forbids skipping (CONTAIN_NO_SKIP, the VM lane,
// which exists to run everything): there it fails.
func Skip(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CONTAIN_NO_SKIP") != "" {
		t.Fatalf("would skip, but CONTAIN_NO_SKIP is set: %s", why)
	}
	t.Skip(why)
}

// RequireRoot skips a test that needs root, or fails it when the run requires root
// (CONTAIN_REQUIRE_ROOT, CI): a green run without root would have tested nothing.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CONTAIN_REQUIRE_ROOT") != "" {
		t.Fatal("needs root, and CONTAIN_REQUIRE_ROOT is set")
	}
	Skip(t, "needs root (CONTAIN_REQUIRE_ROOT=1 turns this skip into a failure)")
}

// features are what an engine supports that the sandbox must know about. Each step adds
// some; reading them from the usage keeps the kit free of per-step settings.
type features struct {
	root         bool // --root DIR: the state root can be moved into the sandbox
	cgroupParent bool // --cgroup-parent NAME: the containers' cgroups can be too
	rm           bool // rm [-f]: containers outlive their command and must be removed
	dataRoot     bool // --data-root DIR: layers and volumes can be moved into the sandbox
	network      bool // network create: bridges, veth pairs and nft rules (network.go)
}

var (
	rootRE   = regexp.MustCompile(`(?m)\s--root\b`)
	parentRE = regexp.MustCompile(`(?m)\s--cgroup-parent\b`)
	rmRE     = regexp.MustCompile(`(?m)^\s*rm \[-f\]`)
	dataRE   = regexp.MustCompile(`(?m)\s--data-root\b`)
	netRE    = regexp.MustCompile(`(?m)^\s*network create\b`)
)

// parseFeatures reads an engine's usage text, as `contain help` prints it.
func parseFeatures(usage string) features {
	return features{
		root:         rootRE.MatchString(usage),
		cgroupParent: parentRE.MatchString(usage),
		rm:           rmRE.MatchString(usage),
		dataRoot:     dataRE.MatchString(usage),
		network:      netRE.MatchString(usage),
	}
}

var (
	featuresMu sync.Mutex
	featuresOf = map[string]features{}
)

// engineFeatures asks the engine for its usage, once per binary and run.
func engineFeatures(bin string) (features, error) {
	featuresMu.Lock()
	defer featuresMu.Unlock()
	if f, ok := featuresOf[bin]; ok {
		return f, nil
	}
	out, err := exec.Command(bin, "help").CombinedOutput()
	if err != nil {
		return features{}, fmt.Errorf("%s help: %v: %s", bin, err, out)
	}
	f := parseFeatures(string(out))
	featuresOf[bin] = f
	return f, nil
}
