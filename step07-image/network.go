// Host side: networks, the default one and the user's (network create, ls, inspect, rm,
// prune).

package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
)

// A network is a bridge, a subnet and the containers plugged into it. The default one,
// "bridge", is built in (docker's docker0); the user's are files under the data root, and
// their bridges are made on first use:
//
//	/var/lib/contain/networks/
//	└── web.json    {"name": "web", "subnet": "10.89.0.0/24", "bridge": "contain-1a2b3c4", ...}
//
// Containers on one user network find each other by name (etcfiles.go); containers on
// different networks cannot reach each other at all (the forward rule of nat.go).
type network struct {
	Name    string       `json:"name"`
	ID      string       `json:"id"`
	Subnet  netip.Prefix `json:"subnet"`
	Gateway netip.Addr   `json:"gateway"`
	Bridge  string       `json:"bridge"`
	Created time.Time    `json:"created"`
}

const defaultNetwork = "bridge"

// defaultNet is the network of `run` without --network.
var defaultNet = network{Name: defaultNetwork, ID: hexSum(defaultNetwork),
	Subnet: netip.MustParsePrefix("10.88.0.0/16"), Gateway: netip.MustParseAddr("10.88.0.1"),
	Bridge: bridgePrefix + "0"}

func hexSum(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func networksDir() string { return filepath.Join(dataRoot, "networks") }

// findNetwork returns the network named name (or whose ID starts with name).
func findNetwork(name string) (*network, error) {
	all, err := listNetworks()
	if err != nil {
		return nil, err
	}
	var found []*network
	for _, n := range all {
		if n.Name == name {
			return n, nil
		}
		if len(name) >= 3 && strings.HasPrefix(n.ID, name) {
			found = append(found, n)
		}
	}
	if len(found) == 1 {
		return found[0], nil
	}
	return nil, fmt.Errorf("network %s not found", name)
}

// listNetworks returns the default network and the user's, sorted by name.
func listNetworks() ([]*network, error) {
	def := defaultNet
	all := []*network{&def}
	files, err := filepath.Glob(filepath.Join(networksDir(), "*.json"))
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		n := &network{}
		if err == nil {
			err = json.Unmarshal(data, n)
		}
		if err != nil {
			return nil, fmt.Errorf("network %s: %w", filepath.Base(f), err)
		}
		all = append(all, n)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all, nil
}

// createNetwork records a user network; its bridge is made when a container first uses it.
// The caller holds the state lock.
func createNetwork(name, subnet string) (*network, error) {
	switch {
	case !validName.MatchString(name):
		return nil, fmt.Errorf("invalid network name %q: use letters, digits and _.-", name)
	case name == "host" || name == "none" || name == defaultNetwork || name == "default":
		return nil, fmt.Errorf("network name %q is reserved", name)
	}
	all, err := listNetworks()
	if err != nil {
		return nil, err
	}
	for _, n := range all {
		if n.Name == name {
			return nil, fmt.Errorf("network with name %s already exists", name)
		}
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	n := &network{Name: name, ID: hex.EncodeToString(b[:]), Created: time.Now()}
	n.Bridge = bridgePrefix + "-" + n.ID[:7]
	if subnet == "" {
		n.Subnet, err = pickSubnet(all)
	} else {
		n.Subnet, err = parseSubnet(subnet, all)
	}
	if err != nil {
		return nil, err
	}
	n.Gateway = n.Subnet.Addr().Next()
	data, err := json.MarshalIndent(n, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(networksDir(), 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(networksDir(), name+".json")
	if err := os.WriteFile(path+".tmp", data, 0o600); err != nil {
		return nil, err
	}
	return n, os.Rename(path+".tmp", path)
}

// parseSubnet reads --subnet: an IPv4 CIDR that leaves room for a gateway and a container,
// and that overlaps no other network and no route of the host.
func parseSubnet(s string, all []*network) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return p, fmt.Errorf("--subnet %q: want an IPv4 CIDR such as 10.89.0.0/24", s)
	}
	if p.Bits() > 30 {
		return p, fmt.Errorf("--subnet %s: too small: a /30 holds only a gateway and "+
			"one container", s)
	}
	if p != p.Masked() {
		return p, fmt.Errorf("--subnet %s: host bits set (did you mean %s?)", s, p.Masked())
	}
	if a := p.Addr(); a.IsLoopback() || a.IsMulticast() || a.IsLinkLocalUnicast() ||
		a.As4()[0] == 0 || a.As4()[0] >= 240 {
		return p, fmt.Errorf("--subnet %s: not addresses for machines (loopback, "+
			"link-local, multicast or reserved): use a private range such as 10.89.0.0/24", s)
	}
	return p, checkOverlap(p, all)
}

// pickSubnet picks the first free /24 of 10.89.0.0/16, as podman does.
func pickSubnet(all []*network) (netip.Prefix, error) {
	for i := 0; i < 256; i++ {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 89, byte(i), 0}), 24)
		if checkOverlap(p, all) == nil {
			return p, nil
		}
	}
	return netip.Prefix{}, errors.New("no free subnet left in 10.89.0.0/16: use --subnet")
}

// checkOverlap refuses a subnet that overlaps another network's or a route of the host
// (shell: ip route): its addresses would be ambiguous.
func checkOverlap(p netip.Prefix, all []*network) error {
	for _, n := range all {
		if n.Subnet.Overlaps(p) {
			return fmt.Errorf("subnet %s overlaps %s of network %s", p, n.Subnet, n.Name)
		}
	}
	routes, err := netlink.RouteList(nil, netlink.FAMILY_V4)
	if err != nil {
		return fmt.Errorf("ip route: %w", err)
	}
	for _, r := range routes {
		if r.Dst == nil || r.Dst.IP.IsUnspecified() {
			continue // the default route: it "overlaps" everything
		}
		dst, _ := netip.AddrFromSlice(r.Dst.IP.To4())
		ones, _ := r.Dst.Mask.Size()
		if q := netip.PrefixFrom(dst, ones); q.Overlaps(p) && !ownsRoute(r) {
			return fmt.Errorf("subnet %s overlaps the route to %s of the host", p, q)
		}
	}
	return nil
}

// ownsRoute tells whether a route is that of one of the engine's bridges.
func ownsRoute(r netlink.Route) bool {
	l, err := netlink.LinkByIndex(r.LinkIndex)
	return err == nil && strings.HasPrefix(l.Attrs().Name, bridgePrefix)
}

// members are the containers of all on the network.
func (n *network) members(all []*container) []*container {
	var in []*container
	for _, c := range all {
		if cn := c.Config.Network; cn != nil && cn.Mode == "bridge" && cn.Network == n.Name {
			in = append(in, c)
		}
	}
	return in
}

// removeNetwork deletes a user network that no container uses. The caller holds the lock.
func removeNetwork(n *network, all []*container) error {
	if n.Name == defaultNetwork {
		return errors.New("bridge is the default network: it cannot be removed")
	}
	if in := n.members(all); len(in) > 0 {
		var names []string
		for _, c := range in {
			names = append(names, c.Name)
		}
		sort.Strings(names)
		s := map[bool]string{true: "s"}[len(names) > 1]
		return fmt.Errorf("network %s is in use by container%s %s", n.Name, s,
			strings.Join(names, ", "))
	}
	if err := removeBridge(n); err != nil {
		return fmt.Errorf("network %s: %w", n.Name, err)
	}
	return os.Remove(filepath.Join(networksDir(), n.Name+".json"))
}
