package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"contain/testkit"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startRegistry starts Debian's docker-registry on a free port of the sandbox's loopback,
// with a storage dir of its own, and returns its address. It stops when the test ends.
func startRegistry(t *testing.T, sb *testkit.Sandbox) string {
	t.Helper()
	if _, err := exec.LookPath("docker-registry"); err != nil {
		testkit.Skip(t, "docker-registry is not installed (make deps)")
	}
	dir := t.TempDir()
	// A port that is free in the sandbox's namespace: all of them, it is new.
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	config := fmt.Sprintf("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n"+
		"    rootdirectory: %s\nhttp:\n  addr: %s\n", filepath.Join(dir, "storage"), addr)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.yml"), []byte(config), 0o600))
	cmd := exec.Command("nsenter", "--net=/run/netns/"+sb.Netns, "--", "docker-registry",
		"serve", filepath.Join(dir, "config.yml"))
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	testkit.Eventually(t, "the registry answers", func() bool {
		out, err := onHost(t, sb, "busybox", "wget", "-q", "-O", "-", "http://"+addr+"/v2/")
		return err == nil && strings.TrimSpace(out) == "{}"
	})
	return addr
}

// testLayer is a gzip-compressed tar of the given files (name -> content; a name ending in
// / is a directory), and the digest of the tar before compression (its diff ID).
func testLayer(t *testing.T, files map[string]string) (blob []byte, diffID digest.Digest) {
	t.Helper()
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	for _, name := range sortedKeys(files) {
		h := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(files[name])),
			ModTime: time.Unix(1700000000, 0), Typeflag: tar.TypeReg}
		if strings.HasSuffix(name, "/") {
			h.Typeflag, h.Mode, h.Size = tar.TypeDir, 0o755, 0
		}
		require.NoError(t, tw.WriteHeader(h))
		_, err := tw.Write([]byte(files[name]))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, err := zw.Write(raw.Bytes())
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return gz.Bytes(), digest.FromBytes(raw.Bytes())
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := range keys { // insertion sort: a few names
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// ociLayout writes an image of two layers (the second deletes a file of the first) as an
// OCI layout, the format that skopeo copies to a registry: oci:DIR:TAG.
func ociLayout(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	blobs := filepath.Join(dir, "blobs", "sha256")
	require.NoError(t, os.MkdirAll(blobs, 0o755))
	put := func(data []byte) ocispec.Descriptor {
		d := digest.FromBytes(data)
		require.NoError(t, os.WriteFile(filepath.Join(blobs, d.Encoded()), data, 0o644))
		return ocispec.Descriptor{Digest: d, Size: int64(len(data))}
	}
	l1, diff1 := testLayer(t, map[string]string{"etc/": "", "etc/motd": "hello from layer 1\n",
		"etc/old": "deleted by layer 2\n"})
	l2, diff2 := testLayer(t, map[string]string{"etc/.wh.old": "", "etc/new": "layer 2\n"})
	var cfg ocispec.Image
	cfg.OS, cfg.Architecture = "linux", "amd64"
	cfg.Config.Cmd = []string{"cat", "/etc/motd"}
	cfg.RootFS = ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{diff1, diff2}}
	cfgData, err := json.Marshal(cfg)
	require.NoError(t, err)
	m := ocispec.Manifest{MediaType: ocispec.MediaTypeImageManifest, Config: put(cfgData)}
	m.SchemaVersion = 2
	m.Config.MediaType = ocispec.MediaTypeImageConfig
	for _, l := range [][]byte{l1, l2} {
		d := put(l)
		d.MediaType = ocispec.MediaTypeImageLayerGzip
		m.Layers = append(m.Layers, d)
	}
	mData, err := json.Marshal(m)
	require.NoError(t, err)
	md := put(mData)
	md.MediaType = ocispec.MediaTypeImageManifest
	md.Annotations = map[string]string{ocispec.AnnotationRefName: "v1"}
	index := ocispec.Index{MediaType: ocispec.MediaTypeImageIndex,
		Manifests: []ocispec.Descriptor{md}}
	index.SchemaVersion = 2
	iData, err := json.Marshal(index)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "index.json"), iData, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "oci-layout"),
		[]byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644))
	return dir
}

