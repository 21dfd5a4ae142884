// Both sides: -v and --tmpfs, parsed by the engine and mounted by the child.

package main

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"golang.org/x/sys/unix"
)

// A container's mounts, in docker's spelling:
//
//	-v /host/dir:/data[:ro]   bind: a host directory (or file) seen at /data
//	-v cache:/data[:ro]       volume: a directory the engine keeps (volume.go)
//	-v /data                  anonymous volume: the same, with a random name
//	--tmpfs /run[:size=64m]   a tmpfs, in memory, gone with the container
//
// The child mounts them after pivot_root, on mount points resolved inside the container's
// root (inroot.go), so that no symlink in the image can send a mount onto a host path.
type mountSpec struct {
	Type      string   `json:"type"`             // "bind", "volume" or "tmpfs"
	Source    string   `json:"source,omitempty"` // host path; volume name for a volume
	Target    string   `json:"target"`           // path inside the container
	ReadOnly  bool     `json:"read_only,omitempty"`
	Anonymous bool     `json:"anonymous,omitempty"` // -v /data: removed by rm -v and --rm
	Options   string   `json:"options,omitempty"`   // tmpfs: size=, mode=, ...
	Flags     []string `json:"flags,omitempty"`     // tmpfs: exec, suid, dev (off by default)
	NoCopy    bool     `json:"nocopy,omitempty"`    // a new volume is not filled from the image

	// HostPath is the directory mounted: Source for a bind, the volume's for a volume.
	HostPath string `json:"host_path,omitempty"`
}

var volumeName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// parseVolume reads one -v value: [SOURCE:]TARGET[:OPTIONS].
func parseVolume(v string) (mountSpec, error) {
	m := mountSpec{Type: "volume"}
	var opts string
	switch parts := strings.Split(v, ":"); {
	case len(parts) == 1:
		m.Target, m.Anonymous = parts[0], true
	case len(parts) == 2 && !strings.HasPrefix(parts[1], "/"):
		m.Target, opts, m.Anonymous = parts[0], parts[1], true
	case len(parts) == 2:
		m.Source, m.Target = parts[0], parts[1]
	case len(parts) == 3:
		m.Source, m.Target, opts = parts[0], parts[1], parts[2]
	default:
		return m, fmt.Errorf("-v %q: want [SOURCE:]TARGET[:ro]", v)
	}
	for _, opt := range strings.Split(opts, ",") {
		switch opt {
		case "ro", "readonly":
			m.ReadOnly = true
		case "nocopy":
			m.NoCopy = true
		case "rw", "", "z", "Z", "private", "rprivate":
			// z and Z relabel for SELinux, which this engine does not use; private is
			// what every mount of the container is.
		case "shared", "rshared", "slave", "rslave":
			return m, fmt.Errorf("-v %q: propagation %q is not supported: a container's "+
				"mounts are private", v, opt)
		default:
			return m, fmt.Errorf("-v %q: unknown option %q (want ro, rw or nocopy)", v, opt)
		}
	}
	switch {
	case m.Anonymous:
	case filepath.IsAbs(m.Source):
		m.Type, m.Source = "bind", filepath.Clean(m.Source)
	case !volumeName.MatchString(m.Source):
		return m, fmt.Errorf("-v %q: %q is neither an absolute host path nor a volume "+
			"name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)", v, m.Source)
	}
	return m, checkTarget("-v", v, &m)
}

// parseTmpfs reads one --tmpfs value: PATH[:OPTIONS].
func parseTmpfs(v string) (mountSpec, error) {
	target, opts, _ := strings.Cut(v, ":")
	m := mountSpec{Type: "tmpfs", Target: target}
	var keep []string
	for _, opt := range strings.Split(opts, ",") {
		key, _, _ := strings.Cut(opt, "=")
		switch key {
		case "":
		case "size", "mode", "nr_inodes", "uid", "gid":
			keep = append(keep, opt)
		case "ro":
			m.ReadOnly = true
		case "rw", "noexec", "nosuid", "nodev": // the default
		case "exec", "suid", "dev":
			m.Flags = append(m.Flags, opt)
		default:
			return mountSpec{}, fmt.Errorf("--tmpfs %q: unknown option %q (want size=, "+
				"mode=, nr_inodes=, uid=, gid=, ro, rw, exec, suid or dev)", v, opt)
		}
	}
	m.Options = strings.Join(keep, ",")
	return m, checkTarget("--tmpfs", v, &m)
}

// checkTarget cleans a mount's target and refuses the ones that make no sense.
func checkTarget(flag, v string, m *mountSpec) error {
	if !path.IsAbs(m.Target) {
		return fmt.Errorf("%s %q: the target %q is not an absolute path", flag, v, m.Target)
	}
	m.Target = path.Clean(m.Target)
	if m.Target == "/" || m.Target == "/proc" || strings.HasPrefix(m.Target, "/proc/") {
		return fmt.Errorf("%s %q: cannot mount on %s", flag, v, m.Target)
	}
	return nil
}

