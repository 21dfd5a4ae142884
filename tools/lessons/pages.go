package main

import (
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// The page checks keep the prose of docs/ true to the steps: code a lesson page quotes is
// code of its step, a console session it shows is one its step's transcripts run, and a
// link leads somewhere. Each problem names the page and line to fix.

// pageStats counts what the page checks held, for the summary line of check.
type pageStats struct {
	quoted   int // lines of Go and C quoted by lesson pages
	sessions int // engine commands of console blocks held to the transcripts
	exempted int // console blocks marked as no transcript
	links    int // relative links followed
}

// fenced is a fenced code block of a page.
type fenced struct {
	info      string   // the first word of the info string: go, console, txtar, ...
	line      int      // of the opening fence
	lines     []string // the content, without the fences
	before    string   // the line just before the opening fence
	generated bool     // a transcript block, between transcript markers
}

// textLine is a line of a page outside code blocks.
type textLine struct {
	n    int
	text string
}

// scanMarkdown splits a page into its fenced code blocks and the lines outside them.
func scanMarkdown(data string) (blocks []fenced, prose []textLine) {
	var cur *fenced
	fence, indent := "", 0
	inTranscript := false
	prev := ""
	for i, line := range strings.Split(data, "\n") {
		line = strings.TrimSuffix(line, "\r")
		n := i + 1
		switch f := fenceRE.FindStringSubmatch(line); {
		case cur != nil && closesFence(line, fence):
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			// CommonMark removes the indentation of the opening fence from each line.
			t := strings.TrimLeft(line, " ")
			cut := min(indent, len(line)-len(t))
			cur.lines = append(cur.lines, line[cut:])
		case f != nil:
			fence = f[1]
			indent = len(line) - len(strings.TrimLeft(line, " "))
			info := strings.Fields(strings.TrimSpace(line[indent+len(fence):]))
			cur = &fenced{line: n, before: prev, generated: inTranscript}
			if len(info) > 0 {
				cur.info = info[0]
			}
		default:
			if openRE.MatchString(line) {
				inTranscript = true
			} else if closeRE.MatchString(line) {
				inTranscript = false
			}
			prose = append(prose, textLine{n: n, text: line})
		}
		prev = line
	}
	if cur != nil { // an unclosed block runs to the end of the page
		blocks = append(blocks, *cur)
	}
	return blocks, prose
}

// lessonPageRE matches a lesson page, docs/NN-name.md, whose step is stepNN-*.
var lessonPageRE = regexp.MustCompile(`^docs/([0-9]{2})-[^/]+\.md$`)

// checkPages runs the page checks on pages (repository-relative path → content): the quote
// and console checks on lesson pages, the link check on all.
func (w *world) checkPages(pages map[string][]byte, order []string) ([]string, pageStats) {
	var problems []string
	var st pageStats
	for _, name := range order {
		data := string(pages[name])
		blocks, prose := scanMarkdown(data)
		found, ls := linkProblems(w.root, name, prose)
		st.links += ls
		if m := lessonPageRE.FindStringSubmatch(name); m != nil {
			i := 0
			for i < len(w.steps) && fmt.Sprintf("%02d", w.steps[i].num) != m[1] {
				i++
			}
			if i == len(w.steps) {
				found = append(found, fmt.Sprintf("%s: a lesson page with no step%s-* folder",
					name, m[1]))
			} else {
				s, t := w.steps[i], w.trees[i]
				qp, qn := quoteProblems(name, s.dir, goLines(t), blocks)
				cp, cst := consoleProblems(name, s.dir, stepSessions(t), blocks, prose)
				found = append(append(found, qp...), cp...)
				st.quoted += qn
				st.sessions += cst.sessions
				st.exempted += cst.exempted
			}
		}
		// In page order, so that whoever fixes the page can go down it.
		sort.SliceStable(found, func(a, b int) bool {
			return problemLine(found[a]) < problemLine(found[b])
		})
		problems = append(problems, found...)
	}
	return problems, st
}

// problemLine is the line number of a "page:line: ..." problem; 0 when it has none.
func problemLine(p string) int {
	_, rest, _ := strings.Cut(p, ":")
	num, _, _ := strings.Cut(rest, ":")
	n, _ := strconv.Atoi(num)
	return n
}

// goLines is the set of the trimmed lines of a step's Go files, tests included.
func goLines(t tree) map[string]bool {
	lines := map[string]bool{}
	for p, f := range t {
		if strings.HasSuffix(p, ".go") {
			for _, l := range strings.Split(string(f.data), "\n") {
				lines[strings.TrimSpace(l)] = true
			}
		}
	}
	return lines
}

// isElision reports whether a quoted line stands for code left out.
func isElision(line string) bool {
	return line == "..." || line == "// ..." || line == "/* ... */"
}

// quoteProblems checks that every line a page quotes in a go or c block is a line of its
// step (indentation aside, so a quote may start inside a function): a quote that drifted
// from the code teaches code that does not exist.
func quoteProblems(page, dir string, lines map[string]bool, blocks []fenced) ([]string, int) {
	var problems []string
	n := 0
	for _, b := range blocks {
		if b.generated || (b.info != "go" && b.info != "c") {
			continue
		}
		for j, l := range b.lines {
			l = strings.TrimSpace(l)
			if l == "" || isElision(l) {
				continue
			}
			n++
			if !lines[l] {
				problems = append(problems, fmt.Sprintf("%s:%d: quoted line not in %s: %s",
					page, b.line+1+j, dir, l))
			}
		}
	}
	return problems, n
}

// exemptRE marks a console block that no test can produce, with the reason.
var exemptRE = regexp.MustCompile(`^\s*<!--\s*console:\s*not a transcript:(.*?)-->\s*$`)

// assignRE matches a leading VAR=value word of a shell command.
var assignRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)

