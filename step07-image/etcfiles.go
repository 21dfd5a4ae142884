// Host side: the container's /etc/hosts, /etc/hostname and /etc/resolv.conf.

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Three files tell a program who it is and how to find others by name. They belong to the
// engine, not to the image: they are written in the container's state dir and mounted on
// the rootfs's, which stay untouched (docker does the same, in /var/lib/docker/containers):
//
//	/run/contain/ID/hosts        ->  /etc/hosts        localhost, the container, and on a
//	                                                   user network every other member
//	/run/contain/ID/hostname     ->  /etc/hostname
//	/run/contain/ID/resolv.conf  ->  /etc/resolv.conf  the host's DNS servers (not a
//	                                                   loopback stub), or --dns
//
// On a user network, containers reach each other by name through their hosts files: each
// time a container joins or leaves, the engine rewrites the hosts file of every member.
// It writes in place, because each file is mounted by inode. (Docker answers such names
// with a DNS server of its own, at 127.0.0.11 in each container; podman runs aardvark-dns
// per network. A hosts file needs no server, at the price of those rewrites.)
var etcFiles = []string{"hosts", "hostname", "resolv.conf"}

// A file is mounted on a file: the three need mount points. Made in the container's own
// layer, they would show up in diff as changes of the container's. Like docker's "init"
// layer, they are a layer of their own, made once and shared by every container. It lies
// under the rootfs: where the rootfs has the files (most images do), its own show, with
// their modes and owners; where it does not, these fill the gap:
//
//	/var/lib/contain/etc-layer/etc/{hosts,hostname,resolv.conf}   empty files
//	lowerdir=ROOTFS:/var/lib/contain/etc-layer                   (overlay.go)
func etcLayer() (string, error) {
	dir := filepath.Join(dataRoot, "etc-layer")
	if _, err := os.Stat(filepath.Join(dir, "etc", etcFiles[len(etcFiles)-1])); err == nil {
		return dir, nil
	}
	// Made whole under another name, then renamed: a run that sees it sees all of it.
	tmp, err := os.MkdirTemp(dataRoot, ".new-etc-layer-")
	if err != nil {
		return "", fmt.Errorf("etc layer: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", fmt.Errorf("etc layer: %w", err)
	}
	if err := os.Mkdir(filepath.Join(tmp, "etc"), 0o755); err != nil {
		return "", fmt.Errorf("etc layer: %w", err)
	}
	for _, name := range etcFiles {
		if err := os.WriteFile(filepath.Join(tmp, "etc", name), nil, 0o644); err != nil {
			return "", fmt.Errorf("etc layer: %w", err)
		}
	}
	debugf("etc layer %s (mount points of hosts, hostname, resolv.conf)", dir)
	if err := os.Rename(tmp, dir); err != nil && !os.IsExist(err) &&
		!errors.Is(err, unix.ENOTEMPTY) {
		return "", fmt.Errorf("etc layer: %w", err)
	}
	return dir, nil
}

// writeEtcFiles writes the container's files and adds them to what the child mounts.
func writeEtcFiles(c *container) error {
	n := c.Config.Network
	if n.Mode == "container" {
		// The other container's files: its names are this one's, as its addresses are.
		other, err := findContainer(n.Container)
		if err != nil {
			return fmt.Errorf("--network container:%s: %w", n.Container, err)
		}
		// Its files, which may be a third container's, if it joined one itself.
		if c.Config.Files = other.Config.Files; len(c.Config.Files) == 0 {
			return fmt.Errorf("--network container:%s: container %s has no network of "+
				"its own (an earlier step's engine made it)", n.Container, other.Name)
		}
		return nil
	}
	resolv, err := resolvConf(n.DNS, n.Mode == "host")
	if err != nil {
		return err
	}
	files := map[string][]byte{"hostname": []byte(c.Config.Hostname + "\n"),
		"resolv.conf": resolv}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(c.dir(), name), data, 0o644); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	c.Config.Files = etcMounts(c)
	if n.Mode == "bridge" && n.Network != defaultNetwork {
		return updateHosts(n.Network) // this one's hosts file, and its neighbours'
	}
	return writeHosts(c, nil)
}

// allMounts are what the child mounts: the engine's files first, so that a -v of the
// user's own /etc/hosts goes on top.
func (cfg *initConfig) allMounts() []mountSpec {
	return append(append([]mountSpec{}, cfg.Files...), cfg.Mounts...)
}

