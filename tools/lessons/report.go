package main

import (
	"bytes"
	"fmt"
	"strings"
)

const reportIntro = `# Lesson diffs

Generated from the step folders by ` + "`make docs`" + ` (go run ./tools/lessons write):
do not edit. ` + "`NN-name.diff`" + ` is the lesson of step NN, the diff from the step
before it (step 1: from an empty tree), with paths relative to the step folder and
without go.mod and go.sum; ` + "`make diff N=NN`" + ` prints the same. ` + "`make test`" + `
fails when these files no longer match the steps, when a step drops a test of the step
before it, or when two steps require different versions of a module. A go.mod counts as
the same when only its module line differs: each step is a module of its own.
`

// diffName is the file of a lesson in docs/diffs.
func diffName(l lesson) string { return l.new.name() + ".diff" }

// totals sums a lesson's file stats.
func totals(l lesson) (added, modified, deleted, plus, minus int) {
	for _, f := range l.files {
		switch f.change {
		case "added":
			added++
		case "modified":
			modified++
		case "deleted":
			deleted++
		}
		plus += f.added
		minus += f.deleted
	}
	return
}

// report renders docs/diffs/README.md: a summary row per lesson, the warnings that make
// the check fail, then the files of each lesson.
func report(lessons []lesson, warnings []string) []byte {
	var w bytes.Buffer
	w.WriteString(reportIntro)
	w.WriteString("\n## Summary\n\n")
	w.WriteString("| Lesson | From | Files added | modified | deleted " +
		"| Lines added | deleted | go.mod | go.sum |\n")
	w.WriteString("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |\n")
	for _, l := range lessons {
		a, m, d, plus, minus := totals(l)
		fmt.Fprintf(&w, "| [%s](%s) | %s | %d | %d | %d | %d | %d | %s |\n",
			l.new.name(), diffName(l), l.old.label(), a, m, d, plus, minus,
			strings.Join(l.modules, " | "))
	}
	if len(lessons) == 0 {
		w.WriteString("| (no steps yet) | | | | | | | | |\n")
	}
	w.WriteString("\n## Warnings\n\n")
	if len(warnings) == 0 {
		w.WriteString("None: every step keeps the tests of the step before it, and every " +
			"go.mod\nrequires the same versions.\n")
	}
	for _, warn := range warnings {
		fmt.Fprintf(&w, "- %s\n", warn)
	}
	for _, l := range lessons {
		writeLessonTable(&w, l)
	}
	return w.Bytes()
}

// writeLessonTable writes the section of one lesson: each file with its lines added and
// deleted, so that a refactor riding along stands out as a file that should not be there.
func writeLessonTable(w *bytes.Buffer, l lesson) {
	a, m, d, plus, minus := totals(l)
	fmt.Fprintf(w, "\n## %s\n\n", l.new.name())
	fmt.Fprintf(w, "From %s to `%s`.\n", fromLabel(l.old), l.new.dir)
	fmt.Fprintf(w, "Files: %d added, %d modified, %d deleted. Lines: %d added, %d deleted.\n",
		a, m, d, plus, minus)
	fmt.Fprintf(w, "Not in the diff: go.mod %s, go.sum %s.\n", moduleWords(l.modules[0]),
		moduleWords(l.modules[1]))
	if len(l.files) == 0 {
		w.WriteString("\nNo file changed.\n")
		return
	}
	w.WriteString("\n| File | Change | Lines added | Lines deleted |\n")
	w.WriteString("| --- | --- | ---: | ---: |\n")
	for _, f := range l.files {
		if f.binary {
			fmt.Fprintf(w, "| `%s` | %s (binary) | | |\n", f.path, f.change)
			continue
		}
		fmt.Fprintf(w, "| `%s` | %s | %d | %d |\n", f.path, f.change, f.added, f.deleted)
	}
	fmt.Fprintf(w, "| **Total** | %d files | **%d** | **%d** |\n", len(l.files), plus, minus)
}

func fromLabel(s step) string {
	if s.dir == "" {
		return "the empty tree"
	}
	return "`" + s.dir + "`"
}

// moduleWords turns a compareFile result into words for a sentence.
func moduleWords(state string) string {
	switch state {
	case "-":
		return "absent from both"
	case "same":
		return "unchanged"
	}
	return state
}
