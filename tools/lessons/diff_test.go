package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
)

func TestDiffStepsStats(t *testing.T) {
	tests := []struct {
		name     string
		old, new tree
		want     []fileStat
		modules  []string
	}{
		{
			name:    "from empty tree",
			old:     tree{},
			new:     mkTree(map[string]string{"main.go": "a\nb\n", "go.mod": "module m\n"}),
			want:    []fileStat{{path: "main.go", change: "added", added: 2}},
			modules: []string{"added", "-"},
		},
		{
			name: "added modified deleted, sorted by path",
			old: mkTree(map[string]string{"main.go": "a\nb\nc\n", "old.go": "x\n",
				"go.mod": "m\n", "go.sum": "s\n"}),
			new: mkTree(map[string]string{"main.go": "a\nB\nc\nd\n", "z/new.go": "y\n",
				"go.mod": "m\n", "go.sum": "s2\n"}),
			want: []fileStat{
				{path: "main.go", change: "modified", added: 2, deleted: 1},
				{path: "old.go", change: "deleted", deleted: 1},
				{path: "z/new.go", change: "added", added: 1},
			},
			modules: []string{"same", "differs"},
		},
		{
			name: "mode and binary",
			old: tree{"run.sh": {data: []byte("x\n"), mode: "100644"},
				"logo.png": {data: []byte("\x00a"), mode: "100644"}},
			new: tree{"run.sh": {data: []byte("x\n"), mode: "100755"},
				"logo.png": {data: []byte("\x00b"), mode: "100644"}},
			want: []fileStat{
				{path: "logo.png", change: "modified", binary: true},
				{path: "run.sh", change: "modified"},
			},
			modules: []string{"-", "-"},
		},
		{
			// Each step is its own module: only a change of requirements counts.
			name: "go.mod with another module line",
			old:  mkTree(map[string]string{"go.mod": "module contain/step01-a\n\ngo 1.22\n"}),
			new: mkTree(map[string]string{"go.mod": "module contain/step02-b\n\ngo 1.22\n",
				"go.sum": "x\n"}),
			modules: []string{"same", "added"},
		},
		{
			name:    "identical",
			old:     mkTree(map[string]string{"a": "1\n"}),
			new:     mkTree(map[string]string{"a": "1\n"}),
			modules: []string{"-", "-"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := diffSteps(step{}, step{dir: "step01-x", num: 1}, tt.old, tt.new)
			if !reflect.DeepEqual(l.files, tt.want) {
				t.Errorf("files %+v, want %+v", l.files, tt.want)
			}
			if !reflect.DeepEqual(l.modules, tt.modules) {
				t.Errorf("go.mod, go.sum %v, want %v", l.modules, tt.modules)
			}
			if bytes.Contains(l.text, []byte("go.mod")) ||
				bytes.Contains(l.text, []byte("go.sum")) {
				t.Errorf("go.mod or go.sum in the lesson diff:\n%s", l.text)
			}
		})
	}
}

// TestLoadTree checks that a step's files are what git would track: index and untracked
// files, not ignored build outputs nor a file deleted from the work tree.
func TestLoadTree(t *testing.T) {
	root := newRepo(t, map[string]string{
		".gitignore":             "/build/\n*.test\n",
		"step01-a/main.go":       "package main\n",
		"step01-a/gone.go":       "package main\n",
		"step01-a/step01-a.test": "binary",
		"step01-a/sub/notes.txt": "n\n",
		"step01-ab/other.go":     "package main\n",
		"build/out":              "x",
	})
	gitRun(t, root, "add", "step01-a/main.go", "step01-a/gone.go")
	if err := os.Remove(filepath.Join(root, "step01-a/gone.go")); err != nil {
		t.Fatal(err)
	}
	tr, err := loadTree(root, "step01-a")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for p := range tr {
		got = append(got, p)
	}
	sort.Strings(got)
	if want := []string{"main.go", "sub/notes.txt"}; !reflect.DeepEqual(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
}

// TestDiffApplies applies a lesson diff inside a copy of the older step, with patch -p1
// and with git apply, and expects the newer step.
func TestDiffApplies(t *testing.T) {
	old := map[string]string{
		"main.go":  lines(40, nil),
		"gone.go":  "package main\n",
		"tail.txt": "no newline",
		"run.sh":   "#!/bin/sh\n",
	}
	newer := map[string]string{
		"main.go":        lines(40, map[int]string{3: "three", 30: "thirty"}) + "41\n",
		"tail.txt":       "no newline\nnow one\n",
		"run.sh":         "#!/bin/sh\necho hi\n",
		"sub/network.go": "package main\n\nfunc network() {}\n",
	}
	oldT, newT := mkTree(old), mkTree(newer)
	newT["run.sh"] = file{data: newT["run.sh"].data, mode: "100755"}
	l := diffSteps(step{dir: "step01-a"}, step{dir: "step02-b"}, oldT, newT)
	for _, tool := range [][]string{{"patch", "-p1", "-s"}, {"git", "apply"}} {
		t.Run(tool[0], func(t *testing.T) {
			if _, err := exec.LookPath(tool[0]); err != nil {
				t.Skip(tool[0] + " not installed")
			}
			dir := t.TempDir()
			putFiles(t, dir, old)
			cmd := exec.Command(tool[0], tool[1:]...)
			cmd.Dir, cmd.Stdin = dir, bytes.NewReader(l.text)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v: %v\n%s\ndiff:\n%s", tool, err, out, l.text)
			}
			for p, want := range newer {
				got, err := os.ReadFile(filepath.Join(dir, p))
				if err != nil || string(got) != want {
					t.Errorf("%s: %q (%v), want %q", p, got, err, want)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "gone.go")); !os.IsNotExist(err) {
				t.Errorf("gone.go still there (%v)", err)
			}
			if info, err := os.Stat(filepath.Join(dir, "run.sh")); err != nil ||
				info.Mode().Perm()&0o100 == 0 {
				t.Errorf("run.sh not made executable (%v)", err)
			}
		})
	}
}
