package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"contain/testkit"
	"github.com/klauspost/compress/zstd"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// An entry of a test layer: a tar header, and a body for a regular file.
type tarEnt struct {
	hdr  tar.Header
	body string
}

var entTime = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)

func entOf(typ byte, name string, mode int64) tarEnt {
	return tarEnt{hdr: tar.Header{Typeflag: typ, Name: name, Mode: mode, Uid: os.Getuid(),
		Gid: os.Getgid(), ModTime: entTime, Format: tar.FormatPAX}}
}

func entFile(name, body string) tarEnt {
	e := entOf(tar.TypeReg, name, 0o644)
	e.body, e.hdr.Size = body, int64(len(body))
	return e
}

func entDir(name string) tarEnt { return entOf(tar.TypeDir, name, 0o755) }

func entSymlink(name, target string) tarEnt {
	e := entOf(tar.TypeSymlink, name, 0o777)
	e.hdr.Linkname = target
	return e
}

func entLink(name, target string) tarEnt {
	e := entOf(tar.TypeLink, name, 0o644)
	e.hdr.Linkname = target
	return e
}

// with changes an entry's header.
func (e tarEnt) with(f func(h *tar.Header)) tarEnt { f(&e.hdr); return e }

// layerTar writes entries as a tar.
func layerTar(t testing.TB, ents ...tarEnt) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range ents {
		require.NoError(t, tw.WriteHeader(&e.hdr))
		_, err := tw.Write([]byte(e.body))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	return buf.Bytes()
}

// unpackTest unpacks a plain tar into parent/layer, parent a new directory, and checks that
// nothing but the layer appeared in parent.
func unpackTest(t *testing.T, data []byte) (dir string, err error) {
	parent := t.TempDir()
	dir = filepath.Join(parent, "layer")
	require.NoError(t, os.Mkdir(dir, 0o700))
	_, _, err = unpackLayer(bytes.NewReader(data), ocispec.MediaTypeImageLayer, dir)
	assert.Equal(t, []string{"layer"}, dirNames(t, parent), "only the layer is in its parent")
	return dir, err
}

func lstat(t *testing.T, p string) unix.Stat_t {
	var st unix.Stat_t
	require.NoError(t, unix.Lstat(p, &st))
	return st
}

// hostSentinel is a file of the host, outside any layer, that a layer must not reach.
func hostSentinel(t *testing.T) (host string, check func()) {
	host = t.TempDir()
	p := filepath.Join(host, "passwd")
	require.NoError(t, os.WriteFile(p, []byte("sentinel"), 0o600))
	before := lstat(t, p)
	return host, func() {
		got, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.Equal(t, "sentinel", string(got), "the host's file was written")
		after := lstat(t, p)
		assert.Equal(t, before.Mode, after.Mode, "the host's file changed mode")
		assert.Equal(t, before.Uid, after.Uid, "the host's file changed owner")
		assert.Equal(t, uint64(1), uint64(after.Nlink), "the host's file was hard-linked")
		assert.Equal(t, []string{"passwd"}, dirNames(t, host), "a file appeared on the host")
	}
}

// hostMirror lists the directories of host's path as entries, so that a symlink to host
// leads somewhere inside the layer.
func hostMirror(host string) []tarEnt {
	var ents []tarEnt
	p := ""
	for _, name := range strings.Split(strings.Trim(host, "/"), "/") {
		p += name + "/"
		ents = append(ents, entDir(p))
	}
	return ents
}

