package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"contain/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every test here runs the engine in its sandbox's network namespace: bridges, rules and
// addresses exist there only, and traffic goes only to addresses the test set up.

// onHost runs a command on the host side of the sandbox: in its network namespace, as a
// learner's shell on the machine would.
func onHost(t *testing.T, sb *testkit.Sandbox, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "nsenter", append([]string{"--net=/run/netns/" +
		sb.Netns, "--"}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// probeBin is the probe of the test rootfs: static, so it runs on the host side too.
func probeBin(t *testing.T) string { return filepath.Join(testkit.Rootfs(t), "bin/probe") }

// serve starts `probe serve PROTO PORT` in the background, with start, and waits until it
// listens. It is killed when the test ends.
func serve(t *testing.T, start func(args ...string) *exec.Cmd, proto, port string) {
	t.Helper()
	cmd := start("serve", proto, port)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	buf := make([]byte, 10)
	n, _ := out.Read(buf)
	require.Equal(t, "listening\n", string(buf[:n]))
}

// links lists the interfaces of the sandbox's namespace whose names match re.
func links(t *testing.T, sb *testkit.Sandbox, re string) []string {
	t.Helper()
	out, err := onHost(t, sb, "ip", "-o", "link", "show")
	require.NoError(t, err, out)
	var names []string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 1 {
			name, _, _ := strings.Cut(strings.TrimSuffix(f[1], ":"), "@")
			if regexp.MustCompile(re).MatchString(name) {
				names = append(names, name)
			}
		}
	}
	return names
}

// rules returns the engine's nft table in the sandbox, or "" if there is none.
func rules(t *testing.T, sb *testkit.Sandbox) string {
	t.Helper()
	out, err := onHost(t, sb, "nft", "list", "table", "ip", "contain")
	if err != nil {
		return ""
	}
	return out
}

func runArgs(t *testing.T, args ...string) []string {
	return append([]string{"run", "--rootfs", testkit.Rootfs(t)}, args...)
}

// --network none: a namespace with lo only, and lo is up.
func TestNetworkNone(t *testing.T) {
	sb := testkit.NewSandbox(t)
	out := sb.Contain(t, runArgs(t, "--rm", "--network", "none", "sh", "-c",
		"ip -o link show | cut -d: -f2; ping -c1 -W2 127.0.0.1 >/dev/null && echo lo works")...)
	assert.Equal(t, " lo\nlo works\n", out)
	assert.Empty(t, links(t, sb, "^(contain|veth)"), "no bridge, no veth for none")
}

// --network host: the host's namespace itself, and the host's name.
func TestNetworkHost(t *testing.T) {
	sb := testkit.NewSandbox(t)
	want, err := os.Readlink("/proc/self/ns/net")
	require.NoError(t, err)
	inNetns, err := onHost(t, sb, "readlink", "/proc/self/ns/net")
	require.NoError(t, err)
	require.NotEqual(t, want, strings.TrimSpace(inNetns))
	out := sb.Contain(t, runArgs(t, "--rm", "--network", "host", "sh", "-c",
		"readlink /proc/self/ns/net; hostname")...)
	host, _ := os.Hostname()
	assert.Equal(t, strings.TrimSpace(inNetns)+"\n"+host+"\n", out)
}

// Bridge mode: eth0 with the first address of the default network, a MAC made from it,
// a default route via the bridge; and two containers reach each other.
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
	assert.Len(t, links(t, sb, "^veth"), 1, "one veth: srv's (one has exited)")
	sb.Contain(t, "rm", "-f", "one", "srv")
	testkit.Eventually(t, "veths gone", func() bool { return len(links(t, sb, "^veth")) == 0 })
}

// IPAM: twenty runs at once get twenty different addresses; removed, they are free again.
func TestAddressesConcurrent(t *testing.T) {
	sb := testkit.NewSandbox(t)
	const n = 20
	var wg sync.WaitGroup
	results := make([]testkit.Result, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = sb.Run(t, "", runArgs(t, "--name", fmt.Sprint("c", i), "sh", "-c",
				"ip -o -4 addr show eth0 | awk '{print $4}'")...)
		}(i)
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, r := range results {
		require.Equal(t, 0, r.Code, "run %d: %s", i, r.Stderr)
		addr := strings.TrimSpace(r.Stdout)
		assert.Regexp(t, `^10\.88\.0\.([2-9]|1[0-9]|2[01])/16$`, addr)
		assert.False(t, seen[addr], "address %s given twice", addr)
		seen[addr] = true
	}
	assert.Len(t, seen, n)
	ids := strings.Fields(sb.Contain(t, "ps", "-a", "-q"))
	sb.Contain(t, append([]string{"rm"}, ids...)...)
	assert.Equal(t, "10.88.0.2/16\n", sb.Contain(t, runArgs(t, "--rm", "sh", "-c",
		"ip -o -4 addr show eth0 | awk '{print $4}'")...), "the first address is free again")
}

