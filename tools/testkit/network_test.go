package testkit

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLinkNames(t *testing.T) {
	// ip -o link show: one link a line, its details after a backslash.
	out := `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN \    link/loopback
3: veth00041a063ad@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master contain0 \    link/ether
7: uplink@if6: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP \    link/ether
9: vethdead@NONE: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN \    link/ether
`
	assert.Equal(t, []string{"lo", "veth00041a063ad", "uplink", "vethdead"}, linkNames(out))
	assert.Empty(t, linkNames(""))
}

// A sandbox's ruleset with the default network, one published port, one user network "web"
// and iptables-nft's filter table.
const ruleset = `table ip contain {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		fib daddr type local jump ports
	}

	chain ports {
		tcp dport 8080 dnat to 10.88.0.2:80 comment "container 0004aa"
	}

	set seen {
		type ipv4_addr
		comment "container in a set"
	}

	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr 10.88.0.0/16 oifname != "contain0" masquerade comment "network bridge"
		ip saddr 10.89.0.0/24 oifname != "contain-1a2b3c4" masquerade comment "network web"
		tcp dport { 80, 443 } accept comment "container 0004bb }"
	}
}
table ip filter {
	chain FORWARD {
		type filter hook forward priority filter; policy drop;
		iifname "contain-1a2b3c4" accept comment "network web"
		iifname "eth9" accept comment "someone else's"
	}
}
`

func TestNftRules(t *testing.T) {
	rules := nftRules(ruleset)
	require.Len(t, rules, 6)
	assert.Equal(t, nftRule{where: "table ip contain, chain ports",
		rule:    `tcp dport 8080 dnat to 10.88.0.2:80 comment "container 0004aa"`,
		comment: "container 0004aa"}, rules[0])
	assert.Equal(t, "table ip contain, chain postrouting", rules[3].where,
		"braces in a rule or in quotes leave the chain open")
	assert.Equal(t, "container 0004bb }", rules[3].comment)
	assert.Equal(t, "table ip filter, chain FORWARD", rules[4].where)
	assert.Empty(t, nftRules(""), "nft prints nothing for an empty ruleset")
}

func TestRuleLeaks(t *testing.T) {
	assert.Equal(t, []string{
		`leak: nft rule left in table ip contain, chain ports: ` +
			`tcp dport 8080 dnat to 10.88.0.2:80 comment "container 0004aa"`,
		`leak: nft rule left in table ip contain, chain postrouting: ` +
			`ip saddr 10.89.0.0/24 oifname != "contain-1a2b3c4" masquerade comment "network web"`,
		`leak: nft rule left in table ip contain, chain postrouting: ` +
			`tcp dport { 80, 443 } accept comment "container 0004bb }"`,
		`leak: nft rule left in table ip filter, chain FORWARD: ` +
			`iifname "contain-1a2b3c4" accept comment "network web"`,
	}, ruleLeaks(ruleset, nil), "the default network's rules stay; others' are not ours")
	assert.Len(t, ruleLeaks(ruleset, map[string]string{"web": "contain-1a2b3c4"}), 2,
		"a network left (reported once) explains its rules")
}

func TestBridgeLeaks(t *testing.T) {
	bridges := []string{"contain0", "contain-1a2b3c4", "contain-5d6e7f8", "docker0"}
	assert.Equal(t, []string{"leak: bridge left: contain-1a2b3c4",
		"leak: bridge left: contain-5d6e7f8"}, bridgeLeaks(bridges, nil))
	assert.Equal(t, []string{"leak: bridge left: contain-5d6e7f8"},
		bridgeLeaks(bridges, map[string]string{"web": "contain-1a2b3c4"}))
}

func TestNetworksLeft(t *testing.T) {
	leaks, left := networksLeft("")
	assert.Empty(t, leaks, "an engine without a data root has no networks")
	assert.Empty(t, left)
	data := t.TempDir()
	leaks, left = networksLeft(data)
	assert.Empty(t, leaks, "no networks dir: no network")
	assert.Empty(t, left)
	dir := filepath.Join(data, "networks")
	require.NoError(t, os.Mkdir(dir, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "web.json"),
		[]byte(`{"name": "web", "bridge": "contain-1a2b3c4"}`), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "half.json.tmp"), nil, 0o600))
	leaks, left = networksLeft(data)
	assert.Equal(t, []string{"leak: network left: web " +
		"(a test removes the networks it creates: contain network rm web)"}, leaks)
	assert.Equal(t, map[string]string{"web": "contain-1a2b3c4"}, left)
}
