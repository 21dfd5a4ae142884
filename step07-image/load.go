// Host side: `contain load`: images from a tar, docker's archive or an OCI layout.

package main

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// An image travels without a registry as a tar, in one of two layouts:
//
//	docker save (docker-archive)          skopeo copy ... oci-archive: (OCI image layout)
//	manifest.json  [{Config, RepoTags,    oci-layout      {"imageLayoutVersion": "1.0.0"}
//	                 Layers: [paths]}]    index.json      manifests, each named by the
//	<hex>.json     the config                             annotation ...image.ref.name
//	<hex>/layer.tar  each layer, plain    blobs/sha256/*  manifests, configs, layers
//
// (docker save since version 25 writes both at once.) The engine unpacks the tar into a
// directory of its own, file by file, refusing anything but plain files and directories
// under plain names, then takes the images in: every blob checked against its digest on
// its way into the store, every layer against its diff ID.

// maxArchiveFiles bounds the entries of an image archive.
const maxArchiveFiles = 100000

const loadUsage = `Usage: contain load -i FILE

Load the images of a tar made by docker save, or an OCI image layout in a tar.
`

func loadCmd(args []string) error {
	fs := newFlagSet("load")
	input := fs.StringP("input", "i", "", "the tar to read")
	if err := parseFlags(fs, args, loadUsage); err != nil {
		return err
	}
	if *input == "" || fs.NArg() > 0 {
		return errors.New("load: usage: contain load -i FILE")
	}
	f, err := os.Open(*input)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	defer f.Close()
	if err := os.MkdirAll(dataRoot, 0o700); err != nil {
		return fmt.Errorf("load: %w", err)
	}
	dir, err := os.MkdirTemp(dataRoot, ".load-")
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := extractArchive(f, dir); err != nil {
		return fmt.Errorf("load: %s: %w", *input, err)
	}
	names, err := loadLayout(dir)
	if err != nil {
		return fmt.Errorf("load: %s: %w", *input, err)
	}
	for _, n := range names {
		fmt.Println("Loaded image:", n)
	}
	return nil
}

// extractArchive writes the plain files and directories of the tar into dir. Names are
// checked to stay below dir (filepath.IsLocal: no "..", not absolute). A link (skopeo's
// docker archives point each layer.tar at a shared file) is made last, as a hard link to
// a plain file of the archive, so that no entry is ever written through it.
func extractArchive(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	type link struct{ name, target string }
	var links []link
	for n := 0; ; n++ {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return err
		}
		if n >= maxArchiveFiles {
			return fmt.Errorf("more than %d entries", maxArchiveFiles)
		}
		name := path.Clean(strings.TrimPrefix(h.Name, "./"))
		if !filepath.IsLocal(name) {
			return fmt.Errorf("entry %q: not a name inside the archive", h.Name)
		}
		target := filepath.Join(dir, name)
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(target, 0o700)
		case tar.TypeReg:
			err = writeArchiveFile(target, tr)
		case tar.TypeSymlink: // relative to the link's directory
			links = append(links, link{name, path.Join(path.Dir(name), h.Linkname)})
		case tar.TypeLink: // relative to the archive's top
			links = append(links, link{name, path.Clean(h.Linkname)})
		default:
			return fmt.Errorf("entry %q: only files, directories and links belong in an "+
				"image archive", h.Name)
		}
		if err != nil {
			return fmt.Errorf("entry %q: %w", h.Name, err)
		}
	}
	for _, l := range links {
		st, err := os.Lstat(filepath.Join(dir, l.target))
		if !filepath.IsLocal(l.target) || err != nil || !st.Mode().IsRegular() {
			return fmt.Errorf("entry %q: a link to %q, not to a file of the archive", l.name,
				l.target)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, l.name)), 0o700); err != nil {
			return err
		}
		if err := os.Link(filepath.Join(dir, l.target), filepath.Join(dir, l.name)); err != nil {
			return fmt.Errorf("entry %q: %w", l.name, err)
		}
	}
	return nil
}

func writeArchiveFile(target string, r io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// loadLayout takes in the images of an extracted archive, and returns their names.
func loadLayout(dir string) ([]string, error) {
	if data, err := os.ReadFile(filepath.Join(dir, "manifest.json")); err == nil {
		return loadDockerArchive(dir, data)
	}
	data, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		return nil, errors.New("neither a docker archive (manifest.json) nor an OCI layout " +
			"(index.json)")
	}
	var index ocispec.Index
	if err := json.Unmarshal(data, &index); err != nil {
		return nil, fmt.Errorf("index.json: %w", err)
	}
	var names []string
	for _, d := range index.Manifests {
		name := d.Annotations["io.containerd.image.name"]
		if name == "" {
			name = d.Annotations[ocispec.AnnotationRefName]
		}
		ref, err := parseRef(name)
		if err != nil {
			return nil, fmt.Errorf("index.json: manifest %s: name %q: %w", d.Digest, name, err)
		}
		m, err := readLayoutJSON[ocispec.Manifest](dir, d.Digest)
		if err != nil {
			return nil, err
		}
		if err := takeImage(dir, ref, d.Digest, m.Config, m.Layers); err != nil {
			return nil, err
		}
		names = append(names, ref.Short())
	}
	return names, nil
}

