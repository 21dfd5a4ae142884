package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"contain/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// volumeNames lists the volumes that `volume ls` shows.
func volumeNames(t *testing.T, sb *testkit.Sandbox) []string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(sb.Contain(t, "volume", "ls")), "\n")
	require.Regexp(t, `^DRIVER +VOLUME NAME$`, lines[0])
	names := []string{}
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		require.Len(t, f, 2, line)
		assert.Equal(t, "local", f[0])
		names = append(names, f[1])
	}
	return names
}

// volumeView is one volume of `volume inspect`.
type volumeView struct {
	Name       string
	Driver     string
	Mountpoint string
	Anonymous  bool
	UsedBy     []string
}

func inspectVolume(t *testing.T, sb *testkit.Sandbox, name string) volumeView {
	t.Helper()
	var views []volumeView
	require.NoError(t, json.Unmarshal([]byte(sb.Contain(t, "volume", "inspect", name)), &views))
	require.Len(t, views, 1)
	return views[0]
}

// A named volume is created on first use and keeps its data across containers and after
// they are removed, until volume rm.
func TestVolumeNamed(t *testing.T) {
	sb := testkit.NewSandbox(t)
	rootfs := testkit.Rootfs(t)
	sb.Contain(t, "run", "--rootfs", rootfs, "--name", "one", "-v", "data:/d", "sh", "-c",
		"echo kept > /d/f")
	assert.Equal(t, "DRIVER   VOLUME NAME\nlocal    data\n", sb.Contain(t, "volume", "ls"))
	assert.Equal(t, "kept\n", sb.Contain(t, "run", "--rootfs", rootfs, "--name", "two",
		"-v", "data:/d:ro", "cat", "/d/f"))
	sb.Contain(t, "rm", "one", "two")
	assert.Equal(t, "kept\n", sb.Contain(t, "run", "--rm", "--rootfs", rootfs,
		"-v", "data:/d", "cat", "/d/f"), "kept after rm")

	assert.Equal(t, "data\n", sb.Contain(t, "volume", "rm", "data"))
	assert.Empty(t, volumeNames(t, sb))
	// Used again, the name is a new, empty volume.
	assert.Equal(t, "", sb.Contain(t, "run", "--rm", "--rootfs", rootfs, "-v", "data:/d",
		"ls", "/d"))
	sb.Contain(t, "volume", "rm", "data")
}

// volume create, ls, inspect, prune, and their bad input.
func TestVolumeCommands(t *testing.T) {
	sb := testkit.NewSandbox(t)
	assert.Equal(t, "v1\n", sb.Contain(t, "volume", "create", "v1"))
	assert.Equal(t, "v1\n", sb.Contain(t, "volume", "create", "v1"), "create twice: one")
	sb.Contain(t, "volume", "create", "v2")
	assert.Equal(t, []string{"v1", "v2"}, volumeNames(t, sb))

	v := inspectVolume(t, sb, "v1")
	assert.Equal(t, volumeView{Name: "v1", Driver: "local",
		Mountpoint: filepath.Join(sb.Data, "volumes/v1/_data")}, v)
	// The mount point is what a container sees.
	require.NoError(t, os.WriteFile(filepath.Join(v.Mountpoint, "hello"), []byte("hi\n"),
		0o644))
	assert.Equal(t, "hi\n", sb.Contain(t, "run", "--rootfs", testkit.Rootfs(t),
		"--name", "user", "-v", "v1:/x", "cat", "/x/hello"))
	assert.Equal(t, []string{"user"}, inspectVolume(t, sb, "v1").UsedBy)

	// prune removes the anonymous volumes that no container uses (none here: named ones
	// are kept, as by docker since its version 23); prune -a the named ones too.
	assert.Equal(t, "", sb.Contain(t, "volume", "prune"))
	assert.Equal(t, []string{"v1", "v2"}, volumeNames(t, sb))
	assert.Equal(t, "v2\n", sb.Contain(t, "volume", "prune", "-a"))
	assert.Equal(t, []string{"v1"}, volumeNames(t, sb))
	sb.Contain(t, "rm", "user")
	assert.Equal(t, "v1\n", sb.Contain(t, "volume", "prune", "--all"))
	assert.Empty(t, volumeNames(t, sb))

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"create", "bad/name"},
			"volume create: want one NAME of [a-zA-Z0-9][a-zA-Z0-9_.-]*"},
		{[]string{"create"}, "volume create: want one NAME of [a-zA-Z0-9][a-zA-Z0-9_.-]*"},
		{[]string{"inspect", "nosuch"}, "volume inspect: no such volume: nosuch"},
		{[]string{"rm", "nosuch"}, "volume rm: no such volume: nosuch"},
		{[]string{"bogus"}, `volume: unknown command "bogus" (see 'contain volume --help')`},
	} {
		r := sb.Run(t, "", append([]string{"volume"}, tc.args...)...)
		assert.Equal(t, 125, r.Code, tc.args)
		assert.Equal(t, "contain: "+tc.want+"\n", r.Stderr)
		assert.Equal(t, "", r.Stdout)
	}
	assertNothingCreated(t, sb)
}

