package main

import (
	"context"
	"fmt"
	"net/netip"
	"os/exec"
	"testing"

	"contain/testkit"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
	assert.NotContains(t, rules(t, sb), "dnat to", "rm removes the port rules")
	assert.Contains(t, dial("outside", "dial", "tcp", addr+":8080"), "error")
}

func TestParsePort(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want portSpec
		err  string
	}{
		{in: "8080:80", want: portSpec{HostPort: 8080, ContainerPort: 80, Proto: "tcp"}},
		{in: "53:53/udp", want: portSpec{HostPort: 53, ContainerPort: 53, Proto: "udp"}},
		{in: "127.0.0.1:8080:80", want: portSpec{HostIP: netip.MustParseAddr("127.0.0.1"),
			HostPort: 8080, ContainerPort: 80, Proto: "tcp"}},
		{in: "0.0.0.0:1:65535/tcp", want: portSpec{HostPort: 1, ContainerPort: 65535,
			Proto: "tcp"}},
		{in: "80", err: `-p "80": want [IP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]`},
		{in: "0:80", err: `-p "0:80": port "0": want a number from 1 to 65535`},
		{in: "8080:65536", err: `-p "8080:65536": port "65536": want a number from 1 to 65535`},
		{in: "x:80", err: `-p "x:80": port "x": want a number from 1 to 65535`},
		{in: "::1:80:80", err: `-p "::1:80:80": want [IP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]`},
		{in: "host:80:80", err: `-p "host:80:80": "host" is not an IPv4 address`},
		{in: "80:80/sctp", err: `-p "80:80/sctp": protocol "sctp": want tcp or udp`},
	} {
		got, err := parsePort(tc.in)
		if tc.err != "" {
			assert.EqualError(t, err, tc.err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

func TestPortClashes(t *testing.T) {
	any8080, _ := parsePort("8080:80")
	lo8080, _ := parsePort("127.0.0.1:8080:81")
	other8080, _ := parsePort("192.0.2.1:8080:81")
	udp8080, _ := parsePort("8080:80/udp")
	assert.True(t, any8080.clashes(lo8080), "0.0.0.0 takes every address")
	assert.False(t, lo8080.clashes(other8080), "two addresses")
	assert.False(t, any8080.clashes(udp8080), "two protocols")
	assert.Equal(t, "127.0.0.1:8080->81/tcp", lo8080.String())
}

// A port that a program of the host listens on is not taken from it.
func TestPublishHostPortInUse(t *testing.T) {
	sb := testkit.NewSandbox(t)
	serve(t, func(args ...string) *exec.Cmd {
		return exec.Command("nsenter", append([]string{"--net=/run/netns/" + sb.Netns, "--",
			probeBin(t)}, args...)...)
	}, "tcp", "8082")
	r := sb.Run(t, "", runArgs(t, "-p", "8082:80", "true")...)
	assert.Equal(t, 125, r.Code)
	assert.Equal(t, "contain: run: -p 0.0.0.0:8082->80/tcp: host port 8082/tcp is in use on "+
		"the host: address already in use\n", r.Stderr)
	assert.Equal(t, "", sb.Contain(t, "ps", "-a", "-q"))
}
