package main

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
)

// testFuncRE matches the functions `go test` runs: Test and Fuzz functions whose name
// goes on with anything but a lower-case letter (TestX, Test_x, Test; not Testify).
var testFuncRE = regexp.MustCompile(`(?m)^func\s+((?:Test|Fuzz)(?:[^a-z\W]\w*)?)\s*\(`)

// testsOf lists the tests of a step: test functions of its own package, by name (one
// package per step, so a name is unique even when a test moves to another file), and
// the txtar files under testdata/. It maps each to the file holding it.
func testsOf(t tree) map[string]string {
	tests := map[string]string{}
	for p, f := range t {
		switch {
		case strings.HasSuffix(p, ".txtar") && strings.HasPrefix(p, "testdata/"):
			tests[p] = p
		case strings.HasSuffix(p, "_test.go") && !underTestdata(p):
			for _, m := range testFuncRE.FindAllStringSubmatch(string(f.data), -1) {
				tests["func "+m[1]] = p
			}
		}
	}
	return tests
}

// underTestdata reports whether p is inside a testdata folder, which go test ignores.
func underTestdata(p string) bool {
	for d := path.Dir(p); d != "."; d = path.Dir(d) {
		if path.Base(d) == "testdata" {
			return true
		}
	}
	return false
}

// droppedTests lists, one line each, the tests of old that new no longer has: a step
// may change what a test expects, never drop it.
func droppedTests(old, new step, oldT, newT tree) []string {
	newTests := testsOf(newT)
	var out []string
	for name, where := range testsOf(oldT) {
		if _, ok := newTests[name]; ok {
			continue
		}
		if strings.HasPrefix(name, "func ") {
			out = append(out, fmt.Sprintf("%s drops test %s (%s/%s)",
				new.dir, strings.TrimPrefix(name, "func "), old.dir, where))
		} else {
			out = append(out, fmt.Sprintf("%s drops test script %s (in %s)",
				new.dir, name, old.dir))
		}
	}
	sort.Strings(out)
	return out
}

// requirements reads the require directives of a go.mod: module path to version. Only
// what the version check needs is parsed; `go mod tidy` has checked the rest.
func requirements(gomod []byte) (map[string]string, error) {
	reqs := map[string]string{}
	inBlock := "" // the directive of the ( ... ) block being read
	for i, line := range strings.Split(string(gomod), "\n") {
		if c := strings.Index(line, "//"); c >= 0 {
			line = line[:c]
		}
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
			continue
		case inBlock != "" && len(f) == 1 && f[0] == ")":
			inBlock = ""
			continue
		case inBlock == "" && len(f) == 2 && f[1] == "(":
			inBlock = f[0]
			continue
		case inBlock == "require":
		case inBlock == "" && f[0] == "require":
			f = f[1:]
		default:
			continue
		}
		if len(f) != 2 {
			return nil, fmt.Errorf("line %d: malformed require", i+1)
		}
		reqs[strings.Trim(f[0], `"`)] = f[1]
	}
	return reqs, nil
}

// versionProblems checks that every step requires the same version of each module and
// that no step loses a requirement of the step before it (a later step may add one).
func versionProblems(steps []step, trees []tree) []string {
	var problems []string
	users := map[string]map[string][]string{} // module -> version -> step dirs
	var prev map[string]string
	for i, s := range steps {
		f, ok := trees[i]["go.mod"]
		if !ok {
			prev = nil
			continue
		}
		reqs, err := requirements(f.data)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s/go.mod: %v", s.dir, err))
			prev = nil
			continue
		}
		for mod, v := range reqs {
			if users[mod] == nil {
				users[mod] = map[string][]string{}
			}
			users[mod][v] = append(users[mod][v], s.dir)
		}
		for mod, v := range prev {
			if _, ok := reqs[mod]; !ok {
				problems = append(problems, fmt.Sprintf(
					"%s/go.mod drops requirement %s %s (required by %s)",
					s.dir, mod, v, steps[i-1].dir))
			}
		}
		prev = reqs
	}
	for mod, byVersion := range users {
		if len(byVersion) < 2 {
			continue
		}
		var uses []string
		for v, dirs := range byVersion {
			uses = append(uses, fmt.Sprintf("%s in %s", v, strings.Join(dirs, ", ")))
		}
		sort.Strings(uses)
		problems = append(problems, fmt.Sprintf("go.mod: %s has different versions: %s",
			mod, strings.Join(uses, "; ")))
	}
	sort.Strings(problems)
	return problems
}
