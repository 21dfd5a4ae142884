package testkit

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Usages as the steps print them (abridged).
const (
	usageStep1 = `Usage: contain [--debug] COMMAND [ARG...]

Commands:
  run [FLAGS] CMD [ARG...]      Run a command in a new container

Global flags:
  -v, --debug                   Narrate each isolation decision on stderr
`
	usageStep3 = `Usage: contain [--debug] COMMAND [ARG...]

Commands:
  run [FLAGS] CMD [ARG...]      Run a command in a new container
  ps                            List containers
  exec CONTAINER CMD [ARG...]   Run a command in a running container

Global flags:
  -v, --debug                   Narrate each isolation decision on stderr
      --root DIR                State directory (default /run/contain)
`
	usageStep4 = `Usage: contain [--debug] COMMAND [ARG...]

Commands:
  run [FLAGS] CMD [ARG...]      Run a command in a new container
  ps [-a] [-q]                  List containers
  kill [-s SIGNAL] CONTAINER... Send a signal to containers
  rm [-f] CONTAINER...          Remove containers

Global flags:
  -v, --debug                   Narrate each isolation decision on stderr
      --root DIR                State directory (default /run/contain)
      --cgroup-parent NAME      The engine's cgroup, under the cgroup2 root (default contain)
`
)

func TestParseFeatures(t *testing.T) {
	tests := []struct {
		name  string
		usage string
		want  features
	}{
		{"step 1: run only", usageStep1, features{}},
		{"step 3: a state root", usageStep3, features{root: true}},
		{"step 4: cgroups and rm", usageStep4, features{root: true, cgroupParent: true,
			rm: true}},
		{"step 5: a data root", usageStep4 + "      --data-root DIR  Layers and volumes\n",
			features{root: true, cgroupParent: true, rm: true, dataRoot: true}},
		{"step 6: networks", usageStep4 + "      --data-root DIR  Layers and volumes\n" +
			"  network create|ls|inspect|rm|prune\n                   Manage networks\n",
			features{root: true, cgroupParent: true, rm: true, dataRoot: true,
				network: true}},
		{"--rootfs is not --root", "  run [--rootfs DIR] CMD\n", features{}},
		{"rm without -f is not enough", "  rm CONTAINER...\n", features{}},
		{"rm in a description is no command", "  prune   rm [-f] every exited one\n",
			features{}},
		{"network in a description is no command", "  run   --network create a new one\n",
			features{}},
		{"empty", "", features{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, parseFeatures(tc.usage))
		})
	}
}

func TestWrapperLine(t *testing.T) {
	assert.Equal(t, `exec nsenter --net="/run/netns/$CONTAIN_SANDBOX" -- '/b/contain' "$@"`,
		wrapperLine("/b/contain", features{}))
	assert.Equal(t, `exec nsenter --net="/run/netns/$CONTAIN_SANDBOX" -- '/it'\''s/contain'`+
		` --root "$CONTAIN_SANDBOX_DIR/state" --cgroup-parent "$CONTAIN_SANDBOX" "$@"`,
		wrapperLine("/it's/contain", features{root: true, cgroupParent: true, rm: true}))
	assert.Equal(t, `exec nsenter --net="/run/netns/$CONTAIN_SANDBOX" -- '/b/contain'`+
		` --data-root "$CONTAIN_SANDBOX_DIR/data" "$@"`,
		wrapperLine("/b/contain", features{dataRoot: true}))
}

const mountinfo = `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
23 22 0:21 / /proc rw,nosuid shared:12 - proc proc rw
30 22 0:26 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate
31 22 0:27 / /run/netns rw shared:5 - tmpfs tmpfs rw
32 31 0:4 net:[4026532] /run/netns/contain-test-12-1 rw shared:6 - nsfs nsfs rw
33 22 0:28 / /mnt rw shared:7 - tmpfs tmpfs rw
34 33 0:29 / /mnt rw shared:8 - tmpfs tmpfs rw
`

func TestMountPoints(t *testing.T) {
	assert.Equal(t, []string{"/", "/mnt", "/mnt", "/proc", "/sys/fs/cgroup"},
		mountPoints(mountinfo), "the sandboxes' network namespaces are no host mounts")
}

func TestMountLeaks(t *testing.T) {
	before := []string{"/", "/mnt", "/proc"}
	assert.Empty(t, mountLeaks(before, before))
	assert.Empty(t, mountLeaks(before, []string{"/", "/proc"}), "an unmount is no leak")
	assert.Equal(t, []string{"leak: mount left on the host: /mnt",
		"leak: mount left on the host: /tmp/x"},
		mountLeaks(before, []string{"/", "/mnt", "/mnt", "/proc", "/tmp/x"}),
		"a second mount on the same point is a leak too")
}

func TestCgroup2Point(t *testing.T) {
	point, ok := cgroup2Point(mountinfo)
	assert.True(t, ok)
	assert.Equal(t, "/sys/fs/cgroup", point)
	_, ok = cgroup2Point("23 22 0:21 / /proc rw - proc proc rw\n" +
		"24 22 0:22 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n")
	assert.False(t, ok, "cgroup v1 is not cgroup2")
}

func TestScriptCondition(t *testing.T) {
	_, err := scriptCondition("nope")
	assert.EqualError(t, err, `unknown condition "nope"`)
	ok, err := scriptCondition("cgroup2:no-such-controller")
	assert.NoError(t, err)
	assert.False(t, ok)
}

func TestRootfsChanges(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a"), []byte("1"), 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "d"), 0o755))
	before := rootfsSnapshot(dir)
	assert.Empty(t, rootfsChanges(before, rootfsSnapshot(dir)))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "d", "new"), nil, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a"), []byte("12"), 0o644))
	assert.Equal(t, []string{"added: " + filepath.Join(dir, "d", "new"),
		"changed: " + filepath.Join(dir, "a") + " (-rw-r--r-- 2, was -rw-r--r-- 1)"},
		rootfsChanges(before, rootfsSnapshot(dir)))
}
