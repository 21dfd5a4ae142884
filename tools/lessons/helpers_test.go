package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// newRepo makes a git repository in a temporary folder holding files (path → content).
// Nothing is committed: ls-files --others lists the files, as for a fresh step.
func newRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	gitRun(t, root, "init", "-q")
	putFiles(t, root, files)
	return root
}

// putFiles writes files under root, making folders as needed.
func putFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		name := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// gitRun runs git in root with an identity of its own, so commits work on any machine.
func gitRun(t *testing.T, root string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", root}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// mkTree builds a tree of regular files from path → content.
func mkTree(files map[string]string) tree {
	t := tree{}
	for p, c := range files {
		t[p] = file{data: []byte(c), mode: "100644"}
	}
	return t
}
