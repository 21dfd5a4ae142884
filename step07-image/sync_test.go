package main

import (
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// The child reads one message and closes its end, as execve does: the parent must see
// EOF, whatever the message's size. A byte left unread in the child's end (a newline after
// the JSON, when the decoder's last read stopped at the closing brace) made the parent's
// read fail with ECONNRESET for some sizes: "connection reset by peer" after the command
// had started.
func TestSyncEOFAfterAnySize(t *testing.T) {
	for n := 0; n < 2500; n++ {
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		require.NoError(t, err)
		parent := newSyncPipe(os.NewFile(uintptr(fds[0]), "parent"))
		child := newSyncPipe(os.NewFile(uintptr(fds[1]), "child"))
		require.NoError(t, parent.send(syncMsg{Error: strings.Repeat("x", n)}))
		msg, err := child.receive()
		require.NoError(t, err)
		require.Len(t, msg.Error, n)
		child.Close()
		_, err = parent.receive()
		if !assert.ErrorIs(t, err, io.EOF, "a message of %d bytes", n) {
			break
		}
		parent.Close()
	}
}
