package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// write regenerates docs/diffs and the transcripts in docs/*.md. It rewrites only files
// whose content changes, so their times tell what a run did, and removes the diffs of
// steps that are gone. What regenerating cannot fix makes it fail after writing.
func write(root string, stdout, stderr io.Writer) int {
	g, err := writeFiles(root, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "lessons: write: %v\n", err)
		return 1
	}
	for _, p := range g.problems {
		fmt.Fprintf(stderr, "lessons: %s\n", p)
	}
	if len(g.problems) > 0 {
		return 1
	}
	return 0
}

func writeFiles(root string, stdout io.Writer) (*generated, error) {
	g, err := generateAt(root)
	if err != nil {
		return nil, err
	}
	stale, err := g.staleDiffs(root)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(root, diffsDir), 0o755); err != nil {
		return nil, err
	}
	paths, files := g.all()
	for _, p := range paths {
		name := filepath.Join(root, filepath.FromSlash(p))
		if old, err := os.ReadFile(name); err == nil && bytes.Equal(old, files[p]) {
			continue
		}
		if err := os.WriteFile(name, files[p], 0o644); err != nil {
			return nil, err
		}
		fmt.Fprintf(stdout, "wrote %s\n", p)
	}
	for _, p := range stale {
		if err := os.Remove(filepath.Join(root, filepath.FromSlash(p))); err != nil {
			return nil, err
		}
		fmt.Fprintf(stdout, "removed %s\n", p)
	}
	return g, nil
}

// check regenerates everything in memory and compares it with the files on disk, then
// adds the problems of the steps themselves. One line per problem on stderr; a summary
// on stdout when there is none.
func check(root string, stdout, stderr io.Writer) int {
	g, err := generateAt(root)
	if err != nil {
		fmt.Fprintf(stderr, "lessons: check: %v\n", err)
		return 1
	}
	outdated, err := compareDiffs(root, g)
	if err != nil {
		fmt.Fprintf(stderr, "lessons: check: %v\n", err)
		return 1
	}
	outdated = append(outdated, g.outdated...)
	problems := append(append(outdated, g.problems...), g.pageProblems...)
	for _, p := range problems {
		fmt.Fprintf(stderr, "lessons: %s\n", p)
	}
	if len(outdated) > 0 {
		fmt.Fprintln(stderr, "lessons: run `make docs` to regenerate docs/diffs and the "+
			"transcripts in docs/*.md, then review and commit them")
	}
	st := g.pageStats
	pages := fmt.Sprintf("pages: %d quoted lines, %d console commands (%d blocks exempted), "+
		"%d links", st.quoted, st.sessions, st.exempted, st.links)
	if len(problems) > 0 {
		fmt.Fprintf(stderr, "lessons: %d problems (%s)\n", len(problems), pages)
		return 1
	}
	fmt.Fprintf(stdout, "lessons: ok: %d lesson diffs and %d transcripts in docs/ up to date; "+
		"%d lesson parts planned; no test dropped; go.mod versions agree; %s hold\n",
		len(g.diffs)-1, g.shown, g.parts, pages)
	return 0
}

// compareDiffs lists the files of docs/diffs that differ from the generated ones.
func compareDiffs(root string, g *generated) ([]string, error) {
	var out []string
	paths, _ := g.all()
	for _, p := range paths {
		want, ok := g.diffs[p]
		if !ok {
			continue // a page: compared block by block, with line numbers
		}
		got, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(p)))
		switch {
		case os.IsNotExist(err):
			out = append(out, p+": missing")
		case err != nil:
			return nil, err
		case !bytes.Equal(got, want):
			out = append(out, fmt.Sprintf("%s: out of date (%s)", p, g.what[p]))
		}
	}
	stale, err := g.staleDiffs(root)
	for _, p := range stale {
		out = append(out, p+": no step has this lesson any more")
	}
	return out, err
}