// NAT: a container reaches a machine outside the host (a namespace that plays one), and
// that machine sees the host's address, not the container's. A FORWARD chain with a DROP
// policy, as docker leaves on a host, does not stop it.
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

// -p: a published port answers from another machine at the host's address, from the host
// itself at its own address and at 127.0.0.1, and from another container.
func TestPublish(t *testing.T) {
	sb := testkit.NewSandbox(t)
	out := sb.Outside(t)
	sb.Contain(t, runArgs(t, "-d", "--name", "web", "-p", "8080:80", "-p", "5353:53/udp",
		"-p", "127.0.0.1:8081:80", "sh", "-c",
		"/bin/probe serve udp 53 & exec /bin/probe serve tcp 80")...)
	dial := func(where string, args ...string) string {
		var o string
		var err error
		switch where {
		case "outside":
			var b []byte
			b, err = out.Command(context.Background(), probeBin(t), args...).CombinedOutput()
			o = string(b)
		case "host":
			o, err = onHost(t, sb, append([]string{probeBin(t)}, args...)...)
		case "container":
			r := sb.Run(t, "", runArgs(t, append([]string{"--rm", "/bin/probe"},
				args...)...)...)
			o = r.Stdout + r.Stderr
			if r.Code != 0 {
				err = fmt.Errorf("status %d", r.Code)
			}
		}
		if err != nil {
			return "error: " + o
		}
		return o
	}
	testkit.Eventually(t, "web listens", func() bool {
		return dial("host", "dial", "tcp", "127.0.0.1:8080") == "peer 10.88.0.1\n"
	})
	addr := out.HostAddr
	assert.Equal(t, "peer "+out.Addr+"\n", dial("outside", "dial", "tcp", addr+":8080"),
		"from outside, the client's address is kept")
	assert.Equal(t, "peer "+addr+"\n", dial("host", "dial", "tcp", addr+":8080"))
	assert.Equal(t, "peer 10.88.0.1\n", dial("container", "dial", "tcp", addr+":8080"),
		"another container on the bridge: through the host (hairpin NAT)")
	assert.Equal(t, "peer "+out.Addr+"\n", dial("outside", "dial", "udp", addr+":5353"))
	assert.Equal(t, "peer 10.88.0.1\n", dial("host", "dial", "udp", "127.0.0.1:5353"))
	// 127.0.0.1:8081 is for the host only.
	assert.Equal(t, "peer 10.88.0.1\n", dial("host", "dial", "tcp", "127.0.0.1:8081"))
	assert.Contains(t, dial("outside", "dial", "tcp", addr+":8081"), "error")

	assert.Equal(t, "53/udp -> 0.0.0.0:5353\n80/tcp -> 0.0.0.0:8080\n"+
		"80/tcp -> 127.0.0.1:8081\n", sb.Contain(t, "port", "web"))
	assert.Equal(t, "0.0.0.0:8080\n127.0.0.1:8081\n", sb.Contain(t, "port", "web", "80"))
	assert.Regexp(t, `(?m)^\w{12} +web +\d+ +running +.* ago +0\.0\.0\.0:8080->80/tcp, `+
		`0\.0\.0\.0:5353->53/udp, 127\.0\.0\.1:8081->80/tcp +sh -c`, sb.Contain(t, "ps"))

	// A host port is published once: a second container is refused, and nothing of it
	// is made.
	before := rules(t, sb)
	r := sb.Run(t, "", runArgs(t, "--name", "again", "-p", "8080:8000", "true")...)
	assert.Equal(t, 125, r.Code)
	assert.Equal(t, "contain: run: -p 0.0.0.0:8080->8000/tcp: host port 8080/tcp is already "+
		"published by container web\n", r.Stderr)
	assert.Equal(t, before, rules(t, sb), "no rule added")
	assert.Equal(t, "web\n", psNames(t, sb))

	sb.Contain(t, "rm", "-f", "web")
	assert.NotContains(t, rules(t, sb), "dnat", "rm removes the port rules")
	assert.Contains(t, dial("outside", "dial", "tcp", addr+":8080"), "error")
}

// psNames lists the names of every container.
func psNames(t *testing.T, sb *testkit.Sandbox) string {
	var names []string
	for _, line := range strings.Split(sb.Contain(t, "ps", "-a"), "\n")[1:] {
		if f := strings.Fields(line); len(f) > 1 {
			names = append(names, f[1])
		}
	}
	sort.Strings(names)
	return strings.Join(names, "\n") + "\n"
}