// loadDockerArchive takes in the images of docker save's manifest.json. Its layers are
// plain tars; the engine writes an OCI manifest for them, the image's record.
func loadDockerArchive(dir string, data []byte) ([]string, error) {
	var entries []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, fmt.Errorf("manifest.json: %w", err)
	}
	var names []string
	for _, e := range entries {
		cfg, err := layoutFile(dir, e.Config)
		if err != nil {
			return nil, err
		}
		var layers []ocispec.Descriptor
		for _, l := range e.Layers {
			desc, err := layoutFile(dir, l)
			if err != nil {
				return nil, err
			}
			desc.MediaType = ocispec.MediaTypeImageLayer
			layers = append(layers, desc)
		}
		cfg.MediaType = ocispec.MediaTypeImageConfig
		m := ocispec.Manifest{MediaType: ocispec.MediaTypeImageManifest, Config: cfg,
			Layers: layers}
		m.SchemaVersion = 2
		mdata, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		md := digest.FromBytes(mdata)
		if err := writeBlob(md, int64(len(mdata)), bytes.NewReader(mdata)); err != nil {
			return nil, err
		}
		for _, tag := range e.RepoTags {
			ref, err := parseRef(tag)
			if err != nil {
				return nil, fmt.Errorf("manifest.json: %w", err)
			}
			if err := takeImage(dir, ref, md, cfg, layers); err != nil {
				return nil, err
			}
			names = append(names, ref.Short())
		}
	}
	return names, nil
}

// layoutFile describes a file of a docker archive by its digest, computed here: docker's
// manifest.json names files by path.
func layoutFile(dir, name string) (ocispec.Descriptor, error) {
	if !filepath.IsLocal(name) {
		return ocispec.Descriptor{}, fmt.Errorf("manifest.json: %q: not a file of the archive", name)
	}
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("manifest.json: %w", err)
	}
	defer f.Close()
	digester := digest.SHA256.Digester()
	n, err := io.Copy(digester.Hash(), f)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	d := ocispec.Descriptor{Digest: digester.Digest(), Size: n}
	// In the layout's own blobs/, as docker 25 and later write them: the store finds it there.
	return d, linkIntoLayout(dir, filepath.Join(dir, name), d.Digest)
}

// linkIntoLayout makes a file of the archive available at blobs/sha256/<hex> too.
func linkIntoLayout(dir, file string, d digest.Digest) error {
	target := filepath.Join(dir, "blobs", "sha256", d.Encoded())
	if _, err := os.Stat(target); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		return err
	}
	return os.Link(file, target)
}

// readLayoutJSON reads a small JSON blob of the layout, checked against its digest.
func readLayoutJSON[T any](dir string, d digest.Digest) (*T, error) {
	if d.Validate() != nil {
		return nil, fmt.Errorf("blob %q: not a digest", d)
	}
	data, err := os.ReadFile(filepath.Join(dir, "blobs", "sha256", d.Encoded()))
	if err != nil {
		return nil, err
	}
	if digest.FromBytes(data) != d {
		return nil, fmt.Errorf("blob %s: its bytes do not match its digest", d)
	}
	v := new(T)
	return v, json.Unmarshal(data, v)
}

// takeImage copies an image's blobs from the layout into the store (each checked), unpacks
// its layers, and records its name.
func takeImage(dir string, ref imageRef, manifest digest.Digest, config ocispec.Descriptor,
	layers []ocispec.Descriptor) error {
	all := append([]ocispec.Descriptor{config}, layers...)
	if manifest != "" && !hasBlob(manifest) {
		all = append(all, ocispec.Descriptor{Digest: manifest})
	}
	for _, d := range all {
		if hasBlob(d.Digest) {
			continue
		}
		f, err := os.Open(filepath.Join(dir, "blobs", "sha256", d.Digest.Encoded()))
		if err != nil {
			return fmt.Errorf("blob %s: %w", d.Digest, err)
		}
		st, err := f.Stat()
		if err == nil {
			err = writeBlob(d.Digest, st.Size(), f)
		}
		f.Close()
		if err != nil {
			return err
		}
	}
	data, err := readBlob(config.Digest)
	if err != nil {
		return err
	}
	var cfg ocispec.Image
	if err := json.Unmarshal(data, &cfg); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if len(cfg.RootFS.DiffIDs) != len(layers) {
		return fmt.Errorf("image %s: %d layers, but its config lists %d diff IDs", ref,
			len(layers), len(cfg.RootFS.DiffIDs))
	}
	chain := chainIDs(cfg.RootFS.DiffIDs)
	var size int64
	for i, l := range layers {
		size += l.Size
		if _, err := os.Stat(layerPath(chain[i])); err == nil {
			continue
		}
		if err := unpackBlob(l, cfg.RootFS.DiffIDs[i], chain[i]); err != nil {
			return err
		}
	}
	return recordImage(&imageRecord{Name: ref.String(), Manifest: manifest,
		Config: config.Digest, Layers: chain, Size: size, Pulled: time.Now()})
}