// volume rm refuses a volume that a container uses, running or stopped: one line, and the
// volume and its data stay. prune leaves it too.
func TestVolumeInUse(t *testing.T) {
	sb := testkit.NewSandbox(t)
	rootfs := testkit.Rootfs(t)
	sb.Contain(t, "run", "--rootfs", rootfs, "--name", "holder", "-v", "busy:/d", "sh", "-c",
		"echo x > /d/f")
	r := sb.Run(t, "", "volume", "rm", "busy")
	assert.Equal(t, 125, r.Code)
	assert.Equal(t, "contain: volume rm: volume busy is in use by container holder\n", r.Stderr)
	assert.Equal(t, "", r.Stdout)
	assert.Equal(t, "", sb.Contain(t, "volume", "prune", "-a"))
	assert.Equal(t, []string{"busy"}, volumeNames(t, sb))

	sb.Contain(t, "run", "-d", "--rootfs", rootfs, "--name", "live", "-v", "busy:/d",
		"probe", "sleep", "30")
	sb.Contain(t, "rm", "holder")
	r = sb.Run(t, "", "volume", "rm", "busy")
	assert.Equal(t, 125, r.Code)
	assert.Equal(t, "contain: volume rm: volume busy is in use by container live\n", r.Stderr)
	assert.Equal(t, "x\n", sb.Contain(t, "exec", "live", "cat", "/d/f"), "the data stays")

	sb.Contain(t, "rm", "-f", "live")
	assert.Equal(t, "busy\n", sb.Contain(t, "volume", "rm", "busy"))
}

