// Host side: `contain pull`: manifest, config and layers, checked, stored, unpacked once.

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Pulling an image, as `docker pull` does:
//
//  1. GET manifests/TAG       an index (one manifest per platform) or a manifest
//  2. GET manifests/DIGEST    the manifest of linux/amd64 (this machine's), if an index
//  3. GET blobs/CONFIG        the config: the command, environment, and the diff IDs
//  4. GET blobs/LAYER ...     each layer missing from the store, checked against its digest
//  5. unpack each layer whose chain ID is not unpacked yet, and check its diff ID
//  6. record the name
//
// Docker's and OCI's media types say the same things in two spellings; a registry sends
// the one it has, among those the client accepts.
const (
	mediaDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
	mediaDockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"
)

var manifestTypes = []string{ocispec.MediaTypeImageManifest, ocispec.MediaTypeImageIndex,
	mediaDockerManifest, mediaDockerList}

// maxManifest bounds what the engine reads of a manifest or a config: they are small.
const maxManifest = 4 << 20

const pullUsage = `Usage: contain pull IMAGE

Download an image from its registry: alpine, alpine:3.20, localhost:5000/team/app:v1,
docker.io/library/alpine@sha256:...
`

func pullCmd(args []string) error {
	fs := newFlagSet("pull")
	if err := parseFlags(fs, args, pullUsage); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("pull: usage: contain pull IMAGE")
	}
	ref, err := parseRef(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("pull: %w", err)
	}
	if _, err := pull(context.Background(), ref, os.Stdout); err != nil {
		return fmt.Errorf("pull: %w", err)
	}
	return nil
}

// pull fetches the image that ref names into the store and records ref as its name.
func pull(ctx context.Context, ref imageRef, out io.Writer) (*imageRecord, error) {
	regs, err := registriesFor(ref)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "%s: Pulling from %s\n", ref.Object(), ref.Path)
	var reg *registry
	var mdigest digest.Digest
	var m *ocispec.Manifest
	for _, reg = range regs {
		if mdigest, m, err = resolveManifest(ctx, reg, ref); err == nil {
			break
		}
		if len(regs) > 1 && reg == regs[0] {
			fmt.Fprintf(out, "mirror %s: %v: asking %s\n", reg.host, err, regs[1].host)
		}
	}
	if err != nil {
		return nil, err
	}
	cfg, err := fetchConfig(ctx, reg, ref, m.Config)
	if err != nil {
		return nil, err
	}
	if len(cfg.RootFS.DiffIDs) != len(m.Layers) {
		return nil, fmt.Errorf("image %s: %d layers, but its config lists %d diff IDs", ref,
			len(m.Layers), len(cfg.RootFS.DiffIDs))
	}
	chain := chainIDs(cfg.RootFS.DiffIDs)
	var size int64
	for i, l := range m.Layers {
		size += l.Size
		if err := fetchLayer(ctx, reg, ref, l, cfg.RootFS.DiffIDs[i], chain[i], out); err != nil {
			return nil, err
		}
	}
	img := &imageRecord{Name: ref.String(), Manifest: mdigest, Config: m.Config.Digest,
		Layers: chain, Size: size, Pulled: time.Now()}
	if err := recordImage(img); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "Digest: %s\nStatus: Downloaded %s\n", mdigest, ref.Short())
	return img, nil
}

// resolveManifest fetches the manifest that ref names, through an index if there is one,
// and stores it. It returns the manifest's digest: the image's, as `docker images
// --digests` shows it.
func resolveManifest(ctx context.Context, reg *registry, ref imageRef) (digest.Digest,
	*ocispec.Manifest, error) {
	data, media, d, err := fetchManifest(ctx, reg, ref, ref.Object())
	if err != nil {
		return "", nil, err
	}
	if ref.Digest != "" && d != digest.Digest(ref.Digest) {
		return "", nil, fmt.Errorf("manifest of %s: its digest is %s", ref, d)
	}
	if media == ocispec.MediaTypeImageIndex || media == mediaDockerList {
		var index ocispec.Index
		if err := json.Unmarshal(data, &index); err != nil {
			return "", nil, fmt.Errorf("index of %s: %w", ref, err)
		}
		chosen, err := selectPlatform(index)
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", ref, err)
		}
		debugf("index: %s/%s is %s", chosen.Platform.OS, chosen.Platform.Architecture,
			chosen.Digest)
		if data, media, d, err = fetchManifest(ctx, reg, ref, string(chosen.Digest)); err != nil {
			return "", nil, err
		}
		if d != chosen.Digest {
			return "", nil, fmt.Errorf("manifest of %s: its digest is %s, the index says %s",
				ref, d, chosen.Digest)
		}
	}
	if media != ocispec.MediaTypeImageManifest && media != mediaDockerManifest {
		return "", nil, fmt.Errorf("manifest of %s: unsupported media type %q", ref, media)
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return "", nil, fmt.Errorf("manifest of %s: %w", ref, err)
	}
	if err := writeBlob(d, int64(len(data)), bytes.NewReader(data)); err != nil {
		return "", nil, err
	}
	return d, &m, nil
}

