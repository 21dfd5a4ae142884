// Host side: a layer's tar unpacked into a directory of its own, and nothing outside it.

package main

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sys/unix"
)

// A layer is a tar of the files an image adds or changes, and of whiteouts for those it
// deletes. Its names, link targets and symlinks are the image author's, so anyone's: every
// one of them was once a way out of the directory being unpacked into.
//
//	../../etc/cron.d/x        tar slip: a name that climbs out (refused)
//	/etc/passwd               an absolute name: dir/etc/passwd, as docker strips the "/"
//	evil -> /etc, evil/passwd a symlink planted by the layer, then written through
//	                          (CVE-2014-6407, CVE-2014-9356: docker followed it on the host)
//	x  link to /etc/shadow    a hard link to a host file (CVE-2014-6407)
//	.  (a symlink)            the layer's root replaced by a symlink (umoci, CVE-2021-29136)
//	chmod of a symlink entry  changes what it points to (containerd, CVE-2021-32760)
//
// The defence is one rule: no path of the layer is resolved by the host. Every name is
// resolved by the kernel with openat2 RESOLVE_IN_ROOT from dir (inroot.go), so "..", an
// absolute path and a symlink all lead where they would lead inside the container; the
// last name is then created with openat/mkdirat/symlinkat in its parent's descriptor, never
// following a symlink, and owner, mode, xattrs and times are set through a descriptor of
// the very file created. Symlink targets are kept as they are: they are the container's
// paths, and nothing here follows one out of dir.
//
// (shell, roughly: mkdir DIR && tar -xpf LAYER --xattrs -C DIR, then the whiteouts as
// overlay writes them: mknod DIR/x c 0 0 for .wh.x, setfattr -n trusted.overlay.opaque
// -v y for .wh..wh..opq; the diff ID is `zcat LAYER | sha256sum`.)

// A layer's limits: a small gzip or zstd blob can unpack to terabytes, or to millions of
// empty files (a decompression bomb). Variables, so that tests can lower them.
var (
	maxLayerEntries       = 1_000_000
	maxLayerBytes   int64 = 64 << 30 // uncompressed, and the total size of the files
)

const (
	whiteoutPrefix = ".wh."         // .wh.NAME: NAME is deleted (docker's and OCI's notation)
	whiteoutOpaque = ".wh..wh..opq" // in a directory: it hides the lower layers' one
)

// unpackLayer reads one layer (a tar, plain, gzip or zstd, as mediaType says) into dir, an
// empty directory of the host, and returns the digest of the uncompressed tar (the diff ID,
// "sha256:<hex>") and its size.
func unpackLayer(r io.Reader, mediaType string, dir string) (diffID string, size int64, err error) {
	var plain io.Reader
	switch mediaType {
	case ocispec.MediaTypeImageLayer:
		plain = r
	case ocispec.MediaTypeImageLayerGzip, "application/vnd.docker.image.rootfs.diff.tar.gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			return "", 0, fmt.Errorf("layer: gzip: %w", err)
		}
		defer zr.Close()
		plain = zr
	case ocispec.MediaTypeImageLayerZstd:
		zr, err := zstd.NewReader(r)
		if err != nil {
			return "", 0, fmt.Errorf("layer: zstd: %w", err)
		}
		defer zr.Close() // stops its goroutines
		plain = zr
	default:
		return "", 0, fmt.Errorf("layer: unknown media type %q", mediaType)
	}
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", 0, fmt.Errorf("layer: %w", &os.PathError{Op: "open", Path: dir, Err: err})
	}
	u := &unpacker{root: os.NewFile(uintptr(fd), dir), dirs: map[string]dirTimes{}}
	defer u.root.Close()
	stream := &layerStream{r: plain, h: sha256.New()}
	if err := u.unpack(tar.NewReader(stream)); err != nil {
		return "", 0, err
	}
	// The digest is of the whole stream: the end-of-archive blocks and the padding of the
	// last record too, as sha256sum reads it. Reading to the end also checks gzip's CRC.
	if _, err := io.Copy(io.Discard, stream); err != nil {
		return "", 0, fmt.Errorf("layer: %w", err)
	}
	return "sha256:" + hex.EncodeToString(stream.h.Sum(nil)), stream.n, nil
}

// layerStream hashes and counts the uncompressed tar as it is read, and stops it past
// maxLayerBytes.
type layerStream struct {
	r io.Reader
	h hash.Hash
	n int64
}

func (s *layerStream) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.h.Write(p[:n])
	if s.n += int64(n); s.n > maxLayerBytes {
		return n, fmt.Errorf("more than %d bytes uncompressed: refusing (a decompression bomb?)",
			maxLayerBytes)
	}
	return n, err
}

// dirTimes are a directory's times, set once its entries are all written (each new entry
// changes its parent's mtime); ino tells that the path is still that directory then.
type dirTimes struct {
	ino  uint64
	a, m time.Time
}

type unpacker struct {
	root   *os.File // dir, opened with O_PATH
	dirs   map[string]dirTimes
	nfiles int64 // total size of the regular files
}