// push copies the layout to the registry with skopeo, in the given format (oci or v2s2:
// docker's media types).
func push(t *testing.T, sb *testkit.Sandbox, layout, dest, format string) {
	t.Helper()
	out, err := onHost(t, sb, "skopeo", "copy", "--quiet", "--dest-tls-verify=false",
		"--format", format, "oci:"+layout+":v1", "docker://"+dest)
	require.NoError(t, err, out)
}

// pull gets an image from a real registry, in both media types, checks every blob and
// layer, unpacks each layer once (whiteouts in overlay's form), and records its name.
func TestPullFromRegistry(t *testing.T) {
	sb := testkit.NewSandbox(t)
	reg := startRegistry(t, sb)
	layout := ociLayout(t)
	push(t, sb, layout, reg+"/test/oci:v1", "oci")
	push(t, sb, layout, reg+"/test/docker:v1", "v2s2")

	out := sb.Contain(t, "pull", reg+"/test/oci:v1")
	assert.Regexp(t, `^v1: Pulling from test/oci\n`+
		`[0-9a-f]{12}: Downloading \S+\n[0-9a-f]{12}: Download complete\n[0-9a-f]{12}: Pull complete\n`+
		`[0-9a-f]{12}: Downloading \S+\n[0-9a-f]{12}: Download complete\n[0-9a-f]{12}: Pull complete\n`+
		`Digest: sha256:[0-9a-f]{64}\nStatus: Downloaded `+reg+`/test/oci:v1\n$`, out)
	// The same layers in docker's media types: same diff IDs, same chain: already there.
	out = sb.Contain(t, "pull", reg+"/test/docker:v1")
	assert.Equal(t, 2, strings.Count(out, "Already exists"), out)

	images := sb.Contain(t, "images")
	assert.Regexp(t, `(?m)^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE\n`+
		regexpQuote(reg)+`/test/docker +v1 +[0-9a-f]{12} .*\n`+
		regexpQuote(reg)+`/test/oci +v1 +[0-9a-f]{12} `, images)

	layers, err := os.ReadDir(filepath.Join(sb.Data, "layers"))
	require.NoError(t, err)
	require.Len(t, layers, 2, "each layer unpacked once")
	for _, l := range layers {
		dir := filepath.Join(sb.Data, "layers", l.Name())
		if data, err := os.ReadFile(filepath.Join(dir, "etc/motd")); err == nil {
			assert.Equal(t, "hello from layer 1\n", string(data))
			continue
		}
		st, err := os.Lstat(filepath.Join(dir, "etc/old"))
		require.NoError(t, err, "layer 2 holds the whiteout of etc/old")
		assert.Equal(t, os.ModeCharDevice|os.ModeDevice, st.Mode().Type(), "overlay's whiteout")
	}

	// Another name for the same image; inspect shows both, with the config's command.
	sb.Contain(t, "tag", reg+"/test/oci:v1", "mine:v2")
	var views []struct {
		ID, Size    any
		RepoTags    []string
		RepoDigests []string
		Config      struct{ Config struct{ Cmd []string } }
		Layers      []string
	}
	require.NoError(t, json.Unmarshal([]byte(sb.Contain(t, "image", "inspect", "mine:v2")),
		&views))
	require.Len(t, views, 1)
	// skopeo kept the config's bytes in docker's format: one image ID, three names.
	assert.Equal(t, []string{reg + "/test/docker:v1", reg + "/test/oci:v1", "mine:v2"},
		views[0].RepoTags)
	assert.Equal(t, []string{"cat", "/etc/motd"}, views[0].Config.Config.Cmd)
	assert.Len(t, views[0].Layers, 2)
	r := sb.Run(t, "", "tag", "mine:v2", "Bad")
	assert.Equal(t, "contain: tag: invalid reference \"Bad\": repository names must be "+
		"lowercase\n", r.Stderr)

	// The layers stay while a name needs them.
	assert.Equal(t, reg+"/test/oci:v1\n"+reg+"/test/docker:v1\n",
		sb.Contain(t, "rmi", reg+"/test/oci:v1", reg+"/test/docker:v1"))
	left, _ := os.ReadDir(filepath.Join(sb.Data, "layers"))
	assert.Len(t, left, 2, "mine:v2 still uses them")
	assert.Equal(t, "mine:v2\n", sb.Contain(t, "rmi", "mine:v2"))
	for _, d := range []string{"layers", "blobs/sha256"} {
		left, _ := os.ReadDir(filepath.Join(sb.Data, d))
		assert.Empty(t, left, "rmi of the last names removes the %s", d)
	}
}