// Every way out of the layer that tars have known: each lands inside it, or is refused
// with an error naming the entry; the host's file stays as it was.
func TestUnpackLayerEscapes(t *testing.T) {
	host, sentinelIntact := hostSentinel(t)
	tests := []struct {
		name    string
		ents    []tarEnt
		wantErr string // the error's beginning, or "" for none
		check   func(t *testing.T, dir string)
	}{
		{"dot dot", []tarEnt{entFile("../escape", "x")},
			`layer: entry "../escape": "../escape" leads out of the layer`, nil},
		{"dot dot inside the name", []tarEnt{entFile("a/../../x", "x")},
			`layer: entry "a/../../x": "a/../../x" leads out of the layer`, nil},
		{"absolute name lands inside", []tarEnt{entFile("/abs", "x")}, "",
			func(t *testing.T, dir string) { assertFile(t, dir, "abs", "x") }},
		{"absolute dot dot lands inside", []tarEnt{entFile("/../x", "x")}, "",
			func(t *testing.T, dir string) { assertFile(t, dir, "x", "x") }},
		{"through a symlink to the host", []tarEnt{entSymlink("evil", host),
			entFile("evil/passwd", "pwned")},
			`layer: entry "evil/passwd": mkdir /evil: `, nil},
		{"through a symlink to the host, mirrored inside",
			append(hostMirror(host), entSymlink("evil", host), entFile("evil/passwd", "pwned")),
			"", func(t *testing.T, dir string) {
				assertFile(t, dir, filepath.Join(host, "passwd"), "pwned")
			}},
		{"through a symlink to ../..", []tarEnt{entSymlink("up", "../.."),
			entFile("up/x", "x")}, "",
			func(t *testing.T, dir string) { assertFile(t, dir, "x", "x") }},
		{"over a symlink to the host's file", []tarEnt{
			entSymlink("s", filepath.Join(host, "passwd")), entFile("s", "pwned")}, "",
			func(t *testing.T, dir string) { assertFile(t, dir, "s", "pwned") }},
		{"hard link to the host's /etc/passwd", []tarEnt{entLink("x", "/etc/passwd")},
			`layer: entry "x": link to "/etc/passwd": no such file or directory`, nil},
		{"hard link to the host's file", []tarEnt{entLink("x", host+"/passwd")},
			`layer: entry "x": link to "` + host + `/passwd": no such file`, nil},
		{"hard link out", []tarEnt{entLink("x", "../passwd")},
			`layer: entry "x": "../passwd" leads out of the layer`, nil},
		{"hard link through a symlink", []tarEnt{entSymlink("evil", host),
			entLink("x", "evil/passwd")},
			`layer: entry "x": link to "evil/passwd": too many levels of symbolic links`, nil},
		{"hard link through a symlink that leads inside",
			append(hostMirror(host), entFile(host+"/passwd", "inside"),
				entSymlink("evil", host), entLink("x", "evil/passwd")),
			`layer: entry "x": link to "evil/passwd": too many levels of symbolic links`, nil},
		{"root as a file", []tarEnt{entFile(".", "x")},
			`layer: entry ".": the layer's root is not a directory`, nil},
		{"root as a symlink", []tarEnt{entSymlink("/", host), entFile("passwd", "pwned")},
			`layer: entry "/": the layer's root is not a directory`, nil},
		{"root as a directory", []tarEnt{entDir("./").with(func(h *tar.Header) {
			h.Mode = 0o750
		})}, "", func(t *testing.T, dir string) {
			assert.Equal(t, uint32(unix.S_IFDIR|0o750), lstat(t, dir).Mode)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir, err := unpackTest(t, layerTar(t, tc.ents...))
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.True(t, strings.HasPrefix(err.Error(), tc.wantErr), err.Error())
			} else {
				require.NoError(t, err)
			}
			if tc.check != nil {
				tc.check(t, dir)
			}
			sentinelIntact()
		})
	}
}

func assertFile(t *testing.T, dir, name, content string) {
	t.Helper()
	got, err := os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err)
	assert.Equal(t, content, string(got))
}

// Whiteouts become overlay's: .wh.NAME a character device 0:0 named NAME, .wh..wh..opq
// the opaque xattr of its directory; aufs's other .wh..wh. names are left out.
func TestUnpackLayerWhiteouts(t *testing.T) {
	testkit.RequireRoot(t) // trusted.* xattrs
	dir, err := unpackTest(t, layerTar(t,
		entDir("etc/"), entFile("etc/.wh.passwd", ""),
		entFile("a", "replaced by its whiteout"), entFile(".wh.a", ""),
		entDir("var/cache/"), entFile("var/cache/.wh..wh..opq", ""),
		entFile("var/cache/kept", "k"),
		entDir(".wh..wh.plnk/"), entFile(".wh..wh.aufs", "")))
	require.NoError(t, err)
	for _, name := range []string{"etc/passwd", "a"} {
		st := lstat(t, filepath.Join(dir, name))
		assert.Equal(t, uint32(unix.S_IFCHR), st.Mode&unix.S_IFMT, name)
		assert.Equal(t, uint64(0), uint64(st.Rdev), name)
	}
	buf := make([]byte, 8)
	n, err := unix.Lgetxattr(filepath.Join(dir, "var/cache"), "trusted.overlay.opaque", buf)
	require.NoError(t, err)
	assert.Equal(t, "y", string(buf[:n]))
	assert.Equal(t, []string{"a", "etc", "var"}, dirNames(t, dir))
	assert.Equal(t, []string{"passwd"}, dirNames(t, filepath.Join(dir, "etc")))
	assert.Equal(t, []string{"kept"}, dirNames(t, filepath.Join(dir, "var/cache")))
}

