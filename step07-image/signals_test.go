package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"contain/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// trapINT prints "ready", then "INT" for each SIGINT it gets, for three seconds.
const trapINT = `trap "echo INT" INT; echo ready; i=0; ` +
	`while [ $i -lt 30 ]; do sleep 0.1; i=$((i+1)); done; echo end`

// countINT reads the command's output until it ends, calling onReady when it is ready,
// and returns how many SIGINTs it saw.
func countINT(t *testing.T, out io.Reader, onReady func()) int {
	t.Helper()
	n, ended := 0, false
	scan := bufio.NewScanner(out)
	for scan.Scan() {
		// On a terminal, a line may start with the echo of the Ctrl-C: ^CINT.
		switch line := strings.TrimSpace(scan.Text()); {
		case strings.HasSuffix(line, "ready"):
			onReady()
		case strings.HasSuffix(line, "INT"):
			n++
		case strings.HasSuffix(line, "end"):
			ended = true
		}
		if ended {
			break
		}
	}
	require.True(t, ended, "the command did not end")
	return n
}

// procStat returns fields of /proc/PID/stat after the command name: state, ppid, pgrp,
// session, tty_nr, tpgid...
func procStat(t *testing.T, pid int) []string {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	require.NoError(t, err)
	s := string(data)
	return strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
}

// childOf returns the one child process of pid (each of its threads may have made it).
func childOf(t *testing.T, pid int) int {
	t.Helper()
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	require.NoError(t, err)
	var kids []string
	for _, f := range tasks {
		data, _ := os.ReadFile(f)
		kids = append(kids, strings.Fields(string(data))...)
	}
	require.Len(t, kids, 1, "children of the engine")
	child, err := strconv.Atoi(kids[0])
	require.NoError(t, err)
	return child
}

// Ctrl-C in a pipeline (the terminal signals the engine's whole process group) reaches the
// command once: the engine passes it on, and the command is not in the engine's group.
func TestInterruptReachesCommandOnce(t *testing.T) {
	sb := testkit.NewSandbox(t)
	cmd := sb.Command(context.Background(), "run", "--rootfs", testkit.Rootfs(t),
		"sh", "-c", trapINT)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // a job of its own, as a shell does
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	n := countINT(t, out, func() {
		engine := procStat(t, cmd.Process.Pid)
		child := procStat(t, childOf(t, cmd.Process.Pid))
		assert.NotEqual(t, engine[2], child[2], "the command has a process group of its own")
		require.NoError(t, syscall.Kill(-cmd.Process.Pid, syscall.SIGINT))
	})
	require.NoError(t, cmd.Wait())
	assert.Equal(t, 1, n, "SIGINTs the command got")
}

// openPty returns a new pseudo-terminal: its master and its slave side.
func openPty(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	require.NoError(t, err)
	t.Cleanup(func() { master.Close() })
	require.NoError(t, unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0))
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	require.NoError(t, err)
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	require.NoError(t, err)
	t.Cleanup(func() { slave.Close() })
	return master, slave
}

// Ctrl-C typed at the terminal reaches the command once: the engine lends the terminal to
// the command's process group, so the terminal signals that group and not the engine.
func TestInterruptOnTerminal(t *testing.T) {
	sb := testkit.NewSandbox(t)
	master, slave := openPty(t)
	cmd := sb.Command(context.Background(), "run", "--rootfs", testkit.Rootfs(t),
		"sh", "-c", trapINT)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	// A session whose controlling terminal is the pty, with the engine in the foreground:
	// the engine is what a shell would start at its prompt.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	require.NoError(t, cmd.Start())
	slave.Close()
	done := make(chan int, 1)
	go func() {
		done <- countINT(t, master, func() {
			engine := procStat(t, cmd.Process.Pid)
			child := procStat(t, childOf(t, cmd.Process.Pid))
			assert.NotEqual(t, engine[2], child[2], "the command has a group of its own")
			assert.Equal(t, child[2], child[5], "the command's group has the terminal")
			_, err := master.Write([]byte{3}) // Ctrl-C
			assert.NoError(t, err)
		})
	}()
	select {
	case n := <-done:
		assert.Equal(t, 1, n, "SIGINTs the command got")
	case <-time.After(30 * time.Second):
		t.Fatal("the command did not end")
	}
	require.NoError(t, cmd.Wait())
}
