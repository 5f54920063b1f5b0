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
	"sync"
	"testing"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/returnsgw/returnsgw/actions"
	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/sqlite"
)

// rawRecorder records whether each list asked for the Raw maps.
type rawRecorder struct {
	store.Store
	mu         sync.Mutex
	withoutRaw []bool
}

func (r *rawRecorder) ListCases(ctx context.Context, org returns.OrgID, q store.ListQuery) (*store.CasePage, error) {
	r.mu.Lock()
	r.withoutRaw = append(r.withoutRaw, q.WithoutRaw)
	r.mu.Unlock()
	return r.Store.ListCases(ctx, org, q)
}

// A list that selects no field reading the platform's raw values asks the
// store to leave them out; one that does, through a fragment or not, keeps them.
func TestListAsksForRawOnlyWhenAFieldNeedsIt(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "raw.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec := &rawRecorder{Store: st}
	quiet := slog.New(slog.DiscardHandler)
	reg := adapters.NewRegistry()
	r := NewResolver(Deps{Store: rec, Platforms: reg, Actions: actions.New(actions.Options{Store: rec, Platforms: reg, Log: quiet}), Log: quiet})
	srv := handler.New(NewExecutableSchema(Config{Resolvers: r}))
	srv.AddTransport(transport.POST{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		srv.ServeHTTP(w, req.WithContext(WithOrg(req.Context(), "test")))
	}))
	defer ts.Close()
	for _, tt := range []struct {
		query      string
		withoutRaw bool
	}{
		{`{ returnCases(first: 5) { totalCount edges { cursor node { id status lines { sku } deadlines { respondBy } } } } }`, true},
		{`{ returnCases(first: 5) { nodes { id } } }`, true},
		{`{ returnCases(first: 5) { edges { node { id allowedActions } } } }`, false},
		{`{ returnCases(first: 5) { nodes { eligibility { returnAllowed } } } }`, false},
		{`{ returnCases(first: 5) { edges { node { ...F } } } } fragment F on ReturnCase { id allowedActions }`, false},
		{`{ returnCases(first: 5) { edges { node { ... on ReturnCase { allowed: allowedActions } } } } }`, false},
	} {
		rec.withoutRaw = nil
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
		}
	}
}
