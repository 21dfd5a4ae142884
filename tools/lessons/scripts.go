package main

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
)

// scriptRE matches the testscripts of the steps, relative to the repository root.
var scriptRE = regexp.MustCompile(`^step[0-9]{2}-[^/]+/testdata/script/[^/]+\.txtar$`)

// scriptLookup finds an included script among the files of the steps: only a step's
// testscript is run by its tests, so only that may stand for a console session.
func scriptLookup(steps []step, trees []tree) func(string) ([]byte, error) {
	return func(p string) ([]byte, error) {
		if !scriptRE.MatchString(p) {
			return nil, fmt.Errorf("%s: not a step's testscript "+
				"(want stepNN-name/testdata/script/NAME.txtar)", p)
		}
		dir, rel, _ := strings.Cut(p, "/")
		for i, s := range steps {
			if f, ok := trees[i][rel]; s.dir == dir && ok {
				return f.data, nil
			}
		}
		return nil, fmt.Errorf("%s: no such file (or git ignores it)", p)
	}
}

// unshownScripts lists the lesson transcripts (testdata/script/try-*.txtar) that no page
// shows: a learner would never see them. A script that a step carries unchanged from the
// step before it is the same transcript, shown where that step shows it; once a step
// changes it, the page of that step has to show the new version.
func unshownScripts(steps []step, trees []tree, included map[string]bool) []string {
	var out []string
	shown := map[string]bool{} // scripts of the previous step that a page shows
	for i, s := range steps {
		now := map[string]bool{}
		for rel, f := range trees[i] {
			if ok, _ := path.Match("testdata/script/try-*.txtar", rel); !ok {
				continue
			}
			prev, carried := file{}, false
			if i > 0 {
				prev, carried = trees[i-1][rel]
			}
			switch {
			case included[s.dir+"/"+rel]:
				now[rel] = true
			case carried && bytes.Equal(prev.data, f.data):
				// Reported, if unshown, where this version first appears: one line, one fix.
				now[rel] = shown[rel]
			default:
				out = append(out, fmt.Sprintf("%s/%s: lesson transcript shown by no page "+
					"(add <!-- transcript: %s/%s --> to a page in docs/)", s.dir, rel, s.dir, rel))
			}
		}
		shown = now
	}
	sort.Strings(out)
	return out
}

// session is an `exec contain ...` line of a transcript with the assertions that check
// its output: the stdout and stderr lines after it, up to the next exec.
type session struct {
	args    []string // after "contain"
	asserts []*regexp.Regexp
}

// stepSessions reads the engine commands of a step's transcripts.
func stepSessions(t tree) []session {
	var out []session
	for p, f := range t {
		if ok, _ := path.Match("testdata/script/*.txtar", p); ok {
			out = append(out, scriptSessions(string(f.data))...)
		}
	}
	return out
}

// scriptSessions reads the script of a txtar archive (what comes before its first file)
// as testscript does: a [condition] prefix and a ! are not the command; an assertion that
// something is not printed (! stdout) says nothing a page could show.
func scriptSessions(data string) []session {
	var out []session
	cur := -1 // the session the assertions belong to, if any
	for _, line := range strings.Split(data, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.HasPrefix(line, "-- ") && strings.HasSuffix(line, " --") && len(line) > 6 {
			break // the archive's files begin
		}
		args := scriptWords(line)
		for len(args) > 0 && strings.HasPrefix(args[0], "[") && strings.HasSuffix(args[0], "]") {
			args = args[1:]
		}
		neg := len(args) > 0 && args[0] == "!"
		if neg {
			args = args[1:]
		}
		if len(args) == 0 {
			continue
		}
		switch args[0] {
		case "exec":
			cur = -1
			if len(args) > 1 && args[1] == "contain" {
				out = append(out, session{args: args[2:]})
				cur = len(out) - 1
			}
		case "stdout", "stderr":
			args = args[1:]
			for len(args) > 0 && strings.HasPrefix(args[0], "-count=") {
				args = args[1:]
			}
			if neg || cur < 0 || len(args) != 1 {
				continue
			}
			// testscript matches in multi-line mode against the whole output.
			if re, err := regexp.Compile("(?m)" + args[0]); err == nil {
				out[cur].asserts = append(out[cur].asserts, re)
			}
		}
	}
	return out
}

// scriptWords splits a script line into words as testscript does, without expanding
// variables: words are separated by spaces and tabs, # starts a comment, and single
// quotes quote, with a doubled quote for a quote inside them. A line with an unterminated
// quote has no words: testscript fails on it, so it runs nothing.
func scriptWords(line string) []string {
	var words []string
	var w strings.Builder
	inWord, quoted := false, false
	for i := 0; ; i++ {
		if !quoted && (i >= len(line) || line[i] == ' ' || line[i] == '\t' ||
			line[i] == '\r' || line[i] == '#') {
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
			if i >= len(line) || line[i] == '#' {
				return words
			}
			continue
		}
		if i >= len(line) {
			return nil
		}
		switch {
		case line[i] == '\'' && !quoted:
			quoted, inWord = true, true
		case line[i] == '\'' && i+1 < len(line) && line[i+1] == '\'':
			w.WriteByte('\'')
			i++
		case line[i] == '\'':
			quoted = false
		default:
			w.WriteByte(line[i])
			inWord = true
		}
	}
}
