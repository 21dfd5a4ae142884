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
			"no test dropped; go.mod versions agree\n" {
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
		"lessons: step02-uts drops test TestRun (step01-chroot/run_test.go)\n"
	if code != 1 || !sameLines(stderr, want) {
		t.Errorf("write: %d\n%s\nwant\n%s", code, stderr, want)
	}
	code, _, stderr = runIn(t, checkCmd, root)
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
	tests := []struct {
		arg, stdoutFile, stderr string
		code                    int
	}{
		{"1", "docs/diffs/01-chroot.diff", "lessons: go.mod added (not shown)\n", 0},
		{"2", "docs/diffs/02-uts.diff", "", 0},
		{"02", "docs/diffs/02-uts.diff", "", 0},
		{"3", "", "lessons: show: no step 3", 2},
		{"x", "", "lessons: show: want a step number, got \"x\"", 2},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		code := show(root, tt.arg, &stdout, &stderr)
		var want []byte
		if tt.stdoutFile != "" {
			want, _ = os.ReadFile(filepath.Join(root, tt.stdoutFile))
		}
		if code != tt.code || !bytes.Equal(stdout.Bytes(), want) ||
			!strings.HasPrefix(stderr.String(), tt.stderr) {
			t.Errorf("show %s: %d\n%s\n%s", tt.arg, code, stdout.String(), stderr.String())
		}
	}
}
