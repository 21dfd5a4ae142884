package main

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

const script = "step03-c/testdata/script/try-pid.txtar"

// scripts stands for the files of the steps.
func scripts(p string) ([]byte, error) {
	switch p {
	case script:
		return []byte("exec contain run echo hi\nstdout '^hi$'\n"), nil
	case "step03-c/testdata/script/ticks.txtar":
		return []byte("-- doc.md --\n```sh\n````\n"), nil
	case "step03-c/testdata/script/marker.txtar":
		return []byte("-- doc.md --\n<!-- /transcript -->\n"), nil
	}
	return nil, errors.New(p + ": no such file")
}

func TestRewritePage(t *testing.T) {
	block := "```txtar\nexec contain run echo hi\nstdout '^hi$'\n```\n"
	open, end := "<!-- transcript: "+script+" -->\n", "<!-- /transcript -->\n"
	tests := []struct {
		name     string
		page     string
		want     string // the page after write; "" for unchanged
		outdated []string
		problems []string
	}{
		{
			name: "up to date",
			page: "# Try it\n\n" + open + block + end + "\nMore.\n",
		},
		{
			name:     "empty block filled",
			page:     "Try:\n" + open + end,
			want:     "Try:\n" + open + block + end,
			outdated: []string{"docs/p.md:2: transcript differs from " + script},
		},
		{
			name: "stale block replaced, rest kept",
			page: "a\n" + open + "```txtar\nold\n```\n" + end + "b\n" + open + block + end,
			want: "a\n" + open + block + end + "b\n" + open + block + end,
			outdated: []string{
				"docs/p.md:2: transcript differs from " + script,
			},
		},
		{
			name: "fence longer than the backticks inside",
			page: "<!-- transcript: step03-c/testdata/script/ticks.txtar -->\n" + end,
			want: "<!-- transcript: step03-c/testdata/script/ticks.txtar -->\n" +
				"`````txtar\n-- doc.md --\n```sh\n````\n`````\n" + end,
			outdated: []string{"docs/p.md:1: transcript differs from " +
				"step03-c/testdata/script/ticks.txtar"},
		},
		{
			name: "a marker inside the script",
			page: "<!-- transcript: step03-c/testdata/script/marker.txtar -->\n" + end +
				"after\n",
			want: "<!-- transcript: step03-c/testdata/script/marker.txtar -->\n" +
				"```txtar\n-- doc.md --\n<!-- /transcript -->\n```\n" + end + "after\n",
			outdated: []string{"docs/p.md:1: transcript differs from " +
				"step03-c/testdata/script/marker.txtar"},
		},
		{
			name: "markers shown in a code block are text",
			page: "Syntax:\n\n~~~md\n" + open + "<!-- /transcript -->\n~~~\n\n" +
				"````\n" + end + "```\n````\n",
		},
		{
			name:     "missing script",
			page:     "<!-- transcript: step03-c/testdata/script/gone.txtar -->\nold\n" + end,
			problems: []string{"docs/p.md:1: step03-c/testdata/script/gone.txtar: no such file"},
		},
		{
			name: "not closed",
			page: open + block + "\n## Next\n",
			problems: []string{
				"docs/p.md:1: transcript is not closed " +
					"(no <!-- /transcript --> after it, outside a code block)",
			},
		},
		{
			name: "opened twice",
			page: open + "x\n" + open + block + end,
			problems: []string{
				"docs/p.md:3: transcript opened at line 1 is not closed",
			},
		},
		{
			name:     "close without open",
			page:     "text\n" + end,
			problems: []string{"docs/p.md:2: <!-- /transcript --> without an opening marker"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rewritePage("docs/p.md", []byte(tt.page), scripts)
			want := tt.want
			if want == "" {
				want = tt.page
			}
			if string(r.out) != want {
				t.Errorf("page\n%s\nwant\n%s", r.out, want)
			}
			if !reflect.DeepEqual(r.outdated, tt.outdated) {
				t.Errorf("outdated %q, want %q", r.outdated, tt.outdated)
			}
			if !reflect.DeepEqual(r.problems, tt.problems) {
				t.Errorf("problems %q, want %q", r.problems, tt.problems)
			}
			// What write leaves must pass the check.
			if again := rewritePage("docs/p.md", r.out, scripts); len(tt.problems) == 0 &&
				(len(again.outdated) > 0 || string(again.out) != string(r.out)) {
				t.Errorf("rewritten page is not up to date: %q", again.outdated)
			}
		})
	}
}

func TestScriptLookup(t *testing.T) {
	steps := []step{{dir: "step01-a", num: 1}}
	trees := []tree{mkTree(map[string]string{"testdata/script/try-a.txtar": "x\n",
		"testdata/other/b.txtar": "y\n"})}
	lookup := scriptLookup(steps, trees)
	tests := []struct{ path, want, err string }{
		{"step01-a/testdata/script/try-a.txtar", "x\n", ""},
		{"step01-a/testdata/script/none.txtar", "", "no such file"},
		{"step02-b/testdata/script/try-a.txtar", "", "no such file"},
		{"step01-a/testdata/other/b.txtar", "", "not a step's testscript"},
		{"../etc/passwd", "", "not a step's testscript"},
	}
	for _, tt := range tests {
		got, err := lookup(tt.path)
		if string(got) != tt.want || (err == nil) != (tt.err == "") ||
			(err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%s: %q, %v; want %q, %q", tt.path, got, err, tt.want, tt.err)
		}
	}
}

func TestUnshownScripts(t *testing.T) {
	steps := []step{{dir: "step01-a", num: 1}, {dir: "step02-b", num: 2},
		{dir: "step03-c", num: 3}}
	try, plain := "testdata/script/try-a.txtar", "testdata/script/plain.txtar"
	tests := []struct {
		name     string
		trees    []map[string]string
		included []string
		want     []string
	}{
		{"shown once, carried unchanged",
			[]map[string]string{{try: "1", plain: "p"}, {try: "1"}, {try: "1"}},
			[]string{"step01-a/" + try}, nil},
		{"changed copy must be shown again",
			[]map[string]string{{try: "1"}, {try: "2"}, {try: "2"}},
			[]string{"step01-a/" + try},
			[]string{"step02-b/" + try}},
		{"unshown copies reported once",
			[]map[string]string{{try: "1"}, {try: "1"}, {try: "1"}}, nil,
			[]string{"step01-a/" + try}},
		{"changed copy shown",
			[]map[string]string{{try: "1"}, {try: "2"}, {try: "2"}},
			[]string{"step01-a/" + try, "step02-b/" + try}, nil},
		{"never shown",
			[]map[string]string{{}, {}, {try: "1"}}, nil,
			[]string{"step03-c/" + try}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var trees []tree
			for _, m := range tt.trees {
				trees = append(trees, mkTree(m))
			}
			inc := map[string]bool{}
			for _, p := range tt.included {
				inc[p] = true
			}
			var want []string
			for _, w := range tt.want {
				for _, p := range strings.Split(w, ", ") {
					want = append(want, p+": lesson transcript shown by no page "+
						"(add <!-- transcript: "+p+" --> to a page in docs/)")
				}
			}
			if got := unshownScripts(steps, trees, inc); !reflect.DeepEqual(got, want) {
				t.Errorf("got %q\nwant %q", got, want)
			}
		})
	}
}
