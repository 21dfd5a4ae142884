package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"contain/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// mknodBlock makes a block device node in a temporary directory (root only): the engine
// reads only the numbers of a device file, so no such disk has to exist.
func mknodBlock(t *testing.T, major, minor uint32) string {
	t.Helper()
	testkit.RequireRoot(t)
	path := filepath.Join(t.TempDir(), fmt.Sprintf("disk%d-%d", major, minor))
	require.NoError(t, unix.Mknod(path, unix.S_IFBLK|0o600, int(unix.Mkdev(major, minor))))
	return path
}

func TestParseDeviceLimit(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	for _, tc := range []struct{ in, key, want string }{
		{"/dev/vda", "rbps", "want DEVICE:RATE, e.g. /dev/vda:1mb"},
		{":1mb", "rbps", "want DEVICE:RATE, e.g. /dev/vda:1mb"},
		{file + ":0", "rbps", `rate "0": a positive number`},
		{file + ":", "wbps", `rate "": a positive number`},
		{file + ":fast", "rbps", `rate "fast": a positive number`},
		{file + ":-1mb", "wbps", `rate "-1mb": a positive number`},
		{file + ":1mb", "riops", `rate "1mb": a positive number`}, // operations: no unit
		{file + ":0", "wiops", `rate "0": a positive number`},
		{file + ":1mb", "rbps", file + " is not a block device"},
		{dir + ":100", "riops", dir + " is not a block device"},
		{dir + "/missing:1mb", "rbps", "stat " + dir + "/missing: no such file or directory"},
	} {
		_, err := parseDeviceLimit(tc.in, tc.key)
		if assert.Error(t, err, tc.in) {
			assert.Equal(t, tc.want, err.Error(), tc.in)
		}
	}

	t.Run("devices", func(t *testing.T) {
		disk := mknodBlock(t, 259, 70000) // a minor beyond 8 bits, as NVMe partitions have
		got, err := parseDeviceLimit(disk+":1mb", "rbps")
		require.NoError(t, err)
		assert.Equal(t, deviceLimit{Path: disk, Major: 259, Minor: 70000, Key: "rbps",
			Rate: 1 << 20}, got)
		got, err = parseDeviceLimit(disk+":250", "wiops")
		require.NoError(t, err)
		assert.Equal(t, deviceLimit{Path: disk, Major: 259, Minor: 70000, Key: "wiops",
			Rate: 250}, got)

		char := filepath.Join(t.TempDir(), "null")
		require.NoError(t, unix.Mknod(char, unix.S_IFCHR|0o600, int(unix.Mkdev(1, 3))))
		_, err = parseDeviceLimit(char+":1mb", "rbps")
		assert.EqualError(t, err, char+" is not a block device")
	})
}

// The io flags: the weight's range, and errors that name the flag and the value.
func TestParseIOFlags(t *testing.T) {
	for _, w := range []uint16{10, 500, 1000} {
		res, err := (&resourceFlags{ioFlags: ioFlags{blkioWeight: w}}).parse()
		if assert.NoError(t, err, w) {
			assert.Equal(t, resources{BlkioWeight: w}, *res)
		}
	}
	for _, w := range []uint16{1, 9, 1001, 65535} {
		_, err := (&resourceFlags{ioFlags: ioFlags{blkioWeight: w}}).parse()
		assert.EqualError(t, err, fmt.Sprintf("--blkio-weight %d: a number from 10 to 1000",
			w))
	}
	for _, tc := range []struct {
		flags ioFlags
		want  string
	}{
		{ioFlags{readBps: []string{"sda"}}, `--device-read-bps "sda": want DEVICE:RATE`},
		{ioFlags{writeBps: []string{"/nope:1m"}}, `--device-write-bps "/nope:1m": stat /nope`},
		{ioFlags{readIOps: []string{"/nope:x"}}, `--device-read-iops "/nope:x": rate "x"`},
		{ioFlags{writeIOps: []string{"/nope"}}, `--device-write-iops "/nope": want DEVICE`},
	} {
		_, err := (&resourceFlags{ioFlags: tc.flags}).parse()
		if assert.Error(t, err, tc.want) {
			assert.Contains(t, err.Error(), tc.want)
		}
	}

	t.Run("devices", func(t *testing.T) {
		a, b := mknodBlock(t, 8, 0), mknodBlock(t, 8, 16)
		res, err := (&resourceFlags{ioFlags: ioFlags{readBps: []string{a + ":1mb"},
			writeBps: []string{b + ":2mb"}, readIOps: []string{a + ":100"},
			writeIOps: []string{a + ":50", b + ":60"}}}).parse()
		require.NoError(t, err)
		assert.Equal(t, []deviceLimit{
			{Path: a, Major: 8, Minor: 0, Key: "rbps", Rate: 1 << 20},
			{Path: b, Major: 8, Minor: 16, Key: "wbps", Rate: 2 << 20},
			{Path: a, Major: 8, Minor: 0, Key: "riops", Rate: 100},
			{Path: a, Major: 8, Minor: 0, Key: "wiops", Rate: 50},
			{Path: b, Major: 8, Minor: 16, Key: "wiops", Rate: 60},
		}, res.DeviceLimits)
	})
}

