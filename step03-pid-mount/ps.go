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

const psUsage = `Usage: contain ps

List containers: their ID, name, host PID, status, age and command.
`

// psCmd is `contain ps`.
func psCmd(args []string) error {
	fs := newFlagSet("ps")
	if err := parseFlags(fs, args, psUsage); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("ps: unexpected argument %q", fs.Arg(0))
	}
	all, err := listContainers()
	if err != nil {
		return fmt.Errorf("ps: %w", err)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Created.Before(all[j].Created) })
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 3, ' ', 0)
	fmt.Fprintln(w, "CONTAINER ID\tNAME\tPID\tSTATUS\tCREATED\tCOMMAND")
	for _, c := range all {
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s ago\t%s\n", shortID(c.ID), c.Name, c.Pid,
			c.status(), time.Since(c.Created).Round(time.Second), strings.Join(c.Config.Args, " "))
	}
	return w.Flush()
}

// status is what ps shows. A container whose process is gone but whose state is still
// here was left by an engine that was killed: `make clean` removes it.
func (c *container) status() string {
	switch {
	case c.running() && c.StartedAt.IsZero():
		return "created" // its first process is still setting it up
	case c.running():
		return "running"
	case c.Pid == 0:
		return "created"
	}
	return "exited"
}