func regexpQuote(s string) string { return strings.ReplaceAll(s, ".", `\.`) }

// A registry that lies: a blob whose bytes are not its digest is not stored, and the
// pull fails with one line.
func TestPullBadReference(t *testing.T) {
	sb := testkit.NewSandbox(t)
	reg := startRegistry(t, sb)
	r := sb.Run(t, "", "pull", reg+"/no/such:v1")
	assert.Equal(t, 125, r.Code)
	assert.Regexp(t, `^contain: pull: registry `+regexpQuote(reg)+`: no/such/manifests/v1: `+
		`MANIFEST_UNKNOWN: manifest unknown\n$`, r.Stderr)
	r = sb.Run(t, "", "pull", "Bad:Ref")
	assert.Equal(t, "contain: pull: invalid reference \"Bad:Ref\": repository names must be "+
		"lowercase\n", r.Stderr)
}

// An index: this machine's platform, not an attestation that buildx lists beside it.
func TestSelectPlatform(t *testing.T) {
	d := func(hex byte, os, arch string, ann map[string]string) ocispec.Descriptor {
		return ocispec.Descriptor{Digest: digest.Digest("sha256:" + strings.Repeat(string(hex), 64)),
			Platform: &ocispec.Platform{OS: os, Architecture: arch}, Annotations: ann}
	}
	index := ocispec.Index{Manifests: []ocispec.Descriptor{
		d('a', "unknown", "unknown", map[string]string{
			"vnd.docker.reference.type": "attestation-manifest"}),
		d('b', "linux", "arm64", nil),
		d('c', "linux", runtime.GOARCH, nil),
		d('e', "windows", runtime.GOARCH, nil),
	}}
	got, err := selectPlatform(index)
	require.NoError(t, err)
	assert.Equal(t, index.Manifests[2].Digest, got.Digest)
	_, err = selectPlatform(ocispec.Index{Manifests: index.Manifests[:2]})
	assert.EqualError(t, err, "no manifest for linux/"+runtime.GOARCH+
		" in the index (it has [linux/arm64])")
}

// Classroom mode: Docker Hub's images come from a mirror, a registry of the teacher's
// (here one on the sandbox's loopback, with busybox:v1 pushed to its library/busybox).
// Other registries' images do not go through it.
func TestPullThroughMirror(t *testing.T) {
	sb := testkit.NewSandbox(t)
	mirror := startRegistry(t, sb)
	push(t, sb, ociLayout(t), mirror+"/library/busybox:v1", "oci")
	out := sb.Contain(t, "--registry-mirror", "http://"+mirror, "pull", "busybox:v1")
	assert.Contains(t, out, "Status: Downloaded busybox:v1\n")
	assert.Regexp(t, `(?m)^busybox +v1 +[0-9a-f]{12} `, sb.Contain(t, "images"))
	r := sb.Run(t, "", "--registry-mirror", "ftp://x", "pull", "busybox:v1")
	assert.Equal(t, "contain: pull: --registry-mirror \"ftp://x\": want http(s)://host[:port]\n",
		r.Stderr)
	sb.Contain(t, "rmi", "busybox:v1")
}

