package testkit

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// RunScripts runs the testscript transcripts in dir (a step's testdata/script): the "Try
// it" sessions of the lessons, shown verbatim in docs/, and other command-line checks.
// Each script gets a sandbox, and `contain` in a script is the engine under test run
// inside it (scripts must say `exec contain ...`). Leaks are checked when all are done.
//
// Conditions: [cgroup2:NAME] holds when the controller NAME is in the cgroup v2 hierarchy.
func RunScripts(t *testing.T, dir string) {
	RequireRoot(t)
	bin := Engine(t)
	// The scripts are the lessons' transcripts: they show the default rootfs.
	if Rootfs(t) != DefaultRootfs {
		t.Fatalf("the transcripts use the default rootfs %s; CONTAIN_ROOTFS differs",
			DefaultRootfs)
	}
	var mu sync.Mutex
	var leaks []string
	mounts := HostMounts()
	// Scripts run in parallel: check the mounts once all of them are done.
	t.Cleanup(func() {
		for _, leak := range append(leaks, mountLeaks(mounts, HostMounts())...) {
			t.Error(leak)
		}
	})
	feat, err := engineFeatures(bin)
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 dir,
		RequireExplicitExec: true,
		Condition:           scriptCondition,
		Setup: func(env *testscript.Env) error {
			// Before step 3, a container has no mount namespace: a transcript that mounts
			// /proc in the shared rootfs mounts it on the host, where another transcript
			// would find it busy. Those engines' scripts run one at a time.
			if !feat.root {
				hostMountsMu.Lock()
				env.Defer(hostMountsMu.Unlock)
			}
			sb, err := openSandbox(bin)
			if err != nil {
				return err
			}
			env.Defer(func() {
				mu.Lock()
				defer mu.Unlock()
				leaks = append(leaks, sb.close()...)
			})
			if feat.network {
				o := &Outside{Netns: sb.Netns + "-out", Addr: "192.0.2.2", HostAddr: "192.0.2.1"}
				env.Defer(o.close)
				if err := o.open(sb.Netns); err != nil {
					return err
				}
			}
			env.Setenv("PATH", sb.bin+":"+os.Getenv("PATH"))
			for _, kv := range sb.Env() {
				k, v, _ := strings.Cut(kv, "=")
				env.Setenv(k, v)
			}
			return nil
		},
	})
}

// hostMountsMu serializes the scripts of engines that mount on the host (see RunScripts).
var hostMountsMu sync.Mutex

// scriptCondition evaluates the kit's own conditions in scripts.
func scriptCondition(cond string) (bool, error) {
	if c, ok := strings.CutPrefix(cond, "cgroup2:"); ok {
		// [cgroup2:memory]: a host without cgroup2, or without the controller in it,
		// does not have it.
		has, _, err := hasController(c)
		return err == nil && has, nil
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}
