// Host side: image references, read as docker reads them.

package main

import (
	"fmt"
	"regexp"
	"strings"
)

// An image reference names an image in a registry. Docker fills in what a user leaves out:
//
//	alpine                           docker.io/library/alpine:latest
//	alpine:3.20                      docker.io/library/alpine:3.20
//	library/alpine                   docker.io/library/alpine:latest
//	team/app@sha256:3f2a...          docker.io/team/app@sha256:3f2a...
//	localhost:5000/team/app:v1       localhost:5000/team/app:v1
//	ghcr.io/org/tool                 ghcr.io/org/tool:latest
//
// The first component is a registry (a "domain") if it has a dot or a colon, or is
// "localhost"; otherwise the registry is Docker Hub, and a name of one component is in
// its "library" of official images. docker.io is the name; the registry's API answers at
// registry-1.docker.io.
type imageRef struct {
	Domain string // docker.io, localhost:5000, ghcr.io
	Path   string // library/alpine, team/app
	Tag    string // latest, 3.20; "" when only a digest is given
	Digest string // sha256:<64 hex>, or ""
}

const dockerHub = "docker.io"

var (
	// A path component: lowercase letters and digits, separated by one dot, one or two
	// underscores, or dashes (the distribution spec's grammar).
	pathComponent = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
	domainPattern = regexp.MustCompile(`^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?` +
		`(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$`)
	tagPattern    = regexp.MustCompile(`^[\w][\w.-]{0,127}$`)
	digestPattern = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)
)

// parseRef reads a reference as `docker pull` does.
func parseRef(s string) (imageRef, error) {
	var r imageRef
	bad := func(why string) (imageRef, error) {
		return imageRef{}, fmt.Errorf("invalid reference %q: %s", s, why)
	}
	name := s
	if i := strings.Index(name, "@"); i >= 0 {
		name, r.Digest = name[:i], name[i+1:]
		if !digestPattern.MatchString(r.Digest) {
			return bad("a digest is sha256: and 64 lowercase hex digits")
		}
	}
	// A tag follows the last colon, unless that colon is in the domain (localhost:5000).
	if i := strings.LastIndex(name, ":"); i >= 0 && !strings.Contains(name[i:], "/") {
		name, r.Tag = name[:i], name[i+1:]
		if !tagPattern.MatchString(r.Tag) {
			return bad("a tag is up to 128 letters, digits, _ . and -, not starting with . or -")
		}
	}
	if name == "" {
		return bad("no name")
	}
	parts := strings.Split(name, "/")
	if len(parts) > 1 && (strings.ContainsAny(parts[0], ".:") || parts[0] == "localhost") {
		r.Domain, parts = parts[0], parts[1:]
		if !domainPattern.MatchString(r.Domain) {
			return bad("the registry " + r.Domain + " is not a host[:port]")
		}
	} else {
		r.Domain = dockerHub
	}
	if r.Domain == "index.docker.io" || r.Domain == "registry-1.docker.io" {
		r.Domain = dockerHub // other names docker gives the Hub
	}
	if r.Domain == dockerHub && len(parts) == 1 {
		parts = append([]string{"library"}, parts...)
	}
	for _, p := range parts {
		if !pathComponent.MatchString(p) {
			if strings.ToLower(p) == p {
				return bad("a name is lowercase letters and digits, separated by . _ or -")
			}
			return bad("repository names must be lowercase")
		}
	}
	r.Path = strings.Join(parts, "/")
	if len(r.Domain)+1+len(r.Path) > 255 {
		return bad("longer than 255 characters")
	}
	if r.Tag == "" && r.Digest == "" {
		r.Tag = "latest"
	}
	return r, nil
}

// String is the reference in full: docker.io/library/alpine:3.20.
func (r imageRef) String() string { return r.Domain + "/" + r.Path + r.suffix() }

// Short is the reference as docker prints it: alpine:3.20, team/app:v1, and with the
// registry only when it is not the Hub.
func (r imageRef) Short() string {
	name := r.Domain + "/" + r.Path
	if r.Domain == dockerHub {
		name = strings.TrimPrefix(r.Path, "library/")
	}
	return name + r.suffix()
}

func (r imageRef) suffix() string {
	s := ""
	if r.Tag != "" {
		s = ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest
	}
	return s
}

// Repo is the reference without tag or digest: docker.io/library/alpine.
func (r imageRef) Repo() string { return r.Domain + "/" + r.Path }

// Object is what the registry is asked for: the digest if there is one, else the tag.
func (r imageRef) Object() string {
	if r.Digest != "" {
		return r.Digest
	}
	return r.Tag
}

// Host is where the registry's API answers.
func (r imageRef) Host() string {
	if r.Domain == dockerHub {
		return "registry-1.docker.io"
	}
	return r.Domain
}
