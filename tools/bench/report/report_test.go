package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestQuantile(t *testing.T) {
	for _, tc := range []struct {
		values  []float64
		q, want float64
	}{
		{[]float64{1, 2, 3}, 0.5, 2},
		{[]float64{1, 2, 3, 4}, 0.5, 2.5},
		{[]float64{1, 2, 3, 4, 5}, 0.25, 2},
		{[]float64{7}, 0.75, 7},
		{nil, 0.5, 0},
	} {
		if got := quantile(tc.values, tc.q); got != tc.want {
			t.Errorf("quantile(%v, %v) = %v, want %v", tc.values, tc.q, got, tc.want)
		}
	}
}

func TestEditBundle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	spec := `{"ociVersion": "1.0.2", "process": {"terminal": true, "args": ["sh"]},
		"root": {"path": "rootfs", "readonly": true},
		"linux": {"namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "mount"}]}}`
	if err := os.WriteFile(path, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := editBundle(path, "/srv/rootfs", "/bin/true"); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		OCIVersion string `json:"ociVersion"`
		Process    struct {
			Terminal bool     `json:"terminal"`
			Args     []string `json:"args"`
		} `json:"process"`
		Root struct {
			Path     string `json:"path"`
			Readonly bool   `json:"readonly"`
		} `json:"root"`
		Linux struct {
			Namespaces []struct{ Type string } `json:"namespaces"`
		} `json:"linux"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, ns := range got.Linux.Namespaces {
		types = append(types, ns.Type)
	}
	if got.OCIVersion != "1.0.2" || got.Process.Terminal || strings.Join(got.Process.Args, " ") !=
		"/bin/true" || got.Root.Path != "/srv/rootfs" || got.Root.Readonly ||
		strings.Join(types, " ") != "pid mount" {
		t.Errorf("edited config:\n%s", data)
	}
}

func TestUpdateDoc(t *testing.T) {
	path := filepath.Join(t.TempDir(), "performance.md")
	page := "# Title\n\nintro\n\n" + beginMark + "\nold table\n" + endMark + "\n\n## By hand\n"
	if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	sec := beginMark + "\nnew table\n" + endMark + "\n"
	if err := updateDoc(path, sec); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	want := "# Title\n\nintro\n\n" + sec + "\n## By hand\n"
	if string(data) != want {
		t.Errorf("page:\n%s\nwant:\n%s", data, want)
	}
}

func TestFormatTableRatios(t *testing.T) {
	rows := []*row{
		{id: "step01", name: "step01", times: []float64{0.004, 0.006}},
		{id: "floor", name: "C floor", times: []float64{0.001}},
		{id: "crun", name: "crun", times: []float64{0.010}},
		{id: "gone", name: "gone"},
	}
	table := formatTable(rows, tableOptions{base: "crun", floor: "floor", cmd: "true"})
	for _, want := range []string{"|  5.00 ms |", "|   0.50 |", "|      5.00 |", "| gone "} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
}

func TestNetworkTable(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if table, err := networkTable(dir, nil); err != nil || table != "" {
		t.Fatalf("no network files: %q, %v", table, err)
	}
	write("diffs.tsv", "bridge\tnone\tbridge\t5\nport\tbridge\tport\t-\n")
	write("throughput.tsv", "loopback\tiperf/lo-*.json\n")
	for i, bps := range []string{"2e10", "3e10", "2.5e10"} {
		write(fmt.Sprintf("iperf/lo-%d.json", i), `{"start": {"test_start": {"duration": 3}},
			"end": {"sum_received": {"bits_per_second": `+bps+`}}}`)
	}
	rows := []*row{
		{id: "none", times: []float64{0.010, 0.020}, rounds: [][]float64{{0.010}, {0.020}}},
		{id: "bridge", times: []float64{0.013, 0.027}, rounds: [][]float64{{0.013}, {0.027}}},
		{id: "port", times: []float64{0.021, 0.029}, rounds: [][]float64{{0.021}, {0.029}}},
	}
	table, err := networkTable(dir, rows)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| bridge   |    +5.00 ms | +3.00 to +7.00 ms by round | 2 + 2 runs, 2 rounds | ≤ +5 ms: met ",
		"| port     |    +5.00 ms | +2.00 to +8.00 ms by round | 2 + 2 runs, 2 rounds | -  ",
		"| loopback | 25.0 Gbit/s |           20.0-30.0 Gbit/s | 3 runs of 3 s        | -  ",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
}
