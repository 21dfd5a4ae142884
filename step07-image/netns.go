// Both sides: the container's network namespace, and the four ways to connect it.

package main

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// A network namespace is a copy of the whole network stack: its own interfaces, addresses,
// routes, ports, firewall rules and /proc/sys/net. A new one holds a single interface, lo,
// and that one is down. --network says what the container gets, as with docker:
//
//	none            a new namespace with lo only: no way out
//	host            no new namespace: the host's interfaces and ports, shared
//	container:NAME  the namespace of another running container (its lo, eth0, ports)
//	bridge          a new namespace plugged into the default bridge (bridge.go)
//	NETWORK         the same on a user network (network.go)
type netConfig struct {
	Mode      string `json:"mode"`                // none, host, container or bridge
	Container string `json:"container,omitempty"` // container: the other one's ID
	Network   string `json:"network,omitempty"`   // bridge: the network's name

	// Bridge mode: the address that IPAM gave the container (ipam.go), its gateway and
	// bridge (bridge.go), and its published ports (ports.go).
	Address netip.Prefix `json:"address,omitempty"`
	Gateway netip.Addr   `json:"gateway,omitempty"`
	Bridge  string       `json:"bridge,omitempty"`
	Ports   []portSpec   `json:"ports,omitempty"`

	// DNS are the servers of --dns, for resolv.conf (etcfiles.go).
	DNS []string `json:"dns,omitempty"`
}

// parseNetwork reads --network.
func parseNetwork(s string) (*netConfig, error) {
	switch {
	case s == "none" || s == "host":
		return &netConfig{Mode: s}, nil
	case strings.HasPrefix(s, "container:"):
		ref := strings.TrimPrefix(s, "container:")
		if ref == "" {
			return nil, errors.New("--network container: needs a container name or ID")
		}
		return &netConfig{Mode: "container", Container: ref}, nil
	case s == "" || s == "default":
		s = defaultNetwork
	case !validName.MatchString(s):
		return nil, fmt.Errorf("--network %q: want none, host, container:NAME or a network "+
			"name", s)
	}
	return &netConfig{Mode: "bridge", Network: s}, nil
}

// cloneFlag is the clone flag of a new network namespace (shell: unshare --net), or 0 when
// the container uses the host's namespace or joins another container's.
func (n *netConfig) cloneFlag() uintptr {
	if n.Mode == "host" || n.Mode == "container" {
		return 0
	}
	debugf("new network namespace (shell: unshare --net)")
	return unix.CLONE_NEWNET
}

// netnsFd is where the child finds the namespace to join in container mode: the engine
// opens it and passes it as the child's descriptor 4 (3 is the sync socket).
const netnsFd = 4

// openNetns opens the network namespace of the container that --network container:NAME
// names (shell: the file /proc/PID/ns/net). Opened, it stays that namespace even if the
// other container ends now.
func openNetns(c *container) (*os.File, error) {
	if c.Config.Network.Mode != "container" {
		return nil, nil
	}
	other, err := findContainer(c.Config.Network.Container)
	if err != nil {
		return nil, fmt.Errorf("--network container: %w", err)
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", other.Pid))
	if err == nil && !other.running() { // checked after the open: the PID was still its
		f.Close()
		err = errors.New("is not running")
	}
	if err != nil {
		return nil, fmt.Errorf("--network container:%s: container %s %w",
			c.Config.Network.Container, other.Name, errNotRunning)
	}
	return f, nil
}

// defaultHostname is the container's name without --hostname: its short ID, or, as with
// docker, the name of whose network it shares (the host's, or the other container's).
func defaultHostname(c *container) string {
	switch c.Config.Network.Mode {
	case "host":
		if name, err := os.Hostname(); err == nil {
			return name
		}
	case "container":
		if other, err := findContainer(c.Config.Network.Container); err == nil {
			return other.Config.Hostname
		}
	}
	return shortID(c.ID)
}

func init() {
	// setns(2) moves one thread into a network namespace, not the whole process. The child
	// keeps its main goroutine on the main thread, so that the namespace it joins there is
	// the one its mounts see and its command inherits when that thread calls execve.
	if len(os.Args) > 1 && os.Args[1] == "init" {
		runtime.LockOSThread()
	}
}

// setupNetns runs in the child: it joins the other container's namespace (container
// mode), or brings up the loopback interface of its new one.
func setupNetns(cfg *initConfig) error {
	switch cfg.Network.Mode {
	case "host":
		return nil
	case "container":
		debugf("join the network namespace of container %s (shell: nsenter --net=...)",
			shortID(cfg.Network.Container))
		err := unix.Setns(netnsFd, unix.CLONE_NEWNET)
		unix.Close(netnsFd)
		if err != nil {
			return fmt.Errorf("init: setns net: %w", err)
		}
		return nil
	}
	// A new namespace's lo is down: even 127.0.0.1 would not answer.
	debugf("bring lo up (shell: ip link set lo up)")
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("init: lo: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err == nil {
		err = unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr)
	}
	if err == nil {
		ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
		err = unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
	}
	if err != nil {
		return fmt.Errorf("init: lo up: %w", err)
	}
	return nil
}