// User networks: containers on one find each other by name; containers on two cannot
// reach each other; a network in use cannot be removed; rm takes a name out of the
// neighbours' hosts files, and network rm removes the bridge and its rules.
func TestUserNetworks(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "network", "create", "front")
	sb.Contain(t, "network", "create", "--subnet", "172.31.5.0/24", "back")
	assert.Regexp(t, `(?m)^\w{12} +back +bridge +172\.31\.5\.0/24\n\w{12} +bridge +bridge +`+
		`10\.88\.0\.0/16\n\w{12} +front +bridge +10\.89\.0\.0/24\n`,
		sb.Contain(t, "network", "ls"))

	sb.Contain(t, runArgs(t, "-d", "--name", "web", "--network", "front", "/bin/probe",
		"serve", "tcp", "80")...)
	var got string
	testkit.Eventually(t, "web answers by name", func() bool {
		r := sb.Run(t, "", runArgs(t, "--rm", "--network", "front", "/bin/probe", "dial",
			"tcp", "web:80")...)
		got = r.Stdout
		return r.Code == 0
	})
	assert.Regexp(t, `^peer 10\.89\.0\.\d+\n$`, got)
	out := sb.Contain(t, runArgs(t, "--rm", "--network", "back", "sh", "-c",
		"ip -o -4 addr show eth0 | awk '{print $4}'; "+
			"/bin/probe dial tcp 10.89.0.2:80 2>&1 || echo unreachable; "+
			"ping -c1 -W1 web >/dev/null 2>&1 || echo no such name")...)
	assert.Equal(t, "172.31.5.2/24\nunreachable\nno such name\n", out,
		"another network reaches neither the address nor the name")

	sb.Contain(t, runArgs(t, "-d", "--name", "client", "--network", "front", "sleep",
		"60")...)
	hosts := sb.Contain(t, "exec", "client", "cat", "/etc/hosts")
	assert.Contains(t, hosts, "10.89.0.2\tweb\n")
	r := sb.Run(t, "", "network", "rm", "front")
	assert.Equal(t, "contain: network rm: network front is in use by container web\n", r.Stderr)
	sb.Contain(t, "rm", "-f", "web")
	assert.NotContains(t, sb.Contain(t, "exec", "client", "cat", "/etc/hosts"), "web")

	var v []struct{ Containers map[string]map[string]string }
	require.NoError(t, json.Unmarshal([]byte(sb.Contain(t, "network", "inspect", "front")),
		&v))
	require.Len(t, v[0].Containers, 1)
	for _, c := range v[0].Containers {
		assert.Equal(t, "client", c["Name"])
	}
	sb.Contain(t, "rm", "-f", "client")
	assert.Equal(t, "back\nfront\n", sb.Contain(t, "network", "rm", "back", "front"))
	assert.Empty(t, links(t, sb, "^contain-"), "the bridges went with their networks")
	assert.NotContains(t, rules(t, sb), "network front")
	assert.Equal(t, "", sb.Contain(t, "network", "prune"))
}

// container:NAME shares another container's namespace: its address, its ports, its lo.
func TestNetworkContainer(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, runArgs(t, "-d", "--name", "main", "/bin/probe", "serve", "tcp", "80")...)
	var out string
	testkit.Eventually(t, "main listens", func() bool {
		r := sb.Run(t, "", runArgs(t, "--rm", "--network", "container:main", "sh", "-c",
			"ip -o -4 addr show eth0 | awk '{print $4}'; /bin/probe dial tcp 127.0.0.1:80")...)
		out = r.Stdout
		return r.Code == 0
	})
	assert.Equal(t, "10.88.0.2/16\npeer 127.0.0.1\n", out)
	assert.Len(t, links(t, sb, "^veth"), 1, "no veth of its own")

	sb.Contain(t, "stop", "-t", "1", "main")
	r := sb.Run(t, "", runArgs(t, "--name", "side", "--network", "container:main", "true")...)
	assert.Equal(t, 125, r.Code)
	assert.Equal(t, "contain: run: --network container:main: container main is not running\n",
		r.Stderr)
	r = sb.Run(t, "", runArgs(t, "--network", "container:nothere", "true")...)
	assert.Equal(t, "contain: run: --network container:nothere: no such container: nothere\n",
		r.Stderr)
	assert.Equal(t, "main\n", psNames(t, sb), "nothing created")
}

