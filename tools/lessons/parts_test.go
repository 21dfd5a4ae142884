package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// partsLesson is a lesson whose new file is big: 320 non-test Go lines.
func partsLesson() lesson {
	return lesson{
		old: step{dir: "step01-a", num: 1}, new: step{dir: "step02-uts", num: 2},
		files: []fileStat{
			{path: "main.go", change: "modified", added: 3, deleted: 1},
			{path: "testdata/fixture.go", change: "added", added: 40},
			{path: "testdata/script/try-uts.txtar", change: "added", added: 10},
			{path: "uts.go", change: "added", added: 320},
			{path: "uts_test.go", change: "added", added: 50},
		},
	}
}

func TestPlanProblems(t *testing.T) {
	const name = "docs/diffs/02-uts.parts"
	good := "# Lesson 2.\n\npart 1: The namespace\nwhy: one syscall, one file\nuts.go\n" +
		"uts_test.go\n  part 2:  Wired in  \n main.go \ntestdata/fixture.go\n" +
		"testdata/script/try-uts.txtar\n"
	tests := []struct {
		name string
		data string // "" for no .parts file
		want []string
	}{
		{"good", good, nil},
		{"missing", "", []string{name + ": missing: plan the lesson's parts"}},
		{"file in no part",
			strings.Replace(good, " main.go \n", "", 1),
			[]string{name + ": main.go: changed by the lesson, in no part"}},
		{"file in two parts",
			good + "uts.go\n",
			[]string{name + ":11: uts.go: already in part 1 (line 5)"}},
		{"file not in the lesson",
			good + "old.go\n",
			[]string{name + ":11: old.go: not changed by the lesson (from step01-a to step02-uts)"}},
		{"over the limit without a reason",
			strings.Replace(good, "why: one syscall, one file\n", "", 1),
			[]string{name + ":3: part 1 has 320 non-test Go lines (limit 300): split it, " +
				"or say why on a why: line"}},
		{"numbers out of order",
			strings.Replace(good, "part 2:", "part 3:", 1),
			[]string{name + ":7: part 3: want part 2 here (parts are numbered 1, 2, ... in order)"}},
		{"first part not 1",
			strings.Replace(strings.Replace(good, "part 1:", "part 0:", 1), "part 2:", "part 1:", 1),
			[]string{name + ":3: part 0: want part 1 here (parts are numbered 1, 2, ... in order)",
				name + ":7: part 1: want part 2 here (parts are numbered 1, 2, ... in order)"}},
		{"no title",
			strings.Replace(good, "Wired in", "", 1),
			[]string{name + ":7: part 2 has no title (want part 2: WHAT IT TEACHES)"}},
		{"file before the first part",
			"main.go\n" + good,
			[]string{name + ":1: \"main.go\" before the first part (want part 1: TITLE first)"}},
		{"empty part",
			good + "part 3: Nothing\n",
			[]string{name + ":11: part 3 lists no file"}},
		{"why without a reason",
			strings.Replace(good, "why: one syscall, one file", "why:  ", 1),
			[]string{name + ":4: why: without a reason",
				name + ":3: part 1 has 320 non-test Go lines (limit 300): split it, " +
					"or say why on a why: line"}},
		{"two whys",
			strings.Replace(good, "uts.go\n", "why: again\nuts.go\n", 1),
			[]string{name + ":5: part 1: a second why: (one line says why)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			if tt.data != "" {
				putFiles(t, root, map[string]string{name: tt.data})
			}
			l := partsLesson()
			p, got, err := loadPlan(root, l)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, planProblems(l, p)...)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestPlanParsed(t *testing.T) {
	p, problems := parsePlan("x.parts", "part 1: The namespace\nwhy: one file\nuts.go\n"+
		"uts_test.go\npart 2: Wired in\nmain.go\n")
	want := []part{
		{num: 1, title: "The namespace", why: "one file", files: []string{"uts.go",
			"uts_test.go"}, line: 1},
		{num: 2, title: "Wired in", files: []string{"main.go"}, line: 5},
	}
	if len(problems) > 0 || !reflect.DeepEqual(p.parts, want) {
		t.Errorf("%+v %q", p.parts, problems)
	}
	l := partsLesson()
	if code, other := partSize(l, p.parts[0]); code != 320 || other != 50 {
		t.Errorf("part 1: %d code lines, %d other; want 320, 50", code, other)
	}
	// Go files under testdata are test data: they do not count toward the limit.
	pt := part{files: []string{"main.go", "testdata/fixture.go", "testdata/script/try-uts.txtar"}}
	if code, other := partSize(l, pt); code != 4 || other != 50 {
		t.Errorf("part 2: %d code lines, %d other; want 4, 50", code, other)
	}
}

// TestPlansKept: write never touches a .parts file, and check names one whose lesson is
// gone, and a lesson's parts problems are in the report.
func TestPlansKept(t *testing.T) {
	root := lessonRepo(t)
	parts := "part 1: The namespace\nuts.go\nmain.go\n"
	putFiles(t, root, map[string]string{
		"docs/diffs/02-uts.parts":  parts,
		"docs/diffs/09-gone.parts": "part 1: Gone\nx.go\n",
	})
	code, _, stderr := runIn(t, writeCmd, root)
	want := "lessons: docs/diffs/02-uts.parts: testdata/script/try-uts.txtar: changed by " +
		"the lesson, in no part\n" +
		"lessons: docs/diffs/09-gone.parts: no step has this lesson any more (remove the file)\n"
	if code != 1 || stderr != want {
		t.Errorf("write: %d\n%s\nwant\n%s", code, stderr, want)
	}
	for name, content := range map[string]string{"02-uts.parts": parts,
		"09-gone.parts": "part 1: Gone\nx.go\n"} {
		got, err := os.ReadFile(filepath.Join(root, diffsDir, name))
		if err != nil || string(got) != content {
			t.Errorf("%s after write: %q, %v", name, got, err)
		}
	}
	readme, _ := os.ReadFile(filepath.Join(root, diffsDir, "README.md"))
	for _, line := range []string{
		"- docs/diffs/02-uts.parts: testdata/script/try-uts.txtar: changed by the lesson, " +
			"in no part",
		"| `testdata/script/try-uts.txtar` | added | 1 | 0 | - |",
		"| 1 | The namespace | 2 | 5 | 0 | |",
	} {
		if !strings.Contains(string(readme), line+"\n") {
			t.Errorf("no line %q in the report:\n%s", line, readme)
		}
	}
	if code, _, stderr := runIn(t, checkCmd, root); code != 1 ||
		!strings.Contains(stderr, "09-gone.parts: no step has this lesson any more") {
		t.Errorf("check: %d\n%s", code, stderr)
	}
}
