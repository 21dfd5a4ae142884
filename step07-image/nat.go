// Host side: the packet filter rules of the networks, in an nftables table of the engine's.

package main

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"strings"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/userdata"
	"golang.org/x/sys/unix"
)

// A container's address is private to the host: a packet from 10.88.0.2 to another
// machine would get no answer. On its way out, the kernel rewrites its source to the
// host's address (masquerade, a kind of source NAT), and rewrites the answers back. The
// rules live in a table of the engine's own, so that removing them never touches anybody
// else's (shell: nft list table ip contain):
//
//	table ip contain {
//	  chain prerouting  { type nat hook prerouting priority dstnat
//	                      fib daddr type local jump ports }        # -p, from outside
//	  chain output      { type nat hook output priority dstnat
//	                      fib daddr type local jump ports }        # -p, from the host
//	  chain ports       { tcp dport 8080 dnat to 10.88.0.2:80 ... } # ports.go
//	  chain postrouting { type nat hook postrouting priority srcnat
//	    ip saddr 10.88.0.0/16 oifname != "contain0" masquerade          # out to the world
//	    oifname "contain0" ip saddr 127.0.0.0/8 masquerade              # localhost:8080
//	    oifname "contain0" ip saddr 10.88.0.0/16 ct status dnat masquerade }  # hairpin
//	  chain forward     { type filter hook forward priority filter
//	    oifname "contain0" ct state established,related accept  # answers
//	    oifname "contain0" ct status dnat accept                # published ports
//	    oifname "contain0" iifname "contain0" accept            # neighbours
//	    oifname "contain0" drop }        # nothing else: not another network, not a
//	                                     # machine that routes 10.88.0.0/16 to the host
//	  chain raw         { type filter hook prerouting priority raw
//	    iifname != "lo" ip daddr 127.0.0.0/8 drop }  # 127.0.0.1 is the host's own
//	}
//
// Each network's rules carry the comment "network NAME", each container's "container ID":
// network rm and rm delete exactly theirs.

var natTable = &nftables.Table{Family: nftables.TableFamilyIPv4, Name: "contain"}

var (
	chainPrerouting = &nftables.Chain{Name: "prerouting", Table: natTable,
		Type: nftables.ChainTypeNAT, Hooknum: nftables.ChainHookPrerouting,
		Priority: nftables.ChainPriorityNATDest}
	chainOutput = &nftables.Chain{Name: "output", Table: natTable,
		Type: nftables.ChainTypeNAT, Hooknum: nftables.ChainHookOutput,
		Priority: nftables.ChainPriorityNATDest}
	chainPorts       = &nftables.Chain{Name: "ports", Table: natTable}
	chainPostrouting = &nftables.Chain{Name: "postrouting", Table: natTable,
		Type: nftables.ChainTypeNAT, Hooknum: nftables.ChainHookPostrouting,
		Priority: nftables.ChainPriorityNATSource}
	chainForward = &nftables.Chain{Name: "forward", Table: natTable,
		Type: nftables.ChainTypeFilter, Hooknum: nftables.ChainHookForward,
		Priority: nftables.ChainPriorityFilter}
	chainRaw = &nftables.Chain{Name: "raw", Table: natTable,
		Type: nftables.ChainTypeFilter, Hooknum: nftables.ChainHookPrerouting,
		Priority: nftables.ChainPriorityRaw}
)

// bridgePrefix starts the name of every bridge the engine makes (network.go).
const bridgePrefix = "contain"

// setupNAT adds a network's rules, creating the table on first use. The caller holds the
// state lock.
func setupNAT(n *network) error {
	// The kernel drops a packet from 127.0.0.1 that leaves by another interface than lo,
	// unless route_localnet allows it: that is what curl localhost:8080 sends. (It would
	// also let a container send to the host's 127.0.0.1: the raw chain's rule stops that.)
	if err := sysctl("net/ipv4/conf/"+n.Bridge+"/route_localnet", "1"); err != nil {
		return err
	}
	conn, err := nftables.New()
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	debugf("nft rules of network %s (shell: nft add rule ip contain postrouting ...)", n.Name)
	if err := ensureTable(conn); err != nil {
		return err
	}
	if err := enableForwarding(conn); err != nil {
		return err
	}
	tag := "network " + n.Name
	removeTagged(conn, tag) // a bridge made again: its rules once, not twice
	subnet, local := n.Subnet.Masked(), netip.MustParsePrefix("127.0.0.0/8")
	addRule(conn, chainPostrouting, tag, join(saddrIn(subnet),
		ifname(expr.MetaKeyOIFNAME, expr.CmpOpNeq, n.Bridge)), &expr.Masq{})
	addRule(conn, chainPostrouting, tag, join(ifname(expr.MetaKeyOIFNAME, expr.CmpOpEq,
		n.Bridge), saddrIn(local)), &expr.Masq{})
	addRule(conn, chainPostrouting, tag, join(ifname(expr.MetaKeyOIFNAME, expr.CmpOpEq,
		n.Bridge), saddrIn(subnet), ctDNAT(expr.CmpOpNeq)), &expr.Masq{})
	out := ifname(expr.MetaKeyOIFNAME, expr.CmpOpEq, n.Bridge)
	accept, drop := &expr.Verdict{Kind: expr.VerdictAccept}, &expr.Verdict{Kind: expr.VerdictDrop}
	addRule(conn, chainForward, tag,
		join(out, ctState(expr.CtStateBitESTABLISHED|expr.CtStateBitRELATED)), accept)
	addRule(conn, chainForward, tag, join(out, ctDNAT(expr.CmpOpNeq)), accept)
	addRule(conn, chainForward, tag, join(out, ifname(expr.MetaKeyIIFNAME, expr.CmpOpEq,
		n.Bridge)), accept)
	addRule(conn, chainForward, tag, out, drop)
	acceptInHostFilter(conn, n)
	if err := conn.Flush(); err != nil {
		return fmt.Errorf("nftables: network %s: %w", n.Name, err)
	}
	return nil
}

