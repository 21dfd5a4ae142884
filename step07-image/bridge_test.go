package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"contain/testkit"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBridge(t *testing.T) {
	sb := testkit.NewSandbox(t)
	out := sb.Contain(t, runArgs(t, "--name", "one", "sh", "-c",
		"ip -o -4 addr show eth0 | awk '{print $4}'; cat /sys/class/net/eth0/address; "+
			"ip route | grep default; ping -c1 -W2 10.88.0.1 >/dev/null && echo gateway")...)
	assert.Equal(t, "10.88.0.2/16\n02:42:0a:58:00:02\ndefault via 10.88.0.1 dev eth0 \n"+
		"gateway\n", out)
	// The bridge has the gateway's address; the container's end of the pair is on it.
	br, err := onHost(t, sb, "ip", "-o", "-4", "addr", "show", "contain0")
	require.NoError(t, err, br)
	assert.Contains(t, br, "inet 10.88.0.1/16")

	sb.Contain(t, runArgs(t, "-d", "--name", "srv", "/bin/probe", "serve", "tcp", "80")...)
	var ip string
	testkit.Eventually(t, "srv listens", func() bool {
		r := sb.Run(t, "", runArgs(t, "--rm", "/bin/probe", "dial", "tcp", "10.88.0.3:80")...)
		ip = r.Stdout
		return r.Code == 0
	})
	assert.Equal(t, "peer 10.88.0.4\n", ip, "container to container, no NAT")
	var v []struct {
		NetworkSettings struct{ IPAddress, Gateway, MacAddress string }
		HostConfig      struct{ NetworkMode string }
	}
	require.NoError(t, json.Unmarshal([]byte(sb.Contain(t, "inspect", "srv")), &v))
	assert.Equal(t, "10.88.0.3", v[0].NetworkSettings.IPAddress)
	assert.Equal(t, "10.88.0.1", v[0].NetworkSettings.Gateway)
	assert.Equal(t, "02:42:0a:58:00:03", v[0].NetworkSettings.MacAddress)
	assert.Equal(t, "bridge", v[0].HostConfig.NetworkMode)

	// Each container's host end goes with it.
	// one has exited: the kernel deletes its pair with its namespace, in the background.
	testkit.Eventually(t, "one veth: srv's", func() bool { return len(links(t, sb, "^veth")) == 1 })
	sb.Contain(t, "rm", "-f", "one", "srv")
	testkit.Eventually(t, "veths gone", func() bool { return len(links(t, sb, "^veth")) == 0 })
}

func TestNetworkCleanupAfterCrash(t *testing.T) {
	sb := testkit.NewSandbox(t)
	cmd := sb.Command(context.Background(), runArgs(t, "--name", "orphan", "-p", "8080:80",
		"sleep", "60")...)
	require.NoError(t, cmd.Start())
	testkit.Eventually(t, "running", func() bool {
		return strings.Contains(sb.Contain(t, "ps"), "running")
	})
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	assert.Len(t, links(t, sb, "^veth"), 1)
	assert.Contains(t, rules(t, sb), "dnat to")
	sb.Contain(t, "rm", "-f", "orphan")
	testkit.Eventually(t, "veth gone", func() bool { return len(links(t, sb, "^veth")) == 0 })
	assert.NotContains(t, rules(t, sb), "dnat to")
	assert.Equal(t, "10.88.0.2/16\n", sb.Contain(t, runArgs(t, "--rm", "sh", "-c",
		"ip -o -4 addr show eth0 | awk '{print $4}'")...), "its address is free")
}

func TestNetworkRestart(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, runArgs(t, "-d", "--name", "flaky", "--restart", "on-failure:1", "-p",
		"8080:80", "sh", "-c", "/bin/probe serve tcp 80 & sleep 1; exit 3")...)
	testkit.Eventually(t, "restarted once", func() bool {
		return strings.Contains(sb.Contain(t, "inspect", "flaky"), `"RestartCount": 1`)
	})
	var got string
	testkit.Eventually(t, "answers after the restart", func() bool {
		got, _ = onHost(t, sb, probeBin(t), "dial", "tcp", "127.0.0.1:8080")
		return strings.HasPrefix(got, "peer")
	})
	assert.Equal(t, "peer 10.88.0.1\n", got)
	assert.Len(t, links(t, sb, "^veth"), 1)
	sb.Contain(t, "rm", "-f", "flaky")
}

func TestBreakItNetworkRoot(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, runArgs(t, "-d", "--name", "victim", "sleep", "60")...)
	out := sb.Contain(t, runArgs(t, "--rm", "sh", "-c",
		"ip addr add 10.88.0.2/16 dev eth0 && echo took 10.88.0.2; "+
			"(sleep 0.5; ping -c2 10.88.0.1 >/dev/null) & /bin/probe rawsock")...)
	assert.Regexp(t, `^took 10\.88\.0\.2\nraw socket: open\nraw socket: captured a frame `+
		`from ([0-9a-f]{2}:){5}[0-9a-f]{2} \(ethertype 0x[0-9a-f]{4}\)\n$`, out)
	sb.Contain(t, "rm", "-f", "victim")
}

// A container joined another's namespace, which outlives the other's rm: its address
// goes to the next container, which must not find it on the bridge twice. And a
// container reaches its own published port through the host (hairpin).
func TestNetworkSharedOutlivesOwner(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, runArgs(t, "-d", "--name", "x", "sleep", "60")...)
	sb.Contain(t, runArgs(t, "-d", "--name", "y", "--network", "container:x", "sleep", "60")...)
	sb.Contain(t, "rm", "-f", "x")
	assert.Empty(t, links(t, sb, "^veth"), "x's pair went with x")
	sb.Contain(t, runArgs(t, "-d", "--name", "z", "-p", "8099:7000", "/bin/probe", "serve",
		"tcp", "7000")...)
	var got string
	testkit.Eventually(t, "z answers at 10.88.0.2 and through the host", func() bool {
		r := sb.Run(t, "", "exec", "z", "/bin/probe", "dial", "tcp", "10.88.0.1:8099")
		got = r.Stdout
		return r.Code == 0
	})
	assert.Equal(t, "peer 10.88.0.1\n", got)
	o, err := onHost(t, sb, probeBin(t), "dial", "tcp", "10.88.0.2:7000")
	require.NoError(t, err, o)
	sb.Contain(t, "rm", "-f", "y", "z")
}
