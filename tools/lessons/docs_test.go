package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// lessonRepo is a repository with two steps and a lesson page, as the real one has.
func lessonRepo(t *testing.T) string {
	gomod := "module m\n\ngo 1.22\n\nrequire golang.org/x/sys v0.30.0\n"
	test := "package main\n\nfunc TestRun(t *testing.T) {}\n"
	return newRepo(t, map[string]string{
		".gitignore":                               "*.test\n",
		"step01-chroot/go.mod":                     gomod,
		"step01-chroot/main.go":                    "package main\n\nfunc main() {}\n",
		"step01-chroot/run_test.go":                test,
		"step01-chroot/step01.test":                "ignored build output",
		"step02-uts/go.mod":                        gomod,
		"step02-uts/main.go":                       "package main\n\nfunc main() { uts() }\n",
		"step02-uts/uts.go":                        "package main\n\nfunc uts() {}\n",
		"step02-uts/run_test.go":                   test,
		"step02-uts/testdata/script/try-uts.txtar": "exec contain run hostname\n",
		"docs/02-uts.md": "# UTS\n\n## Try it\n\n" +
			"<!-- transcript: step02-uts/testdata/script/try-uts.txtar -->\n" +
			"<!-- /transcript -->\n",
		"docs/diffs/01-chroot.parts": "# hand-written\npart 1: Run\nmain.go\nrun_test.go\n",
		"docs/diffs/02-uts.parts": "part 1: The namespace\nuts.go\n" +
			"part 2: Wired in and tried\nmain.go\ntestdata/script/try-uts.txtar\n",
	})
}

