// Command lessons keeps the lessons honest: it prints the diff that teaches a step, writes
// those diffs and the transcripts shown in docs/, and checks that the committed ones still
// match the step folders, that each lesson's parts (docs/diffs/NN-name.parts) hold its
// files, and that the pages quote, run and link only what exists (pages.go).
//
//	go run ./tools/lessons show N   # the lesson of step N: the diff from step N-1
//	go run ./tools/lessons write    # regenerate docs/diffs/ and the transcripts in docs/
//	go run ./tools/lessons check    # fail when docs/ is stale or the steps disagree
//
// show takes options before N, to project a lesson a part at a time:
//
//	--part P     only the files of part P (docs/diffs/NN-name.parts)
//	--code       leave out tests and test data
//	--file NAME  only the file whose path or base name is NAME
//	--stat       the tables of files and parts instead of the diff
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

const usage = "usage: lessons show [--part P] [--code] [--file NAME] [--stat] N | write | check"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process around it, so tests can call it on a temporary repo.
func run(args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) >= 1 && args[0] == "show":
	case len(args) == 1 && (args[0] == "write" || args[0] == "check"):
	default:
		fmt.Fprintln(stderr, usage)
		return 2
	}
	root, err := repoRoot()
	if err != nil {
		fmt.Fprintf(stderr, "lessons: %v\n", err)
		return 1
	}
	switch args[0] {
	case "show":
		return show(root, args[1:], stdout, stderr)
	case "write":
		return write(root, stdout, stderr)
	case "check":
		return check(root, stdout, stderr)
	}
	fmt.Fprintln(stderr, usage)
	return 2
}

// showOpts are the options of show: which files of the lesson, and how.
type showOpts struct {
	n    int
	part int // 0: every part
	code bool
	file string
	stat bool
}

