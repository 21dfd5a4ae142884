// Both sides: the container's own layer on top of the shared rootfs (overlayfs).

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// The rootfs becomes a read-only lower layer, shared by every container. Each container
// gets a layer of its own under the data root, and the kernel's overlay filesystem shows
// the two as one tree, the container's /:
//
//	/var/lib/contain/containers/3f2a.../
//	├── upper/    what the container wrote: new and changed files, and whiteouts for
//	│             deleted ones (diff.go reads it)
//	├── work/     overlay's scratch space, on the same filesystem as upper/
//	└── merged/   where the overlay is mounted, in the container's mount namespace only
//
//	merged = upper over lower:  a file is looked up in upper first, then in the rootfs;
//	                            the first write to a rootfs file copies it up whole.
//
// (shell: mount -t overlay overlay -o lowerdir=ROOTFS,upperdir=U,workdir=W merged)
var dataRoot = "/var/lib/contain"

// layer is a container's part of the overlay.
type layer struct {
	Lower string `json:"lower"`
	// Etc is the engine's own mount points, a layer under the rootfs (etcfiles.go).
	Etc    string `json:"etc,omitempty"`
	Upper  string `json:"upper"`
	Work   string `json:"work"`
	Merged string `json:"merged"`
}

// layerDir is the directory of a container's layer.
func layerDir(id string) string { return filepath.Join(dataRoot, "containers", id) }

// newLayer names the directories of a container's layer over the rootfs lower; makeLayer
// creates them, once the engine has saved where they are.
func newLayer(id, lower string) (*layer, error) {
	// overlay's options are a comma-separated list, its lowerdir a colon-separated one.
	if strings.ContainsAny(lower, ",:") {
		return nil, fmt.Errorf("rootfs %s: overlay takes no path with a comma or a colon", lower)
	}
	dir := layerDir(id)
	return &layer{Lower: lower, Upper: filepath.Join(dir, "upper"),
		Work: filepath.Join(dir, "work"), Merged: filepath.Join(dir, "merged")}, nil
}

func (l *layer) make() error {
	dir := filepath.Dir(l.Upper)
	if err := checkUpperFS(filepath.Dir(dir)); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return fmt.Errorf("layer: %w", err)
	}
	debugf("layer %s (shell: mkdir -p %[1]s/{upper,work,merged})", dir)
	for _, d := range []string{dir, l.Upper, l.Work, l.Merged} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return fmt.Errorf("layer: %w", err)
		}
	}
	// The container's / has the mode and owner of the upper dir's root: the rootfs's,
	// so that a user other than root may use it. The layer's own dir keeps others out.
	var st unix.Stat_t
	if err := unix.Stat(l.Lower, &st); err != nil {
		return fmt.Errorf("layer: %w", err)
	}
	if err := os.Chmod(l.Upper, os.FileMode(st.Mode&0o7777)); err != nil {
		return fmt.Errorf("layer: %w", err)
	}
	if err := os.Lchown(l.Upper, int(st.Uid), int(st.Gid)); err != nil {
		return fmt.Errorf("layer: %w", err)
	}
	return nil
}

// checkUpperFS refuses a data root that overlay cannot write to: an upper dir on an
// overlay (a VM or container whose own root is one) fails with a bare "invalid argument".
// It looks at the nearest directory that exists, so that a refusal leaves nothing made.
func checkUpperFS(dir string) error {
	var st unix.Statfs_t
	err := unix.Statfs(dir, &st)
	for errors.Is(err, unix.ENOENT) && dir != filepath.Dir(dir) {
		dir = filepath.Dir(dir)
		err = unix.Statfs(dir, &st)
	}
	if err != nil {
		return fmt.Errorf("layer: %w", err)
	}
	if st.Type == unix.OVERLAYFS_SUPER_MAGIC {
		return fmt.Errorf("data root %s is on an overlay filesystem, which cannot hold a "+
			"container's upper dir: use --data-root on another one (ext4, xfs, tmpfs)", dataRoot)
	}
	return nil
}

// removeLayer removes a container's layer: everything it wrote (shell: rm -rf DIR).
func removeLayer(id string) error {
	debugf("remove layer %s", layerDir(id))
	if err := os.RemoveAll(layerDir(id)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("layer: %w", err)
	}
	return nil
}

// mountOverlay runs in the child, in its mount namespace: the overlay exists there only,
// and goes away with the container's last process, whatever happens to the engine.
func mountOverlay(l *layer) error {
	lower := l.Lower
	if l.Etc != "" {
		lower += ":" + l.Etc // lowerdir lists the upper ones first: the rootfs wins
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower, l.Upper, l.Work)
	debugf("mount overlay on %s (shell: mount -t overlay overlay -o %s %[1]s)", l.Merged, opts)
	if err := unix.Mount("overlay", l.Merged, "overlay", 0, opts); err != nil {
		return fmt.Errorf("init: mount overlay on %s: %w", l.Merged, err)
	}
	return nil
}

// removeStorage removes the container's layer, and its anonymous volumes when asked to
// (rm -v, run --rm) or when it never ran: a container that never started leaves nothing.
func (c *container) removeStorage() error {
	if err := removeLayer(c.ID); err != nil {
		return err
	}
	if !c.dropVolumes && !c.Config.Remove && !c.StartedAt.IsZero() {
		return nil
	}
	unlock, err := lockState()
	if err != nil {
		return err
	}
	defer unlock()
	for _, m := range c.Config.Mounts {
		if m.Type != "volume" {
			continue
		}
		// Anonymous is the volume's own nature, however this container named it.
		if v, err := readVolume(m.Source); err != nil || !v.Anonymous {
			continue
		}
		// Another container may use it too (-v ID:/data): then it stays, as with docker.
		if users, err := usersOf(m.Source, c.ID); err != nil || len(users) > 0 {
			continue
		}
		debugf("remove anonymous volume %s", m.Source)
		if err := os.RemoveAll(volumeDir(m.Source)); err != nil {
			return fmt.Errorf("volume %s: %w", m.Source, err)
		}
	}
	return nil
}