// Owner, mode (setuid too, though chown clears it), times (a directory's too, though
// files were written in it later), xattrs, devices, fifos and hard links are kept.
func TestUnpackLayerMetadata(t *testing.T) {
	testkit.RequireRoot(t) // chown to another user, mknod
	dirTime := time.Date(2001, 2, 3, 4, 5, 6, 7000, time.UTC)
	fileTime := time.Date(2002, 2, 3, 4, 5, 6, 0, time.UTC)
	dir, err := unpackTest(t, layerTar(t,
		entDir("bin/").with(func(h *tar.Header) { h.ModTime = dirTime; h.Mode = 0o711 }),
		entFile("bin/su", "su").with(func(h *tar.Header) {
			h.Mode, h.Uid, h.Gid, h.ModTime = 0o4755, 1000, 1001, fileTime
		}),
		entDir("shared/").with(func(h *tar.Header) { h.Mode = 0o3777 }),
		entFile("x", "x").with(func(h *tar.Header) {
			h.PAXRecords = map[string]string{"SCHILY.xattr.user.x": "1",
				"SCHILY.xattr.trusted.overlay.redirect": "/etc",
				"SCHILY.xattr.security.selinux":         "l"}
		}),
		entSymlink("sym", "nowhere").with(func(h *tar.Header) { h.ModTime = fileTime; h.Uid = 7 }),
		entOf(tar.TypeChar, "null", 0o666).with(func(h *tar.Header) {
			h.Devmajor, h.Devminor = 1, 3
		}),
		entOf(tar.TypeFifo, "fifo", 0o600),
		entLink("bin/su2", "bin/su"), entLink("sym2", "sym")))
	require.NoError(t, err)

	su := lstat(t, filepath.Join(dir, "bin/su"))
	assert.Equal(t, uint32(unix.S_IFREG|0o4755), su.Mode)
	assert.Equal(t, [2]uint32{1000, 1001}, [2]uint32{su.Uid, su.Gid})
	assert.Equal(t, fileTime.Unix(), su.Mtim.Sec)
	bin := lstat(t, filepath.Join(dir, "bin"))
	assert.Equal(t, uint32(unix.S_IFDIR|0o711), bin.Mode)
	assert.Equal(t, dirTime, time.Unix(bin.Mtim.Unix()).UTC(), "a directory's mtime is kept")
	assert.Equal(t, uint32(unix.S_IFDIR|0o3777), lstat(t, filepath.Join(dir, "shared")).Mode)

	buf := make([]byte, 16)
	n, err := unix.Lgetxattr(filepath.Join(dir, "x"), "user.x", buf)
	// A filesystem without user.* attributes (tmpfs before Linux 6.6, the VM lane's /tmp)
	// cannot keep it: the unpacker goes on without it, as docker does.
	probe := filepath.Join(t.TempDir(), "probe")
	require.NoError(t, os.WriteFile(probe, nil, 0o600))
	if unix.Setxattr(probe, "user.probe", []byte("1"), 0) == nil {
		require.NoError(t, err)
		assert.Equal(t, "1", string(buf[:n]))
	} else {
		assert.ErrorIs(t, err, unix.ENOTSUP)
	}
	_, err = unix.Lgetxattr(filepath.Join(dir, "x"), "trusted.overlay.redirect", buf)
	assert.ErrorIs(t, err, unix.ENODATA, "a layer sets no overlay xattr")

	sym := lstat(t, filepath.Join(dir, "sym"))
	assert.Equal(t, fileTime.Unix(), sym.Mtim.Sec)
	assert.Equal(t, uint32(7), sym.Uid)
	null := lstat(t, filepath.Join(dir, "null"))
	assert.Equal(t, uint32(unix.S_IFCHR|0o666), null.Mode)
	assert.Equal(t, unix.Mkdev(1, 3), uint64(null.Rdev))
	assert.Equal(t, uint32(unix.S_IFIFO|0o600), lstat(t, filepath.Join(dir, "fifo")).Mode)

	su2 := lstat(t, filepath.Join(dir, "bin/su2"))
	assert.Equal(t, su.Ino, su2.Ino, "a hard link is the same inode")
	assert.Equal(t, uint64(2), uint64(su2.Nlink))
	assert.Equal(t, sym.Ino, lstat(t, filepath.Join(dir, "sym2")).Ino, "a link to a symlink")
}

