package testkit

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The sandbox is the engine's host. A test of NAT or of a published port needs another
// machine on the host's network: a client of -p 8080:80 from outside, a server that sees
// the masqueraded address of a container. Outside is that machine, one more network
// namespace wired to the sandbox by a veth pair:
//
//	sandbox (the engine's host)                 NAME-out (another machine)
//	contain0 10.88.0.1 ── routing, NAT ── uplink 192.0.2.1/24 ──── eth0 192.0.2.2/24
//	                                                               default via 192.0.2.1
//
// 192.0.2.0/24 is TEST-NET-1 (RFC 5737): addresses reserved for documentation, that no
// real network routes. Nothing leaves the machine anyway: both ends are on it.

// uplink is the sandbox's end of the pair: the kit's own, not a leak (network.go).
const uplink = "uplink"

// An Outside is another machine for a sandbox's containers to reach and be reached from.
type Outside struct {
	Netns    string // its network namespace, as `ip netns` names it: the sandbox's + "-out"
	Addr     string // its address, on its eth0: 192.0.2.2
	HostAddr string // the sandbox's address on the link, on uplink: 192.0.2.1
}

// Outside returns the sandbox's other machine, opened on the first call and removed when
// that test ends, with whatever still runs in it.
func (sb *Sandbox) Outside(t testing.TB) *Outside {
	t.Helper()
	if sb.outside != nil {
		return sb.outside
	}
	// Named after the sandbox, so that tools/clean.sh removes it with the sandbox's
	// namespace when the test process dies (contain-test-PID-SEQ-out).
	o := &Outside{Netns: sb.Netns + "-out", Addr: "192.0.2.2", HostAddr: "192.0.2.1"}
	t.Cleanup(o.close)
	require.NoError(t, o.open(sb.Netns))
	sb.outside = o
	return o
}

// open creates the namespace and the link (shell equivalents in the comments).
func (o *Outside) open(sandbox string) error {
	for _, args := range [][]string{
		{"netns", "add", o.Netns},
		// ip -n SANDBOX link add uplink type veth peer name eth0 netns NAME-out
		{"-n", sandbox, "link", "add", uplink, "type", "veth", "peer", "name", "eth0",
			"netns", o.Netns},
		{"-n", sandbox, "addr", "add", o.HostAddr + "/24", "dev", uplink},
		{"-n", sandbox, "link", "set", uplink, "up"},
		{"-n", o.Netns, "link", "set", "lo", "up"},
		{"-n", o.Netns, "addr", "add", o.Addr + "/24", "dev", "eth0"},
		{"-n", o.Netns, "link", "set", "eth0", "up"},
		// Its answers to a container go back through the sandbox, as to any address.
		{"-n", o.Netns, "route", "add", "default", "via", o.HostAddr},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("outside: ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	return nil
}

// close kills what runs in the namespace and deletes it; the kernel deletes the veth pair
// with it (shell: kill -9 $(ip netns pids NAME-out); ip netns del NAME-out).
func (o *Outside) close() {
	out, _ := exec.Command("ip", "netns", "pids", o.Netns).Output()
	for _, pid := range strings.Fields(string(out)) {
		_ = exec.Command("kill", "-9", pid).Run()
	}
	_ = exec.Command("ip", "netns", "del", o.Netns).Run()
}

// Command returns NAME ARGS... to run on the other machine (shell: ip netns exec NAME-out
// NAME ARGS...): it sees the outside's interfaces, and its own /sys.
func (o *Outside) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", o.Netns, name},
		args...)...)
}