// enableForwarding turns on forwarding between interfaces, off by default (shell: sysctl
// net.ipv4.ip_forward=1), which makes the host a router. If the engine is the one to turn
// it on, nothing else on the host forwarded before: as docker does, it keeps it that way
// for what is not its own, with a rule that drops what goes neither to nor from a bridge
// of the engine's.
func enableForwarding(conn *nftables.Conn) error {
	on, err := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
	if err != nil {
		return fmt.Errorf("sysctl: %w", err)
	}
	if strings.TrimSpace(string(on)) == "1" {
		return nil
	}
	addRule(conn, chainForward, "forwarding was off", join(
		ifname(expr.MetaKeyIIFNAME, expr.CmpOpNeq, bridgePrefix+"*"),
		ifname(expr.MetaKeyOIFNAME, expr.CmpOpNeq, bridgePrefix+"*")),
		&expr.Verdict{Kind: expr.VerdictDrop})
	return sysctl("net/ipv4/ip_forward", "1")
}

// natReady tells whether the network's rules are in place (shell: nft list table ip
// contain; nft list chain ip filter FORWARD): someone may have flushed them, or started a
// firewall since the bridge was made.
func natReady(n *network) bool {
	conn, err := nftables.New()
	if err != nil {
		return false
	}
	if _, err = conn.ListTableOfFamily(natTable.Name, natTable.Family); err != nil {
		return false
	}
	filter := &nftables.Table{Family: nftables.TableFamilyIPv4, Name: "filter"}
	forward, err := conn.ListChain(filter, "FORWARD")
	if err != nil {
		return true // no iptables filter table
	}
	rules, _ := conn.GetRules(filter, forward)
	for _, r := range rules {
		if s, ok := userdata.GetString(r.UserData, userdata.TypeComment); ok &&
			s == "network "+n.Name {
			return true
		}
	}
	return false
}

// ensureTable creates the engine's table and chains, if they are not there.
func ensureTable(conn *nftables.Conn) error {
	if _, err := conn.ListTableOfFamily(natTable.Name, natTable.Family); err == nil {
		return nil
	}
	conn.AddTable(natTable)
	for _, c := range []*nftables.Chain{chainPrerouting, chainOutput, chainPorts,
		chainPostrouting, chainForward, chainRaw} {
		conn.AddChain(c)
	}
	// A packet for 127.0.0.0/8 that did not come from lo: a container, or a neighbour
	// that routes 127.0.0.1 to the host, after a service bound to the host's loopback
	// only, or after a port published on 127.0.0.1 (CVE-2020-8558). Dropped before
	// prerouting's DNAT would hide its destination.
	addRule(conn, chainRaw, "", join(ifname(expr.MetaKeyIIFNAME, expr.CmpOpNeq, "lo"),
		daddrIn(netip.MustParsePrefix("127.0.0.0/8"))), &expr.Verdict{Kind: expr.VerdictDrop})
	for _, c := range []*nftables.Chain{chainPrerouting, chainOutput} {
		// fib daddr type local: the packet is for one of the host's own addresses.
		addRule(conn, c, "", []expr.Any{
			&expr.Fib{Register: 1, FlagDADDR: true, ResultADDRTYPE: true},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: u32(unix.RTN_LOCAL)},
		}, &expr.Verdict{Kind: expr.VerdictJump, Chain: chainPorts.Name})
	}
	return nil
}