// A later entry of the same name replaces the earlier one, whatever each is; two
// directories merge.
func TestUnpackLayerReplace(t *testing.T) {
	tests := []struct {
		name  string
		ents  []tarEnt
		check func(t *testing.T, dir string)
	}{
		{"file by directory", []tarEnt{entFile("x", "1"), entDir("x/"), entFile("x/y", "2")},
			func(t *testing.T, dir string) { assertFile(t, dir, "x/y", "2") }},
		{"directory by file", []tarEnt{entDir("x/"), entDir("x/sub/"), entFile("x/sub/y", "2"),
			entFile("x", "3")},
			func(t *testing.T, dir string) { assertFile(t, dir, "x", "3") }},
		{"directory by directory", []tarEnt{entDir("x/"), entFile("x/y", "2"),
			entDir("x/").with(func(h *tar.Header) { h.Mode = 0o750 })},
			func(t *testing.T, dir string) {
				assertFile(t, dir, "x/y", "2")
				assert.Equal(t, uint32(unix.S_IFDIR|0o750), lstat(t, filepath.Join(dir, "x")).Mode)
			}},
		{"file by file", []tarEnt{entFile("x", "1"), entFile("x", "2")},
			func(t *testing.T, dir string) { assertFile(t, dir, "x", "2") }},
		{"directory by symlink", []tarEnt{entDir("x/"), entFile("x/y", "2"),
			entSymlink("x", "y")},
			func(t *testing.T, dir string) {
				target, err := os.Readlink(filepath.Join(dir, "x"))
				require.NoError(t, err)
				assert.Equal(t, "y", target)
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir, err := unpackTest(t, layerTar(t, tc.ents...))
			require.NoError(t, err)
			tc.check(t, dir)
		})
	}
}

// A layer of too many entries or too many bytes is refused.
func TestUnpackLayerLimits(t *testing.T) {
	oldEntries, oldBytes := maxLayerEntries, maxLayerBytes
	t.Cleanup(func() { maxLayerEntries, maxLayerBytes = oldEntries, oldBytes })
	maxLayerEntries, maxLayerBytes = 3, 64<<10

	_, err := unpackTest(t, layerTar(t, entFile("a", ""), entFile("b", ""), entFile("c", "")))
	require.NoError(t, err)
	_, err = unpackTest(t, layerTar(t, entFile("a", ""), entFile("b", ""), entFile("c", ""),
		entFile("d", "")))
	assert.EqualError(t, err, "layer: more than 3 entries: refusing (a decompression bomb?)")

	// Files too big, as their headers say (a sparse file's holes count too)...
	_, err = unpackTest(t, layerTar(t, entFile("big", strings.Repeat("x", 100<<10))))
	assert.EqualError(t, err, `layer: entry "big": files of more than 65536 bytes: `+
		"refusing (a decompression bomb?)")
	// ... and a stream too long, here of zeros after the tar's end.
	data := append(layerTar(t, entFile("a", "")), make([]byte, 100<<10)...)
	_, err = unpackTest(t, data)
	assert.EqualError(t, err, "layer: more than 65536 bytes uncompressed: "+
		"refusing (a decompression bomb?)")
}

