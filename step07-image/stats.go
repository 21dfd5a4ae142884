// Host side: `contain stats`.

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

const statsUsage = `Usage: contain stats CONTAINER...

Show what running containers use, read from their cgroup files: CPU (cpu.stat, over half
a second), memory (memory.current, memory.max) and processes (pids.current, pids.max).
`

func statsCmd(args []string) error {
	fs := newFlagSet("stats")
	if err := parseFlags(fs, args, statsUsage); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("stats: usage: contain stats CONTAINER...")
	}
	var list []*container
	for _, ref := range fs.Args() {
		c, err := findContainer(ref)
		if err != nil {
			return fmt.Errorf("stats: %w", err)
		}
		list = append(list, c)
	}
	// CPU use is a rate: two readings of cpu.stat's usage_usec, half a second apart.
	const window = 500 * time.Millisecond
	before := make([]int64, len(list))
	for i, c := range list {
		before[i] = readInt(c.Cgroup, "cpu.stat", "usage_usec")
	}
	time.Sleep(window)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 3, ' ', 0)
	fmt.Fprintln(w, "CONTAINER ID\tNAME\tCPU %\tMEM USAGE / LIMIT\tPIDS / LIMIT")
	for i, c := range list {
		used := readInt(c.Cgroup, "cpu.stat", "usage_usec") - before[i]
		cpu := float64(used) / float64(window.Microseconds()) * 100
		mem := fmt.Sprintf("%s / %s", readSize(c.Cgroup, "memory.current"),
			readSize(c.Cgroup, "memory.max"))
		pids := fmt.Sprintf("%s / %s", readValue(c.Cgroup, "pids.current"),
			readValue(c.Cgroup, "pids.max"))
		fmt.Fprintf(w, "%s\t%s\t%.1f%%\t%s\t%s\n", shortID(c.ID), c.Name, cpu, mem, pids)
	}
	return w.Flush()
}

// readValue reads a one-value cgroup file; "-" when it is missing (no such controller).
func readValue(dir, file string) string {
	data, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return "-"
	}
	return strings.TrimSpace(string(data))
}

// readInt reads a number from a "key value" cgroup file, 0 when missing.
func readInt(dir, file, key string) int64 {
	n, _ := strconv.ParseInt(readCgroupKey(dir, file, key), 10, 64)
	return n
}

// readSize reads a byte count and shows it in binary units.
func readSize(dir, file string) string {
	v := readValue(dir, file)
	n, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return v // "max" or "-"
	}
	unit := 0
	for ; n >= 1024 && unit < 4; unit++ {
		n /= 1024
	}
	return fmt.Sprintf("%.1f%s", n, []string{"B", "KiB", "MiB", "GiB", "TiB"}[unit])
}
