// Host side: a client of the OCI distribution protocol, the HTTP API of registries.

package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// A registry serves manifests and blobs by name, over HTTP (the OCI distribution spec,
// docker's "registry API v2"):
//
//	GET /v2/                                   is this a registry? may I?
//	GET /v2/library/alpine/manifests/3.20      the image's manifest (or an index of them)
//	GET /v2/library/alpine/blobs/sha256:3f2a   a blob: the config, or a layer
//
// Docker Hub lets anyone pull, but only with a token: the first request gets 401 and a
// challenge that says where to get one,
//
//	WWW-Authenticate: Bearer realm="https://auth.docker.io/token",
//	                  service="registry.docker.io",scope="repository:library/alpine:pull"
//
// and the client asks the realm for a token of that scope (anonymously, or with the
// user's password), then sends it: Authorization: Bearer <token>. A private registry may
// ask for a password on every request instead (Basic).
// (shell: curl -s "https://auth.docker.io/token?service=registry.docker.io&
// scope=repository:library/alpine:pull" | jq -r .token)
type registry struct {
	host   string // localhost:5000, registry-1.docker.io
	scheme string // https; http only for a registry on this machine or one named insecure
	client *http.Client

	mu     sync.Mutex
	tokens map[string]string // scope -> bearer token
	user   string            // from ~/.docker/config.json, or ""
	pass   string
}

// registryMirror is a pull-through cache of Docker Hub (docker's "registry-mirrors"): a
// classroom's thirty machines pull through it, and Docker Hub sees one client, which its
// limit of anonymous pulls per address (ten an hour, in 2025) then allows. Images of
// other registries do not go through it.
var registryMirror string

// registriesFor lists the registries to ask for ref, in order: the mirror first, for
// Docker Hub's images, then the registry itself.
func registriesFor(ref imageRef) ([]*registry, error) {
	hub := newRegistry(ref.Host())
	if ref.Domain != dockerHub || registryMirror == "" {
		return []*registry{hub}, nil
	}
	u, err := url.Parse(registryMirror)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--registry-mirror %q: want http(s)://host[:port]", registryMirror)
	}
	mirror := newRegistry(u.Host)
	mirror.scheme = u.Scheme // a mirror named with http:// is asked over HTTP
	return []*registry{mirror, hub}, nil
}

// insecureRegistries are registries that the engine talks to over plain HTTP, as docker's
// --insecure-registry: a classroom's mirror, say (CONTAIN_INSECURE_REGISTRIES=host:port,...).
func insecureRegistries() []string {
	return strings.FieldsFunc(os.Getenv("CONTAIN_INSECURE_REGISTRIES"), func(r rune) bool {
		return r == ',' || r == ' '
	})
}

// newRegistry returns a client of host. Plain HTTP only for the loopback interface (a test
// registry, a pull-through cache on this machine) and hosts named insecure.
func newRegistry(host string) *registry {
	r := &registry{host: host, scheme: "https", tokens: map[string]string{},
		client: &http.Client{Timeout: 10 * time.Minute}}
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	if ip := net.ParseIP(name); name == "localhost" || (ip != nil && ip.IsLoopback()) {
		r.scheme = "http"
	}
	for _, h := range insecureRegistries() {
		if h == host {
			r.scheme = "http"
		}
	}
	r.user, r.pass = dockerCredentials(host)
	return r
}

// dockerCredentials reads the user and password that `docker login` stored for host in
// ~/.docker/config.json ("auths": {"host": {"auth": base64("user:password")}}).
func dockerCredentials(host string) (user, pass string) {
	home, _ := os.UserHomeDir()
	data, err := os.ReadFile(filepath.Join(home, ".docker", "config.json"))
	if err != nil {
		return "", ""
	}
	var cfg struct {
		Auths map[string]struct {
			Auth string `json:"auth"`
		} `json:"auths"`
	}
	if json.Unmarshal(data, &cfg) != nil {
		return "", ""
	}
	keys := []string{host, "https://" + host}
	if host == "registry-1.docker.io" {
		keys = append(keys, "https://index.docker.io/v1/", "docker.io")
	}
	for _, k := range keys {
		if a, ok := cfg.Auths[k]; ok {
			raw, err := base64.StdEncoding.DecodeString(a.Auth)
			if u, p, ok := strings.Cut(string(raw), ":"); err == nil && ok {
				return u, p
			}
		}
	}
	return "", ""
}