// applyIO writes the weight on docker's scale to io.bfq.weight when the BFQ scheduler
// gives the group that file, else converted to io.weight's scale (1 to 10000), and a line
// per device limit to io.max. A directory stands for the group: each write replaces the
// file, where a real io.max would keep one line per device.
func TestApplyIO(t *testing.T) {
	for w, want := range map[uint16]string{10: "default 1", 300: "default 2930",
		500: "default 4950", 1000: "default 10000"} {
		dir := t.TempDir()
		require.NoError(t, (&resources{BlkioWeight: w}).applyIO(dir))
		assert.Equal(t, want, readValue(dir, "io.weight"), w)
	}

	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "io.bfq.weight"), nil, 0o644))
	require.NoError(t, (&resources{BlkioWeight: 300}).applyIO(dir))
	assert.Equal(t, "default 300", readValue(dir, "io.bfq.weight"))
	assert.NoFileExists(t, filepath.Join(dir, "io.weight"))

	dir = t.TempDir()
	require.NoError(t, (&resources{DeviceLimits: []deviceLimit{{Major: 254, Minor: 16,
		Key: "wiops", Rate: 100}}}).applyIO(dir))
	assert.Equal(t, "254:16 wiops=100", readValue(dir, "io.max"))
	assert.NoFileExists(t, filepath.Join(dir, "io.weight"), "no weight asked for")
}

// A bad io flag is one line naming it, and creates nothing. Where the io controller is
// bound to cgroup v1 (not in cgroup v2), a good one is refused with the reason, never
// ignored.
func TestBadBlkioFlags(t *testing.T) {
	sb := testkit.NewSandbox(t)
	disk := mknodBlock(t, 7, 0)
	cases := [][]string{
		{"--blkio-weight", "5"}, {"--blkio-weight", "1001"}, {"--blkio-weight", "heavy"},
		{"--device-read-bps", disk}, {"--device-write-bps", disk + ":0"},
		{"--device-read-iops", disk + ":1k"}, {"--device-write-iops", "/etc/passwd:10"},
		{"--device-read-bps", "/no/such/disk:1mb"},
	}
	for _, flags := range cases {
		r := sb.Run(t, "", append(append([]string{"run", "--rootfs", testkit.Rootfs(t)},
			flags...), "true")...)
		assert.Equal(t, 125, r.Code, flags)
		assert.Regexp(t, `^contain: run: [^\n]*--(blkio-weight|device-[a-z-]+)[^\n]*\n$`,
			r.Stderr, flags)
		assert.Equal(t, "", sb.Contain(t, "ps", "-a", "-q"), "nothing is created")
	}

	root, err := cgroup2Mount()
	require.NoError(t, err)
	data, err := os.ReadFile(root + "/cgroup.controllers")
	require.NoError(t, err)
	if strings.Contains(" "+string(data), " io") {
		// A device the kernel does not have (240 is a major for local use): io.max refuses
		// it, and the engine removes the group it made.
		r := sb.Run(t, "", "run", "--rootfs", testkit.Rootfs(t), "--device-read-bps",
			mknodBlock(t, 240, 77)+":1mb", "true")
		assert.Equal(t, 125, r.Code)
		assert.Regexp(t, `^contain: run: [^\n]*io\.max[^\n]*\n$`, r.Stderr)
		assert.Equal(t, "", sb.Contain(t, "ps", "-a", "-q"), "nothing is created")
		return
	}
	mountinfo, err := os.ReadFile("/proc/self/mountinfo")
	require.NoError(t, err)
	v1 := regexp.MustCompile(` - cgroup \S+ \S*\bblkio\b`).Match(mountinfo)
	for _, flags := range [][]string{{"--blkio-weight", "300"},
		{"--device-read-bps", disk + ":1mb"}, {"--device-write-iops", disk + ":10"}} {
		r := sb.Run(t, "", append(append([]string{"run", "--rootfs", testkit.Rootfs(t)},
			flags...), "true")...)
		assert.Equal(t, 125, r.Code, flags)
		assert.Regexp(t, `^contain: run: --blkio-weight/--device-\*: the io controller is `+
			`not available in the cgroup v2 hierarchy at [^\n]+\n$`, r.Stderr, flags)
		if v1 { // cgroup v1 calls the io controller blkio
			assert.Contains(t, r.Stderr, "(it is bound to cgroup v1, at ", flags)
		}
		assert.Equal(t, "", sb.Contain(t, "ps", "-a", "-q"), "nothing is created")
	}
}

