package main

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"contain/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMasquerade(t *testing.T) {
	sb := testkit.NewSandbox(t)
	out := sb.Outside(t)
	// iptables-nft's filter table, policy DROP, made before the bridge is.
	for _, cmd := range [][]string{{"add", "table", "ip", "filter"}, {"add", "chain", "ip",
		"filter", "FORWARD", "{ type filter hook forward priority 0; policy drop; }"}} {
		o, err := onHost(t, sb, append([]string{"nft"}, cmd...)...)
		require.NoError(t, err, o)
	}
	serve(t, func(args ...string) *exec.Cmd {
		return out.Command(context.Background(), probeBin(t), args...)
	}, "tcp", "9000")
	got := sb.Contain(t, runArgs(t, "--rm", "/bin/probe", "dial", "tcp",
		out.Addr+":9000")...)
	assert.Equal(t, "peer "+out.HostAddr+"\n", got, "the source is the host's address")
	fwd, err := onHost(t, sb, "nft", "list", "chain", "ip", "filter", "FORWARD")
	require.NoError(t, err, fwd)
	assert.Equal(t, 3, strings.Count(fwd, `comment "network bridge"`), fwd)
	assert.Contains(t, fwd, "policy drop", "the host's policy is left as it was")
}

// Someone deletes the bridge, or flushes the rules: the next run makes them again, once.
func TestNATMadeAgain(t *testing.T) {
	sb := testkit.NewSandbox(t)
	count := func() int { return strings.Count(rules(t, sb), `comment "network bridge"`) }
	sb.Contain(t, runArgs(t, "--rm", "true")...)
	require.Equal(t, 4, count(), "3 in postrouting, 1 in forward")
	out, err := onHost(t, sb, "ip", "link", "del", "contain0")
	require.NoError(t, err, out)
	sb.Contain(t, runArgs(t, "--rm", "true")...)
	assert.Equal(t, 4, count(), "a bridge made again: its rules once, not twice")
	out, err = onHost(t, sb, "nft", "delete", "table", "ip", "contain")
	require.NoError(t, err, out)
	sb.Contain(t, runArgs(t, "--rm", "-p", "8080:80", "true")...)
	assert.Equal(t, 4, count(), "the table made again, with the bridge still there")
}