// The diff ID is the sha256 of the uncompressed tar, all of it (here with the padding GNU
// tar adds up to a 10 KiB record), whatever the compression.
func TestUnpackLayerDiffID(t *testing.T) {
	data := layerTar(t, entDir("etc/"), entFile("etc/hostname", "box\n"))
	data = append(data, make([]byte, 10240-len(data)%10240)...)
	sum := sha256.Sum256(data)
	want := "sha256:" + hex.EncodeToString(sum[:])

	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, err := zw.Write(data)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	enc, err := zstd.NewWriter(nil)
	require.NoError(t, err)
	zst := enc.EncodeAll(data, nil)

	for _, tc := range []struct {
		media string
		blob  []byte
	}{
		{ocispec.MediaTypeImageLayer, data},
		{ocispec.MediaTypeImageLayerGzip, gz.Bytes()},
		{"application/vnd.docker.image.rootfs.diff.tar.gzip", gz.Bytes()},
		{ocispec.MediaTypeImageLayerZstd, zst},
	} {
		t.Run(tc.media, func(t *testing.T) {
			dir := t.TempDir()
			diffID, size, err := unpackLayer(bytes.NewReader(tc.blob), tc.media, dir)
			require.NoError(t, err)
			assert.Equal(t, want, diffID)
			assert.Equal(t, int64(len(data)), size)
			assertFile(t, dir, "etc/hostname", "box\n")
		})
	}

	// A blob cut short is an error, not a layer with what arrived.
	_, _, err = unpackLayer(bytes.NewReader(gz.Bytes()[:gz.Len()-4]),
		ocispec.MediaTypeImageLayerGzip, t.TempDir())
	assert.Error(t, err)
}

func TestUnpackLayerUnknownMediaType(t *testing.T) {
	_, _, err := unpackLayer(bytes.NewReader(nil), "application/vnd.oci.image.layer.v1.tar+lz4",
		t.TempDir())
	assert.EqualError(t, err,
		`layer: unknown media type "application/vnd.oci.image.layer.v1.tar+lz4"`)
}

// Whatever the tar, nothing appears next to the layer's directory, and nothing panics.
// (go test -run=^$ -fuzz=FuzzUnpackLayer -fuzztime=30s)
func FuzzUnpackLayer(f *testing.F) {
	oldEntries, oldBytes := maxLayerEntries, maxLayerBytes
	f.Cleanup(func() { maxLayerEntries, maxLayerBytes = oldEntries, oldBytes })
	maxLayerEntries, maxLayerBytes = 1000, 1<<20
	for _, ents := range [][]tarEnt{
		{entFile("../escape", "x"), entFile("/abs", "x")},
		{entSymlink("up", "../.."), entFile("up/x", "x"), entDir("up/d/")},
		{entSymlink("evil", "/.."), entFile("evil/sentinel", "x"), entLink("h", "evil/sentinel")},
		{entSymlink(".", ".."), entFile("sentinel", "x")},
		{entDir("d/"), entFile("d/.wh.x", ""), entFile("d/.wh..wh..opq", ""), entFile("d", "f")},
		{entFile("a", "a"), entLink("b", "a"), entLink("c", "../sentinel")},
	} {
		f.Add(layerTar(f, ents...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		parent := t.TempDir()
		dir := filepath.Join(parent, "layer")
		require.NoError(t, os.Mkdir(dir, 0o700))
		sentinel := filepath.Join(parent, "sentinel")
		require.NoError(t, os.WriteFile(sentinel, []byte("sentinel"), 0o600))
		// Errors are expected: most inputs are not tars, or are refused.
		_, _, _ = unpackLayer(bytes.NewReader(fixChecksums(data)), ocispec.MediaTypeImageLayer, dir)
		require.Equal(t, []string{"layer", "sentinel"}, dirNames(t, parent))
		got, err := os.ReadFile(sentinel)
		require.NoError(t, err)
		require.Equal(t, "sentinel", string(got))
		require.Equal(t, uint64(1), uint64(lstat(t, sentinel).Nlink))
	})
}

// fixChecksums gives every 512-byte block the checksum of a tar header, so that the
// fuzzer's changes to names, types and links reach unpackLayer rather than stop at the tar
// reader's checksum. A file's data changes a little too, which does not matter here.
func fixChecksums(data []byte) []byte {
	out := bytes.Clone(data)
	for off := 0; off+512 <= len(out); off += 512 {
		b := out[off : off+512]
		if bytes.Count(b, []byte{0}) == len(b) {
			continue // the end of the archive
		}
		copy(b[148:156], "        ")
		sum := 0
		for _, c := range b {
			sum += int(c)
		}
		copy(b[148:156], fmt.Sprintf("%06o\x00 ", sum))
	}
	return out
}