// parseShow reads show's arguments: options first, then the step number (the standard
// flag package stops at the first argument that is not an option).
func parseShow(args []string) (showOpts, error) {
	var o showOpts
	fs := flag.NewFlagSet("show", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // one error line of our own instead of flag's usage text
	part := fs.String("part", "", "")
	fs.BoolVar(&o.code, "code", false, "")
	fs.StringVar(&o.file, "file", "", "")
	fs.BoolVar(&o.stat, "stat", false, "")
	if err := fs.Parse(args); err != nil {
		return o, fmt.Errorf("%v (%s)", err, usage)
	}
	if fs.NArg() != 1 {
		return o, errors.New("want one step number after the options (" + usage + ")")
	}
	n, err := strconv.Atoi(fs.Arg(0))
	if err != nil {
		return o, fmt.Errorf("want a step number, got %q", fs.Arg(0))
	}
	o.n = n
	if *part != "" {
		if o.part, err = strconv.Atoi(*part); err != nil || o.part < 1 {
			return o, fmt.Errorf("--part: want a part number (1, 2, ...), got %q", *part)
		}
	}
	return o, nil
}

// show prints the lesson of step n, or the files of it the options select. go.mod and
// go.sum are left out, so only a note on stderr says they changed; stdout stays a patch.
func show(root string, args []string, stdout, stderr io.Writer) int {
	o, err := parseShow(args)
	if err != nil {
		fmt.Fprintf(stderr, "lessons: show: %v\n", err)
		return 2
	}
	steps, err := findSteps(root)
	if err != nil {
		fmt.Fprintf(stderr, "lessons: show: %v\n", err)
		return 1
	}
	i := 0
	for i < len(steps) && steps[i].num != o.n {
		i++
	}
	if i == len(steps) {
		var nums []string
		for _, s := range steps {
			nums = append(nums, strconv.Itoa(s.num))
		}
		fmt.Fprintf(stderr, "lessons: show: no step %d (steps: %s)\n", o.n,
			strings.Join(nums, " "))
		return 2
	}
	prev := step{} // step 1 is taught from the empty tree
	if i > 0 {
		prev = steps[i-1]
	}
	oldT, err := loadTree(root, prev.dir)
	if err != nil {
		fmt.Fprintf(stderr, "lessons: show: %v\n", err)
		return 1
	}
	newT, err := loadTree(root, steps[i].dir)
	if err != nil {
		fmt.Fprintf(stderr, "lessons: show: %v\n", err)
		return 1
	}
	l := diffSteps(prev, steps[i], oldT, newT)
	p, problems, err := loadPlan(root, l)
	if err != nil {
		fmt.Fprintf(stderr, "lessons: show: %v\n", err)
		return 1
	}
	l.plan = p
	sel, msg := selectFiles(l, o)
	if msg != "" {
		fmt.Fprintf(stderr, "lessons: show: %s\n", msg)
		return 2
	}
	if o.part > 0 || o.stat {
		// The parts are in use: what is wrong with them may explain what is shown.
		for _, pr := range append(problems, planProblems(l, p)...) {
			fmt.Fprintf(stderr, "lessons: %s\n", pr)
		}
	}
	if o.stat {
		err = writeStat(stdout, l, sel)
	} else {
		for _, j := range sel {
			if _, err = stdout.Write(l.chunks[j]); err != nil {
				break
			}
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "lessons: show: %v\n", err)
		return 1
	}
	if o.part == 0 && o.file == "" {
		for j, name := range moduleFiles {
			if m := l.modules[j]; m != "same" && m != "-" {
				fmt.Fprintf(stderr, "lessons: %s %s (not shown)\n", name, m)
			}
		}
	}
	return 0
}

// selectFiles picks the files of the lesson that the options ask for, as indexes into
// l.files, or says why the options make no sense for this lesson.
func selectFiles(l lesson, o showOpts) ([]int, string) {
	name := l.new.name()
	if o.part > 0 {
		switch {
		case l.plan.missing:
			return nil, l.plan.path + ": missing: plan the lesson's parts"
		case o.part > len(l.plan.parts):
			var nums []string
			for _, pt := range l.plan.parts {
				nums = append(nums, strconv.Itoa(pt.num))
			}
			return nil, fmt.Sprintf("--part %d: %s has no part %d (parts: %s)", o.part, name,
				o.part, strings.Join(nums, " "))
		}
	}
	if o.file != "" {
		var all []string
		found := false
		for _, f := range l.files {
			all = append(all, f.path)
			found = found || matchesFile(f.path, o.file)
		}
		if !found {
			return nil, fmt.Sprintf("--file %s: %s changes no such file (files: %s)", o.file,
				name, strings.Join(all, " "))
		}
	}
	var sel []int
	for j, f := range l.files {
		if (o.part == 0 || l.plan.partOf[f.path] == o.part) && (!o.code || !isTestFile(f.path)) &&
			(o.file == "" || matchesFile(f.path, o.file)) {
			sel = append(sel, j)
		}
	}
	if len(sel) == 0 && (o.part > 0 || o.code || o.file != "") {
		var opts []string
		if o.part > 0 {
			opts = append(opts, fmt.Sprintf("--part %d", o.part))
		}
		if o.code {
			opts = append(opts, "--code")
		}
		if o.file != "" {
			opts = append(opts, "--file "+o.file)
		}
		return nil, fmt.Sprintf("%s: no file is selected by %s together", name,
			strings.Join(opts, " "))
	}
	return sel, ""
}

// writeStat prints the file table of the selected files with a total, then the parts
// those files belong to: what a teacher looks at before projecting a lesson.
func writeStat(out io.Writer, l lesson, sel []int) error {
	width := len("total: 000 files")
	for _, j := range sel {
		width = max(width, len(l.files[j].path))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: from %s to %s\n\n", l.new.name(), l.old.label(), l.new.dir)
	fmt.Fprintf(&b, "%-*s  %-8s  %5s  %5s  %s\n", width, "FILE", "CHANGE", "+", "-", "PART")
	plus, minus := 0, 0
	parts := map[int]bool{}
	for _, j := range sel {
		f := l.files[j]
		plus, minus = plus+f.added, minus+f.deleted
		parts[l.plan.partOf[f.path]] = true
		if f.binary {
			fmt.Fprintf(&b, "%-*s  %-8s  %5s  %5s  %s\n", width, f.path, f.change, "bin",
				"bin", partLabel(l.plan, f.path))
			continue
		}
		fmt.Fprintf(&b, "%-*s  %-8s  %5d  %5d  %s\n", width, f.path, f.change, f.added,
			f.deleted, partLabel(l.plan, f.path))
	}
	fmt.Fprintf(&b, "%-*s  %-8s  %5d  %5d\n", width, fmt.Sprintf("total: %d files", len(sel)),
		"", plus, minus)
	if l.plan.missing {
		fmt.Fprintf(&b, "\nno parts: %s is missing\n", l.plan.path)
	} else {
		fmt.Fprintf(&b, "\n%4s  %5s  %5s  %5s  %s\n", "PART", "GO", "TESTS", "FILES", "TITLE")
		for _, pt := range l.plan.parts {
			if !parts[pt.num] {
				continue
			}
			code, other := partSize(l, pt)
			fmt.Fprintf(&b, "%4d  %5d  %5d  %5d  %s\n", pt.num, code, other, len(pt.files),
				pt.title)
			if pt.why != "" {
				fmt.Fprintf(&b, "%4s  %5s  %5s  %5s  over %d lines because: %s\n", "", "", "",
					"", partLimit, pt.why)
			}
		}
	}
	_, err := io.WriteString(out, b.String())
	return err
}
