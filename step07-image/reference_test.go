package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRef(t *testing.T) {
	digest := "sha256:" + strings.Repeat("3f", 32)
	for _, tc := range []struct{ in, full, short, host string }{
		{"alpine", "docker.io/library/alpine:latest", "alpine:latest", "registry-1.docker.io"},
		{"alpine:3.20", "docker.io/library/alpine:3.20", "alpine:3.20", "registry-1.docker.io"},
		{"library/alpine", "docker.io/library/alpine:latest", "alpine:latest",
			"registry-1.docker.io"},
		{"docker.io/library/alpine@" + digest, "docker.io/library/alpine@" + digest,
			"alpine@" + digest, "registry-1.docker.io"},
		{"index.docker.io/team/app:v1", "docker.io/team/app:v1", "team/app:v1",
			"registry-1.docker.io"},
		{"localhost:5000/team/app:v1", "localhost:5000/team/app:v1",
			"localhost:5000/team/app:v1", "localhost:5000"},
		{"localhost/app", "localhost/app:latest", "localhost/app:latest", "localhost"},
		{"127.0.0.1:5000/a/b/c:1.0-rc_1", "127.0.0.1:5000/a/b/c:1.0-rc_1",
			"127.0.0.1:5000/a/b/c:1.0-rc_1", "127.0.0.1:5000"},
		{"ghcr.io/org/tool", "ghcr.io/org/tool:latest", "ghcr.io/org/tool:latest", "ghcr.io"},
		{"app:v1@" + digest, "docker.io/library/app:v1@" + digest, "app:v1@" + digest,
			"registry-1.docker.io"},
		{"a__b-c/d.e", "docker.io/a__b-c/d.e:latest", "a__b-c/d.e:latest",
			"registry-1.docker.io"},
	} {
		r, err := parseRef(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.full, r.String(), tc.in)
		assert.Equal(t, tc.short, r.Short(), tc.in)
		assert.Equal(t, tc.host, r.Host(), tc.in)
	}
	for in, why := range map[string]string{
		"":                              "no name",
		"Alpine":                        "repository names must be lowercase",
		"alpine:":                       "a tag is up to 128 letters",
		"alpine:-x":                     "a tag is up to 128 letters",
		"alpine@sha256:abc":             "a digest is sha256:",
		"a/../b":                        "a name is lowercase letters and digits",
		"a//b":                          "a name is lowercase letters and digits",
		"bad_host.:5000/x":              "is not a host[:port]",
		"x/" + strings.Repeat("a", 260): "longer than 255 characters",
	} {
		_, err := parseRef(in)
		if assert.Error(t, err, in) {
			assert.Contains(t, err.Error(), why, in)
			assert.True(t, strings.HasPrefix(err.Error(), "invalid reference "), in)
		}
	}
}
