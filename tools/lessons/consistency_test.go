package main

import (
	"reflect"
	"strings"
	"testing"
)

func TestDroppedTests(t *testing.T) {
	old := step{dir: "step01-a", num: 1}
	new := step{dir: "step02-b", num: 2}
	base := map[string]string{
		"run_test.go": "package main\n\nfunc TestRun(t *testing.T) {}\n" +
			"func Testify() {}\nfunc helper() {}\nfunc (s *suite) TestMethod() {}\n" +
			"func FuzzParse(f *testing.F) {}\nfunc Test_x(t *testing.T) {}\n",
		"testdata/script/try-a.txtar": "exec true\n",
		"testdata/script/sub/b.txtar": "exec true\n",
		"testdata/helper/x_test.go":   "func TestIgnored(t *testing.T) {}\n",
		"testdata/script/notes.txt":   "not a script\n",
		"main.go":                     "func TestNotATestFile() {}\n",
	}
	with := func(edit map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range edit {
			if v == "" {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return m
	}
	tests := []struct {
		name string
		new  map[string]string
		want []string
	}{
		{"same tests", base, nil},
		{"test moved to another file", with(map[string]string{
			"run_test.go":   "func TestRun(t *testing.T) {}\nfunc Test_x(t *testing.T) {}\n",
			"fuzz_test.go":  "func FuzzParse(f *testing.F) {}\n",
			"extra_test.go": "func TestNew(t *testing.T) {}\n",
		}), nil},
		{"test function dropped", with(map[string]string{
			"run_test.go": "func TestRun(t *testing.T) {}\n",
		}), []string{
			"step02-b drops test FuzzParse (step01-a/run_test.go)",
			"step02-b drops test Test_x (step01-a/run_test.go)",
		}},
		{"scripts dropped", with(map[string]string{
			"testdata/script/try-a.txtar": "", "testdata/script/sub/b.txtar": "",
			"testdata/helper/x_test.go": "", "testdata/script/notes.txt": "",
		}), []string{
			"step02-b drops test script testdata/script/sub/b.txtar (in step01-a)",
			"step02-b drops test script testdata/script/try-a.txtar (in step01-a)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := droppedTests(old, new, mkTree(base), mkTree(tt.new))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestRequirements(t *testing.T) {
	gomod := `module contain/step01-chroot // the first step

go 1.22.0

require github.com/spf13/pflag v1.1.0

require (
	"github.com/stretchr/testify" v1.12.1
	golang.org/x/sys v0.30.0 // indirect
)

replace (
	golang.org/x/sys => ../sys
)
`
	got, err := requirements([]byte(gomod))
	want := map[string]string{"github.com/spf13/pflag": "v1.1.0",
		"github.com/stretchr/testify": "v1.12.1", "golang.org/x/sys": "v0.30.0"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, %v; want %v", got, err, want)
	}
	if _, err := requirements([]byte("require (\n\tonly/path\n)\n")); err == nil {
		t.Error("malformed require: no error")
	}
}

func TestVersionProblems(t *testing.T) {
	steps := []step{{dir: "step01-a", num: 1}, {dir: "step02-b", num: 2},
		{dir: "step03-c", num: 3}}
	mod := func(reqs ...string) string {
		return "module m\n\nrequire (\n\t" + strings.Join(reqs, "\n\t") + "\n)\n"
	}
	x1, x2, y1 := "golang.org/x/sys v0.30.0", "golang.org/x/sys v0.31.0", "example.com/y v1.0.0"
	tests := []struct {
		name string
		mods []string // go.mod of each step; "" for none
		want []string
	}{
		{"same everywhere", []string{mod(x1), mod(x1), mod(x1)}, nil},
		{"later step adds one", []string{mod(x1), mod(x1, y1), mod(x1, y1)}, nil},
		{"version changed", []string{mod(x1), mod(x1), mod(x2)}, []string{
			"go.mod: golang.org/x/sys has different versions: " +
				"v0.30.0 in step01-a, step02-b; v0.31.0 in step03-c",
		}},
		{"requirement dropped", []string{mod(x1, y1), mod(x1), mod(x1)}, []string{
			"step02-b/go.mod drops requirement example.com/y v1.0.0 (required by step01-a)",
		}},
		{"step without go.mod", []string{mod(x1), "", mod(x2)}, []string{
			"go.mod: golang.org/x/sys has different versions: " +
				"v0.30.0 in step01-a; v0.31.0 in step03-c",
		}},
		{"malformed", []string{mod(x1), "require (\n\tbad\n)\n", mod(x1)}, []string{
			"step02-b/go.mod: line 2: malformed require",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var trees []tree
			for _, m := range tt.mods {
				files := map[string]string{}
				if m != "" {
					files["go.mod"] = m
				}
				trees = append(trees, mkTree(files))
			}
			if got := versionProblems(steps, trees); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}
