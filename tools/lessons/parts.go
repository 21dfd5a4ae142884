package main

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// A lesson is taught in parts, each one idea small enough to project and explain in one
// go. The parts are planned by hand, beside the generated diff, in docs/diffs/NN-name.parts:
//
//	# comment lines start with #
//	part 1: Limits: one cgroup per container
//	cgroups.go
//	limits_test.go
//	part 2: The lifecycle: run -d, logs, stop, rm
//	why: one reason on one line, when the part is over the limit
//	lifecycle.go
//
// Paths are relative to the step folder, as in the diff.

// partLimit is the most non-test Go lines (added plus deleted) a part should have: about
// what a class can read on a projector and discuss in one sitting.
const partLimit = 300

// part is one idea of a lesson.
type part struct {
	num   int
	title string
	why   string   // why the part is over partLimit, if it says
	files []string // in the order the plan lists them
	line  int      // of the "part N:" line, for messages
}

// plan is a lesson's parts as its .parts file declares them.
type plan struct {
	path    string // docs/diffs/NN-name.parts, for messages
	missing bool   // no .parts file: nothing is planned
	parts   []part
	partOf  map[string]int // file path → part number
	lineOf  map[string]int // file path → line that lists it
}

var partRE = regexp.MustCompile(`^part\s+([0-9]+)\s*:\s*(.*)$`)

// partsName is the plan file of a lesson, relative to the repository root.
func partsName(l lesson) string { return diffsDir + "/" + l.new.name() + ".parts" }

// loadPlan reads the plan of lesson l; a missing file is a plan with nothing in it.
func loadPlan(root string, l lesson) (*plan, []string, error) {
	name := partsName(l)
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
	if os.IsNotExist(err) {
		return &plan{path: name, missing: true, partOf: map[string]int{},
			lineOf: map[string]int{}}, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	p, problems := parsePlan(name, string(data))
	return p, problems, nil
}

// parsePlan reads a .parts file. Each problem names the file and line.
func parsePlan(name, data string) (*plan, []string) {
	p := &plan{path: name, partOf: map[string]int{}, lineOf: map[string]int{}}
	var problems []string
	bad := func(line int, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("%s:%d: ", name, line)+
			fmt.Sprintf(format, args...))
	}
	for i, raw := range strings.Split(data, "\n") {
		n := i + 1
		line := strings.TrimSpace(raw)
		var cur *part
		if len(p.parts) > 0 {
			cur = &p.parts[len(p.parts)-1]
		}
		switch why, isWhy := strings.CutPrefix(line, "why:"); {
		case line == "" || strings.HasPrefix(line, "#"):
		case partRE.MatchString(line):
			m := partRE.FindStringSubmatch(line)
			// A part is known by its place: a wrong number is reported, not believed.
			num, want := m[1], len(p.parts)+1
			if num != strconv.Itoa(want) {
				bad(n, "part %s: want part %d here (parts are numbered 1, 2, ... in order)",
					num, want)
			}
			if strings.TrimSpace(m[2]) == "" {
				bad(n, "part %s has no title (want part %s: WHAT IT TEACHES)", num, num)
			}
			p.parts = append(p.parts, part{num: want, title: strings.TrimSpace(m[2]), line: n})
		case cur == nil:
			bad(n, "%q before the first part (want part 1: TITLE first)", line)
		case isWhy && strings.TrimSpace(why) == "":
			bad(n, "why: without a reason")
		case isWhy && cur.why != "":
			bad(n, "part %d: a second why: (one line says why)", cur.num)
		case isWhy:
			cur.why = strings.TrimSpace(why)
		case p.partOf[line] != 0:
			bad(n, "%s: already in part %d (line %d)", line, p.partOf[line], p.lineOf[line])
		default:
			cur.files = append(cur.files, line)
			p.partOf[line], p.lineOf[line] = cur.num, n
		}
	}
	for _, pt := range p.parts {
		if len(pt.files) == 0 {
			bad(pt.line, "part %d lists no file", pt.num)
		}
	}
	return p, problems
}

// planProblems holds the plan of a lesson to its diff: every changed file in exactly one
// part (parsePlan finds the duplicates), nothing else listed, and no part over the limit
// without a reason.
func planProblems(l lesson, p *plan) []string {
	if p.missing {
		return []string{p.path + ": missing: plan the lesson's parts"}
	}
	var problems []string
	changed := map[string]bool{}
	for _, f := range l.files {
		changed[f.path] = true
		if p.partOf[f.path] == 0 {
			problems = append(problems, fmt.Sprintf("%s: %s: changed by the lesson, in no part",
				p.path, f.path))
		}
	}
	for _, pt := range p.parts {
		for _, f := range pt.files {
			if !changed[f] {
				problems = append(problems, fmt.Sprintf(
					"%s:%d: %s: not changed by the lesson (from %s to %s)",
					p.path, p.lineOf[f], f, l.old.label(), l.new.dir))
			}
		}
		if code, _ := partSize(l, pt); code > partLimit && pt.why == "" {
			problems = append(problems, fmt.Sprintf(
				"%s:%d: part %d has %d non-test Go lines (limit %d): split it, "+
					"or say why on a why: line", p.path, pt.line, pt.num, code, partLimit))
		}
	}
	return problems
}

// isTestFile reports whether p is test code or test data: what --code leaves out and
// what the size of a part does not count.
func isTestFile(p string) bool {
	return strings.HasSuffix(p, "_test.go") || underTestdata(p)
}

// isCode reports whether p counts toward the size of a part: a non-test Go file.
func isCode(p string) bool { return strings.HasSuffix(p, ".go") && !isTestFile(p) }

// partSize counts the lines a part changes: code in non-test Go files (what the limit
// is about) and other, everything else (tests, test data).
func partSize(l lesson, pt part) (code, other int) {
	in := map[string]bool{}
	for _, f := range pt.files {
		in[f] = true
	}
	for _, f := range l.files {
		switch {
		case !in[f.path]:
		case isCode(f.path):
			code += f.added + f.deleted
		default:
			other += f.added + f.deleted
		}
	}
	return code, other
}

// stalePlans lists the .parts files of lessons that no step has any more.
func stalePlans(root string, lessons []lesson) ([]string, error) {
	names, err := filepath.Glob(filepath.Join(root, diffsDir, "*.parts"))
	want := map[string]bool{}
	for _, l := range lessons {
		want[partsName(l)] = true
	}
	var out []string
	for _, name := range names {
		if rel := diffsDir + "/" + filepath.Base(name); !want[rel] {
			out = append(out, rel+": no step has this lesson any more (remove the file)")
		}
	}
	sort.Strings(out)
	return out, err
}

// partLabel is the part of a file for a table: its number, or "-" when in none.
func partLabel(p *plan, file string) string {
	if p == nil || p.partOf[file] == 0 {
		return "-"
	}
	return strconv.Itoa(p.partOf[file])
}

// matchesFile reports whether a lesson file is the one named on the command line: by its
// path in the step, or by its base name, which is what a teacher remembers.
func matchesFile(p, name string) bool { return p == name || path.Base(p) == name }
