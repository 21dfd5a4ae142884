package main

import (
	"fmt"
	"regexp"
	"strings"
)

// A page shows a script between two marker lines (HTML comments, so invisible once
// rendered); everything between them is generated:
//
//	<!-- transcript: step03-pid-mount/testdata/script/try-pid.txtar -->
//	```txtar
//	...the file's exact content...
//	```
//	<!-- /transcript -->
var (
	openRE  = regexp.MustCompile(`^<!--\s*transcript:\s*(\S+)\s*-->\s*$`)
	closeRE = regexp.MustCompile(`^<!--\s*/transcript\s*-->\s*$`)
	fenceRE = regexp.MustCompile("^ {0,3}(`{3,}|~{3,})")
)

// include is one transcript block of a page.
type include struct {
	path       string // the script, relative to the repository root
	line       int    // line of the opening marker, for messages
	start, end int    // byte range of the block between the two marker lines
}

// parsePage finds the includes of a page and what is wrong with its markers. Markers in
// a fenced code block are text, not includes, so a page can show the syntax.
func parsePage(data string) (incs []include, problems []string) {
	var open *include
	fence := "" // the fence of the code block we are in, if any
	lineNo := 0
	for off := 0; off < len(data); {
		next := len(data)
		if i := strings.IndexByte(data[off:], '\n'); i >= 0 {
			next = off + i + 1
		}
		line := strings.TrimRight(data[off:next], "\r\n")
		lineNo++
		m := openRE.FindStringSubmatch(line)
		switch {
		case fence != "":
			// Inside a code block, even a transcript's: a script may hold a marker line.
			if closesFence(line, fence) {
				fence = ""
			}
		case open != nil && closeRE.MatchString(line):
			open.end = off
			incs = append(incs, *open)
			open = nil
		case open != nil && m != nil:
			problems = append(problems, fmt.Sprintf(
				"%d: transcript opened at line %d is not closed", lineNo, open.line))
			open = &include{path: m[1], line: lineNo, start: next}
		case m != nil:
			open = &include{path: m[1], line: lineNo, start: next}
		case closeRE.MatchString(line):
			problems = append(problems, fmt.Sprintf(
				"%d: <!-- /transcript --> without an opening marker", lineNo))
		default:
			if f := fenceRE.FindStringSubmatch(line); f != nil {
				fence = f[1]
			}
		}
		off = next
	}
	if open != nil {
		problems = append(problems, fmt.Sprintf(
			"%d: transcript is not closed (no <!-- /transcript --> after it, "+
				"outside a code block)", open.line))
	}
	return incs, problems
}

// closesFence reports whether line ends the code block opened by fence (CommonMark: the
// same character, at least as many, indented at most three spaces, nothing after).
func closesFence(line, fence string) bool {
	t := strings.TrimLeft(line, " ")
	if len(line)-len(t) > 3 {
		return false
	}
	rest := strings.TrimLeft(t, fence[:1])
	return len(t)-len(rest) >= len(fence) && strings.TrimSpace(rest) == ""
}

// transcriptBlock is what a page holds for a script: a fenced block longer than any run
// of backticks in the script, so that no line of the script can end it.
func transcriptBlock(content []byte) string {
	run, longest := 0, 0
	for _, c := range content {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", max(3, longest+1))
	s := string(content)
	if s != "" && !strings.HasSuffix(s, "\n") {
		s += "\n" // a block ends its last line; the file is shown all the same
	}
	return fence + "txtar\n" + s + fence + "\n"
}

// pageResult is a page with its transcripts regenerated, and what is wrong with it.
type pageResult struct {
	out      []byte   // the page as `write` leaves it
	outdated []string // blocks that differ from their script: `make docs` fixes them
	problems []string // what `make docs` cannot fix
	included []string // the scripts the page shows
}

// rewritePage regenerates every transcript block of the page name. script returns the
// content of a script, or an error when the path names none. A page whose markers do not
// pair up is left as it is: which text is whose would be a guess.
func rewritePage(name string, data []byte, script func(string) ([]byte, error)) pageResult {
	r := pageResult{out: data}
	src := string(data)
	incs, problems := parsePage(src)
	for _, p := range problems {
		r.problems = append(r.problems, name+":"+p)
	}
	if len(problems) > 0 {
		return r
	}
	var out strings.Builder
	last := 0
	for _, inc := range incs {
		out.WriteString(src[last:inc.start])
		last = inc.end
		content, err := script(inc.path)
		if err != nil {
			r.problems = append(r.problems, fmt.Sprintf("%s:%d: %v", name, inc.line, err))
			out.WriteString(src[inc.start:inc.end])
			continue
		}
		r.included = append(r.included, inc.path)
		block := transcriptBlock(content)
		if block != src[inc.start:inc.end] {
			r.outdated = append(r.outdated, fmt.Sprintf(
				"%s:%d: transcript differs from %s", name, inc.line, inc.path))
		}
		out.WriteString(block)
	}
	out.WriteString(src[last:])
	r.out = []byte(out.String())
	return r
}
