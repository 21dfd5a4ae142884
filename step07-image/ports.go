// Host side: -p publishes a container's port on the host (destination NAT), and `port`.

package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// -p 8080:80 makes the container's port 80 answer at the host's port 8080. Nothing listens
// on 8080: a rule rewrites the destination of packets for a host address and port 8080 to
// the container's address and port 80, and conntrack rewrites the answers back.
//
//	client ─► HOST:8080 ─ prerouting: dnat to 10.88.0.2:80 ─► forward ─► contain0 ─► eth0
//	host   ─► 127.0.0.1:8080 ─ output: dnat ─► contain0 (source 127.0.0.1 masqueraded, nat.go)
//
// (shell: nft add rule ip contain ports tcp dport 8080 dnat ip to 10.88.0.2:80)
type portSpec struct {
	HostIP        netip.Addr `json:"host_ip"` // only this host address, if set
	HostPort      uint16     `json:"host_port"`
	ContainerPort uint16     `json:"container_port"`
	Proto         string     `json:"proto"` // tcp or udp
}

// parsePort reads one -p value: [IP:]HOSTPORT:CONTAINERPORT[/tcp|/udp].
func parsePort(v string) (portSpec, error) {
	p := portSpec{Proto: "tcp"}
	spec, proto, hasProto := strings.Cut(v, "/")
	if hasProto {
		if proto != "tcp" && proto != "udp" {
			return p, fmt.Errorf("-p %q: protocol %q: want tcp or udp", v, proto)
		}
		p.Proto = proto
	}
	parts := strings.Split(spec, ":")
	if len(parts) == 3 {
		ip, err := netip.ParseAddr(parts[0])
		if err != nil || !ip.Is4() {
			return p, fmt.Errorf("-p %q: %q is not an IPv4 address", v, parts[0])
		}
		if !ip.IsUnspecified() {
			p.HostIP = ip
		}
		parts = parts[1:]
	}
	if len(parts) != 2 {
		return p, fmt.Errorf("-p %q: want [IP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]", v)
	}
	var err error
	if p.HostPort, err = portNumber(parts[0]); err == nil {
		p.ContainerPort, err = portNumber(parts[1])
	}
	if err != nil {
		return p, fmt.Errorf("-p %q: %w", v, err)
	}
	return p, nil
}

func portNumber(s string) (uint16, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("port %q: want a number from 1 to 65535", s)
	}
	return uint16(n), nil
}

// String is the port as ps and port show it: 0.0.0.0:8080->80/tcp.
func (p portSpec) String() string { return p.host() + "->" + p.ctr() }

func (p portSpec) ctr() string { return fmt.Sprintf("%d/%s", p.ContainerPort, p.Proto) }

func (p portSpec) host() string {
	ip := "0.0.0.0"
	if p.HostIP.IsValid() {
		ip = p.HostIP.String()
	}
	return fmt.Sprintf("%s:%d", ip, p.HostPort)
}

// clashes tells whether two ports would catch the same packets.
func (p portSpec) clashes(q portSpec) bool {
	return p.Proto == q.Proto && p.HostPort == q.HostPort &&
		(!p.HostIP.IsValid() || !q.HostIP.IsValid() || p.HostIP == q.HostIP)
}

// checkPorts refuses a host port that another container of all (running or not: its rule
// stays until rm) or this one already publishes. claimNetwork calls it under the state
// lock.
func checkPorts(c *container, all []*container) error {
	n := c.Config.Network
	if len(n.Ports) > 0 && n.Mode != "bridge" {
		return fmt.Errorf("-p needs a bridge network, not --network %s", n.Mode)
	}
	for i, p := range n.Ports {
		for _, q := range n.Ports[:i] {
			if p.clashes(q) {
				return fmt.Errorf("-p: host port %s is given twice", p.host())
			}
		}
		for _, other := range all {
			for _, q := range other.ports() {
				if p.clashes(q) {
					return fmt.Errorf("-p %s: host port %d/%s is already published by "+
						"container %s", p, p.HostPort, p.Proto, other.Name)
				}
			}
		}
		if err := p.free(); err != nil {
			return fmt.Errorf("-p %s: host port %d/%s is in use on the host: %w", p,
				p.HostPort, p.Proto, err)
		}
	}
	return nil
}

// free checks that no program of the host listens on the port: the rule would take its
// packets away from it without a word. (Docker holds the port with a socket of its
// proxy's; here the check is made once, when the container is created.)
func (p portSpec) free() error {
	addr := fmt.Sprintf(":%d", p.HostPort)
	if p.HostIP.IsValid() {
		addr = fmt.Sprintf("%s:%d", p.HostIP, p.HostPort)
	}
	if p.Proto == "udp" {
		c, err := net.ListenPacket("udp4", addr)
		if err == nil {
			c.Close()
		}
		return unwrapSyscall(err)
	}
	l, err := net.Listen("tcp4", addr)
	if err == nil {
		l.Close()
	}
	return unwrapSyscall(err)
}

