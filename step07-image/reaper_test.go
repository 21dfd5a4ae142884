package main

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"contain/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// PID 1 gets no signal it has no handler for: SIGTERM, passed on by the engine, does not
// stop a shell that is PID 1. With --init, the engine is PID 1 and passes it on to the
// shell, which ends.
func TestInitSignals(t *testing.T) {
	sb := testkit.NewSandbox(t)
	c := startBackground(t, sb, "plain", "sh", "-c", "sleep 30")
	require.NoError(t, c.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-c.done:
		t.Fatal("PID 1 without a handler ended on SIGTERM")
	case <-time.After(500 * time.Millisecond):
	}

	c = startBackground(t, sb, "reaped", "--init", "sh", "-c", "sleep 30")
	require.NoError(t, c.cmd.Process.Signal(syscall.SIGTERM))
	assert.Equal(t, 128+int(syscall.SIGTERM), c.wait(t))
}

// Orphans are re-parented to PID 1. A plain command as PID 1 never waits for them: they
// stay zombies. With --init, the engine reaps them.
func TestInitReapsOrphans(t *testing.T) {
	sb := testkit.NewSandbox(t)
	// The subshell starts a short sleep in the background and exits: the sleep is an
	// orphan. Then the shell becomes `probe sleep` (exec), which waits for no one.
	orphan := "(probe sleep 0.1 &); exec probe sleep 30"
	zombies := "sleep 0.5; grep -l '^State:.*zombie' /proc/[0-9]*/status | wc -l"
	for _, tc := range []struct {
		name string
		init []string
		want string
	}{{"plain", nil, "1\n"}, {"init", []string{"--init"}, "0\n"}} {
		t.Run(tc.name, func(t *testing.T) {
			startBackground(t, sb, tc.name, append(tc.init, "sh", "-c", orphan)...)
			out := sb.Contain(t, "exec", tc.name, "sh", "-c", zombies)
			assert.Equal(t, tc.want, strings.TrimLeft(out, " "), "zombies")
		})
	}
}
