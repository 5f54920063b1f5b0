package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/returnsgw/returnsgw/actions"
	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/xhs"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/sqlite"
)

// rawRecorder records whether each list asked for the Raw maps.
type rawRecorder struct {
	store.Store
	mu         sync.Mutex
	withoutRaw []bool
	rawKeys    [][]string
}

func (r *rawRecorder) ListCases(ctx context.Context, org returns.OrgID, q store.ListQuery) (*store.CasePage, error) {
	r.mu.Lock()
	r.withoutRaw = append(r.withoutRaw, q.WithoutRaw)
	r.rawKeys = append(r.rawKeys, q.RawKeys)
	r.mu.Unlock()
	return r.Store.ListCases(ctx, org, q)
}

// A list that selects no field reading the platform's raw values asks the
// store to leave them out; one that shows actions, through a fragment or not,
// asks for the platforms' action state only; one that reads more keeps them all.
func TestListAsksForRawOnlyWhenAFieldNeedsIt(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "raw.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec := &rawRecorder{Store: st}
	quiet := slog.New(slog.DiscardHandler)
	xa, err := xhs.New(xhs.Config{BaseURL: "http://127.0.0.1:1", AppID: "a", AppSecret: "s", AccessToken: "t",
		Shop: returns.Shop{ID: "shop", Platform: returns.XHS, Market: returns.MarketDomestic}})
	if err != nil {
		t.Fatal(err)
	}
	reg := adapters.NewRegistry(xa)
	r := NewResolver(Deps{Store: rec, Platforms: reg, Actions: actions.New(actions.Options{Store: rec, Platforms: reg, Log: quiet}), Log: quiet})
	srv := handler.New(NewExecutableSchema(Config{Resolvers: r}))
	srv.AddTransport(transport.POST{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		srv.ServeHTTP(w, req.WithContext(WithOrg(req.Context(), "test")))
	}))
	defer ts.Close()
	actionKeys := xa.ActionRawKeys()
	for _, tt := range []struct {
		query      string
		withoutRaw bool
		keys       []string
	}{
		{`{ returnCases(first: 5) { totalCount edges { cursor node { id status lines { sku } deadlines { respondBy } } } } }`, true, nil},
		{`{ returnCases(first: 5) { nodes { id } } }`, true, nil},
		{`{ returnCases(first: 5) { edges { node { id allowedActions } } } }`, true, actionKeys},
		{`{ returnCases(first: 5) { nodes { eligibility { returnAllowed } } } }`, true, actionKeys},
		{`{ returnCases(first: 5) { edges { node { ...F } } } } fragment F on ReturnCase { id allowedActions }`, true, actionKeys},
		{`{ returnCases(first: 5) { edges { node { ... on ReturnCase { allowed: allowedActions } } } } }`, true, actionKeys},
		{`{ returnCases(first: 5) { edges { node { allowedActions negotiation { kind } } } } }`, false, nil},
		{`{ returnCases(first: 5) { nodes { id current { id } } } }`, false, nil},
	} {
		rec.withoutRaw, rec.rawKeys = nil, nil
		body, _ := json.Marshal(map[string]string{"query": tt.query})
		resp, err := http.Post(ts.URL, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || bytes.Contains(out, []byte(`"errors"`)) {
			t.Fatalf("%s: HTTP %d %s", tt.query, resp.StatusCode, out)
		}
		if len(rec.withoutRaw) != 1 || rec.withoutRaw[0] != tt.withoutRaw {
			t.Errorf("%s: WithoutRaw %v, want %v", tt.query, rec.withoutRaw, tt.withoutRaw)
		} else if !slices.Equal(rec.rawKeys[0], tt.keys) {
			t.Errorf("%s: RawKeys %q, want %q", tt.query, rec.rawKeys[0], tt.keys)
		}
	}
}
