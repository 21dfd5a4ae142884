package main

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"contain/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Break it: nothing limits what a container takes. A memory hog gets all it asks for, and a
// fork loop starts every process it wants (step 4 puts limits on both).
func TestNoLimits(t *testing.T) {
	sb := testkit.NewSandbox(t)
	out := sb.Contain(t, "run", "--rootfs", testkit.Rootfs(t), "probe", "memhog", "200")
	assert.Contains(t, out, "done 200 MiB")
	out = sb.Contain(t, "run", "--rootfs", testkit.Rootfs(t), "probe", "forkbomb", "40")
	assert.Contains(t, out, "started 40 of 40")
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"512": 512, "1k": 1024, "20m": 20 << 20,
		"20M": 20 << 20, "1g": 1 << 30, "1.5g": 3 << 29, "100MiB": 100 << 20, "64mb": 64 << 20} {
		got, err := parseSize(in)
		if assert.NoError(t, err, in) {
			assert.Equal(t, want, got, in)
		}
	}
	for _, in := range []string{"", "m", "20x", "-1", "1..2m", "twenty", "20i", "20bb"} {
		_, err := parseSize(in)
		assert.Error(t, err, in)
	}
}

func TestParseResources(t *testing.T) {
	tests := []struct {
		name    string
		flags   resourceFlags
		want    resources
		wantErr string
	}{
		{"none", resourceFlags{}, resources{}, ""},
		{"docker's spelling", resourceFlags{memory: "20m", cpus: "0.5", pidsLimit: 10,
			cpusetCPUs: "0"}, resources{Memory: 20 << 20, CPUs: 0.5, PidsLimit: 10,
			CpusetCPUs: "0"}, ""},
		{"swap", resourceFlags{memory: "20m", memorySwap: "30m"},
			resources{Memory: 20 << 20, MemorySwap: 30 << 20}, ""},
		{"no swap limit", resourceFlags{memory: "20m", memorySwap: "-1"},
			resources{Memory: 20 << 20, MemorySwap: -1}, ""},
		{"pids -1 is no limit", resourceFlags{pidsLimit: -1}, resources{}, ""},
		{"bad size", resourceFlags{memory: "lots"}, resources{}, `--memory "lots": not a size`},
		{"too small", resourceFlags{memory: "1m"}, resources{}, "the minimum is 6m"},
		{"swap alone", resourceFlags{memorySwap: "1g"}, resources{}, "needs --memory"},
		{"swap below memory", resourceFlags{memory: "20m", memorySwap: "10m"}, resources{},
			"cannot be below --memory"},
		{"zero cpus", resourceFlags{cpus: "0"}, resources{}, `--cpus "0": a number from`},
		{"cpus not a number", resourceFlags{cpus: "half"}, resources{}, "--cpus"},
		{"cpuset syntax", resourceFlags{cpusetCPUs: "0-"}, resources{}, "--cpuset-cpus"},
		{"cpuset beyond the machine", resourceFlags{cpusetCPUs: "4096"}, resources{},
			"--cpuset-cpus"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.flags.parse()
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, *got)
		})
	}
}

// inspectOne returns `contain inspect NAME`, decoded.
func inspectOne(t *testing.T, sb *testkit.Sandbox, name string) inspectView {
	t.Helper()
	var views []inspectView
	require.NoError(t, json.Unmarshal([]byte(sb.Contain(t, "inspect", name)), &views))
	require.Len(t, views, 1)
	return views[0]
}

// A memory hog under --memory is killed by the OOM killer: status 137, and inspect says
// OOMKilled. (In step 3, the same hog got all it asked for: TestNoLimits.)
func TestMemoryLimit(t *testing.T) {
	testkit.RequireController(t, "memory")
	sb := testkit.NewSandbox(t)
	r := sb.Run(t, "", "run", "--rootfs", testkit.Rootfs(t), "--name", "hog", "--memory", "20m",
		"probe", "memhog", "100")
	assert.Equal(t, 137, r.Code, r.Stdout+r.Stderr)
	assert.NotContains(t, r.Stdout, "done")
	v := inspectOne(t, sb, "hog")
	assert.True(t, v.State.OOMKilled)
	assert.Equal(t, 137, v.State.ExitCode)
	assert.Regexp(t, `\n[0-9a-f]{12} +hog +\d+ +exited \(137\) `, sb.Contain(t, "ps", "-a"))
}

// A fork loop under --pids-limit cannot start more processes than the limit.
func TestPidsLimit(t *testing.T) {
	testkit.RequireController(t, "pids")
	sb := testkit.NewSandbox(t)
	r := sb.Run(t, "", "run", "--rootfs", testkit.Rootfs(t), "--pids-limit", "20",
		"probe", "forkbomb", "40")
	assert.Equal(t, 1, r.Code)
	assert.Regexp(t, `started \d+ of 40`, r.Stdout)
	assert.NotContains(t, r.Stdout, "started 40 of 40")
	assert.Contains(t, r.Stdout, "resource temporarily unavailable")
}

// The limits land in the cgroup files, in cgroup v2's units.
func TestLimitFiles(t *testing.T) {
	for _, c := range []string{"memory", "cpu", "pids", "cpuset"} {
		testkit.RequireController(t, c)
	}
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "run", "-d", "--rootfs", testkit.Rootfs(t), "--name", "lim", "--memory", "64m",
		"--memory-swap", "96m", "--cpus", "0.5", "--pids-limit", "50", "--cpuset-cpus", "0",
		"probe", "sleep", "30")
	dir := inspectOne(t, sb, "lim").CgroupPath
	for file, want := range map[string]string{"memory.max": "67108864",
		"memory.swap.max": "33554432", "cpu.max": "50000 100000", "pids.max": "50",
		"cpuset.cpus": "0"} {
		assert.Equal(t, want, readValue(dir, file), file)
	}
}

// A CPU hog under --cpus is throttled: the scheduler stops it at its quota each period.
func TestCPULimit(t *testing.T) {
	testkit.RequireController(t, "cpu")
	sb := testkit.NewSandbox(t)
	sb.Contain(t, "run", "--rootfs", testkit.Rootfs(t), "--name", "spin", "--cpus", "0.2",
		"probe", "cpuhog", "1")
	// The group is kept until rm: its counters tell what happened.
	dir := inspectOne(t, sb, "spin").CgroupPath
	throttled, _ := strconv.Atoi(readCgroupKey(dir, "cpu.stat", "nr_throttled"))
	assert.Greater(t, throttled, 0)
}

// A limit that cannot be applied, or a bad value, is one line and creates nothing.
func TestBadLimits(t *testing.T) {
	sb := testkit.NewSandbox(t)
	cases := [][]string{
		{"--memory", "lots"}, {"--cpus", "-1"}, {"--pids-limit", "many"},
		{"--cpuset-cpus", "a"}, {"--memory-swap", "1g"},
	}
	root, err := cgroup2Mount()
	require.NoError(t, err)
	if data, _ := os.ReadFile(root + "/cgroup.controllers"); !strings.Contains(string(data),
		"memory") {
		// A v1-bound host: the limit is refused with its reason, never ignored.
		cases = append(cases, []string{"--memory", "20m"})
	}
	for _, flags := range cases {
		r := sb.Run(t, "", append(append([]string{"run", "--rootfs", testkit.Rootfs(t)},
			flags...), "true")...)
		assert.Equal(t, 125, r.Code, flags)
		assert.Regexp(t, `^contain: run: [^\n]*--[a-z-]+[^\n]*\n$`, r.Stderr, flags)
		assert.Equal(t, "", sb.Contain(t, "ps", "-a", "-q"), "nothing is created")
	}
}