// fetchManifest gets one manifest or index, and its media type and digest.
func fetchManifest(ctx context.Context, reg *registry, ref imageRef, object string) (
	[]byte, string, digest.Digest, error) {
	resp, err := reg.get(ctx, ref.Path, ref.Path+"/manifests/"+object, manifestTypes...)
	if err != nil {
		return nil, "", "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxManifest+1))
	if err != nil {
		return nil, "", "", fmt.Errorf("manifest of %s: %w", ref, err)
	}
	if len(data) > maxManifest {
		return nil, "", "", fmt.Errorf("manifest of %s: larger than %d bytes", ref, maxManifest)
	}
	var probe struct {
		MediaType string `json:"mediaType"`
	}
	_ = json.Unmarshal(data, &probe)
	media := resp.Header.Get("Content-Type")
	if probe.MediaType != "" {
		media = probe.MediaType
	}
	return data, media, digest.FromBytes(data), nil
}

// selectPlatform picks this machine's manifest from an index: linux and GOARCH (and the
// variant, for arm), leaving out attestations (an SBOM or a provenance, which buildx
// lists with the platform unknown/unknown).
func selectPlatform(index ocispec.Index) (ocispec.Descriptor, error) {
	want := ocispec.Platform{OS: "linux", Architecture: runtime.GOARCH}
	if runtime.GOARCH == "arm" {
		want.Variant = "v7"
	}
	var seen []string
	for _, m := range index.Manifests {
		if m.Annotations["vnd.docker.reference.type"] == "attestation-manifest" ||
			m.Platform == nil {
			continue
		}
		p := *m.Platform
		seen = append(seen, p.OS+"/"+p.Architecture)
		if p.OS == want.OS && p.Architecture == want.Architecture &&
			(want.Variant == "" || p.Variant == "" || p.Variant == want.Variant) {
			return m, nil
		}
	}
	return ocispec.Descriptor{}, fmt.Errorf("no manifest for %s/%s in the index (it has %v)",
		want.OS, want.Architecture, seen)
}

// fetchConfig gets the image's config blob, stores and reads it.
func fetchConfig(ctx context.Context, reg *registry, ref imageRef, d ocispec.Descriptor) (
	*ocispec.Image, error) {
	if d.Size > maxManifest {
		return nil, fmt.Errorf("config of %s: %d bytes: too large", ref, d.Size)
	}
	if !hasBlob(d.Digest) {
		if err := fetchBlob(ctx, reg, ref, d, nil); err != nil {
			return nil, err
		}
	}
	data, err := readBlob(d.Digest)
	if err != nil {
		return nil, err
	}
	var cfg ocispec.Image
	if err := json.Unmarshal(data, &cfg); err != nil {
		return nil, fmt.Errorf("config of %s: %w", ref, err)
	}
	return &cfg, nil
}

// fetchBlob downloads a blob into the store, checked against its digest and size, with a
// progress bar on out if it is a terminal (nil: none).
func fetchBlob(ctx context.Context, reg *registry, ref imageRef, d ocispec.Descriptor,
	out io.Writer) error {
	resp, err := reg.get(ctx, ref.Path, ref.Path+"/blobs/"+string(d.Digest))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body := io.Reader(resp.Body)
	if out != nil {
		body = newProgress(body, out, d.Digest.Encoded()[:12], d.Size)
	}
	return writeBlob(d.Digest, d.Size, body)
}

// fetchLayer makes sure a layer is unpacked under its chain ID: downloaded if its blob is
// missing, unpacked if its directory is, and its diff ID checked.
func fetchLayer(ctx context.Context, reg *registry, ref imageRef, l ocispec.Descriptor,
	diffID, chain digest.Digest, out io.Writer) error {
	short := l.Digest.Encoded()[:12]
	if _, err := os.Stat(layerPath(chain)); err == nil {
		step(out, short, "Already exists")
		return nil
	}
	if !hasBlob(l.Digest) {
		if !isTerminal(out) {
			step(out, short, "Downloading "+humanSize(l.Size))
		}
		if err := fetchBlob(ctx, reg, ref, l, out); err != nil {
			return err
		}
		step(out, short, "Download complete")
	}
	if err := unpackBlob(l, diffID, chain); err != nil {
		return err
	}
	step(out, short, "Pull complete")
	return nil
}

// unpackBlob unpacks a stored layer blob under its chain ID, and checks its diff ID.
func unpackBlob(l ocispec.Descriptor, diffID, chain digest.Digest) error {
	short := l.Digest.Encoded()[:12]
	if err := os.MkdirAll(layersDir(), 0o700); err != nil {
		return err
	}
	// Unpacked under a temporary name, renamed once whole and checked: a layer directory
	// that exists is a layer that is complete.
	tmp, err := os.MkdirTemp(layersDir(), ".tmp-"+chain.Encoded()[:12]+"-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	// A layer's root is an ordinary directory (its tar's "./" entry, if any, says more).
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	blob, err := os.Open(blobPath(l.Digest))
	if err != nil {
		return err
	}
	defer blob.Close()
	got, _, err := unpackLayer(blob, l.MediaType, tmp)
	if err != nil {
		return fmt.Errorf("%s: %w", short, err)
	}
	if digest.Digest(got) != diffID {
		return fmt.Errorf("layer %s: its diff ID is %s, the config says %s", short, got, diffID)
	}
	if err := os.Rename(tmp, layerPath(chain)); err != nil && !errors.Is(err, os.ErrExist) {
		if _, serr := os.Stat(layerPath(chain)); serr != nil { // another pull was first
			return err
		}
	}
	return nil
}

// recordImage gives the image its name in the store, under the state lock.
func recordImage(img *imageRecord) error {
	unlock, err := lockState()
	if err != nil {
		return err
	}
	defer unlock()
	images, err := readImages()
	if err != nil {
		return err
	}
	images[img.Name] = img
	if err := os.MkdirAll(filepath.Dir(imagesPath()), 0o700); err != nil {
		return err
	}
	return writeImages(images)
}

// humanSize prints a size as docker does: 3.4MB.
func humanSize(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1fGB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1fMB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1fkB", float64(n)/1e3)
	}
	return fmt.Sprintf("%dB", n)
}
