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
