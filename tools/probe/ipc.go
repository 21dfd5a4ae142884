package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// SysV message queues are a global of the IPC namespace: without one, a container sees
// and can remove the host's queues (ipcmk -Q, ipcs -q, ipcrm -q).
func runIPC(args []string) error {
	switch {
	case len(args) == 2 && args[0] == "create":
		key, err := parseKey(args[1])
		if err != nil {
			return err
		}
		// Equivalent to: ipcmk -Q -p 0600 (with a chosen key)
		id, err := msgget(key, unix.IPC_CREAT|0o600)
		if err != nil {
			return fmt.Errorf("msgget %d: %w", key, err)
		}
		fmt.Printf("msqid %d\n", id)
		return nil
	case len(args) == 1 && args[0] == "list":
		f, err := os.Open("/proc/sysvipc/msg")
		if err != nil {
			return err
		}
		defer f.Close()
		queues, err := parseSysvMsg(f)
		if err != nil {
			return err
		}
		for _, q := range queues {
			fmt.Printf("key %d msqid %d\n", q.key, q.id)
		}
		return nil
	case len(args) == 2 && args[0] == "rm":
		key, err := parseKey(args[1])
		if err != nil {
			return err
		}
		// Equivalent to: ipcrm -Q KEY
		id, err := msgget(key, 0)
		if err != nil {
			return fmt.Errorf("msgget %d: %w", key, err)
		}
		_, _, errno := unix.Syscall(unix.SYS_MSGCTL, uintptr(id), unix.IPC_RMID, 0)
		if errno != 0 {
			return fmt.Errorf("msgctl %d IPC_RMID: %w", id, errno)
		}
		return nil
	}
	return errUsage
}

// msgget wraps msgget(2), which golang.org/x/sys/unix does not.
func msgget(key int32, flags int) (int, error) {
	id, _, errno := unix.Syscall(unix.SYS_MSGGET, uintptr(key), uintptr(flags), 0)
	if errno != 0 {
		return 0, errno
	}
	return int(id), nil
}

// parseKey accepts a key_t in decimal (as /proc/sysvipc/msg prints it) or 0x hex (as
// ipcs prints it).
func parseKey(s string) (int32, error) {
	k, err := strconv.ParseInt(s, 0, 64)
	if err != nil || k < -1<<31 || k >= 1<<32 {
		return 0, fmt.Errorf("bad key %q", s)
	}
	return int32(k), nil // a key above 2^31 is the same bits as a negative key_t
}

type msgQueue struct {
	key int32
	id  int
}

// parseSysvMsg reads /proc/sysvipc/msg: a header line, then one line per queue whose
// first two columns are the key (signed decimal) and the msqid.
func parseSysvMsg(r io.Reader) ([]msgQueue, error) {
	var out []msgQueue
	sc := bufio.NewScanner(r)
	for first := true; sc.Scan(); first = false {
		f := strings.Fields(sc.Text())
		if first || len(f) == 0 {
			continue
		}
		if len(f) < 2 {
			return nil, fmt.Errorf("sysvipc/msg: short line %q", sc.Text())
		}
		key, err1 := strconv.ParseInt(f[0], 10, 32)
		id, err2 := strconv.Atoi(f[1])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("sysvipc/msg: bad line %q", sc.Text())
		}
		out = append(out, msgQueue{int32(key), id})
	}
	return out, sc.Err()
}
