package main

import (
	"os"
	"path/filepath"
	"testing"

	"contain/testkit"

	"github.com/stretchr/testify/assert"
)

func TestEtcFiles(t *testing.T) {
	sb := testkit.NewSandbox(t)
	out := sb.Contain(t, runArgs(t, "--rm", "--hostname", "box", "--dns", "192.0.2.53",
		"sh", "-c", "cat /etc/hostname /etc/resolv.conf /etc/hosts")...)
	assert.Equal(t, "box\nnameserver 192.0.2.53\n127.0.0.1\tlocalhost\n"+
		"::1\tlocalhost ip6-localhost ip6-loopback\n10.88.0.2\tbox\n", out)
	for _, f := range []string{"hosts", "hostname", "resolv.conf"} {
		_, err := os.Stat(filepath.Join(testkit.Rootfs(t), "etc", f))
		assert.ErrorIs(t, err, os.ErrNotExist, "the rootfs has no /etc/%s, and gets none", f)
	}
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
