package main

import (
	"encoding/binary"
	"fmt"
	"net"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// runServe answers every TCP connection or UDP datagram on PORT (or ADDR:PORT) with the
// address it came from: the way to see, from the receiving side, what NAT did to a
// packet's source.
func runServe(args []string) error {
	proto, port := args[0], args[1]
	if !strings.Contains(port, ":") {
		port = ":" + port
	}
	switch proto {
	case "tcp":
		l, err := net.Listen("tcp4", port)
		if err != nil {
			return err
		}
		fmt.Println("listening")
		for {
			c, err := l.Accept()
			if err != nil {
				return err
			}
			fmt.Fprintf(c, "peer %s\n", c.RemoteAddr().(*net.TCPAddr).IP)
			c.Close()
		}
	case "udp":
		c, err := net.ListenPacket("udp4", port)
		if err != nil {
			return err
		}
		fmt.Println("listening")
		buf := make([]byte, 1500)
		for {
			_, from, err := c.ReadFrom(buf)
			if err != nil {
				return err
			}
			_, _ = c.WriteTo([]byte(fmt.Sprintf("peer %s\n", from.(*net.UDPAddr).IP)), from)
		}
	}
	return errUsage
}

// runDial connects to ADDR:PORT (UDP: sends one datagram) and prints the answer.
func runDial(args []string) error {
	proto, addr := args[0], args[1]
	if proto != "tcp" && proto != "udp" {
		return errUsage
	}
	c, err := net.DialTimeout(proto+"4", addr, 3*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	if proto == "udp" {
		if _, err := c.Write([]byte("hello\n")); err != nil {
			return err
		}
	}
	buf := make([]byte, 1500)
	n, err := c.Read(buf)
	if err != nil {
		return fmt.Errorf("dial %s %s: %w", proto, addr, err)
	}
	fmt.Print(string(buf[:n]))
	return nil
}

// runRawsock opens a packet socket, which sees every frame of every interface of the
// network namespace (shell: tcpdump -i any), and prints the first frame it captures.
// Opening one takes CAP_NET_RAW.
func runRawsock([]string) error {
	proto := int(htons(unix.ETH_P_ALL))
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		return fmt.Errorf("raw socket: %w", err)
	}
	defer unix.Close(fd)
	fmt.Println("raw socket: open")
	tv := unix.NsecToTimeval(int64(5 * time.Second))
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return err
	}
	buf := make([]byte, 65536)
	for {
		n, from, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			return fmt.Errorf("raw socket: nothing captured: %w", err)
		}
		ll, ok := from.(*unix.SockaddrLinklayer)
		if !ok || n < 14 || ll.Hatype != unix.ARPHRD_ETHER {
			continue // lo's frames: not Ethernet
		}
		mac := make([]string, 6)
		for i := range mac {
			mac[i] = fmt.Sprintf("%02x", buf[6+i])
		}
		fmt.Printf("raw socket: captured a frame from %s (ethertype 0x%04x)\n",
			strings.Join(mac, ":"), binary.BigEndian.Uint16(buf[12:14]))
		return nil
	}
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }
