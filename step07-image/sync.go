// Both sides: the socket over which the engine and the container's first process talk.

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// The engine (parent) and the container's first process (child) talk over a socket pair.
// The child's end is its file descriptor 3, marked close-on-exec, so the parent sees the
// socket close (EOF) at the very moment the container's command starts:
//
//	contain run (parent)                     contain init (child)
//	--------------------                     --------------------
//	socketpair, re-exec /proc/self/exe ----> starts, reads fd 3
//	send {config}                      ----> set up the container (chroot, ...)
//	                                   <---- on failure: send {error, code}, exit code
//	EOF: the command is running        <---- execve the command: fd 3 closes
//	wait for it, exit with its status
const syncFd = 3

// syncMsg is one message on the socket; each message sets one of its fields.
type syncMsg struct {
	// Config: parent to child, once, first.
	Config *initConfig `json:"config,omitempty"`

	// Pid: from the C side of `contain exec`, the PID of the process that joined the
	// container (nsenter.go).
	Pid int `json:"pid,omitempty"`

	// Error and Code: child to parent, when the container cannot start.
	Error string `json:"error,omitempty"`
	Code  int    `json:"code,omitempty"`
}

// syncPipe is one end of the socket pair.
type syncPipe struct {
	f   *os.File
	dec *json.Decoder
}

func newSyncPipe(f *os.File) *syncPipe {
	return &syncPipe{f: f, dec: json.NewDecoder(f)}
}

// newSyncPair returns the parent's end and the file to hand to the child as fd 3.
func newSyncPair() (*syncPipe, *os.File, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("socketpair: %w", err)
	}
	parent := os.NewFile(uintptr(fds[0]), "sync-parent")
	child := os.NewFile(uintptr(fds[1]), "sync-child")
	return newSyncPipe(parent), child, nil
}

// send writes one message as JSON, with nothing after it (json.Encoder would add a
// newline). The reader's decoder stops at the closing brace; a newline left unread in the
// child's end when it closes at execve would turn the parent's EOF into ECONNRESET.
func (p *syncPipe) send(m syncMsg) error {
	data, err := json.Marshal(m)
	if err == nil {
		_, err = p.f.Write(data)
	}
	return err
}

// receive reads the next message; io.EOF means the other side closed the socket.
func (p *syncPipe) receive() (syncMsg, error) {
	var m syncMsg
	err := p.dec.Decode(&m)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = io.EOF
	}
	return m, err
}

func (p *syncPipe) Close() error { return p.f.Close() }
