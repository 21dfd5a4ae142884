package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// step is one lesson folder at the top of the repository, e.g. step03-pid-mount.
type step struct {
	dir string // folder name relative to the repository root; "" is the empty tree
	num int    // the NN of stepNN-name
}

// name is what the lesson is called in docs/diffs: the folder without "step".
func (s step) name() string { return strings.TrimPrefix(s.dir, "step") }

// label names the step in messages; the empty tree before step 1 has no folder.
func (s step) label() string {
	if s.dir == "" {
		return "(empty)"
	}
	return s.dir
}

var stepDirRE = regexp.MustCompile(`^step([0-9]{2})-`)

// findSteps lists the step folders, sorted by name (os.ReadDir sorts), which is the
// lesson order because the number comes first and has two digits.
func findSteps(root string) ([]step, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("find steps: %w", err)
	}
	var steps []step
	for _, e := range entries {
		m := stepDirRE.FindStringSubmatch(e.Name())
		if m == nil || !e.IsDir() {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		if len(steps) > 0 && steps[len(steps)-1].num == n {
			// Two folders with one number would make `make diff N=K` ambiguous.
			return nil, fmt.Errorf("find steps: %s and %s have the same number",
				steps[len(steps)-1].dir, e.Name())
		}
		steps = append(steps, step{dir: e.Name(), num: n})
	}
	return steps, nil
}

// file is one file of a step as git would record it.
type file struct {
	data []byte
	mode string // "100644", "100755", or "120000" for a symlink (data is its target)
}

// tree maps slash-separated paths relative to the step folder to their files.
type tree map[string]file

// loadTree reads the files git would track in a step folder: the index plus untracked
// files that .gitignore does not cover, so build outputs never show up in a lesson.
// Equivalent to: git ls-files --cached --others --exclude-standard -- DIR/
func loadTree(root, dir string) (tree, error) {
	t := tree{}
	if dir == "" {
		return t, nil
	}
	out, err := git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard",
		"--", dir+"/")
	if err != nil {
		return nil, err
	}
	for _, p := range strings.Split(string(out), "\x00") {
		if p == "" {
			continue
		}
		f, ok, err := readFile(filepath.Join(root, filepath.FromSlash(p)))
		if err != nil {
			return nil, err
		}
		if ok {
			t[strings.TrimPrefix(p, dir+"/")] = f
		}
	}
	return t, nil
}

// readFile reads one listed path. ok is false for what the next commit would not hold as
// a file: a path deleted from the work tree but still in the index, or a submodule.
func readFile(path string) (f file, ok bool, err error) {
	info, err := os.Lstat(path)
	switch {
	case os.IsNotExist(err):
		return file{}, false, nil
	case err != nil:
		return file{}, false, err
	case info.Mode()&os.ModeSymlink != 0:
		target, err := os.Readlink(path)
		return file{data: []byte(target), mode: "120000"}, err == nil, err
	case !info.Mode().IsRegular():
		return file{}, false, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return file{}, false, err
	}
	mode := "100644"
	if info.Mode().Perm()&0o111 != 0 {
		mode = "100755"
	}
	return file{data: data, mode: mode}, true, nil
}

// git runs a git command in root and returns its standard output.
func git(root string, args ...string) ([]byte, error) {
	cmd := exec.Command("git", append([]string{"-C", root}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		return nil, fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, msg)
	}
	return out, nil
}

// repoRoot finds the top of the repository the command runs in, so that the tool works
// from any folder of the repository, not only where the Makefile calls it.
func repoRoot() (string, error) {
	out, err := git(".", "rev-parse", "--show-toplevel")
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}
