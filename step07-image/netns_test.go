package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"contain/testkit"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every test of the network step runs the engine in its sandbox's network namespace:
// bridges, rules and addresses exist there only, and traffic goes only to addresses the
// test set up.

func onHost(t *testing.T, sb *testkit.Sandbox, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "nsenter", append([]string{"--net=/run/netns/" +
		sb.Netns, "--"}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func probeBin(t *testing.T) string { return filepath.Join(testkit.Rootfs(t), "bin/probe") }

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

func TestNetworkNone(t *testing.T) {
	sb := testkit.NewSandbox(t)
	out := sb.Contain(t, runArgs(t, "--rm", "--network", "none", "sh", "-c",
		"ip -o link show | cut -d: -f2; ping -c1 -W2 127.0.0.1 >/dev/null && echo lo works")...)
	assert.Equal(t, " lo\nlo works\n", out)
	assert.Empty(t, links(t, sb, "^(contain|veth)"), "no bridge, no veth for none")
}

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

func TestNetworkContainer(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, runArgs(t, "-d", "--name", "main", "--hostname", "main-host", "/bin/probe",
		"serve", "tcp", "80")...)
	var out string
	testkit.Eventually(t, "main listens", func() bool {
		r := sb.Run(t, "", runArgs(t, "--rm", "--network", "container:main", "sh", "-c",
			"ip -o -4 addr show eth0 | awk '{print $4}'; /bin/probe dial tcp 127.0.0.1:80")...)
		out = r.Stdout
		return r.Code == 0
	})
	assert.Equal(t, "10.88.0.2/16\npeer 127.0.0.1\n", out)
	// Its name too, as with docker: the hostname and /etc/hostname of the other.
	assert.Equal(t, "main-host\nmain-host\n", sb.Contain(t, runArgs(t, "--rm", "--network",
		"container:main", "sh", "-c", "hostname; cat /etc/hostname")...))
	r := sb.Run(t, "", runArgs(t, "--network", "container:main", "--hostname", "x", "true")...)
	assert.Equal(t, "contain: run: --hostname and --network container: conflict: the "+
		"container takes the other one's name with its network\n", r.Stderr)
	assert.Len(t, links(t, sb, "^veth"), 1, "no veth of its own")

	sb.Contain(t, "stop", "-t", "1", "main")
	r = sb.Run(t, "", runArgs(t, "--name", "side", "--network", "container:main", "true")...)
	assert.Equal(t, 125, r.Code)
	assert.Equal(t, "contain: run: --network container:main: container main is not running\n",
		r.Stderr)
	r = sb.Run(t, "", runArgs(t, "--network", "container:nothere", "true")...)
	assert.Equal(t, "contain: run: --network container:nothere: no such container: nothere\n",
		r.Stderr)
	assert.Equal(t, "main\n", psNames(t, sb), "nothing created")
}

func TestParseNetwork(t *testing.T) {
	for in, want := range map[string]netConfig{
		"none":           {Mode: "none"},
		"host":           {Mode: "host"},
		"bridge":         {Mode: "bridge", Network: "bridge"},
		"default":        {Mode: "bridge", Network: "bridge"},
		"front":          {Mode: "bridge", Network: "front"},
		"container:web":  {Mode: "container", Container: "web"},
		"container:3f2a": {Mode: "container", Container: "3f2a"},
	} {
		got, err := parseNetwork(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, *got, in)
	}
	_, err := parseNetwork("container:")
	assert.EqualError(t, err, "--network container: needs a container name or ID")
	_, err = parseNetwork("a/b")
	assert.EqualError(t, err, `--network "a/b": want none, host, container:NAME or a `+
		`network name`)
}
