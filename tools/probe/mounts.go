package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// mount is the part of a /proc/self/mountinfo line that the lessons look at.
type mount struct {
	point   string // where it is mounted, octal escapes (\040 for a space) kept
	fstype  string
	options string // per-mount options such as "ro,nosuid", not the superblock ones
}

func runMounts([]string) error {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m, err := parseMountinfo(sc.Text())
		if err != nil {
			return err
		}
		// The escapes stay: a mount point with a space would otherwise split the line.
		fmt.Printf("%s %s %s\n", m.point, m.fstype, m.options)
	}
	return sc.Err()
}

// parseMountinfo parses one line of /proc/PID/mountinfo (see proc(5)):
//
//	36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
//	(1)(2)(3)  (4)   (5)   (6)       (7)      (8)(9)  (10)      (11)
//
// Field 7 is a list of zero or more optional fields ended by the "-" separator, so the
// filesystem type is found after the separator, not at a fixed position.
func parseMountinfo(line string) (mount, error) {
	f := strings.Fields(line)
	if len(f) < 10 {
		return mount{}, fmt.Errorf("mountinfo: short line %q", line)
	}
	for i := 6; i < len(f)-1; i++ {
		if f[i] == "-" {
			return mount{point: f[4], fstype: f[i+1], options: f[5]}, nil
		}
	}
	return mount{}, fmt.Errorf("mountinfo: no separator in %q", line)
}
