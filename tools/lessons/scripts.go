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
