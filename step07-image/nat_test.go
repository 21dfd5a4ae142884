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
	assert.Equal(t, 2, strings.Count(fwd, `comment "network bridge"`), fwd)
	assert.Contains(t, fwd, "policy drop", "the host's policy is left as it was")
}

// Someone deletes the bridge, or flushes the rules: the next run makes them again, once.
func TestNATMadeAgain(t *testing.T) {
	sb := testkit.NewSandbox(t)
	count := func() int { return strings.Count(rules(t, sb), `comment "network bridge"`) }
	sb.Contain(t, runArgs(t, "--rm", "true")...)
	require.Equal(t, 7, count(), "3 in postrouting, 4 in forward")
	out, err := onHost(t, sb, "ip", "link", "del", "contain0")
	require.NoError(t, err, out)
	sb.Contain(t, runArgs(t, "--rm", "true")...)
	assert.Equal(t, 7, count(), "a bridge made again: its rules once, not twice")
	out, err = onHost(t, sb, "nft", "delete", "table", "ip", "contain")
	require.NoError(t, err, out)
	sb.Contain(t, runArgs(t, "--rm", "-p", "8080:80", "true")...)
	assert.Equal(t, 7, count(), "the table made again, with the bridge still there")
}

// What the rules let through, and what not, from a machine that routes the containers'
// addresses, and 127.0.0.1, to the host (as a neighbour on the host's network can).
func TestForwardGuards(t *testing.T) {
	sb := testkit.NewSandbox(t)
	out := sb.Outside(t)
	run := func(args ...string) string {
		b, err := out.Command(context.Background(), args[0], args[1:]...).CombinedOutput()
		if err != nil {
			return "error: " + string(b)
		}
		return string(b)
	}
	require.NotContains(t, run("ip", "route", "add", "10.88.0.0/16", "via", out.HostAddr),
		"error")
	sb.Contain(t, runArgs(t, "-d", "--name", "hidden", "/bin/probe", "serve", "tcp", "7000")...)
	sb.Contain(t, runArgs(t, "-d", "--name", "lo-only", "-p", "127.0.0.1:8081:7000",
		"/bin/probe", "serve", "tcp", "7000")...)
	testkit.Eventually(t, "lo-only answers the host", func() bool {
		o, _ := onHost(t, sb, probeBin(t), "dial", "tcp", "127.0.0.1:8081")
		return strings.HasPrefix(o, "peer")
	})
	// An unpublished port is out of reach, even to a machine that routes to it.
	assert.Contains(t, run(probeBin(t), "dial", "tcp", "10.88.0.2:7000"), "error",
		"no way in but -p")
	// 127.0.0.1 through the host: the port published for the host only, and a service
	// of the host's loopback.
	serve(t, func(args ...string) *exec.Cmd {
		return exec.Command("nsenter", append([]string{"--net=/run/netns/" + sb.Netns, "--",
			probeBin(t)}, args...)...)
	}, "tcp", "127.0.0.1:9999")
	for _, cmd := range [][]string{
		{"ip", "route", "del", "local", "127.0.0.1", "dev", "lo", "table", "local"},
		{"ip", "route", "del", "local", "127.0.0.0/8", "dev", "lo", "table", "local"},
		{"ip", "route", "add", "127.0.0.1/32", "via", out.HostAddr},
		{"sysctl", "-qw", "net.ipv4.conf.eth0.route_localnet=1"},
	} {
		require.NotContains(t, run(cmd...), "error", cmd)
	}
	assert.Contains(t, run(probeBin(t), "dial", "tcp", "127.0.0.1:8081"), "error",
		"a port published on 127.0.0.1 is not the neighbours'")
	assert.Contains(t, run(probeBin(t), "dial", "tcp", "127.0.0.1:9999"), "error")
	// And from a container, which routes 127.0.0.1 to the bridge: the host's loopback
	// service stays out of reach (CVE-2020-8558).
	o := sb.Run(t, "", runArgs(t, "--rm", "sh", "-c",
		"ip route del local 127.0.0.1 dev lo table local; "+
			"ip route del local 127.0.0.0/8 dev lo table local; "+
			"ip route add 127.0.0.1/32 via 10.88.0.1 dev eth0; "+
			"echo 1 > /proc/sys/net/ipv4/conf/eth0/route_localnet; "+
			"echo 1 > /proc/sys/net/ipv4/conf/eth0/accept_local; "+
			"probe dial tcp 127.0.0.1:9999")...)
	assert.NotEqual(t, 0, o.Code, "stdout: %s", o.Stdout)
	sb.Contain(t, "rm", "-f", "hidden", "lo-only")
}

// The engine's rules in iptables' FORWARD chain are of the kinds iptables reads: a host's
// iptables -S and iptables-save keep working.
func TestHostFilterReadable(t *testing.T) {
	sb := testkit.NewSandbox(t)
	o, err := onHost(t, sb, "iptables", "-P", "FORWARD", "DROP")
	require.NoError(t, err, o)
	sb.Contain(t, runArgs(t, "--rm", "true")...)
	o, err = onHost(t, sb, "iptables", "-S", "FORWARD")
	require.NoError(t, err, o)
	assert.Equal(t, "-P FORWARD DROP\n"+
		`-A FORWARD -i contain0 -m comment --comment "network bridge" -j ACCEPT`+"\n"+
		`-A FORWARD -o contain0 -m comment --comment "network bridge" -j ACCEPT`+"\n", o)
}
