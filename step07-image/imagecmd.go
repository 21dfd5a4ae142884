// Host side: `contain images` and `contain rmi`.

package main

import (
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
