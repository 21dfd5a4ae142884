// Command probe runs inside a container and reports what the container sees: its
// identity, namespaces, processes, mounts, cgroup and capabilities. It also carries the
// attacks and stress loads that the lessons use to show a weakness (a chroot escape, a fork
// bomb, a memory hog) before the next step removes it.
//
// It is built static (CGO_ENABLED=0) so it runs in a busybox rootfs without a libc, and
// its output is one fact per line so testscript can match it with regexes.
package main

import (
	"errors"
	"fmt"
	"os"
)

// command is one subcommand: its argument names (for the usage line), how many arguments
// it takes, a one-line description, and the function that does the work.
type command struct {
	args string
	narg int
	help string
	run  func(args []string) error
}

// commands is filled in init, not in its declaration, because help refers back to it.
var commands map[string]command

// order is the order of the help listing: grouped by topic, as in the lessons.
var order = []string{
	"id", "ns", "ps", "mounts", "cgroup", "caps", "cat", "write",
	"escape", "ipc", "signal", "sleep", "sigignore",
	"memhog", "forkbomb", "cpuhog", "serve", "dial", "rawsock", "help",
}

func init() {
	commands = map[string]command{
		"id":        {"", 0, "print pid, ppid, uid, gid, hostname and cwd", runID},
		"ns":        {"", 0, "print each namespace of /proc/self/ns and its inode", runNS},
		"ps":        {"", 0, "print PID COMM for every process visible in /proc", runPS},
		"mounts":    {"", 0, "print MOUNTPOINT FSTYPE OPTIONS per mountinfo entry", runMounts},
		"cgroup":    {"", 0, "print /proc/self/cgroup", runCgroup},
		"caps":      {"", 0, "print capability sets, NoNewPrivs and Seccomp", runCaps},
		"cat":       {"FILE", 1, "print FILE", runCat},
		"write":     {"FILE TEXT", 2, "write TEXT to FILE (create or truncate)", runWrite},
		"escape":    {"FILE", 1, "try the chroot escape, then print FILE", runEscape},
		"ipc":       {"create KEY|list|rm KEY", -1, "SysV message queues", runIPC},
		"signal":    {"PID SIGNAL", 2, "send SIGNAL (number or name) to PID", runSignal},
		"sleep":     {"SECONDS", 1, "sleep", runSleep},
		"sigignore": {"", 0, "ignore SIGTERM and SIGINT, print ready, sleep forever", runSigignore},
		"memhog":    {"MB", 1, "allocate and touch MB MiB, 1 MiB at a time", runMemhog},
		"forkbomb":  {"N", 1, "start N sleeping children, report, kill them", runForkbomb},
		"cpuhog":    {"SECONDS", 1, "busy-loop for SECONDS, print the CPU time used", runCpuhog},
		"serve":     {"tcp|udp [ADDR:]PORT", 2, "answer each peer with its address: peer IP", runServe},
		"dial":      {"tcp|udp ADDR:PORT", 2, "connect (udp: send) and print the answer", runDial},
		"rawsock":   {"", 0, "open a packet socket, print the first frame seen", runRawsock},
		"help":      {"", 0, "print this help", runHelp},
	}
}

// errUsage makes main print the usage and exit 2, the convention for a bad command line.
var errUsage = errors.New("usage")

// errQuiet makes main exit 1 without printing: the command has already said what failed.
var errQuiet = errors.New("quiet")

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	name, args := os.Args[1], os.Args[2:]
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "probe: unknown command %q\n", name)
	}
	if !ok || (cmd.narg >= 0 && len(args) != cmd.narg) {
		usage()
		os.Exit(2)
	}
	err := cmd.run(args)
	switch {
	case err == nil:
	case errors.Is(err, errUsage):
		usage()
		os.Exit(2)
	case errors.Is(err, errQuiet):
		os.Exit(1)
	default:
		fmt.Fprintf(os.Stderr, "probe: %v\n", err)
		os.Exit(1)
	}
}

func runHelp([]string) error {
	printUsage(os.Stdout)
	return nil
}

func usage() { printUsage(os.Stderr) }

func printUsage(w *os.File) {
	fmt.Fprintln(w, "usage: probe COMMAND [ARG...]")
	for _, name := range order {
		c := commands[name]
		fmt.Fprintf(w, "  %-32s %s\n", name+" "+c.args, c.help)
	}
}
