package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/returnsgw/returnsgw/auth"
	"github.com/returnsgw/returnsgw/graph"
	"github.com/returnsgw/returnsgw/graph/transport"
	"github.com/returnsgw/returnsgw/returns"
)

// setupAuth makes the key service, records the gateway's own organisation
// (the operator's), and in sandbox mode makes sure the demo key exists.
func (m *Main) setupAuth(ctx context.Context, org returns.OrgID) error {
	m.Auth = auth.New(m.Access, auth.Options{OperatorOrg: org, Now: m.Now})
	if err := m.Auth.EnsureOrg(ctx, org, string(org)); err != nil {
		return fmt.Errorf("--org %s: %w", org, err)
	}
	if m.Sandbox == nil && !m.Config.SandboxOn() {
		return nil
	}
	key, err := m.demoKey(ctx, org)
	if err != nil {
		return err
	}
	m.DemoKey = key
	return nil
}

// demoKey is the sandbox's key, with every scope: --demo-key if given, else
// the one kept in the data directory, else a new one, printed once.
func (m *Main) demoKey(ctx context.Context, org returns.OrgID) (string, error) {
	if k := m.Config.DemoKey; k != "" {
		ok, err := m.Auth.Check(ctx, org, k)
		if err != nil || ok {
			return k, err
		}
		if _, err := m.Auth.ImportKey(ctx, org, "sandbox demo key", k, auth.AllScopes); err != nil {
			return "", fmt.Errorf("--demo-key: %w", err)
		}
		return k, nil
	}
	path := filepath.Join(m.dataDir(), "demo-key")
	if b, err := os.ReadFile(path); err == nil {
		k := strings.TrimSpace(string(b))
		if ok, err := m.Auth.Check(ctx, org, k); err != nil {
			return "", err
		} else if ok {
			m.Log.Info("sandbox mode: the demo organisation's API key is in " + path)
			return k, nil
		}
	}
	k, _, err := m.Auth.CreateKey(ctx, org, "sandbox demo key", auth.AllScopes)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(k+"\n"), 0o600); err != nil {
		return "", err
	}
	// Printed, not logged: the one time a key is shown is to its holder.
	fmt.Fprintf(os.Stderr, "\nsandbox mode: the demo organisation's API key (kept in %s):\n\n    %s\n\n"+
		"send it as   Authorization: Bearer <key>   (GraphiQL at /graphiql/ has it filled in)\n\n", path, k)
	return k, nil
}

// dataDir is where the gateway keeps its files: beside the SQLite database,
// or ./data with PostgreSQL.
func (m *Main) dataDir() string {
	if db := m.Config.DB; db != "" && !strings.Contains(db, "://") {
		return filepath.Dir(db)
	}
	return "data"
}

var errNoKey = returns.Errorf(returns.CodeUnauthorized, "an API key is required: send Authorization: Bearer <key>")

// authenticate is the transports' one hook: the key in the Authorization
// header (or connection_init's payload) names the organisation and scopes
// the request runs with. Each call takes a token of the key's rate limit,
// and so does each operation a WebSocket connection starts. A stream
// (WebSocket, SSE) ends when its key is revoked; a plain request is over
// before a revocation could matter.
func (m *Main) authenticate(ctx context.Context, cred transport.Credentials) (context.Context, error) {
	key, ok := bearerKey(cred.Authorization)
	if !ok {
		return nil, errNoKey
	}
	p, err := m.Auth.Authenticate(ctx, key)
	if err != nil {
		return nil, err
	}
	take := func() error {
		if wait, ok := m.limiter.allow(p.KeyID); !ok {
			return &transport.RateLimitError{RetryAfter: wait}
		}
		return nil
	}
	if err := take(); err != nil {
		return nil, err
	}
	ctx = auth.WithPrincipal(graph.WithOrg(ctx, p.Org), p)
	if !cred.Stream {
		return ctx, nil
	}
	if m.limiter != nil {
		// A WebSocket connection authenticates once; each operation it
		// starts takes a token of the key's bucket, as a request does.
		ctx = transport.WithOperationLimit(ctx, take)
	}
	held, release := m.Auth.Hold(ctx, p)
	context.AfterFunc(ctx, release)
	return held, nil
}

// bearerKey reads "Bearer <key>"; a bare key (as some WebSocket clients put
// it in connection_init) is taken too.
func bearerKey(h string) (string, bool) {
	if len(h) > auth.MaxKeyLen+len("Bearer ") {
		return "", false
	}
	h = strings.TrimSpace(h)
	if scheme, rest, ok := strings.Cut(h, " "); ok {
		if !strings.EqualFold(scheme, "Bearer") {
			return "", false
		}
		h = strings.TrimSpace(rest)
	}
	return h, h != ""
}

// hostGuard answers 421 to a request whose Host the gateway does not serve:
// a page on another site that points its own name at 127.0.0.1 (DNS
// rebinding) must not reach a gateway on a seller's laptop. The health
// probes answer any Host, for load balancers that probe by address.
func (m *Main) hostGuard(next http.Handler) http.Handler {
	allowed := map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true}
	anyHost := false
	if host, _, err := net.SplitHostPort(m.Config.Addr); err == nil && host != "" {
		if ip := net.ParseIP(host); ip == nil || !ip.IsUnspecified() {
			allowed[strings.ToLower(host)] = true
		}
	}
	for _, h := range m.Config.AllowedHosts {
		if h == "*" {
			anyHost = true
		}
		allowed[strings.Trim(h, "[]")] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if anyHost || r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			next.ServeHTTP(w, r)
			return
		}
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if !allowed[strings.ToLower(strings.Trim(host, "[]"))] {
			writeJSON(w, http.StatusMisdirectedRequest, map[string]any{"errors": []map[string]any{{
				"message":    "this gateway does not serve that host name; add it to --allowed-hosts",
				"extensions": map[string]string{"code": "HOST_NOT_ALLOWED"},
			}}})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// streamOwner counts a stream against its API key's cap.
func streamOwner(ctx context.Context) string {
	if p := auth.From(ctx); p != nil {
		return p.KeyID
	}
	return ""
}

// keyLimiter keeps one token bucket per API key: rate requests per second,
// bursts of twice that. A nil limiter allows everything.
type keyLimiter struct {
	rate rate.Limit
	mu   sync.Mutex
	keys map[string]*rate.Limiter
}

func newKeyLimiter(perSecond float64) *keyLimiter {
	if perSecond <= 0 {
		return nil
	}
	return &keyLimiter{rate: rate.Limit(perSecond), keys: map[string]*rate.Limiter{}}
}

// allow takes a token of the key's bucket, or says how long until one is due.
func (l *keyLimiter) allow(key string) (time.Duration, bool) {
	if l == nil {
		return 0, true
	}
	l.mu.Lock()
	lim, ok := l.keys[key]
	if !ok {
		if len(l.keys) >= 100000 {
			clear(l.keys) // bounded by the keys that exist; a reset only refills buckets
		}
		lim = rate.NewLimiter(l.rate, max(1, int(2*l.rate)))
		l.keys[key] = lim
	}
	l.mu.Unlock()
	r := lim.Reserve()
	if d := r.Delay(); d > 0 {
		r.Cancel()
		return d, false
	}
	return 0, true
}
