package main

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"contain/testkit"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