// An anonymous volume (-v /path) goes with its container when asked (rm -v, run --rm) and
// when the container never ran; plain rm keeps it, as with docker. rm -v leaves named
// volumes alone.
func TestVolumeAnonymous(t *testing.T) {
	sb := testkit.NewSandbox(t)
	rootfs := testkit.Rootfs(t)
	sb.Contain(t, "run", "--rootfs", rootfs, "--name", "a1", "-v", "/data", "sh", "-c",
		"echo x > /data/f")
	names := volumeNames(t, sb)
	require.Len(t, names, 1)
	assert.Regexp(t, `^[0-9a-f]{64}$`, names[0])
	v := inspectVolume(t, sb, names[0])
	assert.True(t, v.Anonymous)
	assert.Equal(t, []string{"a1"}, v.UsedBy)
	sb.Contain(t, "rm", "a1")
	assert.Equal(t, names, volumeNames(t, sb), "plain rm keeps it")
	sb.Contain(t, "volume", "rm", names[0])

	sb.Contain(t, "run", "--rootfs", rootfs, "--name", "a2", "-v", "named:/n", "-v", "/data",
		"true")
	require.Len(t, volumeNames(t, sb), 2)
	sb.Contain(t, "rm", "-v", "a2")
	assert.Equal(t, []string{"named"}, volumeNames(t, sb), "rm -v: the anonymous one")
	sb.Contain(t, "volume", "rm", "named")

	sb.Contain(t, "run", "--rm", "--rootfs", rootfs, "-v", "/data", "true")
	assert.Empty(t, volumeNames(t, sb), "run --rm")
	sb.Contain(t, "run", "-d", "--rm", "--rootfs", rootfs, "-v", "/data", "true")
	testkit.Eventually(t, "removed", func() bool { return sb.Contain(t, "ps", "-a", "-q") == "" })
	assert.Empty(t, volumeNames(t, sb), "run -d --rm")

	for _, detach := range [][]string{nil, {"-d"}} {
		args := append(append([]string{"run"}, detach...), "--rootfs", rootfs, "-v", "/data",
			"nope")
		r := sb.Run(t, "", args...)
		assert.Equal(t, 127, r.Code)
		assert.Equal(t, "contain: run: exec \"nope\": executable file not found in $PATH\n",
			r.Stderr)
		assertNothingCreated(t, sb)
	}
}

// A new volume starts with what the image has at its target, owners and modes kept, as
// with docker; nocopy leaves it empty. A volume that exists already is never touched.
func TestVolumeSeeded(t *testing.T) {
	sb := testkit.NewSandbox(t)
	rootfs := ownRootfs(t)
	app := filepath.Join(rootfs, "srv", "app")
	require.NoError(t, os.MkdirAll(app, 0o750))
	require.NoError(t, os.WriteFile(filepath.Join(app, "conf"), []byte("from image\n"), 0o640))
	require.NoError(t, os.Chown(filepath.Join(app, "conf"), 1234, 1234))
	require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(app, "link")))
	out := sb.Contain(t, "run", "--rm", "--rootfs", rootfs, "-v", "seeded:/srv/app",
		"sh", "-c", "cat /srv/app/conf; stat -c '%u %a' /srv/app/conf; readlink /srv/app/link")
	assert.Equal(t, "from image\n1234 640\n/etc/passwd\n", out)
	require.NoError(t, os.WriteFile(filepath.Join(app, "conf"), []byte("changed\n"), 0o640))
	assert.Equal(t, "from image\n", sb.Contain(t, "run", "--rm", "--rootfs", rootfs, "-v",
		"seeded:/srv/app", "cat", "/srv/app/conf"), "an existing volume is not filled again")
	assert.Equal(t, "", sb.Contain(t, "run", "--rm", "--rootfs", rootfs, "-v",
		"empty:/srv/app:nocopy", "ls", "/srv/app"))
	sb.Contain(t, "volume", "rm", "seeded", "empty")
}

// An anonymous volume that another container uses too stays when its first container
// goes with rm -v, as with docker.
func TestVolumeAnonymousShared(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", "first", "-v", "/data",
		"sh", "-c", "echo kept > /data/f; exec probe sleep 30")
	name := inspectOne(t, sb, "first").Mounts[0].Name
	require.Regexp(t, `^[0-9a-f]{64}$`, name)
	sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", "second", "-v",
		name+":/data", "probe", "sleep", "30")
	sb.Contain(t, "rm", "-f", "-v", "first")
	assert.Equal(t, "kept\n", sb.Contain(t, "exec", "second", "cat", "/data/f"))
	sb.Contain(t, "rm", "-f", "-v", "second") // the last user: now it goes
	assert.Empty(t, volumeNames(t, sb))
}

// Volumes are root's only on the host: a container may leave a setuid file in one, which
// no other user of the host may reach.
func TestVolumesPrivate(t *testing.T) {
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "volume", "create", "p")
	st, err := os.Stat(filepath.Join(sb.Data, "volumes"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), st.Mode().Perm())
	sb.Contain(t, "volume", "rm", "p")
}
