// Host side: what the engine records of each container, under its state root.

package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// stateRoot holds one directory per container (the global --root flag, like runc's):
//
//	/run/contain/
//	├── lock                     taken while a container is created or removed
//	└── 3f2a.../state.json       one per container: ID, name, PID, configuration
//
// /run is a tmpfs on most distributions: after a reboot, no container and no state is left.
var stateRoot = "/run/contain"

// container is what the engine knows about one container.
type container struct {
	ID   string `json:"id"`
	Name string `json:"name"`

	// Pid is the host PID of the container's first process, and PidStart its start
	// time: a PID is reused after the process ends, the pair is not.
	Pid      int    `json:"pid"`
	PidStart uint64 `json:"pid_start"`

	// StartedAt is when the command started: until then the child is still setting the
	// container up, and exec must not join it.
	StartedAt time.Time `json:"started_at,omitempty"`

	Config  *initConfig `json:"config"`
	Created time.Time   `json:"created"`

	// Cgroup is the container's cgroup directory (cgroups.go).
	Cgroup string `json:"cgroup,omitempty"`

	// How the command ended, recorded by the engine or the monitor that waits for it.
	FinishedAt time.Time `json:"finished_at,omitempty"`
	ExitCode   int       `json:"exit_code"`
	OOMKilled  bool      `json:"oom_killed"`

	// RestartCount counts the restarts of its policy (restart.go); Restarting is set while
	// the monitor waits to restart it.
	RestartCount int  `json:"restart_count"`
	Restarting   bool `json:"restarting,omitempty"`

	// Monitor and MonitorStart name the monitor of a detached container (monitor.go):
	// rm -f ends it too.
	Monitor      int    `json:"monitor,omitempty"`
	MonitorStart uint64 `json:"monitor_start,omitempty"`

	// oomBase is the group's OOM kill count when the command (re)started.
	oomBase int64

	// dropVolumes: rm -v removes the anonymous volumes with the container (overlay.go).
	dropVolumes bool
}

// logPath is where a detached container's output goes (monitor.go).
func (c *container) logPath() string { return filepath.Join(c.dir(), "container.log") }

func (c *container) dir() string { return filepath.Join(stateRoot, c.ID) }

func shortID(id string) string { return id[:12] }

var validName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// newContainer reserves an ID and a unique name, and writes the first state file.
func newContainer(name string, cfg *initConfig) (*container, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("container ID: %w", err)
	}
	c := &container{ID: hex.EncodeToString(b[:]), Name: name, Config: cfg, Created: time.Now()}
	if c.Name == "" {
		c.Name = shortID(c.ID)
	}
	unlock, err := lockState()
	if err != nil {
		return nil, err
	}
	defer unlock()
	// Under the lock, two runs cannot both find a name free and take it.
	all, err := listContainers()
	if err != nil {
		return nil, err
	}
	for _, other := range all {
		if other.Name == c.Name {
			return nil, fmt.Errorf("name %q is already in use by container %s",
				c.Name, shortID(other.ID))
		}
	}
	// Its address and host ports too (ipam.go).
	if err := claimNetwork(c, all); err != nil {
		return nil, err
	}
	// The directory appears whole: it is made and filled under a hidden name, then renamed.
	// An engine killed in between leaves a .new- directory, which the next run removes.
	sweepNew()
	tmp := filepath.Join(stateRoot, ".new-"+c.ID)
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	if err := c.writeIn(tmp); err != nil {
		_ = os.RemoveAll(tmp)
		return nil, err
	}
	if err := os.Rename(tmp, c.dir()); err != nil {
		_ = os.RemoveAll(tmp)
		return nil, fmt.Errorf("state: %w", err)
	}
	return c, nil
}

// sweepNew removes the state directories that killed engines left half made. The caller
// holds the lock: no directory is being made by anyone else.
func sweepNew() {
	left, _ := filepath.Glob(filepath.Join(stateRoot, ".new-*"))
	for _, dir := range left {
		_ = os.RemoveAll(dir)
	}
}

// lockState takes the lock of the state root (shell: flock /run/contain/lock).
func lockState() (unlock func(), err error) {
	if err := os.MkdirAll(stateRoot, 0o700); err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(stateRoot, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("state: lock: %w", err)
	}
	return func() { f.Close() }, nil
}

// save writes the state file, under the lock: a removal (rm -f) waits for it, or it
// finds the directory gone and recreates nothing.
func (c *container) save() error {
	unlock, err := lockState()
	if err != nil {
		return err
	}
	defer unlock()
	return c.write()
}

// write writes the state file atomically: readers see the old file or the new one.
func (c *container) write() error { return c.writeIn(c.dir()) }

func (c *container) writeIn(dir string) error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, "state.json.tmp")
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	return os.Rename(tmp, filepath.Join(dir, "state.json"))
}

// remove deletes the container's state.
func (c *container) remove() error {
	unlock, err := lockState()
	if err != nil {
		return err
	}
	defer unlock()
	return os.RemoveAll(c.dir())
}

// listContainers reads every state file under the state root.
func listContainers() ([]*container, error) {
	entries, err := os.ReadDir(stateRoot)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	var all []*container
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue // the lock, and directories being made
		}
		data, err := os.ReadFile(filepath.Join(stateRoot, e.Name(), "state.json"))
		if errors.Is(err, os.ErrNotExist) {
			continue // a container being created
		}
		c := &container{}
		if err == nil {
			err = json.Unmarshal(data, c)
		}
		if err != nil {
			// One damaged file must not hide every other container: say so, and go on.
			fmt.Fprintf(os.Stderr, "contain: warning: state of %s: %v (skipped)\n",
				e.Name(), err)
			continue
		}
		all = append(all, c)
	}
	return all, nil
}

// findContainer looks a container up by name, full ID or a unique ID prefix.
func findContainer(ref string) (*container, error) {
	all, err := listContainers()
	if err != nil {
		return nil, err
	}
	return findIn(all, ref)
}

// findIn looks a container up in a list already read (under the lock, say).
func findIn(all []*container, ref string) (*container, error) {
	var found []*container
	for _, c := range all {
		if c.Name == ref || c.ID == ref {
			return c, nil
		}
		if strings.HasPrefix(c.ID, ref) && ref != "" {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("no such container: %s", ref)
	case 1:
		return found[0], nil
	}
	return nil, fmt.Errorf("container ID prefix %q is ambiguous", ref)
}

// running tells whether the container's first process still runs.
func (c *container) running() bool {
	// A start time of 0 was never read: the pair identifies no process. And once the end
	// is recorded, the container has ended, whatever has that PID now.
	return c.Pid > 0 && c.PidStart != 0 && c.FinishedAt.IsZero() &&
		processStart(c.Pid) == c.PidStart
}

// processStart returns a process's start time (field 22 of /proc/PID/stat), or 0.
func processStart(pid int) uint64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces and parentheses: skip past its end.
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 20 || fields[0] == "Z" {
		return 0 // gone, or a zombie: it has ended, only its exit status is left
	}
	start, _ := strconv.ParseUint(fields[19], 10, 64)
	return start
}
