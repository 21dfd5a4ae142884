package main

import "slices"

// op is one line of an edit script: ' ' keeps a line of a, '-' deletes it, '+' inserts a
// line of b.
type op struct {
	kind byte
	line string
}

// maxEdits bounds the search below: its trace grows with the square of the number of
// edits. A file changed beyond that is shown as replaced whole, which is still a correct
// patch and, in a lesson, a sign that the file should not have changed that much.
const maxEdits = 2000

// diffLines returns a shortest edit script turning a into b (Myers, "An O(ND) Difference
// Algorithm and Its Variations", 1986). It is written here rather than calling diff(1)
// or git so that the committed diffs are the same on every machine, whatever the
// installed versions and the user's git configuration (diff.algorithm, ...).
func diffLines(a, b []string) []op {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	ops := make([]op, 0, len(a)+len(b))
	for _, l := range a[:pre] {
		ops = append(ops, op{' ', l})
	}
	ops = append(ops, myers(a[pre:len(a)-suf], b[pre:len(b)-suf])...)
	for _, l := range a[len(a)-suf:] {
		ops = append(ops, op{' ', l})
	}
	return ops
}

// myers finds the edit script of the part of a and b that differs at both ends.
func myers(a, b []string) []op {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return replaceAll(a, b)
	}
	// Compare small integers in the inner loop instead of strings.
	ids := map[string]int{}
	ai, bi := intern(a, ids), intern(b, ids)
	// v[off+k] is the furthest x reached on diagonal k = x-y.
	off := n + m + 1
	v := make([]int, 2*off+1)
	var trace [][]int
	for d := 0; d <= n+m; d++ {
		if d > maxEdits {
			return replaceAll(a, b)
		}
		// Step d reads diagonals -d-1..d+1 of step d-1: keep just those for backtracking.
		trace = append(trace, slices.Clone(v[off-d-1:off+d+2]))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1] // down: insert b[y]
			} else {
				x = v[off+k-1] + 1 // right: delete a[x]
			}
			y := x - k
			for x < n && y < m && ai[x] == bi[y] {
				x, y = x+1, y+1
			}
			v[off+k] = x
			if x >= n && y >= m {
				return backtrack(a, b, trace)
			}
		}
	}
	return replaceAll(a, b) // not reached: d = n+m always ends the search
}

// backtrack walks the saved steps from the end to the start, one edit per step.
func backtrack(a, b []string, trace [][]int) []op {
	var rev []op
	x, y := len(a), len(b)
	for d := len(trace) - 1; d >= 0; d-- {
		w := trace[d] // diagonals -d-1..d+1: diagonal k is w[k+d+1]
		k := x - y
		pk := k - 1
		if k == -d || (k != d && w[k-1+d+1] < w[k+1+d+1]) {
			pk = k + 1
		}
		px := w[pk+d+1]
		py := px - pk
		for x > px && y > py {
			rev = append(rev, op{' ', a[x-1]})
			x, y = x-1, y-1
		}
		if d > 0 {
			if x == px {
				rev = append(rev, op{'+', b[y-1]})
			} else {
				rev = append(rev, op{'-', a[x-1]})
			}
		}
		x, y = px, py
	}
	slices.Reverse(rev)
	return rev
}

func replaceAll(a, b []string) []op {
	ops := make([]op, 0, len(a)+len(b))
	for _, l := range a {
		ops = append(ops, op{'-', l})
	}
	for _, l := range b {
		ops = append(ops, op{'+', l})
	}
	return ops
}

func intern(lines []string, ids map[string]int) []int {
	out := make([]int, len(lines))
	for i, l := range lines {
		id, ok := ids[l]
		if !ok {
			id = len(ids)
			ids[l] = id
		}
		out[i] = id
	}
	return out
}