// acceptInHostFilter lets the network's traffic through the FORWARD chain of iptables'
// filter table, when the host has one: a host with docker sets its policy to DROP, and a
// packet dropped by any chain is dropped, whatever other chains say. The two rules are
// appended, after those already there (docker's isolation rules go first), and are of
// the kinds iptables itself writes, so that `iptables -S` can still read the chain
// (shell: iptables -A FORWARD -i contain0 -j ACCEPT; iptables -A FORWARD -o contain0 -j
// ACCEPT). They let all of the bridge's traffic through: what may not pass, the engine's
// own forward chain drops.
func acceptInHostFilter(conn *nftables.Conn, n *network) {
	filter := &nftables.Table{Family: nftables.TableFamilyIPv4, Name: "filter"}
	forward, err := conn.ListChain(filter, "FORWARD")
	if err != nil {
		return // no iptables-nft filter table: nothing else filters forwarded packets
	}
	for _, key := range []expr.MetaKey{expr.MetaKeyIIFNAME, expr.MetaKeyOIFNAME} {
		conn.AddRule(&nftables.Rule{Table: filter, Chain: forward,
			Exprs:    append(ifname(key, expr.CmpOpEq, n.Bridge), &expr.Verdict{Kind: expr.VerdictAccept}),
			UserData: comment("network " + n.Name)})
	}
}

// removeNAT deletes a network's rules (network rm).
func removeNAT(n *network) error {
	conn, err := nftables.New()
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	removeTagged(conn, "network "+n.Name)
	if err := conn.Flush(); err != nil {
		return fmt.Errorf("nftables: network %s: %w", n.Name, err)
	}
	return nil
}

// removeTagged queues the deletion of a network's rules, wherever setupNAT put them.
func removeTagged(conn *nftables.Conn, tag string) {
	deleteTagged(conn, natTable, chainPostrouting, tag)
	deleteTagged(conn, natTable, chainForward, tag)
	filter := &nftables.Table{Family: nftables.TableFamilyIPv4, Name: "filter"}
	deleteTagged(conn, filter, &nftables.Chain{Name: "FORWARD", Table: filter}, tag)
}

// deleteTagged queues the deletion of the rules of a chain that carry the comment tag.
func deleteTagged(conn *nftables.Conn, t *nftables.Table, c *nftables.Chain, tag string) {
	rules, err := conn.GetRules(t, c)
	if err != nil {
		return // no such table or chain: no such rule
	}
	for _, r := range rules {
		if s, ok := userdata.GetString(r.UserData, userdata.TypeComment); ok && s == tag {
			_ = conn.DelRule(r)
		}
	}
}

func addRule(conn *nftables.Conn, c *nftables.Chain, tag string, match []expr.Any,
	verdict expr.Any) {
	r := &nftables.Rule{Table: c.Table, Chain: c, Exprs: append(match, verdict)}
	if tag != "" {
		r.UserData = comment(tag)
	}
	conn.AddRule(r)
}

func comment(s string) []byte { return userdata.AppendString(nil, userdata.TypeComment, s) }

func join(parts ...[]expr.Any) []expr.Any {
	var all []expr.Any
	for _, p := range parts {
		all = append(all, p...)
	}
	return all
}

// The matches, in nft's words. Each loads a field of the packet into register 1 and
// compares it.

// ifname: iifname/oifname [!=] NAME, or a prefix when NAME ends with "*".
func ifname(key expr.MetaKey, op expr.CmpOp, name string) []expr.Any {
	data := []byte(name + "\x00")
	if name[len(name)-1] == '*' {
		data = []byte(name[:len(name)-1])
	}
	return []expr.Any{&expr.Meta{Key: key, Register: 1},
		&expr.Cmp{Op: op, Register: 1, Data: data}}
}

// saddrIn: ip saddr SUBNET (the source address, bytes 12-15 of the IPv4 header).
func saddrIn(p netip.Prefix) []expr.Any {
	mask := ipNet(p).Mask
	return []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 12,
			Len: 4},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: mask,
			Xor: make([]byte, 4)},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: p.Masked().Addr().AsSlice()},
	}
}

// ipsDstNAT is conntrack's mark of a connection whose destination was rewritten
// (IPS_DST_NAT in linux/netfilter/nf_conntrack_common.h).
const ipsDstNAT = 1 << 5

// daddrIn: ip daddr SUBNET (bytes 16-19 of the IPv4 header).
func daddrIn(p netip.Prefix) []expr.Any {
	return []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 16,
			Len: 4},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: ipNet(p).Mask,
			Xor: make([]byte, 4)},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: p.Masked().Addr().AsSlice()},
	}
}

// ctDNAT: ct status dnat (op !=: the bit is set; op ==: it is not).
func ctDNAT(op expr.CmpOp) []expr.Any {
	return []expr.Any{
		&expr.Ct{Register: 1, Key: expr.CtKeySTATUS},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4,
			Mask: u32(ipsDstNAT), Xor: u32(0)},
		&expr.Cmp{Op: op, Register: 1, Data: u32(0)},
	}
}

// ctState: ct state established,related.
func ctState(bits uint32) []expr.Any {
	return []expr.Any{
		&expr.Ct{Register: 1, Key: expr.CtKeySTATE},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: u32(bits),
			Xor: u32(0)},
		&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: u32(0)},
	}
}

// u32 is a 32-bit value as the kernel keeps it in a register: in the host's byte order.
func u32(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }
