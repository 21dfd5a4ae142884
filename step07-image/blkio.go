// Host side: disk limits (--blkio-weight, --device-read-bps, ...) in the io controller.

package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// The seeds' blkio subsystem is the io controller in cgroup v2. Two kinds of limit:
//
//	io.weight   default 100           a share of disk time against the other groups,
//	                                  when the disk is busy (docker: --blkio-weight)
//	io.max      254:0 rbps=1048576    a hard cap per device, in bytes or operations per
//	                                  second (docker: --device-read-bps and friends)
//
// A device is named by its major:minor numbers, which the engine reads from the device
// file given on the command line (shell: stat -c '%t:%T' /dev/vda, in hex).

// deviceLimit is one io.max setting: a device, a key (rbps, wbps, riops, wiops), a rate.
type deviceLimit struct {
	Path  string `json:"path"`
	Major uint32 `json:"major"`
	Minor uint32 `json:"minor"`
	Key   string `json:"key"`
	Rate  uint64 `json:"rate"`
}

// ioFlags are the io flags as typed.
type ioFlags struct {
	blkioWeight                            uint16
	readBps, writeBps, readIOps, writeIOps []string
}

// parseIO checks the io flags and fills in res.
func (f *ioFlags) parseIO(res *resources) error {
	if w := f.blkioWeight; w != 0 && (w < 10 || w > 1000) {
		return fmt.Errorf("--blkio-weight %d: a number from 10 to 1000", w)
	}
	res.BlkioWeight = f.blkioWeight
	for _, kind := range []struct {
		flag, key string
		values    []string
	}{
		{"--device-read-bps", "rbps", f.readBps}, {"--device-write-bps", "wbps", f.writeBps},
		{"--device-read-iops", "riops", f.readIOps}, {"--device-write-iops", "wiops", f.writeIOps},
	} {
		for _, v := range kind.values {
			limit, err := parseDeviceLimit(v, kind.key)
			if err != nil {
				return fmt.Errorf("%s %q: %w", kind.flag, v, err)
			}
			res.DeviceLimits = append(res.DeviceLimits, limit)
		}
	}
	return nil
}

// parseDeviceLimit reads DEVICE:RATE, e.g. /dev/vda:1mb or /dev/vda:100 (operations).
func parseDeviceLimit(s, key string) (deviceLimit, error) {
	i := strings.LastIndexByte(s, ':')
	if i <= 0 {
		return deviceLimit{}, fmt.Errorf("want DEVICE:RATE, e.g. /dev/vda:1mb")
	}
	l := deviceLimit{Path: s[:i], Key: key}
	var err error
	if strings.HasSuffix(key, "bps") {
		var n int64
		n, err = parseSize(s[i+1:])
		l.Rate = uint64(n)
	} else {
		l.Rate, err = strconv.ParseUint(s[i+1:], 10, 64)
	}
	if err != nil || l.Rate == 0 {
		return deviceLimit{}, fmt.Errorf("rate %q: a positive number", s[i+1:])
	}
	var st unix.Stat_t
	if err := unix.Stat(l.Path, &st); err != nil {
		return deviceLimit{}, fmt.Errorf("stat %s: %w", l.Path, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFBLK {
		return deviceLimit{}, fmt.Errorf("%s is not a block device", l.Path)
	}
	l.Major, l.Minor = unix.Major(st.Rdev), unix.Minor(st.Rdev)
	return l, nil
}

// applyIO writes the io limits into the group's files.
func (r *resources) applyIO(dir string) error {
	if r.BlkioWeight != 0 {
		// With the BFQ disk scheduler the weight goes to io.bfq.weight (the same scale as
		// docker's); otherwise io.weight, whose scale is 1 to 10000.
		file, value := "io.bfq.weight", uint64(r.BlkioWeight)
		if _, err := os.Stat(dir + "/" + file); err != nil {
			file, value = "io.weight", 1+(value-10)*9999/990
		}
		if err := writeCgroup(dir, file, fmt.Sprintf("default %d", value)); err != nil {
			return err
		}
	}
	for _, l := range r.DeviceLimits {
		line := fmt.Sprintf("%d:%d %s=%d", l.Major, l.Minor, l.Key, l.Rate)
		if err := writeCgroup(dir, "io.max", line); err != nil {
			return err
		}
	}
	return nil
}
