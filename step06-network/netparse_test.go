package main

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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

// onNetwork is a container of network n holding addr.
func onNetwork(n, addr string) *container {
	return &container{Config: &initConfig{Network: &netConfig{Mode: "bridge", Network: n,
		Address: netip.MustParsePrefix(addr)}}}
}

func TestFreeAddress(t *testing.T) {
	n := &network{Name: "small", Subnet: netip.MustParsePrefix("10.9.0.0/29"),
		Gateway: netip.MustParseAddr("10.9.0.1")}
	next := func(all []*container) string {
		a, err := freeAddress(n, all)
		if err != nil {
			return err.Error()
		}
		return a.String()
	}
	assert.Equal(t, "10.9.0.2", next(nil), "after the gateway")
	all := []*container{onNetwork("small", "10.9.0.2/29"), onNetwork("small", "10.9.0.4/29"),
		onNetwork("other", "10.9.0.3/29")}
	assert.Equal(t, "10.9.0.3", next(all), "a gap; another network's address is no lease")
	for _, a := range []string{"10.9.0.3/29", "10.9.0.5/29", "10.9.0.6/29"} {
		all = append(all, onNetwork("small", a))
	}
	assert.Equal(t, "network small: no free address left in 10.9.0.0/29", next(all),
		"10.9.0.7 is the broadcast address")
	assert.Equal(t, "10.88.255.255", lastAddress(netip.MustParsePrefix("10.88.0.0/16")).String())
	assert.Equal(t, "02:42:0a:58:00:02", macAddress(netip.MustParseAddr("10.88.0.2")))
}

func TestNameservers(t *testing.T) {
	stub := []byte("# systemd-resolved\nnameserver 127.0.0.53\noptions edns0 trust-ad\n" +
		"search lan\n")
	servers, rest := nameservers(stub)
	assert.Empty(t, servers, "a loopback stub is of no use in another namespace")
	assert.Equal(t, "options edns0 trust-ad\nsearch lan\n", rest)
	servers, _ = nameservers([]byte("nameserver 192.0.2.53\nnameserver ::1\n" +
		"nameserver 2001:db8::53\n"))
	assert.Equal(t, []string{"192.0.2.53", "2001:db8::53"}, servers)
}
