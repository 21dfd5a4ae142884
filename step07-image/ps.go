// Host side: `contain ps`, the list of containers.

package main

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

const psUsage = `Usage: contain ps [-a] [-q]

List running containers: their ID, name, host PID, status, age, published ports and
command.
  -a, --all     list every container, exited ones too
  -q, --quiet   print only the IDs
`

// psCmd is `contain ps`.
func psCmd(args []string) error {
	fs := newFlagSet("ps")
	all := fs.BoolP("all", "a", false, "list exited containers too")
	quiet := fs.BoolP("quiet", "q", false, "print only the IDs")
	if err := parseFlags(fs, args, psUsage); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("ps: unexpected argument %q", fs.Arg(0))
	}
	list, err := listContainers()
	if err != nil {
		return fmt.Errorf("ps: %w", err)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Created.Before(list[j].Created) })
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 3, ' ', 0)
	if !*quiet {
		fmt.Fprintln(w, "CONTAINER ID\tNAME\tPID\tSTATUS\tCREATED\tPORTS\tCOMMAND")
	}
	for _, c := range list {
		if !*all && !c.running() {
			continue
		}
		if *quiet {
			fmt.Fprintln(w, c.ID)
			continue
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s ago\t%s\t%s\n", shortID(c.ID), c.Name, c.Pid,
			c.status(), time.Since(c.Created).Round(time.Second), c.portsColumn(),
			strings.Join(c.Config.Args, " "))
	}
	return w.Flush()
}

// status is what ps shows: the state and, for an exited container, its exit status.
func (c *container) status() string {
	if s := c.statusWord(); s != "exited" {
		return s
	}
	return fmt.Sprintf("exited (%d)", c.ExitCode)
}

// statusWord is the container's state. A container whose process is gone but whose end
// was never recorded was left by an engine that was killed: its status is "dead".
func (c *container) statusWord() string {
	switch {
	case c.running() && c.StartedAt.IsZero():
		return "created" // its first process is still setting it up
	case c.running() && c.paused():
		return "paused"
	case c.running():
		return "running"
	case c.Restarting:
		return "restarting"
	case !c.FinishedAt.IsZero():
		return "exited"
	case c.Pid == 0:
		return "created"
	}
	return "dead"
}