// consoleProblems checks the console blocks of a lesson page against the transcripts of
// its step: each engine command must be one a transcript runs, and each line the engine
// prints about itself (contain: ..., [contain] ...) must be one the transcript asserts.
func consoleProblems(page, dir string, sessions []session, blocks []fenced,
	prose []textLine) ([]string, pageStats) {
	var problems []string
	var st pageStats
	bad := func(n int, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("%s:%d: ", page, n)+
			fmt.Sprintf(format, args...))
	}
	console := map[int]bool{} // lines of the opening fences of console blocks
	for _, b := range blocks {
		if b.generated || b.info != "console" {
			continue
		}
		console[b.line] = true
		if m := exemptRE.FindStringSubmatch(b.before); m != nil {
			if strings.TrimSpace(m[1]) != "" {
				st.exempted++
				continue
			}
			bad(b.line-1, "console block marked as no transcript without a reason "+
				"(want <!-- console: not a transcript: REASON -->)")
		}
		for _, c := range commands(b) {
			words, err := shellWords(c.text)
			shown := strings.ReplaceAll(c.text, "\n", `\n`) // one problem, one line
			for len(words) > 0 && assignRE.MatchString(words[0]) {
				words = words[1:]
			}
			switch {
			case err != nil && isEngine(c.text):
				bad(c.line, "console command: %v: %s", err, shown)
				continue
			case err != nil || len(words) == 0 || words[0] != "contain":
				continue
			}
			st.sessions++
			var found []session
			for _, s := range sessions {
				if equalWords(s.args, words[1:]) {
					found = append(found, s)
				}
			}
			if len(found) == 0 {
				bad(c.line, "console command is run by no transcript of %s: %s", dir, shown)
				continue
			}
			for _, o := range c.output {
				if (strings.HasPrefix(o.text, "contain: ") ||
					strings.HasPrefix(o.text, "[contain] ")) && !asserted(found, o.text) {
					bad(o.n, "output line matched by no transcript assertion: %s", o.text)
				}
			}
		}
	}
	for _, l := range prose {
		// An exemption anywhere else exempts nothing: say so rather than let it mislead.
		if exemptRE.MatchString(l.text) && !console[l.n+1] {
			bad(l.n, "console exemption not directly before a console block")
		}
	}
	return problems, st
}

// command is a "$ " line of a console block with the output lines after it.
type command struct {
	text   string // after "$ "
	line   int
	output []textLine
}

