package main

import (
	"reflect"
	"strings"
	"testing"
)

func TestScanMarkdown(t *testing.T) {
	page := "# Title\n" +
		"```go\nfunc a() {}\n```\n" +
		"text\n" +
		"  ~~~~ console extra\n  $ x\n   y\n  ~~~~\n" +
		"<!-- transcript: s/testdata/script/a.txtar -->\n" +
		"```txtar\nexec contain\n```\n" +
		"<!-- /transcript -->\n" +
		"````\n```go\n````\n" +
		"```c\nunclosed\n"
	blocks, prose := scanMarkdown(page)
	want := []fenced{
		{info: "go", line: 2, lines: []string{"func a() {}"}, before: "# Title"},
		{info: "console", line: 6, lines: []string{"$ x", " y"}, before: "text"},
		{info: "txtar", line: 11, lines: []string{"exec contain"}, generated: true,
			before: "<!-- transcript: s/testdata/script/a.txtar -->"},
		{info: "", line: 15, lines: []string{"```go"}, before: "<!-- /transcript -->"},
		{info: "c", line: 18, lines: []string{"unclosed", ""}, before: "````"},
	}
	if !reflect.DeepEqual(blocks, want) {
		t.Errorf("blocks\n%+v\nwant\n%+v", blocks, want)
	}
	var lines []int
	for _, l := range prose {
		lines = append(lines, l.n)
	}
	if want := []int{1, 5, 10, 14}; !reflect.DeepEqual(lines, want) {
		t.Errorf("prose lines %v, want %v", lines, want)
	}
}

func TestShellWords(t *testing.T) {
	tests := []struct {
		line string
		want []string
		err  string
	}{
		{`contain run /bin/sh -c 'exit 3'; echo $?`, []string{"contain", "run", "/bin/sh", "-c",
			"exit 3"}, ""},
		{`contain run sh -c "echo \"hi\" \$x \n"`, []string{"contain", "run", "sh", "-c",
			`echo "hi" $x \n`}, ""},
		{`a\ b  c\'d`, []string{"a b", "c'd"}, ""},
		{`contain run '' x"y"'z'`, []string{"contain", "run", "", "xyz"}, ""},
		{`contain run x 2>/dev/null`, []string{"contain", "run", "x"}, ""},
		{`contain run x2>/dev/null`, []string{"contain", "run", "x2"}, ""},
		{`contain run x '2'>/dev/null`, []string{"contain", "run", "x", "2"}, ""},
		{`contain run x >out`, []string{"contain", "run", "x"}, ""},
		{`contain run x <in`, []string{"contain", "run", "x"}, ""},
		{`contain logs web | grep hi`, []string{"contain", "logs", "web"}, ""},
		{`contain run x&&y`, []string{"contain", "run", "x"}, ""},
		{`contain run x || y`, []string{"contain", "run", "x"}, ""},
		{`contain run sleep 100 &`, []string{"contain", "run", "sleep", "100"}, ""},
		{`contain run 'a;b|c&d>e' "f;g"`, []string{"contain", "run", "a;b|c&d>e", "f;g"}, ""},
		{`stat /sys   # a comment`, []string{"stat", "/sys"}, ""},
		{`echo a#b`, []string{"echo", "a#b"}, ""},
		{`contain run --hostname $(printf x) true`, []string{"contain", "run", "--hostname",
			"$(printf", "x)", "true"}, ""},
		{`contain run 'unterminated`, nil, "unterminated single quote"},
		{`contain run "unterminated`, nil, "unterminated double quote"},
	}
	for _, tt := range tests {
		got, err := shellWords(tt.line)
		if (err == nil) != (tt.err == "") || (err != nil && err.Error() != tt.err) ||
			(err == nil && !reflect.DeepEqual(got, tt.want)) {
			t.Errorf("%s: %q, %v; want %q, %q", tt.line, got, err, tt.want, tt.err)
		}
	}
}

func TestScriptWords(t *testing.T) {
	tests := []struct {
		line string
		want []string
	}{
		{`exec contain run sh -c 'it''s here'`, []string{"exec", "contain", "run", "sh", "-c",
			"it's here"}},
		{"stdout '^a b$' # comment", []string{"stdout", "^a b$"}},
		{"\tstderr\ta'b'c  ", []string{"stderr", "abc"}},
		{`exec echo "x y"`, []string{"exec", "echo", `"x`, `y"`}},
		{`exec echo $HOME ''`, []string{"exec", "echo", "$HOME", ""}},
		{"# only a comment", nil},
		{"exec echo 'unterminated", nil},
	}
	for _, tt := range tests {
		if got := scriptWords(tt.line); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.line, got, tt.want)
		}
	}
}

