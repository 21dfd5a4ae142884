package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// diffsDir holds the committed lesson diffs and their report.
const diffsDir = "docs/diffs"

// world is what the tool reads: the steps of the repository at root and their files.
type world struct {
	root  string
	steps []step
	trees []tree
}

func load(root string) (*world, error) {
	steps, err := findSteps(root)
	if err != nil {
		return nil, err
	}
	w := &world{root: root, steps: steps}
	for _, s := range steps {
		t, err := loadTree(root, s.dir)
		if err != nil {
			return nil, err
		}
		w.trees = append(w.trees, t)
	}
	return w, nil
}

// lessons diffs each step against the one before it; the first against the empty tree.
func (w *world) lessons() []lesson {
	var out []lesson
	prev, prevTree := step{}, tree{}
	for i, s := range w.steps {
		out = append(out, diffSteps(prev, s, prevTree, w.trees[i]))
		prev, prevTree = s, w.trees[i]
	}
	return out
}

// generated is what `write` leaves in docs/ and what `check` holds the committed files to.
type generated struct {
	diffs    map[string][]byte // docs/diffs files by repository-relative path
	what     map[string]string // what each of diffs is, for messages
	pages    map[string][]byte // docs/*.md with their transcripts regenerated
	outdated []string          // transcript blocks that differ from their scripts
	problems []string          // what regenerating cannot fix
	shown    int               // transcript blocks found in the pages
	parts    int               // parts planned for the lessons

	// What the page checks find: only check reports it, so that `make docs` still
	// regenerates everything while a page is being fixed.
	pageProblems []string
	pageStats    pageStats
}

func (w *world) generate() (*generated, error) {
	g := &generated{diffs: map[string][]byte{}, what: map[string]string{},
		pages: map[string][]byte{}}
	for i := 1; i < len(w.steps); i++ {
		g.problems = append(g.problems,
			droppedTests(w.steps[i-1], w.steps[i], w.trees[i-1], w.trees[i])...)
	}
	g.problems = append(g.problems, versionProblems(w.steps, w.trees)...)
	lessons := w.lessons()
	for i := range lessons {
		p, problems, err := loadPlan(w.root, lessons[i])
		if err != nil {
			return nil, err
		}
		lessons[i].plan = p
		g.parts += len(p.parts)
		g.problems = append(g.problems, problems...)
		g.problems = append(g.problems, planProblems(lessons[i], p)...)
	}
	stale, err := stalePlans(w.root, lessons)
	if err != nil {
		return nil, err
	}
	g.problems = append(g.problems, stale...)
	for _, l := range lessons {
		p := diffsDir + "/" + diffName(l)
		g.diffs[p] = l.text
		g.what[p] = fmt.Sprintf("not the diff from %s to %s", l.old.label(), l.new.dir)
	}
	readme := diffsDir + "/README.md"
	g.diffs[readme] = report(lessons, g.problems)
	g.what[readme] = "not the report of the current steps"

	names, err := filepath.Glob(filepath.Join(w.root, "docs", "*.md"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	onDisk := map[string][]byte{} // the pages as they are, which the page checks hold
	order := []string{}
	included := map[string]bool{}
	lookup := scriptLookup(w.steps, w.trees)
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		rel := "docs/" + filepath.Base(name)
		onDisk[rel] = data
		order = append(order, rel)
		r := rewritePage(rel, data, lookup)
		g.pages[rel] = r.out
		g.outdated = append(g.outdated, r.outdated...)
		g.problems = append(g.problems, r.problems...)
		for _, p := range r.included {
			included[p] = true
			g.shown++
		}
	}
	g.problems = append(g.problems, unshownScripts(w.steps, w.trees, included)...)
	switch data, err := os.ReadFile(filepath.Join(w.root, "README.md")); {
	case err == nil:
		onDisk["README.md"] = data
		order = append(order, "README.md")
	case !os.IsNotExist(err):
		return nil, err
	}
	g.pageProblems, g.pageStats = w.checkPages(onDisk, order)
	return g, nil
}

// staleDiffs lists the .diff files in docs/diffs that no step produces any more (a step
// was renamed or removed).
func (g *generated) staleDiffs(root string) ([]string, error) {
	names, err := filepath.Glob(filepath.Join(root, diffsDir, "*.diff"))
	var stale []string
	for _, name := range names {
		rel := diffsDir + "/" + filepath.Base(name)
		if _, ok := g.diffs[rel]; !ok {
			stale = append(stale, rel)
		}
	}
	sort.Strings(stale)
	return stale, err
}

// all returns the generated files, diffs and pages, in a stable order for messages.
func (g *generated) all() ([]string, map[string][]byte) {
	files := map[string][]byte{}
	var paths []string
	for _, m := range []map[string][]byte{g.diffs, g.pages} {
		for p, data := range m {
			files[p] = data
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	return paths, files
}

// generateAt loads the repository at root and generates its docs.
func generateAt(root string) (*generated, error) {
	w, err := load(root)
	if err != nil {
		return nil, err
	}
	return w.generate()
}
