package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

func runID([]string) error {
	// Uname, not os.Hostname: os.Hostname reads /proc, which a container may not have,
	// while uname(2) always answers from the caller's UTS namespace.
	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		return fmt.Errorf("uname: %w", err)
	}
	// getcwd(2), not os.Getwd: os.Getwd trusts $PWD, inherited from outside the container.
	cwd, err := unix.Getwd()
	if err != nil {
		cwd = "(" + err.Error() + ")"
	}
	fmt.Printf("pid %d\nppid %d\nuid %d\ngid %d\n", os.Getpid(), os.Getppid(),
		os.Getuid(), os.Getgid())
	fmt.Printf("hostname %s\ncwd %s\n", unix.ByteSliceToString(uts.Nodename[:]), cwd)
	return nil
}

func runNS([]string) error {
	ents, err := os.ReadDir("/proc/self/ns")
	if err != nil {
		return err
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, name := range names {
		// Equivalent to: readlink /proc/self/ns/uts -> uts:[4026531838]
		link, err := os.Readlink("/proc/self/ns/" + name)
		if err != nil {
			return err
		}
		ino, err := parseNSLink(link)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Printf("%s %d\n", name, ino)
	}
	return nil
}

// parseNSLink returns the inode of a namespace link target such as "uts:[4026531838]".
// Two processes are in the same namespace exactly when these numbers are equal.
func parseNSLink(link string) (uint64, error) {
	_, rest, ok := strings.Cut(link, ":[")
	if !ok || !strings.HasSuffix(rest, "]") {
		return 0, fmt.Errorf("unexpected namespace link %q", link)
	}
	return strconv.ParseUint(strings.TrimSuffix(rest, "]"), 10, 64)
}

func runPS([]string) error {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return err
	}
	var pids []int
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, pid)
		}
	}
	sort.Ints(pids)
	for _, pid := range pids {
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err != nil {
			continue // it exited between ReadDir and now
		}
		fmt.Printf("%d %s\n", pid, strings.TrimSuffix(string(comm), "\n"))
	}
	return nil
}

func runCgroup([]string) error { return catFile("/proc/self/cgroup") }

func runCat(args []string) error { return catFile(args[0]) }

func catFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.Copy(os.Stdout, f); err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	return nil
}

func runWrite(args []string) error {
	if err := os.WriteFile(args[0], []byte(args[1]), 0o644); err != nil {
		return err
	}
	fmt.Println("wrote")
	return nil
}

func runCaps([]string) error {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return err
	}
	defer f.Close()
	for _, line := range parseStatus(f) {
		fmt.Println(line)
	}
	return nil
}

// statusKeys are the /proc/self/status fields that say how privileged a process is.
var statusKeys = map[string]bool{
	"CapInh": true, "CapPrm": true, "CapEff": true, "CapBnd": true, "CapAmb": true,
	"NoNewPrivs": true, "Seccomp": true,
}

// parseStatus picks statusKeys out of /proc/PID/status ("CapEff:\t000001ffffffffff")
// and returns them as "CapEff 000001ffffffffff", in the file's order.
func parseStatus(r io.Reader) []string {
	var out []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if ok && statusKeys[key] {
			out = append(out, key+" "+strings.TrimSpace(val))
		}
	}
	return out
}