func TestScriptSessions(t *testing.T) {
	script := "# exec contain run commented\n" +
		"exec contain run -d --name web sh -c 'echo hi; sleep 60'\n" +
		"stdout '^[0-9a-f]{64}$'\n" +
		"! stdout 'not asserted'\n" +
		"stderr -count=1 'once'\n" +
		"stdout 'bad[regexp'\n" +
		"exec sh -c 'contain logs web'\n" +
		"stdout 'after another exec'\n" +
		"[!cgroup2:memory] ! exec contain run --memory 20m true\n" +
		"[!cgroup2:memory] stderr 'not available'\n" +
		"exec contain ps\n" +
		"-- file.txt --\n" +
		"exec contain run in-a-file\n"
	got := scriptSessions(script)
	type s struct {
		args    []string
		asserts []string
	}
	want := []s{
		{[]string{"run", "-d", "--name", "web", "sh", "-c", "echo hi; sleep 60"},
			[]string{"(?m)^[0-9a-f]{64}$", "(?m)once"}},
		{[]string{"run", "--memory", "20m", "true"}, []string{"(?m)not available"}},
		{[]string{"ps"}, nil},
	}
	var have []s
	for _, g := range got {
		var res []string
		for _, re := range g.asserts {
			res = append(res, re.String())
		}
		have = append(have, s{g.args, res})
	}
	if !reflect.DeepEqual(have, want) {
		t.Errorf("sessions\n%q\nwant\n%q", have, want)
	}
}

// checkPage runs the checks of a lesson page of step04-x on one page.
func checkPage(t *testing.T, page string) ([]string, pageStats) {
	t.Helper()
	w := &world{root: t.TempDir(), steps: []step{{dir: "step04-x", num: 4}},
		trees: []tree{mkTree(map[string]string{
			"cgroups.go": "package main\n\n// Limits.\nfunc limit() {\n\treturn 1\n}\n",
			"nsexec_test.go": "package main\n\n/*\n#include <sched.h>\n" +
				"static int x(void) { return 0; }\n*/\nimport \"C\"\n",
			"testdata/script/try-a.txtar": "exec contain run -d --name web sh -c 'echo hi'\n" +
				"stdout '^[0-9a-f]{64}$'\n" +
				"! exec contain run --name web true\n" +
				"stderr '^contain: run: name \"web\" is already in use'\n" +
				"! stdout 'contain: never'\n" +
				"exec contain --debug run true\n" +
				"stderr '\\[contain\\] new UTS namespace'\n" +
				"exec contain ps\n" +
				"stderr 'contain: after ps'\n",
			"testdata/script/other.txtar": "exec contain rm web\n",
			"notes.txt":                   "func notGo() {}\n",
		})}}
	return w.checkPages(map[string][]byte{"docs/04-x.md": []byte(page)},
		[]string{"docs/04-x.md"})
}

func TestQuoteProblems(t *testing.T) {
	tests := []struct {
		name   string
		page   string
		want   []string
		quoted int
	}{
		{"quoted lines, any indentation",
			"# x\n```go\n  func limit() {\n    return 1\n}\n```\n", nil, 3},
		{"elisions and blank lines",
			"```go\n// Limits.\n\n  ...\n// ...\n/* ... */\nfunc limit() {\n```\n", nil, 2},
		{"a line not in the step",
			"text\n\n```go\nfunc limit() {\n\treturn 2\n}\n```\n",
			[]string{"docs/04-x.md:5: quoted line not in step04-x: return 2"}, 3},
		{"c blocks are checked, against test files too",
			"```c\nstatic int x(void) { return 0; }\nint main(void);\n```\n",
			[]string{"docs/04-x.md:3: quoted line not in step04-x: int main(void);"}, 2},
		{"only .go files count",
			"```go\nfunc notGo() {}\n```\n",
			[]string{"docs/04-x.md:2: quoted line not in step04-x: func notGo() {}"}, 1},
		{"other blocks are not quotes",
			"```text\nanything\n```\n```\nfunc x()\n```\n    indented code\n", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, st := checkPage(t, tt.page)
			if !reflect.DeepEqual(got, tt.want) || st.quoted != tt.quoted {
				t.Errorf("got %q, %d quoted\nwant %q, %d", got, st.quoted, tt.want, tt.quoted)
			}
		})
	}
}