// Bad input: one line, status 125, and nothing created: no container, no link, no rule.
func TestNetworkBadInput(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, runArgs(t, "--rm", "true")...) // the default bridge and its rules exist
	bridgeRules := rules(t, sb)
	for _, tc := range []struct{ args, err string }{
		{"network create --subnet 10.88.7.0/24 x",
			"network create: subnet 10.88.7.0/24 overlaps 10.88.0.0/16 of network bridge"},
		{"network create --subnet 10.1.2.3 x",
			`network create: --subnet "10.1.2.3": want an IPv4 CIDR such as 10.89.0.0/24`},
		{"network create --subnet 10.1.2.3/24 x",
			"network create: --subnet 10.1.2.3/24: host bits set (did you mean 10.1.2.0/24?)"},
		{"network create host", `network create: network name "host" is reserved`},
		{"network rm bridge",
			"network rm: bridge is the default network: it cannot be removed"},
		{"network rm nope", "network rm: network nope not found"},
		{"run -p 70000:80 true", `run: -p "70000:80": port "70000": want a number from 1 ` +
			`to 65535`},
		{"run -p 80 true", `run: -p "80": want [IP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]`},
		{"run -p 8080:80/sctp true", `run: -p "8080:80/sctp": protocol "sctp": want tcp ` +
			`or udp`},
		{"run --network nope true", "run: network nope not found"},
		{"run --network none -p 8080:80 true", "run: -p needs a bridge network, not " +
			"--network none"},
		{"run -p 8080:80 -p 8080:81 true", "run: -p: host port 0.0.0.0:8080 is given twice"},
		{"run --dns nameserver true", `run: --dns "nameserver": not an IP address`},
	} {
		args := strings.Fields(tc.args)
		if args[0] == "run" {
			args = append(runArgs(t), args[1:]...)
		}
		r := sb.Run(t, "", args...)
		assert.Equal(t, 125, r.Code, tc.args)
		assert.Equal(t, "contain: "+tc.err+"\n", r.Stderr, tc.args)
	}
	assert.Equal(t, "", sb.Contain(t, "ps", "-a", "-q"))
	assert.Empty(t, links(t, sb, "^(veth|contain-)"))
	assert.Equal(t, bridgeRules, rules(t, sb))
	entries, _ := os.ReadDir(filepath.Join(sb.Data, "networks"))
	assert.Empty(t, entries)
}

// The engine is killed while its container runs: rm -f still removes the veth, the port
// rule and the address.
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
	assert.Contains(t, rules(t, sb), "dnat")
	sb.Contain(t, "rm", "-f", "orphan")
	testkit.Eventually(t, "veth gone", func() bool { return len(links(t, sb, "^veth")) == 0 })
	assert.NotContains(t, rules(t, sb), "dnat")
	assert.Equal(t, "10.88.0.2/16\n", sb.Contain(t, runArgs(t, "--rm", "sh", "-c",
		"ip -o -4 addr show eth0 | awk '{print $4}'")...), "its address is free")
}

// A restarted container gets a new namespace: the engine plugs it in again, with the
// same address and ports.
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

// /etc/hosts, /etc/hostname and /etc/resolv.conf are the engine's: --dns, --hostname,
// and the rootfs's own files untouched.
func TestEtcFiles(t *testing.T) {
	sb := testkit.NewSandbox(t)
	out := sb.Contain(t, runArgs(t, "--rm", "--hostname", "box", "--dns", "192.0.2.53",
		"sh", "-c", "cat /etc/hostname /etc/resolv.conf /etc/hosts")...)
	assert.Equal(t, "box\nnameserver 192.0.2.53\n127.0.0.1\tlocalhost\n"+
		"::1\tlocalhost ip6-localhost ip6-loopback\n10.88.0.2\tbox\n", out)
	for _, f := range []string{"hosts", "hostname", "resolv.conf"} {
		st, err := os.Stat(filepath.Join(testkit.Rootfs(t), "etc", f))
		require.NoError(t, err)
		assert.Zero(t, st.Size(), "the rootfs's /etc/%s is left empty", f)
	}
}

// Break it: root in a bridge-mode container still has every capability. It can take
// another container's address, and sniff the bridge with a raw socket. Step 8 takes
// CAP_NET_ADMIN and CAP_NET_RAW away.
func TestBreakItNetworkRoot(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, runArgs(t, "-d", "--name", "victim", "sleep", "60")...)
	out := sb.Contain(t, runArgs(t, "--rm", "sh", "-c",
		"ip addr add 10.88.0.2/16 dev eth0 && echo took 10.88.0.2; "+
			"(sleep 0.5; ping -c2 10.88.0.1 >/dev/null) & /bin/probe rawsock")...)
	assert.Regexp(t, `^took 10\.88\.0\.2\nraw socket: open\nraw socket: captured a frame `+
		`from ([0-9a-f]{2}:){5}[0-9a-f]{2} \(ethertype 0x0[0-9a-f]{3}\)\n$`, out)
	sb.Contain(t, "rm", "-f", "victim")
}
