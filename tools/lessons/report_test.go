package main

import (
	"strings"
	"testing"
)

func TestReport(t *testing.T) {
	s1, s2 := step{dir: "step01-chroot", num: 1}, step{dir: "step02-uts", num: 2}
	lessons := []lesson{
		{old: step{}, new: s1, modules: []string{"added", "added"}, files: []fileStat{
			{path: "main.go", change: "added", added: 10},
			{path: "run.go", change: "added", added: 5},
		}},
		{old: s1, new: s2, modules: []string{"same", "-"}, files: []fileStat{
			{path: "main.go", change: "modified", added: 3, deleted: 1},
			{path: "logo.png", change: "added", binary: true},
			{path: "old.go", change: "deleted", deleted: 7},
			{path: "uts.go", change: "added", added: 20},
			{path: "uts_test.go", change: "added", added: 9},
		}, plan: &plan{path: "docs/diffs/02-uts.parts",
			parts: []part{
				{num: 1, title: "The | UTS namespace", files: []string{"uts.go", "uts_test.go"}},
				{num: 2, title: "Cleanup", why: "a reason", files: []string{"main.go", "old.go"}},
			},
			partOf: map[string]int{"uts.go": 1, "uts_test.go": 1, "main.go": 2, "old.go": 2},
		}},
		{old: s2, new: step{dir: "step03-pid-mount", num: 3}, modules: []string{"same", "same"}},
	}
	tests := []struct {
		name     string
		lessons  []lesson
		warnings []string
		want     []string // lines the report must hold
	}{
		{"summary, files and totals", lessons, nil, []string{
			"| [01-chroot](01-chroot.diff) | (empty) | - | 2 | 0 | 0 | 15 | 0 | added | added |",
			"| [02-uts](02-uts.diff) | step01-chroot | 2 | 3 | 1 | 1 | 32 | 8 | same | - |",
			"| [03-pid-mount](03-pid-mount.diff) | step02-uts | - | 0 | 0 | 0 | 0 | 0 " +
				"| same | same |",
			"From the empty tree to `step01-chroot`.",
			"Files: 2 added, 0 modified, 0 deleted. Lines: 15 added, 0 deleted.",
			"Not in the diff: go.mod unchanged, go.sum absent from both.",
			"No parts planned: `01-chroot.parts` is missing.",
			"| `run.go` | added | 5 | 0 | - |",
			"Parts, from [02-uts.parts](02-uts.parts):",
			"| 1 | The \\| UTS namespace | 2 | 20 | 9 | |",
			"| 2 | Cleanup | 2 | 11 | 0 | a reason |",
			"| `main.go` | modified | 3 | 1 | 2 |",
			"| `logo.png` | added (binary) | | | - |",
			"| `old.go` | deleted | 0 | 7 | 2 |",
			"| `uts_test.go` | added | 9 | 0 | 1 |",
			"| **Total** | 5 files | **32** | **8** | |",
			"No file changed.",
			"None: every step keeps the tests of the step before it, every go.mod",
		}},
		{"warnings", lessons[:1], []string{"step02-uts drops test TestRun (step01-chroot/x.go)"},
			[]string{"- step02-uts drops test TestRun (step01-chroot/x.go)"}},
		{"no steps", nil, nil, []string{"| (no steps yet) | | | | | | | | | |"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(report(tt.lessons, tt.warnings))
			lines := map[string]bool{}
			for _, l := range strings.Split(got, "\n") {
				lines[l] = true
			}
			for _, w := range tt.want {
				if !lines[w] {
					t.Errorf("no line %q in\n%s", w, got)
				}
			}
			if len(tt.warnings) > 0 && strings.Contains(got, "None:") {
				t.Errorf("warnings given, report says none:\n%s", got)
			}
		})
	}
}
