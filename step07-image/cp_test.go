package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"testing"
	"time"

	"contain/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cpTime is the modification time of the trees that tests copy: not now, so that a copy
// that does not keep it shows.
var cpTime = time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)

// hostTree makes a small tree at dir, with modes of its own (umask-proof) and cpTime:
//
//	dir/        0750
//	├── a       0640  "a\n"
//	├── lnk ->  a
//	└── sub/    0700
//	    └── b   0600  "b\n"
func hostTree(t *testing.T, dir string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "sub"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a"), []byte("a\n"), 0o640))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sub/b"), []byte("b\n"), 0o600))
	require.NoError(t, os.Symlink("a", filepath.Join(dir, "lnk")))
	for name, mode := range map[string]os.FileMode{"sub/b": 0o600, "a": 0o640, "sub": 0o700,
		"": 0o750} {
		p := filepath.Join(dir, name)
		require.NoError(t, os.Chmod(p, mode))
		require.NoError(t, os.Chtimes(p, cpTime, cpTime))
	}
	require.NoError(t, os.Chtimes(dir, cpTime, cpTime)) // after sub's, which touched it
}

// hostFile makes a file with mode 0755 and cpTime.
func hostFile(t *testing.T, name, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(name, []byte(content), 0o755))
	require.NoError(t, os.Chmod(name, 0o755))
	require.NoError(t, os.Chtimes(name, cpTime, cpTime))
}

// cpView describes a tree as cp must keep it: each entry's type and permissions, a file's
// content and modification time, a symlink's target.
func cpView(t *testing.T, root string) map[string]string {
	t.Helper()
	view := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		what := fmt.Sprint(info.Mode())
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			what += " -> " + target
		case info.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			what += fmt.Sprintf(" %q %s", data, info.ModTime().UTC())
		default:
			what += " " + info.ModTime().UTC().String()
		}
		view[p[len(root):]] = what
		return nil
	})
	require.NoError(t, err)
	return view
}

// cp between the host and a running container, both ways: files and trees keep their
// modes, modification times and symlinks; a destination that is a directory receives the
// source under its own name, any other destination is the copy's new name.
func TestCpRunning(t *testing.T) {
	sb := testkit.NewSandbox(t)
	host := t.TempDir()
	tree, file := filepath.Join(host, "tree"), filepath.Join(host, "file")
	hostTree(t, tree)
	hostFile(t, file, "f\n")
	sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", "box",
		"probe", "sleep", "30")

	sb.Contain(t, "cp", file, "box:/tmp")
	sb.Contain(t, "cp", file, "box:/tmp/renamed")
	sb.Contain(t, "cp", tree, "box:/tmp")
	sb.Contain(t, "cp", tree, "box:/tmp/copy")
	mtime := cpTime.Unix()
	assert.Equal(t, fmt.Sprintf("755 regular file %d file\n"+
		"755 regular file %[1]d renamed\n"+
		"750 directory %[1]d tree\n"+
		"640 regular file %[1]d tree/a\n"+
		"700 directory %[1]d tree/sub\n"+
		"600 regular file %[1]d tree/sub/b\n"+
		"750 directory %[1]d copy\n"+
		"600 regular file %[1]d copy/sub/b\n"+
		"a\nf\nf\nb\n", mtime),
		sb.Contain(t, "exec", "box", "sh", "-c", "cd /tmp && stat -c '%a %F %Y %n' "+
			"file renamed tree tree/a tree/sub tree/sub/b copy copy/sub/b && "+
			"readlink tree/lnk && cat file renamed copy/sub/b"))

	out := t.TempDir()
	sb.Contain(t, "cp", "box:/tmp/tree", out)
	sb.Contain(t, "cp", "box:/tmp/copy", filepath.Join(out, "again"))
	sb.Contain(t, "cp", "box:/tmp/renamed", out)
	sb.Contain(t, "cp", "box:/etc/passwd", filepath.Join(out, "pw"))
	want := cpView(t, tree)
	assert.Equal(t, want, cpView(t, filepath.Join(out, "tree")))
	assert.Equal(t, want, cpView(t, filepath.Join(out, "again")))
	assert.Equal(t, cpView(t, file)[""], cpView(t, filepath.Join(out, "renamed"))[""])
	passwd, err := os.ReadFile(filepath.Join(testkit.Rootfs(t), "etc/passwd"))
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(out, "pw"))
	require.NoError(t, err)
	assert.Equal(t, string(passwd), string(got))
}

