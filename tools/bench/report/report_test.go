package main

import (
	"encoding/json"
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
