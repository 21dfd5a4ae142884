// Host side: pull's progress, a line per layer as docker draws it, on a terminal.

package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// On a terminal, a layer's line is redrawn as its bytes arrive (a carriage return goes
// back to the line's start, ESC [K erases what is left of the old one):
//
//	3f2a1b2c3d4e: Downloading [=========>            ]  1.2MB/3.4MB  5.1MB/s
//
// Elsewhere (a log, a pipe, a test), each layer gets plain lines at its steps only.

// isTerminal tells whether w is a terminal (shell: test -t 1).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// progressReader counts the bytes read through it and redraws the layer's line, at most
// ten times a second.
type progressReader struct {
	r           io.Reader
	out         io.Writer
	id          string
	done, total int64
	start, last time.Time
}

func newProgress(r io.Reader, out io.Writer, id string, total int64) io.Reader {
	if !isTerminal(out) {
		return r
	}
	now := time.Now()
	return &progressReader{r: r, out: out, id: id, total: total, start: now}
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.done += int64(n)
	if now := time.Now(); now.Sub(p.last) >= 100*time.Millisecond || err != nil {
		p.last = now
		p.draw(now)
	}
	return n, err
}

func (p *progressReader) draw(now time.Time) {
	const width = 24
	filled := 0
	if p.total > 0 {
		filled = int(int64(width) * min(p.done, p.total) / p.total)
	}
	bar := strings.Repeat("=", filled)
	if filled < width {
		bar += ">" + strings.Repeat(" ", width-filled-1)
	}
	rate := ""
	if secs := now.Sub(p.start).Seconds(); secs > 0 {
		rate = humanSize(int64(float64(p.done)/secs)) + "/s"
	}
	fmt.Fprintf(p.out, "\r%s: Downloading [%s] %8s/%s %10s\033[K", p.id, bar,
		humanSize(p.done), humanSize(p.total), rate)
}

// step prints a layer's step: a line of its own, or, on a terminal, in place of the
// progress bar.
func step(out io.Writer, id, what string) {
	if isTerminal(out) {
		fmt.Fprintf(out, "\r%s: %s\033[K\n", id, what)
		return
	}
	fmt.Fprintf(out, "%s: %s\n", id, what)
}