// get sends GET /v2/<path> with the Accept types given, for a repository's scope, and
// answers the registry's challenge once if it makes one. The caller closes the body.
func (r *registry) get(ctx context.Context, repo, path string, accept ...string) (
	*http.Response, error) {
	scope := "repository:" + repo + ":pull"
	u := fmt.Sprintf("%s://%s/v2/%s", r.scheme, r.host, path)
	for try := 0; ; try++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		for _, a := range accept {
			req.Header.Add("Accept", a)
		}
		r.authorize(req, scope)
		// Redirects (to a blob store, a CDN) are followed by the client, which drops the
		// Authorization header when the redirect leads to another host: the token is the
		// registry's, not the storage's.
		resp, err := r.client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("registry %s: %w", r.host, err)
		}
		if resp.StatusCode == http.StatusUnauthorized && try == 0 {
			challenge := resp.Header.Get("WWW-Authenticate")
			resp.Body.Close()
			if err := r.answer(ctx, challenge, scope); err != nil {
				return nil, err
			}
			continue
		}
		if resp.StatusCode != http.StatusOK {
			defer resp.Body.Close()
			return nil, registryError(r.host, path, resp)
		}
		return resp, nil
	}
}

// authorize adds what the registry asked for last time: a token for the scope, or the
// user's password.
func (r *registry) authorize(req *http.Request, scope string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t, ok := r.tokens[scope]; ok && t != "" {
		req.Header.Set("Authorization", "Bearer "+t)
	} else if ok && r.user != "" {
		req.SetBasicAuth(r.user, r.pass) // the registry asked for Basic
	}
}

// answer meets a challenge: Basic (the user's password, next time) or Bearer (a token,
// fetched now from the realm).
func (r *registry) answer(ctx context.Context, challenge, scope string) error {
	scheme, params := parseChallenge(challenge)
	switch strings.ToLower(scheme) {
	case "basic":
		if r.user == "" {
			return fmt.Errorf("registry %s: a password is needed (docker login %s)", r.host,
				r.host)
		}
		r.mu.Lock()
		r.tokens[scope] = ""
		r.mu.Unlock()
		return nil
	case "bearer":
	default:
		return fmt.Errorf("registry %s: unauthorized, and no challenge to answer (%q)",
			r.host, challenge)
	}
	realm, err := url.Parse(params["realm"])
	if err != nil || (realm.Scheme != "https" && realm.Scheme != "http") {
		return fmt.Errorf("registry %s: bad token realm %q", r.host, params["realm"])
	}
	q := realm.Query()
	if params["service"] != "" {
		q.Set("service", params["service"])
	}
	if params["scope"] != "" {
		scope = params["scope"]
	}
	q.Set("scope", scope)
	realm.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, realm.String(), nil)
	if err != nil {
		return err
	}
	if r.user != "" {
		req.SetBasicAuth(r.user, r.pass)
	}
	debugf("token for %s (shell: curl '%s')", scope, realm)
	resp, err := r.client.Do(req)
	if err != nil {
		return fmt.Errorf("registry %s: token: %w", r.host, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("registry %s: token: %w", r.host, registryError(realm.Host, "",
			resp))
	}
	// Docker's token servers answer "token"; OAuth2 ones "access_token". Either will do.
	var tok struct {
		Token       string `json:"token"`
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&tok); err != nil {
		return fmt.Errorf("registry %s: token: %w", r.host, err)
	}
	if tok.Token == "" {
		tok.Token = tok.AccessToken
	}
	if tok.Token == "" {
		return fmt.Errorf("registry %s: the token server sent no token", r.host)
	}
	r.mu.Lock()
	r.tokens[scope] = tok.Token
	r.mu.Unlock()
	return nil
}

// parseChallenge splits `Bearer realm="...",service="...",scope="..."`.
func parseChallenge(h string) (scheme string, params map[string]string) {
	params = map[string]string{}
	scheme, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	for rest = strings.TrimSpace(rest); rest != ""; {
		key, after, ok := strings.Cut(rest, "=")
		if !ok {
			break
		}
		key, after = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(after)
		var value string
		if strings.HasPrefix(after, `"`) {
			end := strings.Index(after[1:], `"`)
			if end < 0 {
				break
			}
			value, after = after[1:end+1], after[end+2:]
		} else {
			value, after, _ = strings.Cut(after, ",")
			after = "," + after
		}
		params[key] = value
		rest = strings.TrimLeft(strings.TrimSpace(after), ",")
	}
	return scheme, params
}

// registryError reads the registry's own words for a failure: {"errors": [{"code",
// "message"}]}.
func registryError(host, path string, resp *http.Response) error {
	var body struct {
		Errors []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&body)
	what := resp.Status
	if len(body.Errors) > 0 {
		what = body.Errors[0].Code + ": " + body.Errors[0].Message
	}
	if path == "" {
		return errors.New(what)
	}
	return fmt.Errorf("registry %s: %s: %s", host, path, what)
}
