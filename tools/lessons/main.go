// Command lessons keeps the lessons honest: it prints the diff that teaches a step, writes
// those diffs and the transcripts shown in docs/, and checks that the committed ones still
// match the step folders.
//
//	go run ./tools/lessons show N   # the lesson of step N: the diff from step N-1
//	go run ./tools/lessons write    # regenerate docs/diffs/ and the transcripts in docs/
//	go run ./tools/lessons check    # fail when docs/ is stale or the steps disagree
package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

const usage = "usage: lessons show N | write | check"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process around it, so tests can call it on a temporary repo.
func run(args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 2 && args[0] == "show":
	case len(args) == 1 && (args[0] == "write" || args[0] == "check"):
	default:
		fmt.Fprintln(stderr, usage)
		return 2
	}
	root, err := repoRoot()
	if err != nil {
		fmt.Fprintf(stderr, "lessons: %v\n", err)
		return 1
	}
	switch args[0] {
	case "show":
		return show(root, args[1], stdout, stderr)
	case "write":
		return write(root, stdout, stderr)
	case "check":
		return check(root, stdout, stderr)
	}
	fmt.Fprintln(stderr, usage)
	return 2
}

// show prints the lesson of step n. go.mod and go.sum are left out, so only a note on
// stderr says they changed; stdout stays a patch.
func show(root, arg string, stdout, stderr io.Writer) int {
	n, err := strconv.Atoi(arg)
	if err != nil {
		fmt.Fprintf(stderr, "lessons: show: want a step number, got %q\n", arg)
		return 2
	}
	steps, err := findSteps(root)
	if err != nil {
		fmt.Fprintf(stderr, "lessons: show: %v\n", err)
		return 1
	}
	i := 0
	for i < len(steps) && steps[i].num != n {
		i++
	}
	if i == len(steps) {
		var nums []string
		for _, s := range steps {
			nums = append(nums, strconv.Itoa(s.num))
		}
		fmt.Fprintf(stderr, "lessons: show: no step %d (steps: %s)\n", n,
			strings.Join(nums, " "))
		return 2
	}
	prev := step{} // step 1 is taught from the empty tree
	if i > 0 {
		prev = steps[i-1]
	}
	oldT, err := loadTree(root, prev.dir)
	if err != nil {
		fmt.Fprintf(stderr, "lessons: show: %v\n", err)
		return 1
	}
	newT, err := loadTree(root, steps[i].dir)
	if err != nil {
		fmt.Fprintf(stderr, "lessons: show: %v\n", err)
		return 1
	}
	l := diffSteps(prev, steps[i], oldT, newT)
	if _, err := stdout.Write(l.text); err != nil {
		fmt.Fprintf(stderr, "lessons: show: %v\n", err)
		return 1
	}
	for j, name := range moduleFiles {
		if m := l.modules[j]; m != "same" && m != "-" {
			fmt.Fprintf(stderr, "lessons: %s %s (not shown)\n", name, m)
		}
	}
	return 0
}
