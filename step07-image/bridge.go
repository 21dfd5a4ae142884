// Host side: the bridge, and a veth pair that plugs a container into it.

package main

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// In bridge mode, the container's namespace is wired to the host like a computer to a
// switch. A veth pair is a cable: what goes in one end comes out of the other, and each end
// may sit in a different namespace. The bridge is the switch, a virtual one in the host,
// and it has an address of its own: the containers' gateway.
//
//	container A (netns)        container B (netns)        host
//	eth0 10.88.0.2             eth0 10.88.0.3
//	  │ veth pair                │
//	vethA ─────────────┬──────  vethB
//	                 contain0 (bridge) 10.88.0.1/16 ──── routing, NAT (nat.go) ──── eth0
//
// The engine does, once per network and then once per container (shell equivalents):
//
//	ip link add contain0 type bridge; ip addr add 10.88.0.1/16 dev contain0
//	ip link set contain0 up
//	ip link add vethA master contain0 up type veth peer eth0 netns PID
//	ip -n CTR addr add 10.88.0.2/16 dev eth0; ip -n CTR link set eth0 up
//	ip -n CTR route add default via 10.88.0.1
//
// The netlink library sends these as messages to the kernel: no process is started.

// vethName is the host end of a container's veth pair, named after its ID so that rm
// finds it even when the engine that made it was killed (at most 15 bytes: IFNAMSIZ).
func vethName(id string) string { return "veth" + id[:11] }

// connect plugs the new network namespace of the container's first process (pid) into its
// network's bridge. The child waits meanwhile: its command starts with eth0 up.
func connect(c *container, pid int) error {
	n := c.Config.Network
	if n.Mode != "bridge" {
		return nil
	}
	nw, err := findNetwork(n.Network)
	if err != nil {
		return err
	}
	br, err := ensureBridge(nw)
	if err != nil {
		return fmt.Errorf("network %s: %w", nw.Name, err)
	}
	ns, err := netns.GetFromPid(pid)
	if err != nil {
		return fmt.Errorf("network: %w", err)
	}
	defer ns.Close()
	// A restart gives the container a new namespace; the old pair may not be gone yet.
	removeVeth(c.ID)
	debugf("veth pair %s - eth0 (in the container), on bridge %s", vethName(c.ID), n.Bridge)
	veth := &netlink.Veth{
		LinkAttrs: netlink.LinkAttrs{Name: vethName(c.ID), MasterIndex: br.Attrs().Index,
			Flags: net.FlagUp},
		PeerName:         "eth0",
		PeerHardwareAddr: mustMAC(macAddress(n.Address.Addr())),
		PeerNamespace:    netlink.NsFd(ns),
	}
	if err := netlink.LinkAdd(veth); err != nil {
		return fmt.Errorf("network: veth: %w", err)
	}
	// Hairpin: the bridge may send a frame back out of the port it came in by. A container
	// that reaches its own published port through the host needs it when the kernel passes
	// bridged frames through the packet filter (br_netfilter) (shell: bridge link set dev
	// VETH hairpin on).
	if err := netlink.LinkSetHairpin(veth, true); err != nil {
		return fmt.Errorf("network: hairpin: %w", err)
	}
	if err := configureInside(ns, n); err != nil {
		return fmt.Errorf("network: eth0: %w", err)
	}
	return addPorts(c)
}

// configureInside gives eth0 its address and the namespace its default route, through a
// netlink socket opened inside the container's namespace.
func configureInside(ns netns.NsHandle, n *netConfig) error {
	h, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	if err != nil {
		return err
	}
	defer h.Close()
	eth0, err := h.LinkByName("eth0")
	if err != nil {
		return err
	}
	debugf("address %s on eth0, default route via %s", n.Address, n.Gateway)
	addr := &netlink.Addr{IPNet: ipNet(n.Address)}
	if err := h.AddrAdd(eth0, addr); err != nil {
		return err
	}
	if err := h.LinkSetUp(eth0); err != nil {
		return err
	}
	return h.RouteAdd(&netlink.Route{LinkIndex: eth0.Attrs().Index,
		Gw: n.Gateway.AsSlice()})
}