// etcMounts are the bind mounts of a container's files on the rootfs's.
func etcMounts(c *container) []mountSpec {
	var m []mountSpec
	for _, name := range etcFiles {
		path := filepath.Join(c.dir(), name)
		m = append(m, mountSpec{Type: "bind", Source: path, HostPath: path,
			Target: "/etc/" + name})
	}
	return m
}

// writeHosts writes the container's hosts file: localhost, itself, and its neighbours.
func writeHosts(c *container, neighbours []*container) error {
	var b bytes.Buffer
	n := c.Config.Network
	if n.Mode == "host" {
		host, err := os.ReadFile("/etc/hosts")
		if err != nil {
			return fmt.Errorf("hosts: %w", err)
		}
		b.Write(host)
	} else {
		b.WriteString("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
	}
	if n.Mode == "bridge" {
		names := c.Config.Hostname
		if c.Name != names && n.Network != defaultNetwork {
			names += " " + c.Name
		}
		fmt.Fprintf(&b, "%s\t%s\n", n.Address.Addr(), names)
	}
	for _, o := range neighbours {
		if o.ID != c.ID {
			fmt.Fprintf(&b, "%s\t%s\n", o.Config.Network.Address.Addr(), o.Name)
		}
	}
	// In place, not a new file renamed over it: the container's /etc/hosts is a mount of
	// this very inode. Written over from the start, then cut to its length, so that a
	// reader never finds it empty.
	f, err := os.OpenFile(filepath.Join(c.dir(), "hosts"), os.O_WRONLY|os.O_CREATE, 0o644)
	if err == nil {
		_, err = f.WriteAt(b.Bytes(), 0)
		if err == nil {
			err = f.Truncate(int64(b.Len()))
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("hosts: %w", err)
	}
	return nil
}

// updateHosts rewrites the hosts file of every container on a user network, under the
// state lock, so that each lists all the others.
func updateHosts(name string) error {
	unlock, err := lockState()
	if err != nil {
		return err
	}
	defer unlock()
	all, err := listContainers()
	if err != nil {
		return err
	}
	n, err := findNetwork(name)
	if err != nil {
		return nil // removed already: no member left to tell
	}
	members := n.members(all)
	for _, c := range members {
		debugf("hosts of %s: %d neighbours on %s", c.Name, len(members)-1, name)
		if err := writeHosts(c, members); err != nil {
			return err
		}
	}
	return nil
}

// leaveNetwork takes a removed container's name out of its neighbours' hosts files.
func leaveNetwork(c *container) {
	if n := c.Config.Network; n != nil && n.Mode == "bridge" && n.Network != defaultNetwork {
		_ = updateHosts(n.Network)
	}
}

// resolvConf is the container's resolv.conf: the --dns servers, else the host's. A
// loopback server such as systemd-resolved's 127.0.0.53 listens in the host's network
// namespace, not in the container's: in its place come the servers it forwards to.
// (With --network host the container shares that namespace: the host's file as it is.)
func resolvConf(dns []string, hostNet bool) ([]byte, error) {
	if len(dns) > 0 {
		var b bytes.Buffer
		for _, s := range dns {
			fmt.Fprintf(&b, "nameserver %s\n", s)
		}
		return b.Bytes(), nil
	}
	host, err := os.ReadFile("/etc/resolv.conf")
	if err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("resolv.conf: %w", err)
	}
	if hostNet {
		return host, nil
	}
	servers, rest := nameservers(host)
	if len(servers) == 0 {
		// systemd-resolved writes the servers it forwards to here.
		upstream, _ := os.ReadFile("/run/systemd/resolve/resolv.conf")
		servers, _ = nameservers(upstream)
	}
	if len(servers) == 0 {
		servers = []string{"8.8.8.8", "8.8.4.4"} // docker's fallback
	}
	var b bytes.Buffer
	for _, s := range servers {
		fmt.Fprintf(&b, "nameserver %s\n", s)
	}
	b.WriteString(rest)
	return b.Bytes(), nil
}

// nameservers splits a resolv.conf into its usable nameservers (loopback ones left out)
// and its other lines (search, options).
func nameservers(conf []byte) (servers []string, rest string) {
	var other strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(conf))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 0 || strings.HasPrefix(f[0], "#") || strings.HasPrefix(f[0], ";"):
		case f[0] == "nameserver" && len(f) > 1:
			if a, err := netip.ParseAddr(f[1]); err == nil && !a.IsLoopback() {
				servers = append(servers, f[1])
			}
		case f[0] == "search" || f[0] == "options" || f[0] == "domain":
			other.WriteString(sc.Text() + "\n")
		}
	}
	return servers, other.String()
}
