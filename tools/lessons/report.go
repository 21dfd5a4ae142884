package main

import (
	"bytes"
	"fmt"
	"path"
	"strings"
)

const reportIntro = `# Lesson diffs

The ` + "`NN-name.parts`" + ` files are written by hand. Everything else here is generated
from the step folders by ` + "`make docs`" + ` (go run ./tools/lessons write): do not edit it.

` + "`NN-name.diff`" + ` is the lesson of step NN, the diff from the step before it (step 1:
from an empty tree), with paths relative to the step folder and without go.mod and
go.sum; ` + "`make diff N=NN`" + ` prints the same.

A lesson is taught in parts, each one idea. ` + "`NN-name.parts`" + ` lists them in
teaching order: a ` + "`part P: TITLE`" + ` line, then the part's files, one a line, as
in the diff (` + "`#`" + ` starts a comment line). The size of a part is the lines added
plus deleted in its non-test Go files; a part over 300 says why on a ` + "`why: REASON`" + `
line. Test lines count the rest: tests and test data. ` + "`make diff N=NN PART=P`" + `
prints one part; ` + "`CODE=1`" + ` leaves out tests and test data, ` + "`FILE=NAME`" + `
picks one file, ` + "`STAT=1`" + ` prints the tables below instead of the diff.

` + "`make test`" + ` fails when these files no longer match the steps, when a file of a
lesson is in no part or in two, when a part is over the limit without a reason, when a
step drops a test of the step before it, or when two steps require different versions of
a module. A go.mod counts as the same when only its module line differs: each step is a
module of its own.
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
	w.WriteString("| Lesson | From | Parts | Files added | modified | deleted " +
		"| Lines added | deleted | go.mod | go.sum |\n")
	w.WriteString("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |\n")
	for _, l := range lessons {
		a, m, d, plus, minus := totals(l)
		fmt.Fprintf(&w, "| [%s](%s) | %s | %s | %d | %d | %d | %d | %d | %s |\n",
			l.new.name(), diffName(l), l.old.label(), numParts(l), a, m, d, plus, minus,
			strings.Join(l.modules, " | "))
	}
	if len(lessons) == 0 {
		w.WriteString("| (no steps yet) | | | | | | | | | |\n")
	}
	w.WriteString("\n## Warnings\n\n")
	if len(warnings) == 0 {
		w.WriteString("None: every step keeps the tests of the step before it, every go.mod\n" +
			"requires the same versions, and the parts of every lesson hold its files.\n")
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
	writePartsTable(w, l)
	w.WriteString("\n| File | Change | Lines added | Lines deleted | Part |\n")
	w.WriteString("| --- | --- | ---: | ---: | ---: |\n")
	for _, f := range l.files {
		if f.binary {
			fmt.Fprintf(w, "| `%s` | %s (binary) | | | %s |\n", f.path, f.change,
				partLabel(l.plan, f.path))
			continue
		}
		fmt.Fprintf(w, "| `%s` | %s | %d | %d | %s |\n", f.path, f.change, f.added, f.deleted,
			partLabel(l.plan, f.path))
	}
	fmt.Fprintf(w, "| **Total** | %d files | **%d** | **%d** | |\n", len(l.files), plus, minus)
}

// writePartsTable writes the parts of a lesson with their sizes, so that a part too big
// to teach in one go stands out, with the reason it gives.
func writePartsTable(w *bytes.Buffer, l lesson) {
	if l.plan == nil || l.plan.missing {
		fmt.Fprintf(w, "\nNo parts planned: `%s` is missing.\n", path.Base(partsName(l)))
		return
	}
	fmt.Fprintf(w, "\nParts, from [%s](%s):\n\n", path.Base(l.plan.path), path.Base(l.plan.path))
	w.WriteString("| Part | Title | Files | Non-test Go lines | Test lines | " +
		"Over the limit because |\n")
	w.WriteString("| ---: | --- | ---: | ---: | ---: | --- |\n")
	for _, pt := range l.plan.parts {
		code, other := partSize(l, pt)
		why := "" // an empty cell is "| |", as in the other tables
		if pt.why != "" {
			why = cell(pt.why) + " "
		}
		fmt.Fprintf(w, "| %d | %s | %d | %d | %d | %s|\n", pt.num, cell(pt.title),
			len(pt.files), code, other, why)
	}
}

// numParts is the number of parts of a lesson for the summary, "-" when none is planned.
func numParts(l lesson) string {
	if l.plan == nil || l.plan.missing {
		return "-"
	}
	return fmt.Sprint(len(l.plan.parts))
}

// cell makes hand-written text safe in a table cell: a | would start a new cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

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