func TestConsoleProblems(t *testing.T) {
	const runD = "$ contain run -d --name web sh -c 'echo hi'\n"
	tests := []struct {
		name     string
		page     string
		want     []string
		sessions int
		exempted int
	}{
		{"commands of the transcripts",
			"```console\n" + runD + "3e4901408a41\n" +
				"$ contain run --name web true; echo $?\n" +
				"contain: run: name \"web\" is already in use by container 3e4901408a41\n125\n" +
				"$ X=1 Y='a b' contain --debug run true 2>&1 | grep UTS\n" +
				"[contain] new UTS namespace (shell: unshare --uts)\n" +
				"$ contain rm web\n$ ls /\ncontain: not the engine's output\n```\n",
			nil, 4, 0},
		{"a command no transcript runs",
			"```console\n$ contain run --name web sh -c 'echo hi'\n" +
				"contain: not checked: the command is reported\n```\n",
			[]string{"docs/04-x.md:2: console command is run by no transcript of step04-x: " +
				"contain run --name web sh -c 'echo hi'"}, 1, 0},
		{"output lines no assertion matches",
			"Text.\n```console\n$ contain run --name web true\n" +
				"contain: run: something else\ncontain: never\n" +
				"$ contain --debug run true\n[contain] pivot_root\n```\n",
			[]string{
				"docs/04-x.md:4: output line matched by no transcript assertion: " +
					"contain: run: something else",
				"docs/04-x.md:5: output line matched by no transcript assertion: " +
					"contain: never",
				"docs/04-x.md:7: output line matched by no transcript assertion: " +
					"[contain] pivot_root",
			}, 2, 0},
		{"an assertion after the next exec does not count",
			"```console\n$ contain --debug run true\ncontain: after ps\n```\n",
			[]string{"docs/04-x.md:3: output line matched by no transcript assertion: " +
				"contain: after ps"}, 1, 0},
		{"a command split over lines",
			"```console\n$ contain run -d --name web \\\n    sh -c 'echo hi'\n" +
				"$ contain run -d --name web sh -c 'echo\n> hi'\n" +
				"$ jq '.a\n  | .b' x.json\ncontain: the output of jq\n```\n",
			[]string{"docs/04-x.md:4: console command is run by no transcript of step04-x: " +
				"contain run -d --name web sh -c 'echo\\nhi'"}, 2, 0},
		{"a command the shell cannot split",
			"```console\n$ contain run 'oops\n$ ls 'not the engine\n```\n",
			[]string{"docs/04-x.md:2: console command: unterminated single quote: " +
				"contain run 'oops"}, 0, 0},
		{"exempted with a reason",
			"<!-- console: not a transcript: a host with cgroup v1 -->\n" +
				"```console\n$ contain run --memory 20m true\ncontain: run: v1\n```\n" +
				"<!--console:not a transcript:x-->\n```console\n$ contain nope\n```\n",
			nil, 0, 2},
		{"exemption without a reason",
			"<!-- console: not a transcript:  -->\n```console\n$ contain nope\n```\n",
			[]string{
				"docs/04-x.md:1: console block marked as no transcript without a reason " +
					"(want <!-- console: not a transcript: REASON -->)",
				"docs/04-x.md:3: console command is run by no transcript of step04-x: " +
					"contain nope",
			}, 1, 0},
		{"exemption not directly before a console block",
			"<!-- console: not a transcript: why -->\n\n```console\n$ contain ps\n```\n" +
				"<!-- console: not a transcript: why -->\n```text\nx\n```\n" +
				"<!-- console: not a transcript: why -->\n",
			[]string{
				"docs/04-x.md:1: console exemption not directly before a console block",
				"docs/04-x.md:6: console exemption not directly before a console block",
				"docs/04-x.md:10: console exemption not directly before a console block",
			}, 1, 0},
		{"transcript and other blocks are not console blocks",
			"<!-- transcript: step04-x/testdata/script/try-a.txtar -->\n" +
				"```console\n$ contain nope\n```\n<!-- /transcript -->\n" +
				"```sh\n$ contain nope\n```\n```text\n$ contain nope\n```\n",
			nil, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, st := checkPage(t, tt.page)
			if !reflect.DeepEqual(got, tt.want) || st.sessions != tt.sessions ||
				st.exempted != tt.exempted {
				t.Errorf("got %q, %d sessions, %d exempted\nwant %q, %d, %d", got,
					st.sessions, st.exempted, tt.want, tt.sessions, tt.exempted)
			}
		})
	}
}

