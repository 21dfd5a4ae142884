package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"contain/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// ownRootfs copies the test rootfs into a temporary directory (cp -a, a few MB), for a
// test that changes the image or compares it before and after.
func ownRootfs(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "rootfs")
	out, err := exec.Command("cp", "-a", testkit.Rootfs(t), dir).CombinedOutput()
	require.NoError(t, err, "cp -a: %s", out)
	return dir
}

// treeDigest describes every entry of a tree: type, mode, owner, size, modification time,
// and the content of a file, the target of a symlink or the number of a device. Two equal
// digests are the same tree, byte for byte.
func treeDigest(t *testing.T, root string) map[string]string {
	t.Helper()
	digest := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		what := ""
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFREG:
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			what = fmt.Sprintf("%x", sha256.Sum256(data))
		case unix.S_IFLNK:
			what, err = os.Readlink(p)
		case unix.S_IFCHR, unix.S_IFBLK:
			what = fmt.Sprint(st.Rdev)
		}
		digest[p[len(root):]] = fmt.Sprintf("%o %d:%d %d %d.%09d %s", st.Mode, st.Uid,
			st.Gid, st.Size, st.Mtim.Sec, st.Mtim.Nsec, what)
		return err
	})
	require.NoError(t, err)
	return digest
}

// layerPaths are a container's layer directories, as its state file records them.
type layerPaths struct {
	Lower  string `json:"lower"`
	Upper  string `json:"upper"`
	Work   string `json:"work"`
	Merged string `json:"merged"`
}

// dir is the layer's own directory, the one rm removes.
func (l layerPaths) dir() string { return filepath.Dir(l.Upper) }

// layerOf reads where a container's layer is from its state file (config.layer).
func layerOf(t *testing.T, sb *testkit.Sandbox, name string) layerPaths {
	t.Helper()
	id := inspectOne(t, sb, name).ID
	data, err := os.ReadFile(filepath.Join(sb.State, id, "state.json"))
	require.NoError(t, err)
	var state struct {
		Config struct {
			Layer *layerPaths `json:"layer"`
		} `json:"config"`
	}
	require.NoError(t, json.Unmarshal(data, &state))
	require.NotNil(t, state.Config.Layer, "no config.layer in the state of %s", name)
	return *state.Config.Layer
}

// dirNames lists a directory's entries by name; a directory that does not exist has none.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if !os.IsNotExist(err) {
		require.NoError(t, err)
	}
	names := []string{}
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// modeOwner is a file's permissions and owner as `stat -c '%a %u'` prints them.
func modeOwner(t *testing.T, root, name string) string {
	t.Helper()
	var st unix.Stat_t
	require.NoError(t, unix.Lstat(filepath.Join(root, name), &st))
	return fmt.Sprintf("%o %d\n", st.Mode&0o7777, st.Uid)
}

// A container writes, deletes, chmods and chowns files of its rootfs: all of it lands in
// its layer under the data root, the rootfs stays byte for byte as it was, and the next
// container sees the original files. rm removes the layer; so does run --rm.
func TestOverlayWritesStayInLayer(t *testing.T) {
	rootfs := ownRootfs(t)
	before := treeDigest(t, rootfs)
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "run", "--rootfs", rootfs, "--name", "writer", "sh", "-c",
		"echo new > /new && echo more >> /etc/passwd && rm /etc/group && "+
			"chmod 600 /etc/os-release && chown 1:1 /bin/probe && touch /bin/sh && "+
			"rm -rf /var && mkdir /usr/bin/x")
	assert.Equal(t, before, treeDigest(t, rootfs), "the rootfs changed")

	l := layerOf(t, sb, "writer")
	assert.Equal(t, rootfs, l.Lower)
	assert.True(t, strings.HasPrefix(l.Upper, sb.Data+"/"), "layer under --data-root: %s",
		l.Upper)
	data, err := os.ReadFile(filepath.Join(l.Upper, "new"))
	require.NoError(t, err, "the write is in the layer's upper dir")
	assert.Equal(t, "new\n", string(data))

	group, err := os.ReadFile(filepath.Join(rootfs, "etc/group"))
	require.NoError(t, err)
	passwd, err := os.ReadFile(filepath.Join(rootfs, "etc/passwd"))
	require.NoError(t, err)
	want := string(group) + string(passwd) + modeOwner(t, rootfs, "etc/os-release") +
		modeOwner(t, rootfs, "bin/probe") + "tmp\nls: /new: No such file or directory\n"
	out := sb.Contain(t, "run", "--rm", "--rootfs", rootfs, "sh", "-c",
		"cat /etc/group /etc/passwd; stat -c '%a %u' /etc/os-release /bin/probe; ls /var; "+
			"ls /new 2>&1; true")
	assert.Equal(t, want, out, "a new container sees the rootfs as it was")
	assert.Equal(t, []string{filepath.Base(l.dir())}, dirNames(t, filepath.Dir(l.dir())),
		"run --rm left no layer")

	assert.Equal(t, "writer\n", sb.Contain(t, "rm", "writer"))
	assert.NoDirExists(t, l.dir())
	assert.Equal(t, before, treeDigest(t, rootfs))
}