// cp works on a stopped container too: what it copies in lands in the container's layer
// (diff shows it), never in the rootfs, and nothing stays mounted on the host.
func TestCpStopped(t *testing.T) {
	rootfs := ownRootfs(t)
	before := treeDigest(t, rootfs)
	sb := testkit.NewSandbox(t)
	mounts := testkit.HostMounts()
	host := t.TempDir()
	tree, file := filepath.Join(host, "tree"), filepath.Join(host, "file")
	hostTree(t, tree)
	hostFile(t, file, "f\n")
	sb.Contain(t, "run", "--rootfs", rootfs, "--name", "stopped", "sh", "-c",
		"mkdir /made && echo inside > /made/f")

	sb.Contain(t, "cp", file, "stopped:/made")
	sb.Contain(t, "cp", tree, "stopped:/made/tree")
	assert.Equal(t, "A /made\nA /made/f\nA /made/file\nA /made/tree\nA /made/tree/a\n"+
		"A /made/tree/lnk\nA /made/tree/sub\nA /made/tree/sub/b\n",
		sb.Contain(t, "diff", "stopped"))
	out := t.TempDir()
	sb.Contain(t, "cp", "stopped:/made", out)
	assert.Equal(t, cpView(t, tree), cpView(t, filepath.Join(out, "made/tree")))
	data, err := os.ReadFile(filepath.Join(out, "made/f"))
	require.NoError(t, err)
	assert.Equal(t, "inside\n", string(data))
	assert.Equal(t, before, treeDigest(t, rootfs))
	assert.Equal(t, mounts, testkit.HostMounts())
}

// Paths in the container are the container's. A symlink to /etc, or one that climbs
// towards a host directory, leads inside the container, both ways; a symlink that is the
// destination itself is replaced, not followed; a symlink copied out stays a symlink.
func TestCpSymlinks(t *testing.T) {
	sb := testkit.NewSandbox(t)
	host := t.TempDir()
	hostFile(t, filepath.Join(host, "secret"), "host secret\n")
	hostFile(t, filepath.Join(host, "victim"), "victim\n")
	file := filepath.Join(t.TempDir(), "file")
	hostFile(t, file, "f\n")
	tree := filepath.Join(t.TempDir(), "contain-cp-test-tree")
	hostTree(t, tree)
	sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", "links",
		"probe", "sleep", "30")
	sb.Contain(t, "exec", "links", "sh", "-c", "echo inside > /etc/hostname && "+
		"ln -s /etc /abs && ln -s ../../../.."+host+" /rel && mkdir -p "+host+" && "+
		"echo container secret > "+host+"/secret && ln -s "+host+"/victim /etc/vlink")
	hostOnly := func() {
		t.Helper()
		assert.Equal(t, []string{"secret", "victim"}, dirNames(t, host))
		data, err := os.ReadFile(filepath.Join(host, "victim"))
		require.NoError(t, err)
		assert.Equal(t, "victim\n", string(data))
		assert.NoDirExists(t, filepath.Join("/etc", filepath.Base(tree)))
	}

	out := t.TempDir()
	sb.Contain(t, "cp", "links:/abs/hostname", filepath.Join(out, "hostname"))
	sb.Contain(t, "cp", "links:/rel/secret", filepath.Join(out, "secret"))
	sb.Contain(t, "cp", "links:/abs", filepath.Join(out, "abs"))
	for name, want := range map[string]string{"hostname": "inside\n",
		"secret": "container secret\n"} {
		data, err := os.ReadFile(filepath.Join(out, name))
		require.NoError(t, err)
		assert.Equal(t, want, string(data), name)
	}
	target, err := os.Readlink(filepath.Join(out, "abs"))
	require.NoError(t, err, "a symlink is copied as a symlink")
	assert.Equal(t, "/etc", target)

	sb.Contain(t, "cp", file, "links:/rel/in")
	sb.Contain(t, "cp", tree, "links:/abs/")
	sb.Contain(t, "cp", file, "links:/etc/vlink")
	hostOnly()
	assert.Equal(t, "f\n600 regular file\n755 regular file\nf\nin\nsecret\n",
		sb.Contain(t, "exec", "links", "sh", "-c", "cat "+host+"/in && "+
			"stat -c '%a %F' /etc/"+filepath.Base(tree)+"/sub/b /etc/vlink && "+
			"cat /etc/vlink && ls "+host))
}