func (u *unpacker) unpack(tr *tar.Reader) error {
	for n := 1; ; n++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("layer: %w", err)
		}
		if n > maxLayerEntries {
			return fmt.Errorf("layer: more than %d entries: refusing (a decompression bomb?)",
				maxLayerEntries)
		}
		if err := u.entry(hdr, tr); err != nil {
			return fmt.Errorf("layer: entry %q: %w", hdr.Name, err)
		}
	}
	for p, t := range u.dirs {
		f, err := openInRoot(u.root, p, unix.O_PATH|unix.O_NOFOLLOW, 0)
		if err != nil {
			continue // replaced by a later entry, or what led to it was
		}
		var st unix.Stat_t
		if unix.Fstat(int(f.Fd()), &st) == nil && st.Ino == t.ino {
			err = setTimes(f, t.a, t.m)
		}
		f.Close()
		if err != nil {
			return fmt.Errorf("layer: entry %q: %w", p, err)
		}
	}
	return nil
}

// entryPath reads a name of the layer as docker does: cleaned, a leading "/" dropped (the
// container's /), and refused if it climbs out ("../x", "a/../../x": tar slip). The root
// is ".".
func entryPath(name string) (string, error) {
	p := path.Clean(name)
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", fmt.Errorf("%q leads out of the layer", name)
	}
	if p = strings.TrimLeft(p, "/"); p == "" {
		p = "."
	}
	return p, nil
}

// entry unpacks one tar entry.
func (u *unpacker) entry(hdr *tar.Header, r io.Reader) error {
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		return nil // PAX defaults for the entries that follow: Go's tar applies none either
	}
	p, err := entryPath(hdr.Name)
	if err != nil {
		return err
	}
	if p == "." {
		// The root itself: dir's owner, mode and times. Nothing else: umoci replaced it
		// with a symlink, and wrote the entries after it where that pointed (CVE-2021-29136).
		if hdr.Typeflag != tar.TypeDir {
			return errors.New("the layer's root is not a directory")
		}
		return u.setMeta(u.root, ".", hdr)
	}
	dirName, name := path.Dir(p), path.Base(p)
	parent, err := openInRoot(u.root, dirName, unix.O_PATH|unix.O_DIRECTORY, 0)
	if errors.Is(err, unix.ENOENT) {
		parent, err = mkdirInRoot(u.root, dirName) // a tar need not list every directory
	}
	if err != nil {
		return err
	}
	defer parent.Close()
	pfd := int(parent.Fd())

	if name == whiteoutOpaque {
		return setXattr(parent, "trusted.overlay.opaque", "y")
	}
	if strings.HasPrefix(name, whiteoutPrefix) {
		name = strings.TrimPrefix(name, whiteoutPrefix)
		if strings.HasPrefix(name, whiteoutPrefix) {
			return nil // .wh..wh.plnk and the like: aufs's own bookkeeping
		}
		if name == "" || name == "." || name == ".." {
			return errors.New("a whiteout of no name")
		}
		if err := removeExisting(parent, name, false); err != nil {
			return err
		}
		// overlay's whiteout: a character device 0:0 (Linux 5.8 lets anyone make one).
		return unix.Mknodat(pfd, name, unix.S_IFCHR, 0)
	}

	if err := removeExisting(parent, name, hdr.Typeflag == tar.TypeDir); err != nil {
		return err
	}
	mode := uint32(hdr.Mode & 0o777)
	switch hdr.Typeflag {
	case tar.TypeDir:
		if err := unix.Mkdirat(pfd, name, 0o700); err != nil && !errors.Is(err, unix.EEXIST) {
			return err // EEXIST: made before its entry, or an entry listed twice
		}
	case tar.TypeReg, tar.TypeGNUSparse:
		if u.nfiles += hdr.Size; u.nfiles > maxLayerBytes { // a sparse file's holes too
			return fmt.Errorf("files of more than %d bytes: refusing (a decompression bomb?)",
				maxLayerBytes)
		}
		fd, err := unix.Openat(pfd, name,
			unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_WRONLY|unix.O_CLOEXEC, 0o600)
		if err != nil {
			return err
		}
		f := os.NewFile(uintptr(fd), p)
		_, err = io.Copy(f, r)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	case tar.TypeSymlink:
		if err := unix.Symlinkat(hdr.Linkname, pfd, name); err != nil {
			return err
		}
	case tar.TypeLink:
		// The target must be a file this layer wrote already (dir holds nothing else), and
		// is reached by no symlink: a hard link to whatever a symlink shows would link the
		// host's file if the symlink were read on the host (CVE-2014-6407).
		target, err := entryPath(hdr.Linkname)
		if err != nil {
			return err
		}
		tdir, tname := path.Split(target)
		tfd, err := unix.Openat2(int(u.root.Fd()), "./"+tdir, &unix.OpenHow{
			Flags: unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC, Resolve: noLinks})
		if err == nil {
			err = unix.Linkat(tfd, tname, pfd, name, 0) // 0: a symlink is linked, not followed
			unix.Close(tfd)
		}
		if err != nil {
			return fmt.Errorf("link to %q: %w", hdr.Linkname, err)
		}
		return nil // the same inode: it has its owner, mode and times already
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		// Made as they are: a few images carry /dev entries (old busybox and debian ones),
		// and a device node is harmless until a container opens it, which the device
		// cgroup forbids (step 8). Without root, mknod fails: the node is left out.
		kind := map[byte]uint32{tar.TypeChar: unix.S_IFCHR, tar.TypeBlock: unix.S_IFBLK,
			tar.TypeFifo: unix.S_IFIFO}[hdr.Typeflag]
		dev := int(unix.Mkdev(uint32(hdr.Devmajor), uint32(hdr.Devminor)))
		err := unix.Mknodat(pfd, name, kind|mode, dev)
		if errors.Is(err, unix.EPERM) {
			return nil
		}
		if err != nil {
			return err
		}
	default:
		return fmt.Errorf("unsupported tar entry type %q", hdr.Typeflag)
	}
	return u.setMeta(parent, name, hdr)
}