// On a terminal, each layer's line is redrawn in place: a bar, then its steps.
func TestPullProgressOnTerminal(t *testing.T) {
	sb := testkit.NewSandbox(t)
	reg := startRegistry(t, sb)
	push(t, sb, ociLayout(t), reg+"/test/tty:v1", "oci")
	master, slave := openPty(t)
	cmd := sb.Command(context.Background(), "pull", reg+"/test/tty:v1")
	cmd.Stdout, cmd.Stderr = slave, slave
	require.NoError(t, cmd.Start())
	slave.Close()
	var screen bytes.Buffer
	_, _ = io.Copy(&screen, master) // until the engine exits (EIO on the master)
	require.NoError(t, cmd.Wait())
	s := screen.String()
	assert.Regexp(t, `\r[0-9a-f]{12}: Downloading \[[=> ]{24}\] +\S+/\S+ +\S+/s\x1b\[K`, s)
	assert.Regexp(t, `\r[0-9a-f]{12}: Pull complete\x1b\[K\r?\n`, s)
	assert.NotContains(t, s, ": Downloading 1", "no plain lines on a terminal")
	sb.Contain(t, "rmi", reg+"/test/tty:v1")
}

// load takes images from a tar: docker's archive (docker save) and an OCI layout, as
// skopeo writes them; and refuses an archive that tries to write outside its directory.
func TestLoad(t *testing.T) {
	sb := testkit.NewSandbox(t)
	layout, dir := ociLayout(t), t.TempDir()
	for _, dest := range []string{"docker-archive:" + dir + "/docker.tar:test/app:v1",
		"oci-archive:" + dir + "/oci.tar:docker.io/test/oci:v2"} {
		out, err := exec.Command("skopeo", "copy", "--quiet", "oci:"+layout+":v1",
			dest).CombinedOutput()
		require.NoError(t, err, string(out))
	}
	assert.Equal(t, "Loaded image: test/app:v1\n", sb.Contain(t, "load", "-i",
		dir+"/docker.tar"))
	assert.Equal(t, "Loaded image: test/oci:v2\n", sb.Contain(t, "load", "-i", dir+"/oci.tar"))
	assert.Regexp(t, `(?m)^test/app +v1 +[0-9a-f]{12} .*\n^test/oci +v2 +[0-9a-f]{12} `,
		sb.Contain(t, "images"))
	layers, _ := os.ReadDir(filepath.Join(sb.Data, "layers"))
	assert.Len(t, layers, 2, "the same two layers, unpacked once")

	var evil bytes.Buffer
	tw := tar.NewWriter(&evil)
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "../escape", Mode: 0o644,
		Typeflag: tar.TypeReg}))
	require.NoError(t, tw.Close())
	require.NoError(t, os.WriteFile(dir+"/evil.tar", evil.Bytes(), 0o644))
	r := sb.Run(t, "", "load", "-i", dir+"/evil.tar")
	assert.Equal(t, "contain: load: "+dir+"/evil.tar: entry \"../escape\": not a name "+
		"inside the archive\n", r.Stderr)
	_, err := os.Stat(filepath.Join(sb.Data, "escape"))
	assert.ErrorIs(t, err, os.ErrNotExist)
	evil.Reset()
	tw = tar.NewWriter(&evil)
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "layer.tar", Typeflag: tar.TypeSymlink,
		Linkname: "../../../../etc/passwd"}))
	require.NoError(t, tw.Close())
	require.NoError(t, os.WriteFile(dir+"/evil.tar", evil.Bytes(), 0o644))
	r = sb.Run(t, "", "load", "-i", dir+"/evil.tar")
	assert.Equal(t, "contain: load: "+dir+"/evil.tar: entry \"layer.tar\": a link to "+
		"\"../../../../etc/passwd\", not to a file of the archive\n", r.Stderr)
	sb.Contain(t, "rmi", "test/app:v1", "test/oci:v2")
}