func TestLinkProblems(t *testing.T) {
	root := newRepo(t, map[string]string{
		"README.md":            "x",
		"docs/01-a.md":         "x",
		"docs/my page.md":      "x",
		"docs/img/logo.png":    "x",
		"tools/vm/run.sh":      "x",
		"step01-a/main.go":     "x",
		"docs/diffs/README.md": "x",
	})
	tests := []struct {
		name  string
		page  string // the content of docs/p.md
		want  []string
		links int
	}{
		{"links that lead somewhere",
			"See [a](01-a.md), [b](01-a.md#goal), [c](../tools/vm/), [d](../step01-a)\n" +
				"and ![logo](img/logo.png \"Logo\") [e](<my page.md>) [f](my%20page.md)\n" +
				"[g](/README.md) [h](diffs/README.md?plain=1 'title')\n", nil, 9},
		{"not followed: absolute, anchors, code",
			"[a](https://example.com/x) [b](mailto:x@y) [c](#goal) [d](HTTP://X)\n" +
				"`[e](missing.md)` and ``[f](`missing.md`)``\n" +
				"```md\n[g](missing.md)\n```\n<!-- [h](missing.md) -->\n", nil, 0},
		{"broken links",
			"# Page\n\n[a](02-b.md) and ![i](img/none.png)\n" +
				"[b](../../outside.md) [c](#ok) [d]() [e](tools/vm/)\n",
			[]string{
				"docs/p.md:3: link to a missing file or folder: 02-b.md",
				"docs/p.md:3: link to a missing file or folder: img/none.png",
				"docs/p.md:4: link leads out of the repository: ../../outside.md",
				"docs/p.md:4: link with an empty target: [d]()",
				"docs/p.md:4: link to a missing file or folder: tools/vm/",
			}, 5},
		{"an unclosed code span is text",
			"a ` b [x](none.md)\n",
			[]string{"docs/p.md:1: link to a missing file or folder: none.md"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, prose := scanMarkdown(tt.page)
			got, n := linkProblems(root, "docs/p.md", prose)
			if !reflect.DeepEqual(got, tt.want) || n != tt.links {
				t.Errorf("got %q, %d links\nwant %q, %d", got, n, tt.want, tt.links)
			}
		})
	}
}

// TestCheckPages: check runs the page checks on every page and the README, reports what
// they find without the `make docs` hint, and write leaves them to check.
func TestCheckPages(t *testing.T) {
	root := lessonRepo(t)
	putFiles(t, root, map[string]string{
		"README.md": "Read [the docs](docs/README.md) and [the lesson](docs/02-uts.md).\n",
		"docs/02-uts.md": "# UTS\n\n```go\nfunc uts() {}\nfunc gone() {}\n```\n\n" +
			"```console\n$ contain run hostname\n$ contain run other\n```\n\n" +
			"## Try it\n\n" +
			"<!-- transcript: step02-uts/testdata/script/try-uts.txtar -->\n" +
			"<!-- /transcript -->\n",
		"docs/performance.md": "```go\nnot checked()\n```\n[step 9](09-net.md)\n",
		"docs/07-image.md":    "# A page before its step\n",
	})
	if code, stdout, stderr := runIn(t, writeCmd, root); code != 0 {
		t.Fatalf("write: %d\n%s%s", code, stdout, stderr)
	}
	code, _, stderr := runIn(t, checkCmd, root)
	want := "lessons: docs/02-uts.md:5: quoted line not in step02-uts: func gone() {}\n" +
		"lessons: docs/02-uts.md:10: console command is run by no transcript of " +
		"step02-uts: contain run other\n" +
		"lessons: docs/07-image.md: a lesson page with no step07-* folder\n" +
		"lessons: docs/performance.md:4: link to a missing file or folder: 09-net.md\n" +
		"lessons: README.md:1: link to a missing file or folder: docs/README.md\n" +
		"lessons: 5 problems (pages: 2 quoted lines, 2 console commands (0 blocks exempted), " +
		"3 links)\n"
	if code != 1 || !sameLines(stderr, want) {
		t.Errorf("check: %d\n%s\nwant\n%s", code, stderr, want)
	}
	if strings.Contains(stderr, "make docs") {
		t.Errorf("check asks for make docs, which fixes no page:\n%s", stderr)
	}
}
