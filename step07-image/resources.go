// Host side: the limits of run (--memory, --cpus, ...) and the cgroup files that hold them.

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
)

// resources are a container's limits, in docker's spelling, and the cgroup v2 files that
// hold them. Zero means "no limit".
type resources struct {
	Memory     int64   `json:"memory,omitempty"`      // --memory: memory.max, bytes
	MemorySwap int64   `json:"memory_swap,omitempty"` // --memory-swap: memory + swap, -1 = no limit
	CPUs       float64 `json:"cpus,omitempty"`        // --cpus: cpu.max, quota per 100 ms period
	PidsLimit  int64   `json:"pids_limit,omitempty"`  // --pids-limit: pids.max
	CpusetCPUs string  `json:"cpuset_cpus,omitempty"` // --cpuset-cpus: cpuset.cpus

	// The io controller (blkio.go): --blkio-weight, --device-{read,write}-{bps,iops}.
	BlkioWeight  uint16        `json:"blkio_weight,omitempty"`
	DeviceLimits []deviceLimit `json:"device_limits,omitempty"`
}

// cpuPeriod is the scheduling period of cpu.max: 100 ms, as docker uses.
const cpuPeriod = 100000

// resourceFlags are the flag values as typed, before parsing.
type resourceFlags struct {
	memory, memorySwap, cpus, cpusetCPUs string
	pidsLimit                            int64
	ioFlags
}

// parse checks and converts the flags. Errors name the flag and the bad value.
func (f *resourceFlags) parse() (*resources, error) {
	res := &resources{PidsLimit: f.pidsLimit, CpusetCPUs: f.cpusetCPUs}
	var err error
	if f.memory != "" {
		if res.Memory, err = parseSize(f.memory); err != nil {
			return nil, fmt.Errorf("--memory %q: %w", f.memory, err)
		}
		if res.Memory < 6<<20 {
			return nil, fmt.Errorf("--memory %q: the minimum is 6m", f.memory)
		}
	}
	if f.memorySwap == "-1" {
		res.MemorySwap = -1
	} else if f.memorySwap != "" {
		if res.MemorySwap, err = parseSize(f.memorySwap); err != nil {
			return nil, fmt.Errorf("--memory-swap %q: %w", f.memorySwap, err)
		}
	}
	if res.MemorySwap != 0 && res.Memory == 0 {
		return nil, errors.New("--memory-swap needs --memory too")
	}
	if res.MemorySwap > 0 && res.MemorySwap < res.Memory {
		return nil, errors.New("--memory-swap is memory plus swap: it cannot be below --memory")
	}
	if f.cpus != "" {
		res.CPUs, err = strconv.ParseFloat(f.cpus, 64)
		if n := runtime.NumCPU(); err != nil || res.CPUs < 0.01 || res.CPUs > float64(n) {
			return nil, fmt.Errorf("--cpus %q: a number from 0.01 to %d", f.cpus, n)
		}
	}
	if res.PidsLimit < 0 {
		res.PidsLimit = 0 // docker's -1: no limit
	}
	if f.cpusetCPUs != "" && !validCpuset(f.cpusetCPUs) {
		return nil, fmt.Errorf("--cpuset-cpus %q: a list like 0-2,4 of CPUs 0 to %d",
			f.cpusetCPUs, runtime.NumCPU()-1)
	}
	if err := f.parseIO(res); err != nil {
		return nil, err
	}
	return res, nil
}

var sizePattern = regexp.MustCompile(`^(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:i?b)?|b)?$`)

// parseSize reads a size as docker does: 512, 20m, 1.5g, 100MiB (powers of 1024).
func parseSize(s string) (int64, error) {
	m := sizePattern.FindStringSubmatch(strings.ToLower(s))
	if m == nil {
		return 0, errors.New("not a size (examples: 512k, 20m, 1g)")
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, err
	}
	shift := 0 // bytes
	if m[2] != "" {
		shift = (strings.Index("kmgt", m[2]) + 1) * 10
	}
	return int64(n * float64(int64(1)<<shift)), nil
}

var cpusetPattern = regexp.MustCompile(`^\d+(-\d+)?(,\d+(-\d+)?)*$`)

// validCpuset checks a CPU list such as 0-2,4 against the CPUs of this machine.
func validCpuset(s string) bool {
	if !cpusetPattern.MatchString(s) {
		return false
	}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '-' }) {
		if n, _ := strconv.Atoi(part); n >= runtime.NumCPU() {
			return false
		}
	}
	return true
}

// controllers lists the cgroup controllers that the limits need.
func (r *resources) controllers() []string {
	var list []string
	add := func(ok bool, c string) {
		if ok {
			list = append(list, c)
		}
	}
	add(r.CpusetCPUs != "", "cpuset")
	add(r.CPUs > 0, "cpu")
	add(r.Memory > 0, "memory")
	add(r.PidsLimit > 0, "pids")
	add(r.BlkioWeight > 0 || len(r.DeviceLimits) > 0, "io")
	return list
}

// flagFor names the flag that needs a controller, for error messages.
func (r *resources) flagFor(controller string) string {
	return map[string]string{"cpuset": "--cpuset-cpus", "cpu": "--cpus",
		"memory": "--memory", "pids": "--pids-limit",
		"io": "--blkio-weight/--device-*"}[controller]
}

// apply writes the limits into the group's files.
func (r *resources) apply(dir string) error {
	var files [][2]string
	if r.CpusetCPUs != "" {
		files = append(files, [2]string{"cpuset.cpus", r.CpusetCPUs})
	}
	if r.CPUs > 0 {
		quota := fmt.Sprintf("%d %d", int64(r.CPUs*cpuPeriod), cpuPeriod)
		files = append(files, [2]string{"cpu.max", quota})
	}
	if r.Memory > 0 {
		files = append(files, [2]string{"memory.max", strconv.FormatInt(r.Memory, 10)})
		// docker's rule: without --memory-swap, as much swap as memory.
		swap := r.Memory
		if r.MemorySwap > 0 {
			swap = r.MemorySwap - r.Memory
		}
		_, err := os.Stat(filepath.Join(dir, "memory.swap.max"))
		if r.MemorySwap == -1 && err == nil {
			files = append(files, [2]string{"memory.swap.max", "max"})
		} else if err == nil {
			files = append(files, [2]string{"memory.swap.max", strconv.FormatInt(swap, 10)})
		} else if r.MemorySwap != 0 {
			return errors.New("--memory-swap: this kernel does not account swap " +
				"(no memory.swap.max)")
		}
	}
	if r.PidsLimit > 0 {
		files = append(files, [2]string{"pids.max", strconv.FormatInt(r.PidsLimit, 10)})
	}
	for _, f := range files {
		if err := writeCgroup(dir, f[0], f[1]); err != nil {
			return err
		}
	}
	return r.applyIO(dir)
}
