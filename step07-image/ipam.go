// Host side: IP address management, an address per container that no other one has.

package main

import (
	"fmt"
	"net/netip"
)

// Each container on a network needs an address of the network's subnet that no other
// container holds. Docker keeps a database of leases; here the state files are the leases:
//
//	10.88.0.0      the network itself     never handed out
//	10.88.0.1      the gateway: the bridge, the host's side
//	10.88.0.2 ...  one per container, the lowest free one, recorded in its state file
//	10.88.255.255  broadcast              never handed out
//
// The engine picks the address while it holds the state lock, and writes it in the new
// container's first state file before it lets go: two runs started at the same instant
// cannot pick the same one. The address is free again when the state file goes (rm), so
// no lease can outlive its container, even after a crash.

// claimNetwork runs in newContainer under the state lock, before anything of the
// container exists: it checks what the container connects to, and takes its address and
// host ports. A refusal here leaves nothing behind.
func claimNetwork(c *container, all []*container) error {
	n := c.Config.Network
	switch n.Mode {
	case "container":
		other, err := findIn(all, n.Container)
		if err != nil {
			return fmt.Errorf("--network container:%s: %w", n.Container, err)
		}
		if !other.running() {
			return fmt.Errorf("--network container:%s: container %s %w", n.Container,
				other.Name, errNotRunning)
		}
		n.Container = other.ID
	case "bridge":
		nw, err := findNetwork(n.Network)
		if err != nil {
			return err
		}
		addr, err := freeAddress(nw, all)
		if err != nil {
			return err
		}
		n.Address, n.Gateway = netip.PrefixFrom(addr, nw.Subnet.Bits()), nw.Gateway
		n.Network, n.Bridge = nw.Name, nw.Bridge
		debugf("address %s on network %s (IPAM)", n.Address, nw.Name)
	}
	return checkPorts(c, all)
}

// freeAddress returns the lowest address of the network's subnet that is neither the
// network's own, its gateway or its broadcast address, nor held by a container of all.
func freeAddress(n *network, all []*container) (netip.Addr, error) {
	taken := map[netip.Addr]bool{n.Gateway: true}
	for _, c := range all {
		if cn := c.Config.Network; cn != nil && cn.Mode == "bridge" && cn.Network == n.Name {
			taken[cn.Address.Addr()] = true
		}
	}
	last := lastAddress(n.Subnet)
	for a := n.Subnet.Masked().Addr().Next(); a.IsValid() && a.Less(last); a = a.Next() {
		if !taken[a] {
			return a, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("network %s: no free address left in %s", n.Name, n.Subnet)
}

// lastAddress is the broadcast address of an IPv4 subnet: every host bit set.
func lastAddress(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().As4()
	for i := p.Bits(); i < 32; i++ {
		a[i/8] |= 0x80 >> (i % 8)
	}
	return netip.AddrFrom4(a)
}

// macAddress derives a container's MAC address from its IPv4 address, as docker does
// (02:42:0a:58:00:02 for 10.88.0.2): "02" is a locally administered address. An address
// that passes from a removed container to a new one keeps its MAC, so the neighbours'
// ARP caches stay right.
func macAddress(a netip.Addr) string {
	b := a.As4()
	return fmt.Sprintf("02:42:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3])
}
