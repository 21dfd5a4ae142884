package main

import (
	"math/rand"
	"slices"
	"strings"
	"testing"
)

// apply rebuilds both sides of an edit script, to check it says what it claims.
func apply(ops []op) (a, b []string) {
	for _, o := range ops {
		if o.kind != '+' {
			a = append(a, o.line)
		}
		if o.kind != '-' {
			b = append(b, o.line)
		}
	}
	return a, b
}

func edits(ops []op) int {
	n := 0
	for _, o := range ops {
		if o.kind != ' ' {
			n++
		}
	}
	return n
}

// lcs is the textbook dynamic program: the shortest script has len(a)+len(b)-2*lcs edits.
func lcs(a, b []string) int {
	row := make([]int, len(b)+1)
	for i := range a {
		prev := 0
		for j := range b {
			cur := row[j+1]
			if a[i] == b[j] {
				row[j+1] = prev + 1
			} else {
				row[j+1] = max(row[j+1], row[j])
			}
			prev = cur
		}
	}
	return row[len(b)]
}

func TestDiffLines(t *testing.T) {
	tests := []struct {
		name, a, b string
		want       string // the script as kinds
	}{
		{"equal", "abc", "abc", "   "},
		{"insert middle", "ac", "abc", " + "},
		{"delete end", "abc", "ab", "  -"},
		{"replace", "abc", "axc", " -+ "},
		{"from empty", "", "ab", "++"},
		{"to empty", "ab", "", "--"},
		{"both empty", "", "", ""},
		{"move", "abcd", "bcda", "-   +"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := strings.Split(tt.a, ""), strings.Split(tt.b, "")
			ops := diffLines(a, b)
			var kinds strings.Builder
			for _, o := range ops {
				kinds.WriteByte(o.kind)
			}
			if kinds.String() != tt.want {
				t.Errorf("script %q, want %q", kinds.String(), tt.want)
			}
		})
	}
}

// TestDiffLinesRandom checks on many small inputs that the script rebuilds both sides
// and is as short as possible.
func TestDiffLinesRandom(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	gen := func() []string {
		s := make([]string, r.Intn(30))
		for i := range s {
			s[i] = string(rune('a' + r.Intn(4)))
		}
		return s
	}
	for i := 0; i < 2000; i++ {
		a, b := gen(), gen()
		ops := diffLines(a, b)
		ga, gb := apply(ops)
		if !slices.Equal(ga, a) || !slices.Equal(gb, b) {
			t.Fatalf("%q -> %q: script rebuilds %q -> %q", a, b, ga, gb)
		}
		if got, want := edits(ops), len(a)+len(b)-2*lcs(a, b); got != want {
			t.Fatalf("%q -> %q: %d edits, shortest is %d", a, b, got, want)
		}
	}
}

// TestDiffLinesTooManyEdits checks the bound: past it the file is replaced whole.
func TestDiffLinesTooManyEdits(t *testing.T) {
	var a, b []string
	for i := 0; i < maxEdits+10; i++ {
		a = append(a, "a\n", "same\n")
		b = append(b, "b\n", "same\n")
	}
	ops := diffLines(a, b)
	ga, gb := apply(ops)
	if !slices.Equal(ga, a) || !slices.Equal(gb, b) {
		t.Fatal("script does not rebuild its inputs")
	}
	if got := edits(ops); got != 2*(2*(maxEdits+10))-2 {
		t.Errorf("%d edits, want the whole middle replaced", got)
	}
}
