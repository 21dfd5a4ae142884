// Host side: the image store: blobs by digest, layers unpacked once, images by name.

package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
)

// What the engine keeps of images, under the data root:
//
//	/var/lib/contain/
//	├── blobs/sha256/3f2a...    manifests, configs and compressed layers, each named by the
//	│                           SHA-256 of its bytes: content-addressed, so a blob is never
//	│                           stored twice and cannot change without changing its name
//	├── layers/9c1e.../         each layer unpacked once, named by its chain ID (below), and
//	│                           shared, read-only, as overlay lowerdirs by every container
//	│                           of every image that has it
//	└── images.json             names (docker.io/library/alpine:3.20) -> manifest digest
//
// A layer's diff ID is the digest of its uncompressed tar; its chain ID digests the diff
// IDs of all the layers under it too, since the same tar on another base is another tree:
//
//	chain(L1) = diff(L1)        chain(Ln) = sha256(chain(Ln-1) + " " + diff(Ln))

func blobsDir() string  { return filepath.Join(dataRoot, "blobs", "sha256") }
func layersDir() string { return filepath.Join(dataRoot, "layers") }

// blobPath is where the blob of digest d is kept.
func blobPath(d digest.Digest) string { return filepath.Join(blobsDir(), d.Encoded()) }

// hasBlob tells whether the store holds the blob.
func hasBlob(d digest.Digest) bool {
	_, err := os.Stat(blobPath(d))
	return err == nil
}

// writeBlob stores size bytes read from r as the blob of digest d, and checks them on the
// way: a blob whose bytes are not what its digest says is never stored. It is written
// under a temporary name and renamed once whole and checked, so that an interrupted
// download leaves no blob behind (only a .tmp- file, which the next write of it replaces).
func writeBlob(d digest.Digest, size int64, r io.Reader) error {
	if err := d.Validate(); err != nil {
		return fmt.Errorf("blob %s: %w", d, err)
	}
	if err := os.MkdirAll(blobsDir(), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(blobsDir(), ".tmp-"+d.Encoded()[:12]+"-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	defer tmp.Close()
	v := d.Verifier()
	// One byte more than announced: a registry that sends more is caught too.
	n, err := io.Copy(io.MultiWriter(tmp, v), io.LimitReader(r, size+1))
	switch {
	case err != nil:
		return fmt.Errorf("blob %s: %w", d, err)
	case n != size:
		return fmt.Errorf("blob %s: %d bytes, the manifest says %d", d, n, size)
	case !v.Verified():
		return fmt.Errorf("blob %s: its bytes do not match its digest", d)
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), blobPath(d))
}

// readBlob reads a small blob (a manifest, a config), checking it against its digest.
func readBlob(d digest.Digest) ([]byte, error) {
	data, err := os.ReadFile(blobPath(d))
	if err != nil {
		return nil, err
	}
	if digest.FromBytes(data) != d {
		return nil, fmt.Errorf("blob %s: damaged in the store", d)
	}
	return data, nil
}

// chainIDs turns a config's diff IDs into the chain IDs of its layers.
func chainIDs(diffIDs []digest.Digest) []digest.Digest {
	chain := make([]digest.Digest, len(diffIDs))
	for i, d := range diffIDs {
		if i == 0 {
			chain[i] = d
			continue
		}
		sum := sha256.Sum256([]byte(string(chain[i-1]) + " " + string(d)))
		chain[i] = digest.NewDigestFromEncoded(digest.SHA256, hex.EncodeToString(sum[:]))
	}
	return chain
}

// layerPath is the directory of an unpacked layer.
func layerPath(chain digest.Digest) string { return filepath.Join(layersDir(), chain.Encoded()) }

// imageRecord is one name of the store: what docker's `docker images` lists.
type imageRecord struct {
	Name     string          `json:"name"`     // docker.io/library/alpine:3.20
	Manifest digest.Digest   `json:"manifest"` // the image's digest (docker's RepoDigest)
	Config   digest.Digest   `json:"config"`   // the image's ID
	Layers   []digest.Digest `json:"layers"`   // chain IDs, the lowest first
	Size     int64           `json:"size"`     // of the compressed layers
	Pulled   time.Time       `json:"pulled"`
}

func imagesPath() string { return filepath.Join(dataRoot, "images.json") }

// readImages reads the names of the store. The caller holds the state lock to change them.
func readImages() (map[string]*imageRecord, error) {
	images := map[string]*imageRecord{}
	data, err := os.ReadFile(imagesPath())
	if errors.Is(err, os.ErrNotExist) {
		return images, nil
	} else if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &images); err != nil {
		return nil, fmt.Errorf("%s: %w", imagesPath(), err)
	}
	return images, nil
}

// writeImages writes the names, atomically.
func writeImages(images map[string]*imageRecord) error {
	data, err := json.MarshalIndent(images, "", "  ")
	if err != nil {
		return err
	}
	tmp := imagesPath() + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, imagesPath())
}

// findImage looks an image up by reference (alpine, alpine:3.20, a full name), or by a
// prefix of its ID (the config's digest, as docker's IMAGE ID).
func findImage(images map[string]*imageRecord, s string) (*imageRecord, error) {
	if ref, err := parseRef(s); err == nil {
		if img, ok := images[ref.String()]; ok {
			return img, nil
		}
	}
	id := strings.TrimPrefix(s, "sha256:")
	var found *imageRecord
	if len(id) >= 4 {
		for _, img := range sortedImages(images) {
			if strings.HasPrefix(img.Config.Encoded(), id) {
				if found != nil && found.Config != img.Config {
					return nil, fmt.Errorf("image ID prefix %q is ambiguous", s)
				}
				found = img
			}
		}
	}
	if found == nil {
		return nil, fmt.Errorf("no such image: %s", s)
	}
	return found, nil
}

// sortedImages lists the records by name.
func sortedImages(images map[string]*imageRecord) []*imageRecord {
	list := make([]*imageRecord, 0, len(images))
	for _, img := range images {
		list = append(list, img)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return list
}

// manifestBlobs lists the layer blobs that a stored manifest names (their hex digests).
func manifestBlobs(manifest []byte) []string {
	var m struct {
		Layers []struct {
			Digest digest.Digest `json:"digest"`
		} `json:"layers"`
	}
	_ = json.Unmarshal(manifest, &m)
	var list []string
	for _, l := range m.Layers {
		if l.Digest.Validate() == nil {
			list = append(list, l.Digest.Encoded())
		}
	}
	return list
}

// digestOf is the SHA-256 digest whose hex form is a store file's name.
func digestOf(hex string) digest.Digest { return digest.NewDigestFromEncoded(digest.SHA256, hex) }