// unwrapSyscall keeps the system's own words of a network error: "address already in use".
func unwrapSyscall(err error) error {
	var se *os.SyscallError
	if errors.As(err, &se) {
		return se.Err
	}
	return err
}

// ports are the container's published ports.
func (c *container) ports() []portSpec {
	if c.Config.Network == nil {
		return nil
	}
	return c.Config.Network.Ports
}

// addPorts adds the rules of the container's ports, in place of any it had (a restart).
func addPorts(c *container) error {
	if len(c.ports()) == 0 {
		return nil
	}
	conn, err := nftables.New()
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	tag := "container " + c.ID
	deleteTagged(conn, natTable, chainPorts, tag)
	to := c.Config.Network.Address.Addr().AsSlice()
	for _, p := range c.ports() {
		debugf("publish %s (shell: nft add rule ip contain ports %s dport %d dnat ip to "+
			"%s:%d)", p, p.Proto, p.HostPort, c.Config.Network.Address.Addr(), p.ContainerPort)
		var match []expr.Any
		if p.HostIP.IsValid() { // ip daddr HOSTIP: bytes 16-19 of the IPv4 header
			match = []expr.Any{&expr.Payload{DestRegister: 1,
				Base: expr.PayloadBaseNetworkHeader, Offset: 16, Len: 4},
				&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: p.HostIP.AsSlice()}}
		}
		proto := byte(unix.IPPROTO_TCP)
		if p.Proto == "udp" {
			proto = unix.IPPROTO_UDP
		}
		match = append(match,
			&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{proto}},
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader,
				Offset: 2, Len: 2}, // the destination port
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: be16(p.HostPort)},
			&expr.Immediate{Register: 1, Data: to},
			&expr.Immediate{Register: 2, Data: be16(p.ContainerPort)})
		addRule(conn, chainPorts, tag, match, &expr.NAT{Type: expr.NATTypeDestNAT,
			Family: unix.NFPROTO_IPV4, RegAddrMin: 1, RegProtoMin: 2, Specified: true})
	}
	if err := conn.Flush(); err != nil {
		return fmt.Errorf("nftables: -p: %w", err)
	}
	forgetUDP(c.ports())
	return nil
}

// forgetUDP deletes the connection tracking entries of the host's UDP ports: UDP has no
// connections, and conntrack would send the next datagram of a client where the last one
// went, to a container that may be gone (shell: conntrack -D -p udp --orig-port-dst PORT).
func forgetUDP(ports []portSpec) {
	for _, p := range ports {
		if p.Proto != "udp" {
			continue
		}
		f := &netlink.ConntrackFilter{}
		if f.AddProtocol(unix.IPPROTO_UDP) == nil &&
			f.AddPort(netlink.ConntrackOrigDstPort, p.HostPort) == nil {
			_, _ = netlink.ConntrackDeleteFilters(netlink.ConntrackTable, unix.AF_INET, f)
		}
	}
}

// removePorts deletes the rules of the container's ports.
func removePorts(c *container) error {
	if len(c.ports()) == 0 {
		return nil
	}
	conn, err := nftables.New()
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	debugf("unpublish the ports of %s", shortID(c.ID))
	deleteTagged(conn, natTable, chainPorts, "container "+c.ID)
	return conn.Flush()
}

// be16 is a port as packets carry it: big-endian.
func be16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }

// portsColumn is what ps shows of the ports.
func (c *container) portsColumn() string {
	var s []string
	for _, p := range c.ports() {
		s = append(s, p.String())
	}
	return strings.Join(s, ", ")
}

const portUsage = `Usage: contain port CONTAINER [PORT[/PROTO]]

List the container's published ports, or the host address of one of them.
`

func portCmd(args []string) error {
	fs := newFlagSet("port")
	if err := parseFlags(fs, args, portUsage); err != nil {
		return err
	}
	if fs.NArg() < 1 || fs.NArg() > 2 {
		return errors.New("port: usage: contain port CONTAINER [PORT[/PROTO]]")
	}
	c, err := findContainer(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("port: %w", err)
	}
	ports := c.ports()
	sort.Slice(ports, func(i, j int) bool { return ports[i].ContainerPort < ports[j].ContainerPort })
	want := fs.Arg(1)
	if want != "" && !strings.Contains(want, "/") {
		want += "/tcp"
	}
	found := false
	for _, p := range ports {
		switch {
		case want == "":
			fmt.Fprintf(os.Stdout, "%s -> %s\n", p.ctr(), p.host())
		case want == p.ctr():
			fmt.Fprintln(os.Stdout, p.host())
			found = true
		}
	}
	if want != "" && !found {
		return fmt.Errorf("port: no public port '%s' published for %s", want, c.Name)
	}
	return nil
}
