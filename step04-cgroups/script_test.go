package main

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestScripts runs the transcripts in testdata/script: the "Try it" sessions of the lesson
// (try-*.txtar, shown verbatim in docs/) and other command-line checks. Each script gets a
// sandbox; `contain` in a script is the engine under test, run inside that sandbox.
func TestScripts(t *testing.T) {
	requireRoot(t)
	bin := engine(t)
	if testRootfs(t) != defaultRootfs {
		t.Fatalf("the transcripts use the default rootfs %s; CONTAIN_ROOTFS differs", defaultRootfs)
	}
	var mu sync.Mutex
	var leaks []string
	mounts := hostMounts()
	// Scripts run in parallel: check the mounts once all of them are done.
	t.Cleanup(func() {
		for _, leak := range append(leaks, mountLeaks(mounts, hostMounts())...) {
			t.Error(leak)
		}
	})
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		// [cgroup2:memory]: the memory controller is in the cgroup v2 hierarchy here.
		Condition: func(cond string) (bool, error) {
			if c, ok := strings.CutPrefix(cond, "cgroup2:"); ok {
				root, err := cgroup2Mount()
				data, _ := os.ReadFile(root + "/cgroup.controllers")
				return err == nil && contains(strings.Fields(string(data)), c), nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Setup: func(env *testscript.Env) error {
			sb, err := openSandbox(bin)
			if err != nil {
				return err
			}
			env.Defer(func() {
				mu.Lock()
				defer mu.Unlock()
				leaks = append(leaks, sb.close()...)
			})
			// The scripts are the lessons' transcripts: they use the default rootfs.
			env.Setenv("PATH", sb.bin+":"+os.Getenv("PATH"))
			for _, kv := range sb.env() {
				k, v, _ := strings.Cut(kv, "=")
				env.Setenv(k, v)
			}
			return nil
		},
	})
}