// runIn calls one command of the tool on root and returns its status and output.
func runIn(t *testing.T, cmd func(string, *bytes.Buffer, *bytes.Buffer) int,
	root string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cmd(root, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func writeCmd(root string, o, e *bytes.Buffer) int { return write(root, o, e) }
func checkCmd(root string, o, e *bytes.Buffer) int { return check(root, o, e) }

func TestWriteThenCheck(t *testing.T) {
	root := lessonRepo(t)
	if code, _, stderr := runIn(t, checkCmd, root); code != 1 ||
		!strings.Contains(stderr, "docs/diffs/01-chroot.diff: missing") ||
		!strings.Contains(stderr, "run `make docs`") {
		t.Fatalf("check before write: %d\n%s", code, stderr)
	}
	if code, stdout, stderr := runIn(t, writeCmd, root); code != 0 ||
		!strings.Contains(stdout, "wrote docs/diffs/02-uts.diff") {
		t.Fatalf("write: %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, stderr := runIn(t, checkCmd, root); code != 0 ||
		stdout != "lessons: ok: 2 lesson diffs and 1 transcripts in docs/ up to date; "+
			"3 lesson parts planned; no test dropped; go.mod versions agree; pages: "+
			"0 quoted lines, 0 console commands (0 blocks exempted), 0 links hold\n" {
		t.Fatalf("check after write: %d\n%s%s", code, stdout, stderr)
	}
	page, _ := os.ReadFile(filepath.Join(root, "docs/02-uts.md"))
	if !strings.Contains(string(page), "```txtar\nexec contain run hostname\n```\n") {
		t.Errorf("transcript not in the page:\n%s", page)
	}
	d1, _ := os.ReadFile(filepath.Join(root, "docs/diffs/01-chroot.diff"))
	if strings.Contains(string(d1), "step01.test") || strings.Contains(string(d1), "go.mod") {
		t.Errorf("ignored file or go.mod in the diff:\n%s", d1)
	}

	// A second write changes nothing.
	if code, stdout, _ := runIn(t, writeCmd, root); code != 0 || stdout != "" {
		t.Errorf("second write: %d %q", code, stdout)
	}

	// Any edit to a step, or to a script, shows up.
	putFiles(t, root, map[string]string{
		"step02-uts/uts.go":                        "package main\n\nfunc uts() { println() }\n",
		"step02-uts/testdata/script/try-uts.txtar": "exec contain run hostname -s\n",
		"docs/diffs/09-gone.diff":                  "",
	})
	code, _, stderr := runIn(t, checkCmd, root)
	for _, want := range []string{
		"lessons: docs/diffs/02-uts.diff: out of date (not the diff from step01-chroot to " +
			"step02-uts)\n",
		"lessons: docs/diffs/09-gone.diff: no step has this lesson any more\n",
		"lessons: docs/02-uts.md:5: transcript differs from " +
			"step02-uts/testdata/script/try-uts.txtar\n",
		"run `make docs`",
	} {
		if code != 1 || !strings.Contains(stderr, want) {
			t.Errorf("check after edits: %d, no %q in\n%s", code, want, stderr)
		}
	}
	if strings.Contains(stderr, "01-chroot.diff") {
		t.Errorf("check blames an unchanged lesson:\n%s", stderr)
	}
	runIn(t, writeCmd, root)
	if _, err := os.Stat(filepath.Join(root, "docs/diffs/09-gone.diff")); !os.IsNotExist(err) {
		t.Errorf("stale diff not removed: %v", err)
	}
	if code, _, stderr := runIn(t, checkCmd, root); code != 0 {
		t.Errorf("check after second write: %d\n%s", code, stderr)
	}
}

// TestCheckStepProblems: what `make docs` cannot fix fails both commands, without the
// hint, and is listed in the report.
func TestCheckStepProblems(t *testing.T) {
	root := lessonRepo(t)
	putFiles(t, root, map[string]string{
		"step02-uts/run_test.go": "package main\n",
		"step02-uts/go.mod":      "module m\n\nrequire golang.org/x/sys v0.31.0\n",
		"docs/01-chroot.md":      "<!-- transcript: step01-chroot/testdata/script/no.txtar -->\n",
	})
	code, _, stderr := runIn(t, writeCmd, root)
	want := "lessons: docs/01-chroot.md:1: transcript is not closed " +
		"(no <!-- /transcript --> after it, outside a code block)\n" +
		"lessons: go.mod: golang.org/x/sys has different versions: v0.30.0 in " +
		"step01-chroot; v0.31.0 in step02-uts\n" +
		"lessons: step02-uts drops test TestRun (step01-chroot/run_test.go)\n" +
		"lessons: docs/diffs/02-uts.parts: run_test.go: changed by the lesson, in no part\n"
	if code != 1 || !sameLines(stderr, want) {
		t.Errorf("write: %d\n%s\nwant\n%s", code, stderr, want)
	}
	code, _, stderr = runIn(t, checkCmd, root)
	want += "lessons: 4 problems (pages: 0 quoted lines, 0 console commands " +
		"(0 blocks exempted), 0 links)\n"
	if code != 1 || !sameLines(stderr, want) {
		t.Errorf("check: %d\n%s\nwant\n%s", code, stderr, want)
	}
	readme, _ := os.ReadFile(filepath.Join(root, "docs/diffs/README.md"))
	if !strings.Contains(string(readme), "- step02-uts drops test TestRun") {
		t.Errorf("report without the warning:\n%s", readme)
	}
}

// sameLines compares two outputs as sets of lines: the order of problems is not the point.
func sameLines(a, b string) bool {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	if len(la) != len(lb) {
		return false
	}
	seen := map[string]int{}
	for _, l := range la {
		seen[l]++
	}
	for _, l := range lb {
		seen[l]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}

func TestShow(t *testing.T) {
	root := lessonRepo(t)
	runIn(t, writeCmd, root)
	full, _ := os.ReadFile(filepath.Join(root, "docs/diffs/02-uts.diff"))
	tests := []struct {
		args   string
		stdout []string // the files whose diffs are shown, in order; nil: the whole lesson
		stat   []string // with --stat: lines the output must hold
		stderr string   // what stderr starts with
		code   int
	}{
		{"1", []string{"main.go", "run_test.go"}, nil, "lessons: go.mod added (not shown)\n", 0},
		{"2", nil, nil, "", 0},
		{"02", nil, nil, "", 0},
		{"--part 1 2", []string{"uts.go"}, nil, "", 0},
		{"--part 2 2", []string{"main.go", "testdata/script/try-uts.txtar"}, nil, "", 0},
		{"--code 2", []string{"main.go", "uts.go"}, nil, "", 0},
		{"--file uts.go 2", []string{"uts.go"}, nil, "", 0},
		{"--file try-uts.txtar 2", []string{"testdata/script/try-uts.txtar"}, nil, "", 0},
		{"--file testdata/script/try-uts.txtar 2", []string{"testdata/script/try-uts.txtar"},
			nil, "", 0},
		{"--part 2 --code 2", []string{"main.go"}, nil, "", 0},
		{"--stat 2", nil, []string{
			"02-uts: from step01-chroot to step02-uts",
			"FILE                           CHANGE        +      -  PART",
			"main.go                        modified      1      1  2",
			"testdata/script/try-uts.txtar  added         1      0  2",
			"uts.go                         added         3      0  1",
			"total: 3 files                               5      1",
			"PART     GO  TESTS  FILES  TITLE",
			"   1      3      0      1  The namespace",
			"   2      2      1      2  Wired in and tried",
		}, "", 0},
		{"--stat --part 1 2", nil, []string{
			"uts.go            added         3      0  1",
			"total: 1 files                  3      0",
			"   1      3      0      1  The namespace",
		}, "", 0},
		{"3", nil, nil, "lessons: show: no step 3", 2},
		{"x", nil, nil, "lessons: show: want a step number, got \"x\"", 2},
		{"", nil, nil, "lessons: show: want one step number after the options", 2},
		{"2 --code", nil, nil, "lessons: show: want one step number after the options", 2},
		{"--bogus 2", nil, nil, "lessons: show: flag provided but not defined: -bogus", 2},
		{"--part x 2", nil, nil, "lessons: show: --part: want a part number (1, 2, ...), " +
			"got \"x\"\n", 2},
		{"--part 0 2", nil, nil, "lessons: show: --part: want a part number", 2},
		{"--part 3 2", nil, nil, "lessons: show: --part 3: 02-uts has no part 3 (parts: 1 2)\n",
			2},
		{"--file nope.go 2", nil, nil, "lessons: show: --file nope.go: 02-uts changes no such " +
			"file (files: main.go testdata/script/try-uts.txtar uts.go)\n", 2},
		{"--part 1 --file main.go 2", nil, nil, "lessons: show: 02-uts: no file is selected " +
			"by --part 1 --file main.go together\n", 2},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		code := show(root, strings.Fields(tt.args), &stdout, &stderr)
		if code != tt.code || !strings.HasPrefix(stderr.String(), tt.stderr) {
			t.Errorf("show %s: %d\n%s", tt.args, code, stderr.String())
			continue
		}
		if tt.code != 0 {
			if stdout.Len() > 0 {
				t.Errorf("show %s: output on error:\n%s", tt.args, stdout.String())
			}
			continue
		}
		switch got := stdout.String(); {
		case tt.stat != nil:
			lines := map[string]bool{}
			for _, l := range strings.Split(got, "\n") {
				lines[l] = true
			}
			for _, w := range tt.stat {
				if !lines[w] {
					t.Errorf("show %s: no line %q in\n%s", tt.args, w, got)
				}
			}
		case tt.stdout == nil:
			if got != string(full) {
				t.Errorf("show %s: not the lesson diff:\n%s", tt.args, got)
			}
		default:
			var files []string
			for _, l := range strings.Split(got, "\n") {
				if f, ok := strings.CutPrefix(l, "diff --git a/"); ok {
					files = append(files, strings.Fields(f)[0])
				}
			}
			if strings.Join(files, " ") != strings.Join(tt.stdout, " ") {
				t.Errorf("show %s: files %q, want %q", tt.args, files, tt.stdout)
			}
			for _, d := range strings.SplitAfter(got, "\n")[1:] {
				if strings.HasPrefix(d, "diff --git") && tt.args != "1" &&
					!strings.Contains(string(full), got[strings.Index(got, d):]) &&
					!strings.Contains(string(full), d) {
					t.Errorf("show %s: not pieces of the lesson diff:\n%s", tt.args, got)
				}
			}
		}
	}
}

// TestShowWithoutParts: the options that need the parts say what is missing; the others
// work without them.
func TestShowWithoutParts(t *testing.T) {
	root := lessonRepo(t)
	if err := os.Remove(filepath.Join(root, "docs/diffs/02-uts.parts")); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := show(root, []string{"--part", "1", "2"}, &stdout, &stderr); code != 2 ||
		stderr.String() != "lessons: show: docs/diffs/02-uts.parts: missing: "+
			"plan the lesson's parts\n" {
		t.Errorf("--part: %d\n%s", code, stderr.String())
	}
	stdout.Reset()
	stderr.Reset()
	if code := show(root, []string{"--stat", "2"}, &stdout, &stderr); code != 0 ||
		!strings.Contains(stdout.String(), "uts.go                         added         3"+
			"      0  -\n") ||
		!strings.Contains(stdout.String(), "no parts: docs/diffs/02-uts.parts is missing") ||
		!strings.Contains(stderr.String(), "missing: plan the lesson's parts") {
		t.Errorf("--stat: %d\n%s%s", code, stdout.String(), stderr.String())
	}
	stdout.Reset()
	if code := show(root, []string{"--code", "2"}, &stdout, &stderr); code != 0 ||
		strings.Contains(stdout.String(), "try-uts") {
		t.Errorf("--code: %d\n%s", code, stdout.String())
	}
}
