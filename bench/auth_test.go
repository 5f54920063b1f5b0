package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/returnsgw/returnsgw/auth"
	"github.com/returnsgw/returnsgw/graph"
	"github.com/returnsgw/returnsgw/graph/transport"
	"github.com/returnsgw/returnsgw/store"
)

// authedGateway serves the list page as the server does with API keys: the
// transports' hook checks the Bearer key with auth.Service (on the same
// SQLite store), and the operation's scope is checked (a stream would also
// be held for revocation; a page request is not). The key is added to each request on the server side, so the
// client's work is the same as the baseline's. (The per-key rate limit is
// off: a load test would only measure the limiter refusing.)
func authedGateway(tb testing.TB, f *fixture) *httptest.Server {
	tb.Helper()
	access, ok := f.store.(store.Access)
	if !ok {
		tb.Fatal("the fixture's store keeps no keys")
	}
	svc := auth.New(access, auth.Options{OperatorOrg: org})
	if err := svc.EnsureOrg(context.Background(), org, "bench"); err != nil {
		tb.Fatal(err)
	}
	key, _, err := svc.CreateKey(context.Background(), org, "bench", []auth.Scope{auth.ScopeRead})
	if err != nil {
		tb.Fatal(err)
	}
	hook := func(ctx context.Context, cred transport.Credentials) (context.Context, error) {
		k, ok := strings.CutPrefix(cred.Authorization, "Bearer ")
		if !ok {
			return nil, auth.ErrInvalidKey
		}
		p, err := svc.Authenticate(ctx, k)
		if err != nil {
			return nil, err
		}
		ctx = auth.WithPrincipal(graph.WithOrg(ctx, p.Org), p)
		if !cred.Stream { // as the server: only streams are held for revocation
			return ctx, nil
		}
		held, release := svc.Hold(ctx, p)
		context.AfterFunc(ctx, release)
		return held, nil
	}
	res := graph.NewResolver(graph.Deps{Store: f.store, Platforms: f.platforms, Actions: f.actions})
	gql := graph.NewHandler(res, graph.HandlerOptions{Authenticate: hook, RequireScopes: true})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+key)
		gql.ServeHTTP(w, r)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// TestListAuthLoad is the cost of API keys on the list page: the page with a
// key checked on every request against the page with the organisation set
// and no key, in alternating rounds of one run. Only with -load.
//
//	go test ./bench -run TestListAuthLoad -v -load
func TestListAuthLoad(t *testing.T) {
	if !*load {
		t.Skip("load test: run with -load")
	}
	f := newFixture(t, 2000)
	alternate(t, f.gateway.URL, authedGateway(t, f).URL, 0.95)
}