// ensureBridge returns the network's bridge, creating it (with its address and its NAT
// rules) if it does not exist yet: after a reboot, or on a network's first use.
func ensureBridge(n *network) (netlink.Link, error) {
	if br, err := netlink.LinkByName(n.Bridge); err == nil && natReady(n) {
		return br, nil
	}
	// Under the state lock: twenty runs at once create it once.
	unlock, err := lockState()
	if err != nil {
		return nil, err
	}
	defer unlock()
	if br, err := netlink.LinkByName(n.Bridge); err == nil {
		if natReady(n) {
			return br, nil
		}
		// The bridge is there, the rules are not (nft flush ruleset, say): again.
		return br, setupNAT(n)
	}
	// A route of the host to the same addresses would make them ambiguous.
	if err := checkOverlap(n.Subnet, nil); err != nil {
		return nil, err
	}
	debugf("bridge %s %s (shell: ip link add %[1]s type bridge)", n.Bridge, n.Subnet)
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: n.Bridge, Flags: net.FlagUp}}
	if err := netlink.LinkAdd(br); err != nil {
		return nil, fmt.Errorf("bridge %s: %w", n.Bridge, err)
	}
	gw := netip.PrefixFrom(n.Gateway, n.Subnet.Bits())
	if err := netlink.AddrAdd(br, &netlink.Addr{IPNet: ipNet(gw)}); err != nil {
		_ = netlink.LinkDel(br)
		return nil, fmt.Errorf("bridge %s: address %s: %w", n.Bridge, gw, err)
	}
	if err := setupNAT(n); err != nil {
		_ = netlink.LinkDel(br)
		return nil, err
	}
	return netlink.LinkByName(n.Bridge)
}

// removeBridge deletes a network's bridge and its rules (network rm).
func removeBridge(n *network) error {
	if err := removeNAT(n); err != nil {
		return err
	}
	br, err := netlink.LinkByName(n.Bridge)
	var notFound netlink.LinkNotFoundError
	if errors.As(err, &notFound) {
		return nil
	} else if err != nil {
		return err
	}
	debugf("delete bridge %s (shell: ip link del %[1]s)", n.Bridge)
	return netlink.LinkDel(br)
}

// disconnect removes what connect made outside the container's namespace: its host port
// rules. The veth pair goes by itself: a namespace is destroyed when its last process
// ends (rm has ended them), its eth0 with it, and a veth pair never outlives either of its
// ends. The kernel does that in the background; deleting the pair here would make rm wait
// for it, some 20 ms (docs/performance.md). Unless a container that joined this one's
// namespace (--network container:) keeps it alive: then the engine deletes the pair, or the
// address, free again, would be on the bridge twice.
func disconnect(c *container, all []*container) error {
	if n := c.Config.Network; n == nil || n.Mode != "bridge" {
		return nil
	}
	for _, o := range all {
		if on := o.Config.Network; on != nil && on.Mode == "container" &&
			on.Container == c.ID && o.running() {
			removeVeth(c.ID)
			break
		}
	}
	return removePorts(c)
}

// removeVeth deletes the host end of a container's veth pair, if it is still there.
func removeVeth(id string) {
	if l, err := netlink.LinkByName(vethName(id)); err == nil {
		debugf("delete %s (shell: ip link del %[1]s)", vethName(id))
		_ = netlink.LinkDel(l)
	}
}

// sysctl writes a setting of the engine's network namespace: /proc/sys/net shows the
// namespace of the process that opens it.
func sysctl(name, value string) error {
	debugf("sysctl %s=%s", name, value)
	err := os.WriteFile("/proc/sys/"+name, []byte(value), 0o644)
	if err != nil {
		return fmt.Errorf("sysctl %s: %w", name, err)
	}
	return nil
}

func ipNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), 32)}
}

func mustMAC(s string) net.HardwareAddr {
	mac, err := net.ParseMAC(s)
	if err != nil {
		panic(err)
	}
	return mac
}
