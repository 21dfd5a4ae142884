// Host side: `contain logs`.

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

const logsUsage = `Usage: contain logs [-f] CONTAINER

Print what a detached container wrote (stdout and stderr, in the order written).
With -f, keep printing until the container ends.
`

func logsCmd(args []string) error {
	fs := newFlagSet("logs")
	follow := fs.BoolP("follow", "f", false, "follow the output")
	if err := parseFlags(fs, args, logsUsage); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("logs: usage: contain logs [-f] CONTAINER")
	}
	c, err := findContainer(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("logs: %w", err)
	}
	// A container run in the foreground wrote to the terminal: there is no log.
	f, err := os.Open(c.logPath())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("logs: %w", err)
	}
	defer f.Close()
	for {
		// Look first, then copy: once the container has ended, its last words are in
		// the file before we read it.
		alive := *follow && c.live()
		n, err := io.Copy(os.Stdout, f)
		if err != nil {
			return fmt.Errorf("logs: %w", err)
		}
		if !alive && (n == 0 || !*follow) {
			return nil
		}
		if n == 0 {
			time.Sleep(100 * time.Millisecond)
		}
	}
}
