package main

import (
	"bytes"
	"fmt"
	"strings"
)

// contextLines is the context of a unified diff around each change, as in diff -u and git.
const contextLines = 3

// splitLines cuts data after each newline, keeping it, so that a last line without a
// newline differs from the same text with one, as it does for diff and patch.
func splitLines(data []byte) []string {
	var lines []string
	s := string(data)
	for s != "" {
		i := strings.IndexByte(s, '\n') + 1
		if i == 0 {
			i = len(s)
		}
		lines = append(lines, s[:i])
		s = s[i:]
	}
	return lines
}

// writeHunks writes the unified diff hunks turning a into b and counts the lines added
// and deleted.
func writeHunks(w *bytes.Buffer, a, b []byte) (added, deleted int) {
	ops := diffLines(splitLines(a), splitLines(b))
	aLine, bLine := 0, 0 // lines of a and b before ops[pos]
	pos := 0
	advance := func(to int) {
		for ; pos < to; pos++ {
			if ops[pos].kind != '+' {
				aLine++
			}
			if ops[pos].kind != '-' {
				bLine++
			}
		}
	}
	for i := 0; ; {
		for i < len(ops) && ops[i].kind == ' ' {
			i++
		}
		if i == len(ops) {
			return added, deleted
		}
		start, end := max(i-contextLines, 0), hunkEnd(ops, i)
		advance(start)
		writeHunk(w, ops[start:end], aLine, bLine)
		for _, o := range ops[start:end] {
			switch o.kind {
			case '+':
				added++
			case '-':
				deleted++
			}
		}
		i = end
	}
}

// hunkEnd returns where the hunk holding the change at i ends: changes separated by at
// most twice the context share a hunk, as in diff -u.
func hunkEnd(ops []op, i int) int {
	for {
		for i < len(ops) && ops[i].kind != ' ' {
			i++
		}
		j := i
		for j < len(ops) && ops[j].kind == ' ' {
			j++
		}
		if j == len(ops) || j-i > 2*contextLines {
			return min(i+contextLines, len(ops))
		}
		i = j
	}
}

// writeHunk writes one hunk whose first line follows aLine lines of a and bLine of b.
func writeHunk(w *bytes.Buffer, ops []op, aLine, bLine int) {
	aCount, bCount := 0, 0
	for _, o := range ops {
		if o.kind != '+' {
			aCount++
		}
		if o.kind != '-' {
			bCount++
		}
	}
	fmt.Fprintf(w, "@@ -%s +%s @@\n", hunkRange(aLine, aCount), hunkRange(bLine, bCount))
	for _, o := range ops {
		w.WriteByte(o.kind)
		w.WriteString(o.line)
		if !strings.HasSuffix(o.line, "\n") {
			w.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// hunkRange formats "start,count" as diff -u does: an empty range names the line before
// it, and a count of one is left out.
func hunkRange(before, count int) string {
	switch count {
	case 0:
		return fmt.Sprintf("%d,0", before)
	case 1:
		return fmt.Sprintf("%d", before+1)
	}
	return fmt.Sprintf("%d,%d", before+1, count)
}