// --blkio-weight lands in the group's io.bfq.weight (with the BFQ scheduler) or io.weight,
// and inspect shows it.
func TestBlkioWeight(t *testing.T) {
	testkit.RequireController(t, "io")
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", "w",
		"--blkio-weight", "300", "probe", "sleep", "30")
	v := inspectOne(t, sb, "w")
	assert.Equal(t, uint16(300), v.HostConfig.BlkioWeight)
	if _, err := os.Stat(filepath.Join(v.CgroupPath, "io.bfq.weight")); err == nil {
		assert.Equal(t, "300", readCgroupKey(v.CgroupPath, "io.bfq.weight", "default"))
	} else {
		assert.Equal(t, "2930", readCgroupKey(v.CgroupPath, "io.weight", "default"))
	}
}

// testDisk is a scratch disk that the tests may read: the VM lane gives one, as
// $CONTAIN_VM_DISK (a device file) and $CONTAIN_VM_DISK_DEV (its MAJ:MIN).
func testDisk(t *testing.T) (path, dev string) {
	t.Helper()
	path = os.Getenv("CONTAIN_VM_DISK")
	if path == "" {
		testkit.Skip(t, "no scratch disk to read ($CONTAIN_VM_DISK): the VM lane has one")
	}
	var st unix.Stat_t
	require.NoError(t, unix.Stat(path, &st))
	require.Equal(t, uint32(unix.S_IFBLK), st.Mode&unix.S_IFMT, "%s: a block device", path)
	dev = fmt.Sprintf("%d:%d", unix.Major(st.Rdev), unix.Minor(st.Rdev))
	if want := os.Getenv("CONTAIN_VM_DISK_DEV"); want != "" {
		require.Equal(t, want, dev, "$CONTAIN_VM_DISK_DEV")
	}
	return path, dev
}

// --device-read-bps caps what the container reads from a disk: the limit lands in io.max,
// and 2 MiB read past the page cache at 1 MiB/s take about two seconds.
func TestDeviceReadBps(t *testing.T) {
	testkit.RequireController(t, "io")
	disk, dev := testDisk(t)
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", "slow",
		"--device-read-bps", disk+":1mb", "--device-write-iops", disk+":20",
		"probe", "sleep", "30")
	v := inspectOne(t, sb, "slow")
	assert.Equal(t, []throttleView{{Path: disk, Rate: 1 << 20}},
		v.HostConfig.BlkioDeviceReadBps)
	assert.Equal(t, []throttleView{{Path: disk, Rate: 20}}, v.HostConfig.BlkioDeviceWriteIOps)
	// The kernel shows every key of a device, max for those not set.
	assert.Contains(t, readValue(v.CgroupPath, "io.max"),
		dev+" rbps=1048576 wbps=max riops=max wiops=20")
	sb.Contain(t, "rm", "-f", "slow")

	// The container makes its own node of the disk (in a tmpfs, so that the shared rootfs
	// is not written) and reads it with O_DIRECT. /proc/uptime gives the time on both
	// sides of the read, inside the container, so that the engine's start does not count.
	major, minor, _ := strings.Cut(dev, ":")
	script := fmt.Sprintf("mount -t tmpfs scratch /tmp && mknod /tmp/disk b %s %s && "+
		"read a _ </proc/uptime && "+
		"dd if=/tmp/disk of=/dev/null bs=256k count=8 iflag=direct 2>/dev/null && "+
		"read b _ </proc/uptime && echo $a $b", major, minor)
	out := sb.Contain(t, "run", "--rm", "--rootfs", testkit.Rootfs(t),
		"--device-read-bps", disk+":1mb", "sh", "-c", script)
	took := uptimeDelta(t, out)
	t.Logf("2 MiB read in %v", took)
	// Only a lower bound: the VM is slow, and the kernel lets the first read through at
	// once. Unlimited, the read takes a small fraction of a second.
	assert.GreaterOrEqual(t, took, 1500*time.Millisecond, "2 MiB at 1 MiB/s")
}

// uptimeDelta reads "A B", two readings of /proc/uptime, and returns B-A.
func uptimeDelta(t *testing.T, out string) time.Duration {
	t.Helper()
	f := strings.Fields(out)
	require.Len(t, f, 2, "want two uptimes, got %q", out)
	a, err := strconv.ParseFloat(f[0], 64)
	require.NoError(t, err)
	b, err := strconv.ParseFloat(f[1], 64)
	require.NoError(t, err)
	return time.Duration((b - a) * float64(time.Second))
}
