package main

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"contain/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func TestParseVolume(t *testing.T) {
	tests := []struct {
		in      string
		want    mountSpec
		wantErr string
	}{
		{"/h:/c", mountSpec{Type: "bind", Source: "/h", Target: "/c"}, ""},
		{"/h/../h/:/c/d/:ro", mountSpec{Type: "bind", Source: "/h", Target: "/c/d",
			ReadOnly: true}, ""},
		{"/h:/c:rw", mountSpec{Type: "bind", Source: "/h", Target: "/c"}, ""},
		{"cache-1.x:/c", mountSpec{Type: "volume", Source: "cache-1.x", Target: "/c"}, ""},
		{"/c", mountSpec{Type: "volume", Target: "/c", Anonymous: true}, ""},
		{"/c:ro", mountSpec{Type: "volume", Target: "/c", Anonymous: true, ReadOnly: true},
			""},
		{"./x:/y", mountSpec{}, `"./x" is neither an absolute host path nor a volume name`},
		{"a/b:/y", mountSpec{}, `"a/b" is neither an absolute host path nor a volume name`},
		{"v:/", mountSpec{}, "cannot mount on /"},
		{"v:/a/..", mountSpec{}, "cannot mount on /"},
		{"v:/proc", mountSpec{}, "cannot mount on /proc"},
		{"v:/proc/sys", mountSpec{}, "cannot mount on /proc/sys"},
		{"/h:/c:rx", mountSpec{}, `unknown option "rx" (want ro, rw or nocopy)`},
		{"/h:/c:ro:x:y", mountSpec{}, "want [SOURCE:]TARGET[:ro]"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseVolume(tc.in)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				assert.True(t, strings.HasPrefix(err.Error(), `-v "`+tc.in+`": `), err.Error())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestParseTmpfs(t *testing.T) {
	tests := []struct {
		in      string
		want    mountSpec
		wantErr string
	}{
		{"/t", mountSpec{Type: "tmpfs", Target: "/t"}, ""},
		{"/t/:size=64m,mode=1777", mountSpec{Type: "tmpfs", Target: "/t",
			Options: "size=64m,mode=1777"}, ""},
		{"/t:ro,size=1m", mountSpec{Type: "tmpfs", Target: "/t", ReadOnly: true,
			Options: "size=1m"}, ""},
		{"/t:bogus=1", mountSpec{}, `unknown option "bogus=1"`},
		{"t", mountSpec{}, `the target "t" is not an absolute path`},
		{"/", mountSpec{}, "cannot mount on /"},
		{"/proc/x", mountSpec{}, "cannot mount on /proc/x"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseTmpfs(tc.in)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// A bind mount is the host directory itself: the host sees what the container writes, and
// the container what the host put there.
func TestBindReadWrite(t *testing.T) {
	sb := testkit.NewSandbox(t)
	host := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(host, "from-host"), []byte("h\n"), 0o644))
	out := sb.Contain(t, "run", "--rm", "--rootfs", testkit.Rootfs(t), "-v", host+":/h",
		"sh", "-c", "cat /h/from-host && echo c > /h/from-ctr")
	assert.Equal(t, "h\n", out)
	data, err := os.ReadFile(filepath.Join(host, "from-ctr"))
	require.NoError(t, err)
	assert.Equal(t, "c\n", string(data))
}

// :ro makes the bind read-only inside: a write fails with EROFS, and reaches nothing.
func TestBindReadOnly(t *testing.T) {
	sb := testkit.NewSandbox(t)
	host := t.TempDir()
	r := sb.Run(t, "", "run", "--rm", "--rootfs", testkit.Rootfs(t), "-v", host+":/h:ro",
		"sh", "-c", "ls /h; touch /h/x")
	assert.Equal(t, 1, r.Code)
	assert.Equal(t, "touch: /h/x: Read-only file system\n", r.Stderr)
	assert.Empty(t, dirNames(t, host))
}

// The bind is recursive, and read-only all the way down: a mount inside the host directory
// is there in the container, read-only too. The host's own mounts stay writable.
func TestBindReadOnlyRecursive(t *testing.T) {
	sb := testkit.NewSandbox(t)
	host := t.TempDir()
	sub := filepath.Join(host, "sub")
	require.NoError(t, os.Mkdir(sub, 0o755))
	require.NoError(t, unix.Mount("tmpfs", sub, "tmpfs", 0, "size=1m"))
	t.Cleanup(func() { assert.NoError(t, unix.Unmount(sub, 0)) })
	require.NoError(t, os.WriteFile(filepath.Join(sub, "in-submount"), nil, 0o644))

	r := sb.Run(t, "", "run", "--rm", "--rootfs", testkit.Rootfs(t), "-v", host+":/h:ro",
		"sh", "-c", "ls /h/sub; touch /h/sub/x; touch /h/x")
	assert.Equal(t, "in-submount\n", r.Stdout, "the submount is in the bind")
	assert.Equal(t, "touch: /h/sub/x: Read-only file system\n"+
		"touch: /h/x: Read-only file system\n", r.Stderr)
	assert.Equal(t, []string{"in-submount"}, dirNames(t, sub))
	assert.NoError(t, os.WriteFile(filepath.Join(sub, "host-writes"), nil, 0o644),
		"the host's submount is still writable")
	assert.NoError(t, os.WriteFile(filepath.Join(host, "host-writes"), nil, 0o644))
}

// A file can be bound onto a file, and a write to it is a write to the host's file.
func TestBindFile(t *testing.T) {
	sb := testkit.NewSandbox(t)
	file := filepath.Join(t.TempDir(), "conf")
	require.NoError(t, os.WriteFile(file, []byte("host\n"), 0o644))
	out := sb.Contain(t, "run", "--rm", "--rootfs", testkit.Rootfs(t), "-v", file+":/etc/x",
		"sh", "-c", "cat /etc/x && echo ctr >> /etc/x")
	assert.Equal(t, "host\n", out)
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, "host\nctr\n", string(data))
}

// As with docker, a host directory that does not exist is created.
func TestBindCreatesHostDir(t *testing.T) {
	sb := testkit.NewSandbox(t)
	host := filepath.Join(t.TempDir(), "a", "b")
	sb.Contain(t, "run", "--rm", "--rootfs", testkit.Rootfs(t), "-v", host+":/h",
		"touch", "/h/made")
	assert.FileExists(t, filepath.Join(host, "made"))
}

// --tmpfs mounts a tmpfs with the options given (df shows its size), and what is written
// there never reaches the container's layer; :ro makes it read-only.
func TestTmpfs(t *testing.T) {
	sb := testkit.NewSandbox(t)
	out := sb.Contain(t, "run", "--rootfs", testkit.Rootfs(t), "--name", "tm",
		"--tmpfs", "/scratch:size=1m,mode=1777", "sh", "-c",
		"echo x > /scratch/f && df -k /scratch | sed 1d && stat -c %a /scratch")
	assert.Regexp(t, `^tmpfs +1024 +\d+ +\d+ +\d+% /scratch\n1777\n$`, out)
	assert.Equal(t, "A /scratch\n", sb.Contain(t, "diff", "tm"), "only the mount point")

	r := sb.Run(t, "", "run", "--rm", "--rootfs", testkit.Rootfs(t), "--tmpfs", "/ro:ro",
		"touch", "/ro/x")
	assert.Equal(t, 1, r.Code)
	assert.Equal(t, "touch: /ro/x: Read-only file system\n", r.Stderr)
}

// assertNothingCreated checks that the sandbox holds no container, layer or volume.
func assertNothingCreated(t *testing.T, sb *testkit.Sandbox) {
	t.Helper()
	assert.Equal(t, "", sb.Contain(t, "ps", "-a", "-q"))
	assert.Empty(t, dirNames(t, filepath.Join(sb.Data, "containers")), "layers")
	assert.Empty(t, dirNames(t, filepath.Join(sb.Data, "volumes")), "volumes")
}

// Bad -v and --tmpfs values: one line each, status 125, and nothing created (no
// container, layer, volume or host directory).
func TestMountBadInput(t *testing.T) {
	sb := testkit.NewSandbox(t)
	host := filepath.Join(t.TempDir(), "never")
	tests := []struct {
		flag, value, want string
	}{
		{"-v", "./x:/y", `"./x" is neither an absolute host path nor a volume name`},
		{"-v", "vol:/", "cannot mount on /"},
		{"-v", "vol:/proc/x", "cannot mount on /proc/x"},
		{"-v", host + ":/y:rx", `unknown option "rx"`},
		{"--tmpfs", "/x:bogus=1", `unknown option "bogus=1"`},
		{"-v", host + ":/y:ro:x:y", "want [SOURCE:]TARGET[:ro]"},
	}
	for _, tc := range tests {
		r := sb.Run(t, "", "run", "--rootfs", testkit.Rootfs(t), tc.flag, tc.value, "true")
		assert.Equal(t, 125, r.Code, tc.value)
		assert.Regexp(t, `^contain: run: `+tc.flag+` "[^\n]*\n$`, r.Stderr, "one line")
		assert.Contains(t, r.Stderr, tc.want)
	}
	assertNothingCreated(t, sb)
	assert.NoDirExists(t, host)
	assert.NoDirExists(t, "x")
}

// Mount points are resolved inside the container's root. An image whose /mnt/link is a
// symlink to a host directory (through enough "..") and whose /etc/evil is a symlink to
// /etc/passwd gets its volumes where those symlinks lead inside the rootfs; nothing is
// mounted or made on the host, and the host's /etc/passwd is untouched.
func TestMountPointSymlinks(t *testing.T) {
	rootfs := ownRootfs(t)
	host := t.TempDir() // the host directory the image aims at
	marker := filepath.Join(host, "marker")
	require.NoError(t, os.WriteFile(marker, []byte("host\n"), 0o644))
	// The same path inside the rootfs: resolved in the root, the symlink leads there.
	require.NoError(t, os.MkdirAll(filepath.Join(rootfs, host), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(rootfs, "mnt"), 0o755))
	require.NoError(t, os.Symlink("/../../../.."+host, filepath.Join(rootfs, "mnt/link")))
	require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(rootfs, "etc/evil")))
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, []byte("from the file\n"), 0o644))
	passwd := hashFile(t, "/etc/passwd")
	before := treeDigest(t, rootfs)
	sb := testkit.NewSandbox(t)
	hostUntouched := func(when string) {
		t.Helper()
		mounts := testkit.HostMounts()
		assert.NotContains(t, mounts, host, when)
		assert.NotContains(t, mounts, "/etc/passwd", when)
		assert.Equal(t, []string{"marker"}, dirNames(t, host), when)
		data, err := os.ReadFile(marker)
		assert.NoError(t, err, when)
		assert.Equal(t, "host\n", string(data), when)
		assert.Equal(t, passwd, hashFile(t, "/etc/passwd"), when)
	}

	startBackground(t, sb, "sym", "--rootfs", rootfs, "-v", "vol:/mnt/link",
		"-v", file+":/etc/evil", "probe", "sleep", "30")
	hostUntouched("while it runs")
	out := sb.Contain(t, "exec", "sym", "sh", "-c",
		"echo v > /mnt/link/tag && cat "+host+"/tag /etc/evil /etc/passwd")
	assert.Equal(t, "v\nfrom the file\nfrom the file\n", out)
	out = sb.Contain(t, "exec", "sym", "probe", "mounts")
	assert.Regexp(t, `(?m)^`+host+` `, out, "the volume, where the symlink leads inside")
	assert.Regexp(t, `(?m)^/etc/passwd `, out)
	hostUntouched("after exec")
	sb.Contain(t, "rm", "-f", "sym")
	hostUntouched("after rm")

	// New mount points made through the symlink are made inside the rootfs too (in the
	// container's layer: the rootfs itself stays as it was).
	out = sb.Contain(t, "run", "--rm", "--rootfs", rootfs, "-v", "vol:/mnt/link/sub",
		"-v", file+":/mnt/link/newfile", "sh", "-c", "ls "+host+"; cat "+host+"/sub/tag")
	assert.Equal(t, "newfile\nsub\nv\n", out)
	hostUntouched("after mkdir through the symlink")
	assert.Equal(t, before, treeDigest(t, rootfs))

	// Where the symlink leads nowhere inside, the mount is refused: the host directory
	// with that name is not a way out.
	require.NoError(t, os.Remove(filepath.Join(rootfs, host)))
	r := sb.Run(t, "", "run", "--rm", "--rootfs", rootfs, "-v", "vol:/mnt/link/sub", "true")
	assert.Equal(t, 125, r.Code)
	assert.Regexp(t, `^contain: run: init: mount vol on /mnt/link/sub: [^\n]*`+
		`no such file or directory\n$`, r.Stderr)
	hostUntouched("after the refusal")
	sb.Contain(t, "volume", "rm", "vol")
}