// removeExisting makes way for an entry that names a file the layer wrote before: it is
// removed, with what it holds if a directory, unless both are directories (the later entry
// then just sets its owner, mode and times).
func removeExisting(parent *os.File, name string, isDir bool) error {
	var st unix.Stat_t
	err := unix.Fstatat(int(parent.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return unix.Unlinkat(int(parent.Fd()), name, 0)
	}
	if isDir {
		return nil
	}
	// os.RemoveAll opens the parent by its descriptor, and below it follows no symlink.
	return os.RemoveAll(fdPath(parent) + "/" + name)
}

// setMeta gives name, just created in parent, the entry's owner, mode, xattrs and times,
// through a descriptor of it opened without following a symlink (shell: chown -h, chmod,
// setfattr -h, touch -h). A symlink's mode means nothing: it gets none, so no chmod ever
// reaches what a symlink points to (CVE-2021-32760).
func (u *unpacker) setMeta(parent *os.File, name string, hdr *tar.Header) error {
	fd, err := unix.Openat(int(parent.Fd()), name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	err = unix.Fchownat(fd, "", hdr.Uid, hdr.Gid, unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW)
	if err != nil {
		return err
	}
	// After chown, which clears the setuid and setgid bits.
	if hdr.Typeflag != tar.TypeSymlink {
		if err := unix.Chmod(fdPath(f), uint32(hdr.Mode&0o7777)); err != nil {
			return err
		}
	}
	// After chown too, which clears security.capability.
	for k, v := range hdr.PAXRecords {
		if x, ok := strings.CutPrefix(k, "SCHILY.xattr."); ok && layerXattr(x) {
			if err := setXattr(f, x, v); err != nil {
				return err
			}
		}
	}
	atime := hdr.AccessTime
	if atime.IsZero() {
		atime = hdr.ModTime // ustar has no atime
	}
	if hdr.Typeflag != tar.TypeDir {
		return setTimes(f, atime, hdr.ModTime)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	key, _ := entryPath(hdr.Name)
	u.dirs[key] = dirTimes{st.Ino, atime, hdr.ModTime}
	return nil
}

// layerXattr tells which xattrs of a layer are applied: user.*, trusted.* and file
// capabilities (ping's cap_net_raw). Not trusted.overlay.*: overlay reads those (redirect,
// origin, metacopy) to find files in the lower layers, and a layer speaks to overlay only
// through its .wh. names. Not the other security.* ones (SELinux labels, IMA), the host's
// business.
func layerXattr(name string) bool {
	switch {
	case strings.HasPrefix(name, "trusted.overlay."):
		return false
	case strings.HasPrefix(name, "user."), strings.HasPrefix(name, "trusted."):
		return true
	}
	return name == "security.capability"
}

// setXattr sets an xattr of f, an O_PATH descriptor, through /proc/self/fd, which leads to
// the file itself even if it is a symlink (shell: setfattr -h -n NAME -v VALUE). A file
// system without xattrs, or a symlink or device refusing user.* ones, leaves it out, as
// docker does.
func setXattr(f *os.File, name, value string) error {
	err := unix.Setxattr(fdPath(f), name, []byte(value), 0)
	if errors.Is(err, unix.ENOTSUP) || (errors.Is(err, unix.EPERM) &&
		strings.HasPrefix(name, "user.")) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("setxattr %s: %w", name, err)
	}
	return nil
}

// setTimes sets f's access and modification times (shell: touch -h -d).
func setTimes(f *os.File, atime, mtime time.Time) error {
	ts := []unix.Timespec{{Sec: atime.Unix(), Nsec: int64(atime.Nanosecond())},
		{Sec: mtime.Unix(), Nsec: int64(mtime.Nanosecond())}}
	return unix.UtimesNanoAt(unix.AT_FDCWD, fdPath(f), ts, 0)
}
