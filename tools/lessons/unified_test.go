package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// lines joins numbers 1..n, one a line, replacing some by words.
func lines(n int, repl map[int]string) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if w, ok := repl[i]; ok {
			b.WriteString(w + "\n")
		} else {
			fmt.Fprintf(&b, "%d\n", i)
		}
	}
	return b.String()
}

func TestWriteHunks(t *testing.T) {
	tests := []struct {
		name, a, b  string
		want        string
		plus, minus int
	}{
		{
			// Lines 3-8 (six) between two changes keep them in one hunk; lines 10-16
			// (seven) split the next change off, as diff -u does.
			name: "hunks",
			a:    lines(20, nil),
			b:    lines(20, map[int]string{2: "two", 9: "nine", 17: "seventeen"}),
			want: "@@ -1,12 +1,12 @@\n 1\n-2\n+two\n 3\n 4\n 5\n 6\n 7\n 8\n-9\n+nine\n" +
				" 10\n 11\n 12\n@@ -14,7 +14,7 @@\n 14\n 15\n 16\n-17\n+seventeen\n" +
				" 18\n 19\n 20\n",
			plus: 3, minus: 3,
		},
		{
			name: "no newline at end", a: "x\ny", b: "x\nz\n",
			want: "@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n+z\n",
			plus: 1, minus: 1,
		},
		{
			name: "from empty", a: "", b: "x\nz\n",
			want: "@@ -0,0 +1,2 @@\n+x\n+z\n", plus: 2,
		},
		{
			name: "to empty", a: "x\nz\n", b: "",
			want: "@@ -1,2 +0,0 @@\n-x\n-z\n", minus: 2,
		},
		{
			name: "one line each", a: "a\nb\nc\nd\ne\nf\ng\nh\n", b: "a\nb\nc\nd\ne\nf\ng\nH\n",
			want: "@@ -5,4 +5,4 @@\n e\n f\n g\n-h\n+H\n", plus: 1, minus: 1,
		},
		{name: "equal", a: "a\n", b: "a\n", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w bytes.Buffer
			plus, minus := writeHunks(&w, []byte(tt.a), []byte(tt.b))
			if w.String() != tt.want {
				t.Errorf("got\n%s\nwant\n%s", w.String(), tt.want)
			}
			if plus != tt.plus || minus != tt.minus {
				t.Errorf("+%d -%d, want +%d -%d", plus, minus, tt.plus, tt.minus)
			}
		})
	}
}

// TestWriteHunksLikeDiff compares with GNU diff where the change has only one shortest
// script, so that both programs must print the same hunks.
func TestWriteHunksLikeDiff(t *testing.T) {
	if _, err := exec.LookPath("diff"); err != nil {
		t.Skip("diff(1) not installed")
	}
	dir := t.TempDir()
	cases := [][2]string{
		{lines(100, nil), lines(100, map[int]string{1: "one", 50: "fifty", 100: "end"})},
		{lines(30, nil), lines(25, map[int]string{4: "four"}) + "tail\n"},
		{lines(10, nil), lines(10, nil)[:5] + "new\n" + lines(10, nil)[5:]},
	}
	for i, c := range cases {
		a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
		if err := os.WriteFile(a, []byte(c[0]), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(b, []byte(c[1]), 0o644); err != nil {
			t.Fatal(err)
		}
		out, _ := exec.Command("diff", "-u", a, b).Output() // status 1: they differ
		want := string(out)
		want = want[strings.Index(want, "@@"):]
		var w bytes.Buffer
		writeHunks(&w, []byte(c[0]), []byte(c[1]))
		if w.String() != want {
			t.Errorf("case %d: got\n%s\ndiff -u printed\n%s", i, w.String(), want)
		}
	}
}
