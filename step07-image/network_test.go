package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"contain/testkit"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
			"/bin/probe dial tcp 10.89.0.2:80 2>/dev/null || echo unreachable; "+
			"ping -c1 -W1 web >/dev/null 2>&1 || echo no such name")...)
	assert.Equal(t, "172.31.5.2/24\nunreachable\nno such name\n", out,
		"another network reaches neither the address nor the name")

	sb.Contain(t, runArgs(t, "-d", "--name", "client", "--network", "front", "sleep",
		"60")...)
	hosts := sb.Contain(t, "exec", "client", "cat", "/etc/hosts")
	assert.Contains(t, hosts, "10.89.0.2\tweb\n")
	r := sb.Run(t, "", "network", "rm", "front")
	assert.Equal(t, "contain: network rm: network front is in use by containers client, web\n",
		r.Stderr)
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
		{"network create --subnet 127.0.0.0/24 x", "network create: --subnet 127.0.0.0/24: " +
			"not addresses for machines (loopback, link-local, multicast or reserved): use a " +
			"private range such as 10.89.0.0/24"},
		{"network rm host", "network rm: host is a predefined network: it cannot be removed"},
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
	testkit.Eventually(t, "no veth (the first run's goes in the background), no bridge", func() bool {
		return len(links(t, sb, "^(veth|contain-)")) == 0
	})
	assert.Equal(t, bridgeRules, rules(t, sb))
	entries, _ := os.ReadDir(filepath.Join(sb.Data, "networks"))
	assert.Empty(t, entries)
}
