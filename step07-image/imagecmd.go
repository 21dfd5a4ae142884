// Host side: `contain images` and `contain rmi`.

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"text/tabwriter"
	"time"
)

const imagesUsage = `Usage: contain images

List the images of the store: name, tag, ID (the config's digest), when pulled, size.
`

func imagesCmd(args []string) error {
	fs := newFlagSet("images")
	if err := parseFlags(fs, args, imagesUsage); err != nil {
		return err
	}
	images, err := readImages()
	if err != nil {
		return fmt.Errorf("images: %w", err)
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 3, ' ', 0)
	fmt.Fprintln(w, "REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE")
	for _, img := range sortedImages(images) {
		ref, err := parseRef(img.Name)
		if err != nil {
			continue
		}
		repo := ref.Short()[:len(ref.Short())-len(ref.suffix())]
		tag := ref.Tag
		if tag == "" {
			tag = "<none>"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s ago\t%s\n", repo, tag, img.Config.Encoded()[:12],
			time.Since(img.Pulled).Round(time.Second), humanSize(img.Size))
	}
	return w.Flush()
}

const rmiUsage = `Usage: contain rmi IMAGE...

Remove image names from the store; the blobs and layers that no name needs any more go too.
`

func rmiCmd(args []string) error {
	fs := newFlagSet("rmi")
	if err := parseFlags(fs, args, rmiUsage); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("rmi: usage: contain rmi IMAGE...")
	}
	unlock, err := lockState()
	if err != nil {
		return fmt.Errorf("rmi: %w", err)
	}
	defer unlock()
	images, err := readImages()
	if err != nil {
		return fmt.Errorf("rmi: %w", err)
	}
	err = eachName("rmi", fs.Args(), func(name string) error {
		img, err := findImage(images, name)
		if err != nil {
			return err
		}
		delete(images, img.Name)
		return nil
	})
	if werr := writeImages(images); werr != nil {
		return fmt.Errorf("rmi: %w", werr)
	}
	if gerr := collectGarbage(images); gerr != nil {
		return fmt.Errorf("rmi: %w", gerr)
	}
	return err
}

// collectGarbage removes the blobs and layers that no image of images uses any more.
// The caller holds the state lock.
func collectGarbage(images map[string]*imageRecord) error {
	keep := map[string]bool{}
	for _, img := range images {
		keep[img.Manifest.Encoded()], keep[img.Config.Encoded()] = true, true
		for _, l := range img.Layers {
			keep["layer "+l.Encoded()] = true
		}
		data, err := readBlob(img.Manifest)
		if err != nil {
			continue
		}
		for _, d := range manifestBlobs(data) {
			keep[d] = true
		}
	}
	blobs, _ := os.ReadDir(blobsDir())
	for _, b := range blobs {
		if !keep[b.Name()] {
			debugf("remove blob sha256:%s", b.Name())
			if err := os.Remove(blobPath(digestOf(b.Name()))); err != nil {
				return err
			}
		}
	}
	layers, _ := os.ReadDir(layersDir())
	for _, l := range layers {
		if !keep["layer "+l.Name()] {
			debugf("remove layer %s", l.Name())
			if err := os.RemoveAll(layerPath(digestOf(l.Name()))); err != nil {
				return err
			}
		}
	}
	return nil
}

const tagUsage = `Usage: contain tag SOURCE TARGET

Give the image SOURCE another name, TARGET (a reference: name[:tag]).
`

func tagCmd(args []string) error {
	fs := newFlagSet("tag")
	if err := parseFlags(fs, args, tagUsage); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return errors.New("tag: usage: contain tag SOURCE TARGET")
	}
	target, err := parseRef(fs.Arg(1))
	if err != nil {
		return fmt.Errorf("tag: %w", err)
	}
	if target.Digest != "" {
		return fmt.Errorf("tag: %s: a name with a digest is the image's own, not a tag",
			fs.Arg(1))
	}
	unlock, err := lockState()
	if err != nil {
		return fmt.Errorf("tag: %w", err)
	}
	defer unlock()
	images, err := readImages()
	if err != nil {
		return fmt.Errorf("tag: %w", err)
	}
	img, err := findImage(images, fs.Arg(0))
	if err != nil {
		return fmt.Errorf("tag: %w", err)
	}
	named := *img
	named.Name = target.String()
	images[named.Name] = &named
	return writeImages(images)
}

const imageUsage = `Usage: contain image COMMAND

  ls                List images (as contain images)
  inspect IMAGE...  Show images, their config and layers, as JSON
  rm IMAGE...       Remove images (as contain rmi)
  prune             Remove the blobs and layers that no image uses
`

func imageCmd(args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, imageUsage)
		return &exitError{code: exitEngine}
	}
	switch args[0] {
	case "ls":
		return imagesCmd(args[1:])
	case "rm":
		return rmiCmd(args[1:])
	case "inspect":
		return inspectImages(args[1:])
	case "prune":
		unlock, err := lockState()
		if err != nil {
			return fmt.Errorf("image prune: %w", err)
		}
		defer unlock()
		images, err := readImages()
		if err != nil {
			return fmt.Errorf("image prune: %w", err)
		}
		return collectGarbage(images)
	case "-h", "--help", "help":
		fmt.Print(imageUsage)
		return nil
	}
	return fmt.Errorf("image: unknown command %q (see 'contain image --help')", args[0])
}

// imageView is an image as docker image inspect shows one: its ID, names, digest, and
// its config as the registry sent it.
type imageView struct {
	ID          string          `json:"Id"`
	RepoTags    []string        `json:"RepoTags"`
	RepoDigests []string        `json:"RepoDigests"`
	Size        int64           `json:"Size"`
	Config      json.RawMessage `json:"Config"`
	Layers      []string        `json:"Layers"`
}

func inspectImages(refs []string) error {
	if len(refs) == 0 {
		return errors.New("image inspect: usage: contain image inspect IMAGE...")
	}
	images, err := readImages()
	if err != nil {
		return fmt.Errorf("image inspect: %w", err)
	}
	views := []imageView{}
	for _, s := range refs {
		img, err := findImage(images, s)
		if err != nil {
			return fmt.Errorf("image inspect: %w", err)
		}
		cfg, err := readBlob(img.Config)
		if err != nil {
			return fmt.Errorf("image inspect: %w", err)
		}
		v := imageView{ID: string(img.Config), Size: img.Size, Config: cfg,
			RepoTags: []string{}, RepoDigests: []string{}}
		for _, other := range sortedImages(images) {
			if other.Config == img.Config {
				ref, _ := parseRef(other.Name)
				v.RepoTags = append(v.RepoTags, ref.Short())
				v.RepoDigests = append(v.RepoDigests, ref.Repo()+"@"+string(other.Manifest))
			}
		}
		for _, l := range img.Layers {
			v.Layers = append(v.Layers, layerPath(l))
		}
		views = append(views, v)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "    ")
	return enc.Encode(views)
}
