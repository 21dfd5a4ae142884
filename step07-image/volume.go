// Host side: named volumes, directories the engine keeps for containers (volume ...).

package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/sys/unix"
)

// A volume is a directory under the data root that outlives containers: the place for
// data that must not vanish with a container's layer.
//
//	/var/lib/contain/volumes/cache/
//	├── volume.json   name, creation time, anonymous or not
//	└── _data/        what containers see at the volume's target
//
// `-v cache:/data` creates it on first use; `-v /data` makes an anonymous one, which
// `rm -v` and `run --rm` remove with the container. A named volume stays until
// `volume rm`, as with docker.
type volume struct {
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	Anonymous bool      `json:"anonymous,omitempty"`
}

func volumeDir(name string) string { return filepath.Join(dataRoot, "volumes", name) }

func (v *volume) data() string { return filepath.Join(volumeDir(v.Name), "_data") }

func randomID() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ensureVolume returns the volume, creating it if needed, and whether it did. It takes
// the state lock: two runs that create one volume at once make it once.
func ensureVolume(name string, anonymous bool) (*volume, bool, error) {
	unlock, err := lockState()
	if err != nil {
		return nil, false, err
	}
	defer unlock()
	if v, err := readVolume(name); err == nil {
		return v, false, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	v, err := createVolume(name, anonymous)
	return v, err == nil, err
}

// createVolume makes a volume; the caller holds the state lock. The volume's directory
// appears whole: made under a hidden name, then renamed (an engine killed in between
// leaves a .new- directory, which the next create removes). volumes/ is for root only:
// a container may leave a setuid file in a volume, which no user of the host may run.
func createVolume(name string, anonymous bool) (*volume, error) {
	v := &volume{Name: name, CreatedAt: time.Now(), Anonymous: anonymous}
	top := filepath.Join(dataRoot, "volumes")
	if err := os.MkdirAll(top, 0o700); err != nil {
		return nil, fmt.Errorf("volume %s: %w", name, err)
	}
	left, _ := filepath.Glob(filepath.Join(top, ".new-*"))
	for _, dir := range left {
		_ = os.RemoveAll(dir)
	}
	debugf("create volume %s (shell: mkdir -p %s)", name, v.data())
	tmp := filepath.Join(top, ".new-"+name)
	data, _ := json.Marshal(v)
	err := os.MkdirAll(filepath.Join(tmp, "_data"), 0o755)
	if err == nil {
		err = os.WriteFile(filepath.Join(tmp, "volume.json"), data, 0o600)
	}
	if err == nil {
		err = os.Rename(tmp, volumeDir(name))
	}
	if err != nil {
		_ = os.RemoveAll(tmp)
		return nil, fmt.Errorf("volume %s: %w", name, err)
	}
	return v, nil
}

func readVolume(name string) (*volume, error) {
	data, err := os.ReadFile(filepath.Join(volumeDir(name), "volume.json"))
	if err != nil {
		return nil, err
	}
	v := &volume{}
	if err := json.Unmarshal(data, v); err != nil {
		return nil, fmt.Errorf("volume %s: %w", name, err)
	}
	return v, nil
}

func listVolumes() ([]*volume, error) {
	entries, err := os.ReadDir(filepath.Join(dataRoot, "volumes"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	var all []*volume
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue // being made
		}
		if v, err := readVolume(e.Name()); err == nil {
			all = append(all, v)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all, nil
}

// usersOf lists the containers, running or not, whose mounts use the volume, but the one
// whose ID is except.
func usersOf(name, except string) ([]string, error) {
	all, err := listContainers()
	if err != nil {
		return nil, err
	}
	var users []string
	for _, c := range all {
		for _, m := range c.Config.Mounts {
			if m.Type == "volume" && m.Source == name && c.ID != except {
				users = append(users, c.Name)
			}
		}
	}
	return users, nil
}

// removeVolume removes a volume that no container uses; the caller holds the state lock.
func removeVolume(name string) error {
	if _, err := readVolume(name); err != nil {
		return fmt.Errorf("no such volume: %s", name)
	}
	users, err := usersOf(name, "")
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return fmt.Errorf("volume %s is in use by container %s", name, users[0])
	}
	debugf("remove volume %s (shell: rm -rf %s)", name, volumeDir(name))
	return os.RemoveAll(volumeDir(name))
}

const volumeUsage = `Usage: contain volume COMMAND

  create NAME              Create a volume
  ls                       List volumes
  inspect NAME...          Show volumes as JSON
  rm NAME...               Remove volumes that no container uses
  prune [-a]               Remove the anonymous volumes that no container uses
                           (-a: the named ones too)
`

// volumeCmd is `contain volume ...`.
func volumeCmd(args []string) error {
	fs := newFlagSet("volume")
	if err := parseFlags(fs, args, volumeUsage); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fmt.Fprint(os.Stderr, volumeUsage)
		return &exitError{code: exitEngine}
	}
	sub, rest := fs.Arg(0), fs.Args()[1:]
	unlock, err := lockState()
	if err != nil {
		return fmt.Errorf("volume: %w", err)
	}
	defer unlock()
	switch sub {
	case "create":
		if len(rest) != 1 || !volumeName.MatchString(rest[0]) {
			return errors.New("volume create: want one NAME of [a-zA-Z0-9][a-zA-Z0-9_.-]*")
		}
		if _, err := readVolume(rest[0]); err == nil {
			fmt.Println(rest[0]) // docker's create is idempotent too
			return nil
		}
		if _, err := createVolume(rest[0], false); err != nil {
			return fmt.Errorf("volume create: %w", err)
		}
		fmt.Println(rest[0])
		return nil
	case "ls":
		all, err := listVolumes()
		if err != nil {
			return fmt.Errorf("volume ls: %w", err)
		}
		w := tabwriter.NewWriter(os.Stdout, 0, 0, 3, ' ', 0)
		fmt.Fprintln(w, "DRIVER\tVOLUME NAME")
		for _, v := range all {
			fmt.Fprintf(w, "local\t%s\n", v.Name)
		}
		return w.Flush()
	case "inspect":
		return volumeInspect(rest)
	case "rm":
		if len(rest) == 0 {
			return errors.New("volume rm: usage: contain volume rm NAME...")
		}
		return eachName("volume rm", rest, removeVolume)
	case "prune":
		return volumePrune(rest)
	}
	return fmt.Errorf("volume: unknown command %q (see 'contain volume --help')", sub)
}

func volumeInspect(names []string) error {
	if len(names) == 0 {
		return errors.New("volume inspect: usage: contain volume inspect NAME...")
	}
	type view struct {
		Name       string    `json:"Name"`
		Driver     string    `json:"Driver"`
		Mountpoint string    `json:"Mountpoint"`
		CreatedAt  time.Time `json:"CreatedAt"`
		Anonymous  bool      `json:"Anonymous"`
		UsedBy     []string  `json:"UsedBy"`
	}
	views := []view{}
	for _, name := range names {
		v, err := readVolume(name)
		if err != nil {
			return fmt.Errorf("volume inspect: no such volume: %s", name)
		}
		users, _ := usersOf(name, "")
		views = append(views, view{v.Name, "local", v.data(), v.CreatedAt, v.Anonymous,
			users})
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "    ")
	return enc.Encode(views)
}

// volumePrune removes the unused anonymous volumes, and with -a the named ones too
// (docker's rule since its version 23: a named volume is data someone chose to keep).
func volumePrune(args []string) error {
	fs := newFlagSet("volume prune")
	all := fs.BoolP("all", "a", false, "named volumes too")
	if err := parseFlags(fs, args, volumeUsage); err != nil {
		return err
	}
	list, err := listVolumes()
	if err != nil {
		return fmt.Errorf("volume prune: %w", err)
	}
	var names []string
	for _, v := range list {
		if users, err := usersOf(v.Name, ""); err == nil && len(users) == 0 &&
			(v.Anonymous || *all) {
			names = append(names, v.Name)
		}
	}
	return eachName("volume prune", names, func(name string) error {
		return os.RemoveAll(volumeDir(name))
	})
}

// seedVolume fills a new volume with what the image has at its target, as docker does:
// a volume at /etc starts with the image's /etc. The image's directory is found inside the
// rootfs (inroot.go) and copied without following its symlinks (cp.go).
func seedVolume(rootfs, target, data string) error {
	root, err := os.OpenFile(rootfs, unix.O_PATH|unix.O_DIRECTORY, 0)
	if err != nil {
		return err
	}
	defer root.Close()
	src, err := openInRoot(root, target, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return nil // nothing there, or not a directory: the volume starts empty
	}
	defer src.Close()
	names, err := src.Readdirnames(-1)
	if err != nil {
		return err
	}
	debugf("fill volume %s from the image's %s", data, target)
	for _, name := range names {
		fd, err := unix.Openat(int(src.Fd()), name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		f := os.NewFile(uintptr(fd), name)
		err = copyOutTree(f, filepath.Join(data, name), true)
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