// commands splits a console block into commands. As in the shell, a command goes on on
// the next line after a backslash at the end of a line or while a quote is open.
func commands(b fenced) []command {
	var out []command
	for j := 0; j < len(b.lines); j++ {
		l := strings.TrimRight(b.lines[j], " \t")
		if !strings.HasPrefix(l, "$ ") {
			if len(out) > 0 {
				out[len(out)-1].output = append(out[len(out)-1].output,
					textLine{n: b.line + 1 + j, text: l})
			}
			continue
		}
		c := command{text: strings.TrimSpace(l[2:]), line: b.line + 1 + j}
		for j+1 < len(b.lines) && !strings.HasPrefix(b.lines[j+1], "$ ") {
			next := strings.TrimPrefix(b.lines[j+1], "> ") // the shell's PS2 prompt
			if strings.HasSuffix(c.text, `\`) {
				c.text = strings.TrimSuffix(c.text, `\`) + strings.TrimSpace(next)
			} else if openQuote(c.text) {
				c.text += "\n" + next
			} else {
				break
			}
			j++
		}
		out = append(out, c)
	}
	return out
}

// openQuote reports whether a shell line ends inside quotes, so the next line is more of
// it (the shell's PS2 prompt).
func openQuote(s string) bool {
	var q byte // the open quote, if any
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case q == 0 && (c == '\'' || c == '"'):
			q = c
		case q == c:
			q = 0
		case c == '\\' && q != '\'':
			i++
		}
	}
	return q != 0
}

// isEngine reports whether a console command runs the engine, as far as its first words
// tell without shell quoting: what a command that cannot be split is reported for.
func isEngine(cmd string) bool {
	for _, w := range strings.Fields(cmd) {
		if !assignRE.MatchString(w) {
			return w == "contain"
		}
	}
	return false
}

func equalWords(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// asserted reports whether some stdout or stderr assertion after one of the exec lines
// matches line.
func asserted(sessions []session, line string) bool {
	for _, s := range sessions {
		for _, re := range s.asserts {
			if re.MatchString(line) {
				return true
			}
		}
	}
	return false
}

// shellWords splits the first simple command of a shell line into words, the way sh does
// for what a console block shows: single and double quotes, backslash escapes. It stops
// at the first unquoted ; | & < > (a 2 right before > is the redirection's, not a word)
// and at a comment. Nothing is expanded: $(...) and $VAR stay as they are written.
func shellWords(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord, quoted := false, false // quoted: some of the word was in quotes
	end := func() {
		if inWord {
			words = append(words, w.String())
		}
		w.Reset()
		inWord, quoted = false, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			end()
		case c == '>' && inWord && !quoted && w.String() == "2":
			return words, nil
		case strings.IndexByte(";|&<>", c) >= 0 || (c == '#' && !inWord):
			end()
			return words, nil
		case c == '\\':
			inWord = true
			if i+1 < len(s) {
				i++
				w.WriteByte(s[i])
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated single quote")
			}
			w.WriteString(s[i+1 : i+1+j])
			inWord, quoted = true, true
			i += 1 + j
		case c == '"':
			inWord, quoted = true, true
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				// In double quotes a backslash escapes only what is special there.
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("$`\"\\", s[i+1]) >= 0 {
					i++
				}
				w.WriteByte(s[i])
			}
			if i == len(s) {
				return nil, fmt.Errorf("unterminated double quote")
			}
		default:
			inWord = true
			w.WriteByte(c)
		}
	}
	end()
	return words, nil
}

// linkProblems checks the inline links and images of a page: a relative target must name
// a file or folder of the repository. Links in code are text, not links.
func linkProblems(root, page string, prose []textLine) ([]string, int) {
	var problems []string
	n := 0
	for _, l := range prose {
		text := commentRE.ReplaceAllString(withoutCode(l.text), "")
		for _, m := range linkRE.FindAllStringSubmatch(text, -1) {
			target := strings.TrimSuffix(strings.TrimPrefix(m[1], "<"), ">")
			if schemeRE.MatchString(target) || strings.HasPrefix(target, "#") {
				continue
			}
			n++
			p, _, _ := strings.Cut(target, "#")
			p, _, _ = strings.Cut(p, "?")
			if u, err := url.PathUnescape(p); err == nil {
				p = u
			}
			var rel string
			switch {
			case p == "":
				problems = append(problems, fmt.Sprintf("%s:%d: link with an empty target: %s",
					page, l.n, m[0]))
				continue
			case strings.HasPrefix(p, "/"): // as GitHub does: from the top of the repository
				rel = path.Clean(strings.TrimLeft(p, "/"))
			default:
				rel = path.Join(path.Dir(page), p)
			}
			if rel == ".." || strings.HasPrefix(rel, "../") {
				problems = append(problems, fmt.Sprintf(
					"%s:%d: link leads out of the repository: %s", page, l.n, target))
				continue
			}
			if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(rel))); err != nil {
				problems = append(problems, fmt.Sprintf(
					"%s:%d: link to a missing file or folder: %s", page, l.n, target))
			}
		}
	}
	return problems, n
}

var (
	// linkRE matches an inline link or image: [text](target) or [text](target "title").
	linkRE = regexp.MustCompile(
		`!?\[[^\]]*\]\(\s*(<[^>]*>|[^)\s]*)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)`)
	schemeRE  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)
	commentRE = regexp.MustCompile(`<!--.*?-->`)
)

// withoutCode removes the code spans of a line: a run of backticks up to the next run of
// as many (CommonMark). A run that is never closed is literal text.
func withoutCode(line string) string {
	var out strings.Builder
	for i := 0; i < len(line); {
		if line[i] != '`' {
			out.WriteByte(line[i])
			i++
			continue
		}
		n := i
		for n < len(line) && line[n] == '`' {
			n++
		}
		run := line[i:n]
		closeAt := -1
		for j := n; j < len(line); {
			k := j
			for k < len(line) && line[k] == '`' {
				k++
			}
			if k-j == len(run) {
				closeAt = k
				break
			}
			if k == j {
				k++
			}
			j = k
		}
		if closeAt < 0 {
			out.WriteString(run)
			i = n
			continue
		}
		i = closeAt
	}
	return out.String()
}