// prepareMounts runs in the engine before the container starts: it makes what the mounts
// need on the host. Docker's rule: a missing bind source directory is created.
func prepareMounts(c *container) error {
	for i := range c.Config.Mounts {
		m := &c.Config.Mounts[i]
		switch m.Type {
		case "bind":
			if _, err := os.Stat(m.Source); errors.Is(err, os.ErrNotExist) {
				debugf("create the host directory %s (shell: mkdir -p %[1]s)", m.Source)
				if err := os.MkdirAll(m.Source, 0o755); err != nil {
					return fmt.Errorf("-v %s: %w", m.Source, err)
				}
			} else if err != nil {
				return fmt.Errorf("-v %s: %w", m.Source, err)
			}
			m.HostPath = m.Source
		case "volume":
			v, created, err := ensureVolume(m.Source, m.Anonymous)
			if err != nil {
				return err
			}
			m.HostPath = v.data()
			if created && !m.NoCopy {
				if err := seedVolume(c.Config.Rootfs, m.Target, m.HostPath); err != nil {
					return fmt.Errorf("volume %s: %w", m.Source, err)
				}
			}
		}
	}
	return nil
}

// source is a bind or volume directory (or file), opened before pivot_root.
type source struct {
	tree  *os.File // a detached copy of its mount tree
	isDir bool
}

// openMountSources runs in the child before pivot_root, while host paths still mean
// something: each bind or volume directory becomes a detached copy of its mount tree
// (open_tree, Linux 5.2), made read-only and private to the container (mount_setattr,
// 5.12: recursively, so that a read-only volume has no writable mount inside it).
func openMountSources(mounts []mountSpec) ([]source, error) {
	sources := make([]source, len(mounts))
	for i, m := range mounts {
		if m.Type == "tmpfs" {
			continue
		}
		fd, err := unix.OpenTree(unix.AT_FDCWD, m.HostPath,
			unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_RECURSIVE)
		if err != nil {
			return nil, fmt.Errorf("init: open_tree %s: %w", m.HostPath, err)
		}
		tree := os.NewFile(uintptr(fd), m.HostPath)
		st, err := tree.Stat()
		if err != nil {
			return nil, fmt.Errorf("init: %w", err)
		}
		sources[i] = source{tree: tree, isDir: st.IsDir()}
		attr := &unix.MountAttr{Propagation: unix.MS_PRIVATE}
		if m.ReadOnly {
			attr.Attr_set = unix.MOUNT_ATTR_RDONLY
		}
		err = unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, attr)
		if err != nil {
			return nil, fmt.Errorf("init: mount_setattr %s: %w", m.HostPath, err)
		}
	}
	return sources, nil
}

// mountAll runs in the child after pivot_root: it puts each mount on its target, resolved
// inside the new root (shell: mount --rbind SOURCE TARGET; mount -t tmpfs tmpfs TARGET).
func mountAll(cfg *initConfig, sources []source) error {
	root, err := os.OpenFile("/", unix.O_PATH|unix.O_DIRECTORY, 0)
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	defer root.Close()
	if err := mountIn(root, cfg.allMounts(), sources); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	return nil
}

// mountIn mounts each of mounts in the tree whose root is root.
func mountIn(root *os.File, mounts []mountSpec, sources []source) error {
	for i, m := range mounts {
		if err := mountOne(root, m, sources[i]); err != nil {
			return fmt.Errorf("mount %s on %s: %w", m.Source, m.Target, err)
		}
	}
	return nil
}

func mountOne(root *os.File, m mountSpec, src source) error {
	var target *os.File
	var err error
	if src.tree != nil && !src.isDir {
		target, err = createInRoot(root, m.Target) // a file is mounted on a file
	} else {
		target, err = mkdirInRoot(root, m.Target)
	}
	if err != nil {
		return err
	}
	defer target.Close()
	if m.Type == "tmpfs" {
		flags := uintptr(unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC)
		for _, f := range m.Flags {
			flags &^= map[string]uintptr{"exec": unix.MS_NOEXEC, "suid": unix.MS_NOSUID,
				"dev": unix.MS_NODEV}[f]
		}
		if m.ReadOnly {
			flags |= unix.MS_RDONLY
		}
		debugf("mount tmpfs on %s (shell: mount -t tmpfs -o %s tmpfs %[1]s)", m.Target,
			m.Options)
		return unix.Mount("tmpfs", fdPath(target), "tmpfs", flags, m.Options)
	}
	ro := ""
	if m.ReadOnly {
		ro = " -o ro"
	}
	debugf("mount %s on %s (shell: mount --rbind%s %[1]s %[2]s)", m.HostPath, m.Target, ro)
	defer src.tree.Close()
	return unix.MoveMount(int(src.tree.Fd()), "", int(target.Fd()), "",
		unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH)
}