// cp never writes into the container's /proc or /sys, the kernel's files, even when a
// symlink leads there.
func TestCpKernelFiles(t *testing.T) {
	sb := testkit.NewSandbox(t)
	file := filepath.Join(t.TempDir(), "file")
	hostFile(t, file, "f\n")
	sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", "k",
		"probe", "sleep", "30")
	sb.Contain(t, "exec", "k", "ln", "-s", "/proc/sys/kernel", "/tmp/kernel")
	for _, dst := range []string{"/proc/", "/proc/sys/kernel", "/sys/", "/tmp/kernel/"} {
		r := sb.Run(t, "", "cp", file, "k:"+dst)
		assert.Equal(t, 125, r.Code, dst)
		assert.Equal(t, "contain: cp: "+path.Clean(dst)+": refusing to write into the "+
			"kernel's files (/proc, /sys)\n", r.Stderr)
	}
}

// Bad cp command lines: one line each, status 125, nothing copied.
func TestCpBadInput(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "run", "--rootfs", testkit.Rootfs(t), "--name", "c", "true")
	dir := t.TempDir()
	dst := filepath.Join(dir, "x")
	both := "cp: one of SRC and DST must be CONTAINER:PATH, the other a host path"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "cp: usage: contain cp SRC DST (one of them CONTAINER:PATH)"},
		{[]string{"c:/etc/passwd"}, "cp: usage: contain cp SRC DST (one of them " +
			"CONTAINER:PATH)"},
		{[]string{"/etc/passwd", dst}, both},
		{[]string{"c:/etc/passwd", "c:/x"}, both},
		{[]string{"nosuch:/etc/passwd", dst}, "cp: no such container: nosuch"},
		{[]string{"c:/nonexistent", dst}, "cp: open /nonexistent: no such file or directory"},
		{[]string{filepath.Join(dir, "nonexistent"), "c:/"},
			"cp: lstat " + filepath.Join(dir, "nonexistent") + ": no such file or directory"},
	} {
		r := sb.Run(t, "", append([]string{"cp"}, tc.args...)...)
		assert.Equal(t, 125, r.Code, tc.args)
		assert.Equal(t, "contain: "+tc.want+"\n", r.Stderr, tc.args)
		assert.Equal(t, "", r.Stdout)
	}
	assert.Empty(t, dirNames(t, dir))
	assert.Equal(t, "", sb.Contain(t, "diff", "c"))
}

// The name a copy gets in the container is always one plain name: "..", "." or "/" as a
// name would make the *at calls step out of the directory they start from (in a stopped
// container, into the layer's own directory on the host).
func TestCpNames(t *testing.T) {
	parent := t.TempDir()
	into, err := os.Open(parent)
	require.NoError(t, err)
	defer into.Close()
	src := t.TempDir()
	hostFile(t, filepath.Join(src, "f"), "f\n")
	for _, name := range []string{"..", ".", "/", "a/b", ""} {
		assert.Error(t, copyInTree(src, into, name), name)
	}
	entries, err := os.ReadDir(filepath.Dir(parent))
	require.NoError(t, err)
	for _, e := range entries {
		assert.NotEqual(t, "f", e.Name(), "written next to the target directory")
	}

	// From the command line: `cp .. NAME:/` copies the parent directory under its own
	// name, inside the container.
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "run", "--rootfs", testkit.Rootfs(t), "--name", "stopped", "true")
	cmd := sb.Command(context.Background(), "cp", "..", "stopped:/")
	cmd.Dir = src
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	l := layerOf(t, sb, "stopped")
	top, err := os.ReadDir(filepath.Dir(l.Upper))
	require.NoError(t, err)
	var names []string
	for _, e := range top {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"merged", "upper", "work"}, names, "the layer's directory")
	assert.FileExists(t, filepath.Join(l.Upper, filepath.Base(filepath.Dir(src)),
		filepath.Base(src), "f"))
	r := sb.Run(t, "", "cp", "/", "stopped:/tmp")
	assert.Equal(t, 125, r.Code)
	assert.Equal(t, "contain: cp: /: name a file or directory below /\n", r.Stderr)
}

// cp to a stopped container mounts its volumes as a run would: a copy to the volume's
// target lands in the volume.
func TestCpStoppedVolume(t *testing.T) {
	sb := testkit.NewSandbox(t)
	file := filepath.Join(t.TempDir(), "f")
	hostFile(t, file, "into the volume\n")
	sb.Contain(t, "run", "--rootfs", testkit.Rootfs(t), "--name", "vs", "-v", "cpvol:/data",
		"true")
	sb.Contain(t, "cp", file, "vs:/data/")
	assert.Equal(t, "into the volume\n", sb.Contain(t, "run", "--rm", "--rootfs",
		testkit.Rootfs(t), "-v", "cpvol:/data", "cat", "/data/f"))
	sb.Contain(t, "rm", "vs")
	sb.Contain(t, "volume", "rm", "cpvol")
}