// A data root on an overlay filesystem cannot hold upper dirs (overlay refuses one with a
// bare "invalid argument"): run says so in one line, and makes nothing.
func TestOverlayDataRootOnOverlay(t *testing.T) {
	sb := testkit.NewSandbox(t)
	dir := t.TempDir()
	for _, d := range []string{"lower", "upper", "work", "merged"} {
		require.NoError(t, os.Mkdir(filepath.Join(dir, d), 0o700))
	}
	merged := filepath.Join(dir, "merged")
	opts := fmt.Sprintf("lowerdir=%s/lower,upperdir=%s/upper,workdir=%s/work", dir, dir, dir)
	require.NoError(t, unix.Mount("overlay", merged, "overlay", 0, opts))
	// Before the sandbox's leak check (cleanups run last first), and before TempDir's.
	t.Cleanup(func() { assert.NoError(t, unix.Unmount(merged, 0)) })

	// The wrapper passes the sandbox's --data-root first; the last one given wins.
	data := filepath.Join(merged, "data")
	r := sb.Run(t, "", "--data-root", data, "run", "--rootfs", testkit.Rootfs(t), "true")
	assert.Equal(t, 125, r.Code)
	assert.Equal(t, "contain: run: data root "+data+" is on an overlay filesystem, which "+
		"cannot hold a container's upper dir: use --data-root on another one (ext4, xfs, "+
		"tmpfs)\n", r.Stderr)
	assert.Equal(t, "", sb.Contain(t, "ps", "-a", "-q"))
	assert.Empty(t, dirNames(t, merged), "nothing made on the overlay")
	assert.Empty(t, dirNames(t, filepath.Join(sb.Data, "containers")))
}

// The engine SIGKILLed while its container runs: the container runs on, and rm -f
// removes it and its layer, and nothing else: the rootfs and the volume it used stay.
// (The sandbox checks for processes, mounts, cgroups and layers left.)
func TestOverlayEngineKilled(t *testing.T) {
	rootfs := ownRootfs(t)
	before := treeDigest(t, rootfs)
	sb := testkit.NewSandbox(t)
	c := startBackground(t, sb, "crash", "--rootfs", rootfs, "-v", "kept:/kept", "sh", "-c",
		"echo data > /kept/f && echo layer > /w && exec probe sleep 30")
	require.NoError(t, c.cmd.Process.Kill())
	c.wait(t)
	testkit.Eventually(t, "the container wrote", func() bool {
		return sb.Run(t, "", "exec", "crash", "cat", "/w").Stdout == "layer\n"
	})
	l := layerOf(t, sb, "crash")
	assert.Equal(t, rootfs, l.Lower, "the last --rootfs given wins")
	assert.DirExists(t, l.dir())

	assert.Equal(t, "crash\n", sb.Contain(t, "rm", "-f", "crash"))
	assert.Equal(t, "", sb.Contain(t, "ps", "-a", "-q"))
	assert.NoDirExists(t, l.dir())
	assert.Equal(t, before, treeDigest(t, rootfs))
	assert.Equal(t, "data\n", sb.Contain(t, "run", "--rm", "--rootfs", rootfs, "-v",
		"kept:/kept", "cat", "/kept/f"), "the volume outlives the container")
	sb.Contain(t, "volume", "rm", "kept")
}

// Break it: copy-up. Appending one byte to a 20 MiB file of the rootfs copies the whole
// file into the container's layer; deleting it leaves a whiteout in the layer, and the
// rootfs's copy still takes its 20 MiB.
func TestCopyUpCost(t *testing.T) {
	const size = 20 << 20
	rootfs := ownRootfs(t)
	big := filepath.Join(rootfs, "big")
	// Real data, not a sparse file: overlay's copy-up skips holes.
	require.NoError(t, os.WriteFile(big, bytes.Repeat([]byte("0123456789abcdef"), size/16),
		0o644))
	sb := testkit.NewSandbox(t)

	sb.Contain(t, "run", "--rootfs", rootfs, "--name", "append", "sh", "-c", "printf x >> /big")
	var st unix.Stat_t
	require.NoError(t, unix.Lstat(filepath.Join(layerOf(t, sb, "append").Upper, "big"), &st))
	assert.Equal(t, uint32(unix.S_IFREG), st.Mode&unix.S_IFMT)
	assert.EqualValues(t, size+1, st.Size, "the whole file, and the byte")
	assert.GreaterOrEqual(t, st.Blocks*512, int64(size), "its blocks are the layer's own")

	sb.Contain(t, "run", "--rootfs", rootfs, "--name", "delete", "rm", "/big")
	require.NoError(t, unix.Lstat(filepath.Join(layerOf(t, sb, "delete").Upper, "big"), &st))
	assert.Equal(t, uint32(unix.S_IFCHR), st.Mode&unix.S_IFMT, "a whiteout")
	assert.Zero(t, st.Rdev, "a whiteout is the device 0/0")
	require.NoError(t, unix.Lstat(big, &st))
	assert.EqualValues(t, size, st.Size)
	assert.GreaterOrEqual(t, st.Blocks*512, int64(size), "no space was given back")
	assert.Equal(t, "D /big\n", sb.Contain(t, "diff", "delete"))
}

// The container's / has the rootfs's mode, not the 0700 of the layer's directories: a
// user other than root can use it.
func TestOverlayRootMode(t *testing.T) {
	sb := testkit.NewSandbox(t)
	assert.Equal(t, "755\n", sb.Contain(t, "run", "--rm", "--rootfs", testkit.Rootfs(t),
		"stat", "-c", "%a", "/"))
	assert.Equal(t, "ok\n", sb.Contain(t, "run", "--rm", "--rootfs", testkit.Rootfs(t),
		"su", "-s", "/bin/sh", "nobody", "-c", "ls / >/dev/null && echo ok"))
}
