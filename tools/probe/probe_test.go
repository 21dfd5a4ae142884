package main

import (
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParseSignal(t *testing.T) {
	tests := []struct {
		in      string
		want    syscall.Signal
		wantErr bool
	}{
		{"0", 0, false},
		{"9", syscall.SIGKILL, false},
		{"TERM", syscall.SIGTERM, false},
		{"term", syscall.SIGTERM, false},
		{"SIGKILL", syscall.SIGKILL, false},
		{"sigusr1", syscall.SIGUSR1, false},
		{"HUP", syscall.SIGHUP, false},
		{"-1", 0, true},
		{"65", 0, true},
		{"FOO", 0, true},
		{"SIG", 0, true},
		{"", 0, true},
	}
	for _, tt := range tests {
		got, err := parseSignal(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseSignal(%q) = %v, %v; want %v, error %v",
				tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseMountinfo(t *testing.T) {
	tests := []struct {
		line    string
		want    mount
		wantErr bool
	}{
		{ // proc(5)'s example: one optional field before the separator
			"36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue",
			mount{"/mnt2", "ext3", "rw,noatime"}, false,
		},
		{ // no optional fields
			"22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw",
			mount{"/proc", "proc", "rw,nosuid,nodev,noexec,relatime"}, false,
		},
		{ // several optional fields
			"30 22 0:26 / /sys/fs/cgroup ro,nosuid shared:9 master:3 - cgroup2 cgroup2 rw",
			mount{"/sys/fs/cgroup", "cgroup2", "ro,nosuid"}, false,
		},
		{ // a space in the mount point stays escaped
			`40 22 8:1 /a /mnt/my\040dir rw - ext4 /dev/sda1 rw`,
			mount{`/mnt/my\040dir`, "ext4", "rw"}, false,
		},
		{"36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 ext3 /dev/root rw", mount{}, true},
		{"36 35 98:0 /mnt1 /mnt2 rw - ext3", mount{}, true},
		{"", mount{}, true},
	}
	for _, tt := range tests {
		got, err := parseMountinfo(tt.line)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseMountinfo(%q) = %+v, %v; want %+v, error %v",
				tt.line, got, err, tt.want, tt.wantErr)
		}
	}
}

const sysvMsgHeader = "       key      msqid perms      cbytes       qnum lspid lrpid   uid" +
	"   gid  cuid  cgid      stime      rtime      ctime\n"

func TestParseSysvMsg(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []msgQueue
		wantErr bool
	}{
		{"empty file", "", nil, false},
		{"header only", sysvMsgHeader, nil, false},
		{"two queues, one with a negative key", sysvMsgHeader +
			"      4242          0   600           0          0     0     0     0     0" +
			"     0     0          0          0 1700000000\n" +
			"-559038737      32769   644           5          1    10    11     0     0" +
			"     0     0 1700000001          0 1700000000\n",
			[]msgQueue{{4242, 0}, {-559038737, 32769}}, false},
		{"garbage", sysvMsgHeader + "key msqid\n", nil, true},
		{"short line", sysvMsgHeader + "4242\n", nil, true},
	}
	for _, tt := range tests {
		got, err := parseSysvMsg(strings.NewReader(tt.in))
		if (err != nil) != tt.wantErr || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %v, %v; want %v, error %v",
				tt.name, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseKey(t *testing.T) {
	tests := []struct {
		in      string
		want    int32
		wantErr bool
	}{
		{"4242", 4242, false},
		{"0x1092", 4242, false},
		{"-1", -1, false},
		{"0xdeadbeef", -559038737, false}, // as ipcs prints it, as /proc prints it
		{"-559038737", -559038737, false},
		{"0x100000000", 0, true},
		{"key", 0, true},
	}
	for _, tt := range tests {
		got, err := parseKey(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseKey(%q) = %v, %v; want %v, error %v",
				tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseNSLink(t *testing.T) {
	tests := []struct {
		in      string
		want    uint64
		wantErr bool
	}{
		{"uts:[4026531838]", 4026531838, false},
		{"pid_for_children:[4026532201]", 4026532201, false},
		{"uts:4026531838", 0, true},
		{"uts:[x]", 0, true},
		{"", 0, true},
	}
	for _, tt := range tests {
		got, err := parseNSLink(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseNSLink(%q) = %v, %v; want %v, error %v",
				tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseStatus(t *testing.T) {
	in := "Name:\tprobe\nUid:\t0\t0\t0\t0\nCapInh:\t0000000000000000\n" +
		"CapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\n" +
		"CapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000\nNoNewPrivs:\t1\n" +
		"Seccomp:\t2\nSeccomp_filters:\t1\nSpeculation_Store_Bypass:\tthread vulnerable\n"
	want := []string{
		"CapInh 0000000000000000", "CapPrm 00000000a80425fb", "CapEff 00000000a80425fb",
		"CapBnd 00000000a80425fb", "CapAmb 0000000000000000", "NoNewPrivs 1", "Seccomp 2",
	}
	if got := parseStatus(strings.NewReader(in)); !reflect.DeepEqual(got, want) {
		t.Errorf("parseStatus = %q; want %q", got, want)
	}
}

func TestParseSeconds(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"2", 2 * time.Second, false},
		{"0.5", 500 * time.Millisecond, false},
		{"0", 0, false},
		{"-1", 0, true},
		{"soon", 0, true},
	}
	for _, tt := range tests {
		got, err := parseSeconds(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseSeconds(%q) = %v, %v; want %v, error %v",
				tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
