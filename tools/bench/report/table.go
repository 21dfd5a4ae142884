package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// row is one line of the table: a step of the engine, the C floor, runc or crun.
type row struct {
	id, name, what string
	times          []float64   // seconds: every timed run of every round
	rounds         [][]float64 // the same, round by round (nil: the row was not in it)
	peaks          []image     // one run's processes; nil when not measured
}

// image is one process image of a run and its peak resident memory (VmHWM).
type image struct {
	kb    int
	label string // "contain run", "exe init", "runc:[2:INIT] init", ...
}

// tableOptions name the reference rows and the container's command.
type tableOptions struct {
	base, floor string // row IDs of the ratios' denominators
	cmd         string // the command's process name, not counted in the engine's memory
}

func writeTable(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("table", flag.ContinueOnError)
	var o tableOptions
	fs.StringVar(&o.base, "base", "crun", "row ID that the ratio column divides by")
	fs.StringVar(&o.floor, "floor", "floor", "row ID of the C floor")
	fs.StringVar(&o.cmd, "cmd", "true", "process name of the container's command")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return errors.New("usage: report table [-base ID] [-floor ID] [-cmd NAME] DIR DOC")
	}
	dir, doc := fs.Arg(0), fs.Arg(1)
	rows, err := readResults(dir)
	if err != nil {
		return err
	}
	meta, err := readTSV(filepath.Join(dir, "meta.tsv"), 2)
	if err != nil {
		return err
	}
	skipped, err := readTSV(filepath.Join(dir, "skipped.tsv"), 2)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	table := formatTable(rows, o)
	fmt.Fprint(stdout, table)
	net, err := networkTable(dir, rows)
	if err != nil {
		return err
	}
	if net != "" {
		fmt.Fprintf(stdout, "\n%s", net)
	}
	for _, s := range skipped {
		fmt.Fprintf(stdout, "not measured: %s: %s\n", s[0], s[1])
	}
	if doc == "-" {
		return nil
	}
	return updateDoc(doc, section(rows, o, table, net, meta, skipped))
}

// readResults reads the rows and pools the runs of every round: a row's median is the
// median of all its runs, whichever round they ran in.
func readResults(dir string) ([]*row, error) {
	lines, err := readTSV(filepath.Join(dir, "rows.tsv"), 3)
	if err != nil {
		return nil, err
	}
	rows := []*row{}
	byID := map[string]*row{}
	for _, l := range lines {
		r := &row{id: l[0], name: l[1], what: l[2]}
		rows = append(rows, r)
		byID[r.id] = r
	}
	files, err := filepath.Glob(filepath.Join(dir, "rounds", "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files) // 001.json, 002.json...: round k of one row is round k of another
	for _, r := range rows {
		r.rounds = make([][]float64, len(files))
	}
	for k, f := range files {
		var export struct {
			Results []struct {
				Command string    `json:"command"`
				Times   []float64 `json:"times"`
			} `json:"results"`
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(data, &export); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, res := range export.Results {
			if r := byID[res.Command]; r != nil {
				r.times = append(r.times, res.Times...)
				r.rounds[k] = append(r.rounds[k], res.Times...)
			}
		}
	}
	for _, r := range rows {
		sort.Float64s(r.times)
		if r.peaks, err = readPeaks(filepath.Join(dir, "peak", r.id+".txt")); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// readPeaks reads the "peak KB PID NAME ARG" lines that tools/bench/peak.c prints.
func readPeaks(path string) ([]image, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	defer f.Close()
	var images []image
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || fields[0] != "peak" {
			continue // the command's own output
		}
		kb, err := strconv.Atoi(fields[1])
		if err != nil {
			return nil, fmt.Errorf("%s: %q: %w", path, sc.Text(), err)
		}
		images = append(images, image{kb: kb, label: strings.Join(fields[3:], " ")})
	}
	return images, sc.Err()
}

// readTSV reads lines of at least n tab-separated fields.
func readTSV(path string, n int) ([][]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var lines [][]string
	for i, l := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if l == "" {
			continue
		}
		f := strings.SplitN(l, "\t", n)
		if len(f) < n {
			return nil, fmt.Errorf("%s:%d: want %d tab-separated fields", path, i+1, n)
		}
		lines = append(lines, f)
	}
	return lines, nil
}

// quantile of sorted values, interpolated between the two nearest (q=0.5: the median).
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	pos := q * float64(len(sorted)-1)
	i := int(pos)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (pos-float64(i))*(sorted[i+1]-sorted[i])
}

// engineKB is the sum of the peaks of the engine's processes: every image but the
// command's. Processes that do not run at the same time are summed all the same, and pages
// that two processes share (the binary's) count in each: an upper bound.
func engineKB(r *row, cmd string) int {
	sum := 0
	for _, im := range r.peaks {
		if strings.Fields(im.label)[0] != cmd {
			sum += im.kb
		}
	}
	return sum
}

// formatTable returns the table as Markdown, its columns padded so that it reads in a
// terminal too.
func formatTable(rows []*row, o tableOptions) string {
	medians := map[string]float64{}
	for _, r := range rows {
		if len(r.times) > 0 {
			medians[r.id] = quantile(r.times, 0.5)
		}
	}
	ratio := func(r *row, ref string) string {
		m, d := medians[r.id], medians[ref]
		if m == 0 || d == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f", m/d)
	}
	cells := [][]string{{"runtime", "isolation", "median", "p25-p75 (ms)", "× " + o.base,
		"× C floor", "runs", "peak memory"}}
	for _, r := range rows {
		med, spread, mem := "-", "-", "-"
		if len(r.times) > 0 {
			med = fmt.Sprintf("%.2f ms", 1e3*medians[r.id])
			spread = fmt.Sprintf("%.2f-%.2f", 1e3*quantile(r.times, 0.25),
				1e3*quantile(r.times, 0.75))
		}
		if r.peaks != nil {
			mem = fmt.Sprintf("%.1f MiB", float64(engineKB(r, o.cmd))/1024)
		}
		cells = append(cells, []string{r.name, r.what, med, spread, ratio(r, o.base),
			ratio(r, o.floor), strconv.Itoa(len(r.times)), mem})
	}
	return markdownTable(cells, func(i int) bool { return i >= 2 && i <= 7 })
}

// markdownTable returns cells (the first line the header) as a Markdown table, its columns
// padded so that it reads in a terminal too; the numeric columns are right-aligned.
func markdownTable(cells [][]string, numeric func(column int) bool) string {
	width := make([]int, len(cells[0]))
	for _, c := range cells {
		for i, s := range c {
			width[i] = max(width[i], len([]rune(s)))
		}
	}
	var b strings.Builder
	for n, c := range cells {
		for i, s := range c {
			pad := strings.Repeat(" ", width[i]-len([]rune(s)))
			if numeric(i) && n > 0 {
				s = pad + s
			} else {
				s += pad
			}
			fmt.Fprintf(&b, "| %s ", s)
		}
		b.WriteString("|\n")
		if n == 0 {
			for i := range c {
				dashes := strings.Repeat("-", width[i])
				if numeric(i) {
					dashes = dashes[1:] + ":" // right-aligned in Markdown too
				}
				fmt.Fprintf(&b, "| %s ", dashes)
			}
			b.WriteString("|\n")
		}
	}
	return b.String()
}
