package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
)

// The network table, from step 6 on: what the default bridge and a published port add to
// a run (differences between rows of the main table), and the TCP throughput that iperf3
// measured through the bridge and over loopback. bench.sh describes it in two files of DIR:
//
//	diffs.tsv       label, ID of the row from, ID of the row to, budget in ms ("-": none)
//	throughput.tsv  label, a glob (relative to DIR) of the iperf3 -J outputs of one path
//
// Neither file: no network table.

// networkTable returns the network table as Markdown, or "" when bench.sh measured none.
func networkTable(dir string, rows []*row) (string, error) {
	diffs, err := readTSV(filepath.Join(dir, "diffs.tsv"), 4)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	paths, err := readTSV(filepath.Join(dir, "throughput.tsv"), 2)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	if len(diffs) == 0 && len(paths) == 0 {
		return "", nil
	}
	byID := map[string]*row{}
	for _, r := range rows {
		byID[r.id] = r
	}
	cells := [][]string{{"network", "median", "range", "measured", "budget (DESIGN.md)"}}
	for _, d := range diffs {
		from, to := byID[d[1]], byID[d[2]]
		if from == nil || to == nil {
			return "", fmt.Errorf("diffs.tsv: no row %s or %s", d[1], d[2])
		}
		cells = append(cells, diffLine(d[0], from, to, d[3]))
	}
	for _, p := range paths {
		line, err := throughputLine(dir, p[0], p[1])
		if err != nil {
			return "", err
		}
		cells = append(cells, line)
	}
	return markdownTable(cells, func(i int) bool { return i == 1 || i == 2 }), nil
}

// diffLine is what row to adds to row from: the difference of their medians, and the
// range of the differences of the two rows' medians round by round (both rows ran in every
// round, one after the other: a round's difference is free of what slowed another round).
func diffLine(label string, from, to *row, budget string) []string {
	if len(from.times) == 0 || len(to.times) == 0 {
		return []string{label, "-", "-", "not measured", budgetCell(budget, 0, false)}
	}
	d := quantile(to.times, 0.5) - quantile(from.times, 0.5)
	var perRound []float64
	for k := range min(len(from.rounds), len(to.rounds)) {
		if len(from.rounds[k]) > 0 && len(to.rounds[k]) > 0 {
			perRound = append(perRound, median(to.rounds[k])-median(from.rounds[k]))
		}
	}
	sort.Float64s(perRound)
	spread := "-"
	if len(perRound) > 0 {
		spread = fmt.Sprintf("%+.2f to %+.2f ms by round", 1e3*perRound[0],
			1e3*perRound[len(perRound)-1])
	}
	return []string{label, fmt.Sprintf("%+.2f ms", 1e3*d), spread,
		fmt.Sprintf("%d + %d runs, %d rounds", len(from.times), len(to.times), len(perRound)),
		budgetCell(budget, d, true)}
}

// budgetCell: "≤ +5 ms: met" or "exceeded", or "-" for no budget.
func budgetCell(budget string, d float64, measured bool) string {
	ms, err := strconv.ParseFloat(budget, 64)
	switch {
	case err != nil:
		return "-"
	case !measured:
		return fmt.Sprintf("≤ +%s ms", budget)
	case math.Round(1e5*d)/1e2 <= ms: // as the table shows it: to 0.01 ms
		return fmt.Sprintf("≤ +%s ms: met", budget)
	default:
		return fmt.Sprintf("≤ +%s ms: exceeded", budget)
	}
}

// median of unsorted values.
func median(values []float64) float64 {
	s := append([]float64(nil), values...)
	sort.Float64s(s)
	return quantile(s, 0.5)
}

// throughputLine: the median and range of the throughputs that the iperf3 -J outputs of
// glob (relative to dir) received.
func throughputLine(dir, label, glob string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, glob))
	if err != nil {
		return nil, err
	}
	var bps []float64
	var seconds float64
	for _, f := range files {
		var out struct {
			Start struct {
				TestStart struct {
					Duration float64 `json:"duration"`
				} `json:"test_start"`
			} `json:"start"`
			End struct {
				SumReceived struct {
					BitsPerSecond float64 `json:"bits_per_second"`
				} `json:"sum_received"`
			} `json:"end"`
			Error string `json:"error"`
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(data, &out); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if out.Error != "" || out.End.SumReceived.BitsPerSecond == 0 {
			return nil, fmt.Errorf("%s: iperf3 measured nothing: %s", f, out.Error)
		}
		bps = append(bps, out.End.SumReceived.BitsPerSecond)
		seconds = out.Start.TestStart.Duration
	}
	if len(bps) == 0 {
		return []string{label, "-", "-", "not measured", "-"}, nil
	}
	sort.Float64s(bps)
	return []string{label, fmt.Sprintf("%.1f Gbit/s", quantile(bps, 0.5)/1e9),
		fmt.Sprintf("%.1f-%.1f Gbit/s", bps[0]/1e9, bps[len(bps)-1]/1e9),
		fmt.Sprintf("%d runs of %g s", len(bps), seconds), "-"}, nil
}
