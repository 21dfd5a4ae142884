package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Docker Hub's token flow, against a registry and a token server of the test's own: the
// first request gets a Bearer challenge, the client asks the realm for a token of the
// scope (the "access_token" spelling here), sends it, and reuses it. A redirect to
// another host (a blob store) gets no Authorization header.
func TestRegistryTokenFlow(t *testing.T) {
	var tokens, storageAuth atomic.Int32
	storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			storageAuth.Add(1)
		}
		fmt.Fprint(w, "blob bytes")
	}))
	defer storage.Close()
	// The blob store under another name of the same machine: another host to the client.
	storageURL := strings.Replace(storage.URL, "127.0.0.1", "localhost", 1)
	auth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "test-registry", r.URL.Query().Get("service"))
		assert.Equal(t, "repository:team/app:pull", r.URL.Query().Get("scope"))
		tokens.Add(1)
		fmt.Fprint(w, `{"access_token": "secret-token"}`)
	}))
	defer auth.Close()
	reg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer secret-token" {
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="%s/token",`+
				`service="test-registry",scope="repository:team/app:pull"`, auth.URL))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/v2/team/app/manifests/v1":
			assert.Contains(t, r.Header.Values("Accept"), mediaDockerManifest)
			fmt.Fprint(w, `{"schemaVersion": 2}`)
		case "/v2/team/app/blobs/sha256:1234":
			http.Redirect(w, r, storageURL+"/blob", http.StatusTemporaryRedirect)
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"errors": [{"code": "NAME_UNKNOWN", "message": "no such repo"}]}`)
		}
	}))
	defer reg.Close()

	r := newRegistry(strings.TrimPrefix(reg.URL, "http://"))
	require.Equal(t, "http", r.scheme, "a registry on the loopback interface: plain HTTP")
	get := func(path string, accept ...string) (string, error) {
		resp, err := r.get(context.Background(), "team/app", path, accept...)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	body, err := get("team/app/manifests/v1", manifestTypes...)
	require.NoError(t, err)
	assert.Equal(t, `{"schemaVersion": 2}`, body)
	body, err = get("team/app/blobs/sha256:1234")
	require.NoError(t, err)
	assert.Equal(t, "blob bytes", body)
	assert.Equal(t, int32(1), tokens.Load(), "one token per scope, reused")
	assert.Equal(t, int32(0), storageAuth.Load(), "no token for another host")
	_, err = get("team/app/manifests/nope")
	assert.EqualError(t, err, "registry "+strings.TrimPrefix(reg.URL, "http://")+
		": team/app/manifests/nope: NAME_UNKNOWN: no such repo")
}

func TestParseChallenge(t *testing.T) {
	scheme, p := parseChallenge(`Bearer realm="https://auth.docker.io/token",` +
		`service="registry.docker.io",scope="repository:library/alpine:pull,push"`)
	assert.Equal(t, "Bearer", scheme)
	assert.Equal(t, map[string]string{"realm": "https://auth.docker.io/token",
		"service": "registry.docker.io", "scope": "repository:library/alpine:pull,push"}, p)
	scheme, p = parseChallenge(`Basic realm=registry`)
	assert.Equal(t, "Basic", scheme)
	assert.Equal(t, map[string]string{"realm": "registry"}, p)
}

func TestNewRegistryScheme(t *testing.T) {
	for host, scheme := range map[string]string{
		"localhost:5000": "http", "127.0.0.1:5000": "http", "[::1]:5000": "http",
		"registry-1.docker.io": "https", "10.0.0.5:5000": "https",
	} {
		assert.Equal(t, scheme, newRegistry(host).scheme, host)
	}
	t.Setenv("CONTAIN_INSECURE_REGISTRIES", "mirror.lan:5000")
	assert.Equal(t, "http", newRegistry("mirror.lan:5000").scheme)
}
