package main

import (
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
