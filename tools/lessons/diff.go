package main

import (
	"bytes"
	"fmt"
	"sort"
)

// moduleFiles are left out of the lesson diff: a dependency added by a step is one line of
// go.mod but many of go.sum, noise on a projector. The report says whether they differ.
var moduleFiles = []string{"go.mod", "go.sum"}

// fileStat is what the report says about one file of a lesson diff.
type fileStat struct {
	path    string
	change  string // "added", "modified" or "deleted"
	added   int
	deleted int
	binary  bool
}

// lesson is the diff from one step to the next.
type lesson struct {
	old, new step
	text     []byte
	files    []fileStat
	chunks   [][]byte // the part of text that is the diff of files[i], for show's filters
	modules  []string // for each of moduleFiles: "same", "differs", "added", "removed", "-"
	plan     *plan    // the lesson's parts; nil until loaded
}

// diffSteps computes the lesson from old (whose dir is "" for the empty tree) to new.
func diffSteps(old, new step, oldT, newT tree) lesson {
	l := lesson{old: old, new: new}
	var buf bytes.Buffer
	var starts []int
	for _, p := range unionPaths(oldT, newT) {
		if isModuleFile(p) {
			continue
		}
		a, inA := oldT[p]
		b, inB := newT[p]
		if inA && inB && a.mode == b.mode && bytes.Equal(a.data, b.data) {
			continue
		}
		var pa, pb *file
		if inA {
			pa = &a
		}
		if inB {
			pb = &b
		}
		starts = append(starts, buf.Len())
		l.files = append(l.files, writeFileDiff(&buf, p, pa, pb))
	}
	l.text = buf.Bytes()
	for i, start := range starts {
		end := len(l.text)
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		l.chunks = append(l.chunks, l.text[start:end])
	}
	for _, name := range moduleFiles {
		l.modules = append(l.modules, compareFile(oldT, newT, name))
	}
	return l
}

func isModuleFile(p string) bool {
	for _, m := range moduleFiles {
		if p == m {
			return true
		}
	}
	return false
}

func unionPaths(a, b tree) []string {
	var paths []string
	for p := range a {
		paths = append(paths, p)
	}
	for p := range b {
		if _, ok := a[p]; !ok {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	return paths
}

func compareFile(a, b tree, name string) string {
	fa, inA := a[name]
	fb, inB := b[name]
	switch {
	case !inA && !inB:
		return "-"
	case !inA:
		return "added"
	case !inB:
		return "removed"
	case bytes.Equal(withoutModuleLine(name, fa.data), withoutModuleLine(name, fb.data)):
		return "same"
	}
	return "differs"
}

// withoutModuleLine drops the module directive of a go.mod: each step is a module of its
// own, so that line differs between any two steps and says nothing about the lesson.
func withoutModuleLine(name string, data []byte) []byte {
	if name != "go.mod" {
		return data
	}
	var out []byte
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		if f := bytes.Fields(line); len(f) == 0 || string(f[0]) != "module" {
			out = append(out, line...)
		}
	}
	return out
}

// writeFileDiff writes the diff of one file in git's format, which both `patch -p1` and
// `git apply` understand, including file modes (a new executable script stays one).
// old or new is nil when the file is added or deleted.
func writeFileDiff(w *bytes.Buffer, p string, old, new *file) fileStat {
	st := fileStat{path: p, change: "modified"}
	fmt.Fprintf(w, "diff --git a/%s b/%s\n", p, p)
	aName, bName := "a/"+p, "b/"+p
	var a, b []byte
	switch {
	case old == nil:
		st.change, aName, b = "added", "/dev/null", new.data
		fmt.Fprintf(w, "new file mode %s\n", new.mode)
	case new == nil:
		st.change, bName, a = "deleted", "/dev/null", old.data
		fmt.Fprintf(w, "deleted file mode %s\n", old.mode)
	default:
		a, b = old.data, new.data
		if old.mode != new.mode {
			fmt.Fprintf(w, "old mode %s\nnew mode %s\n", old.mode, new.mode)
		}
	}
	switch {
	case bytes.Equal(a, b):
		// Only the mode changed, or an empty file came or went: no hunk to show.
	case isBinary(a) || isBinary(b):
		st.binary = true
		fmt.Fprintf(w, "Binary files %s and %s differ\n", aName, bName)
	default:
		fmt.Fprintf(w, "--- %s\n+++ %s\n", aName, bName)
		st.added, st.deleted = writeHunks(w, a, b)
	}
	return st
}

// isBinary uses git's rule: a NUL byte in the first 8000 bytes.
func isBinary(data []byte) bool {
	return bytes.IndexByte(data[:min(len(data), 8000)], 0) >= 0
}
