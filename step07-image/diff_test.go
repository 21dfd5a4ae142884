package main

import (
	"os"
	"path/filepath"
	"testing"

	"contain/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// diff lists what a container changed, sorted by path: A for a new file, C for a changed
// file and for the directories whose entries changed, D for a deleted file (a whiteout in
// the layer). A rootfs directory removed and made again is opaque: C for it, D for each
// entry it had, A for what it has now.
func TestDiff(t *testing.T) {
	rootfs := ownRootfs(t)
	for _, name := range []string{"old/a", "old/sub/b"} {
		p := filepath.Join(rootfs, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(name), 0o644))
	}
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "run", "--rootfs", rootfs, "--name", "changed", "sh", "-c",
		"echo a > /added && echo c >> /etc/passwd && rm /etc/group && "+
			"rm -rf /old && mkdir /old && echo n > /old/new")
	assert.Equal(t, "A /added\n"+
		"C /etc\n"+
		"D /etc/group\n"+
		"C /etc/passwd\n"+
		"C /old\n"+
		"D /old/a\n"+
		"A /old/new\n"+
		"D /old/sub\n", sb.Contain(t, "diff", "changed"))

	// A container that changed nothing has nothing to show.
	sb.Contain(t, "run", "--rootfs", rootfs, "--name", "reader", "cat", "/etc/passwd")
	assert.Equal(t, "", sb.Contain(t, "diff", "reader"))
}

// diff of no container, or of one that does not exist: one line, status 125.
func TestDiffBadInput(t *testing.T) {
	sb := testkit.NewSandbox(t)
	r := sb.Run(t, "", "diff")
	assert.Equal(t, 125, r.Code)
	assert.Equal(t, "contain: diff: usage: contain diff CONTAINER\n", r.Stderr)
	r = sb.Run(t, "", "diff", "nosuch")
	assert.Equal(t, 125, r.Code)
	assert.Equal(t, "contain: diff: no such container: nosuch\n", r.Stderr)
	assert.Equal(t, "", r.Stdout)
}

// diff follows no symlink of the rootfs: a directory the container made where the rootfs
// has a symlink to the host's /etc (an image can hold anything) is compared with nothing,
// and the host's files are never listed or hinted at.
func TestDiffFollowsNoSymlink(t *testing.T) {
	sb := testkit.NewSandbox(t)
	rootfs := ownRootfs(t)
	require.NoError(t, os.Symlink("/etc", filepath.Join(rootfs, "hostetc")))
	require.NoError(t, os.Symlink("../../../../../etc", filepath.Join(rootfs, "up")))
	sb.Contain(t, "run", "--rootfs", rootfs, "--name", "links", "sh", "-c",
		"rm /hostetc /up && mkdir /hostetc /up && touch /hostetc/passwd /up/passwd")
	assert.Equal(t, "C /hostetc\nA /hostetc/passwd\nC /up\nA /up/passwd\n",
		sb.Contain(t, "diff", "links"))
}