// hashFile is the SHA-256 of a file's content.
func hashFile(t *testing.T, name string) [32]byte {
	t.Helper()
	data, err := os.ReadFile(name)
	require.NoError(t, err)
	return sha256.Sum256(data)
}

// docker's own mount options are understood: tmpfs's rw, exec, suid and dev (noexec,
// nosuid and nodev by default), and -v's z, Z, nocopy and private; a propagation the
// engine does not give is refused.
func TestMountOptions(t *testing.T) {
	m, err := parseTmpfs("/t:rw,exec,nosuid,size=1m")
	require.NoError(t, err)
	assert.Equal(t, []string{"exec"}, m.Flags)
	assert.Equal(t, "size=1m", m.Options)
	m, err = parseVolume("/h:/c:z,nocopy,rprivate")
	require.NoError(t, err)
	assert.True(t, m.NoCopy)
	_, err = parseVolume("/h:/c:rshared")
	assert.ErrorContains(t, err, `propagation "rshared" is not supported`)

	sb := testkit.NewSandbox(t)
	script := "printf '#!/bin/sh\\necho ran\\n' > /t/x && chmod +x /t/x && /t/x"
	r := sb.Run(t, "", "run", "--rm", "--rootfs", testkit.Rootfs(t), "--tmpfs", "/t",
		"sh", "-c", script)
	assert.Contains(t, r.Stderr, "Permission denied", "noexec by default")
	assert.Equal(t, "ran\n", sb.Contain(t, "run", "--rm", "--rootfs", testkit.Rootfs(t),
		"--tmpfs", "/t:exec", "sh", "-c", script))
}
