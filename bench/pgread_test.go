package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/graph"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/postgres"
	"github.com/returnsgw/returnsgw/store/postgres/pgtest"
)

// TestPostgresListLoad is the list page's throughput on PostgreSQL with one
// gateway replica and with two (each its own pool on the same database, the
// requests shared round-robin as a load balancer would), against the same
// page on SQLite (the fixture's gateway) in the same run. On this 2-core
// machine the replicas, the database and the clients share the cores, so two
// replicas show what replication costs, not what a second machine would add.
//
//	go test ./bench -run TestPostgresListLoad -v -load
func TestPostgresListLoad(t *testing.T) {
	if !*load {
		t.Skip("load test: run with -load")
	}
	ctx := context.Background()
	f := newFixture(t, 2000)
	url := pgtest.FreshURL(t, "")
	open := func() *postgres.Store {
		s, err := postgres.Open(ctx, url, postgres.Options{MaxConns: 8})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	// The same cases, copied through the store's own API.
	var after *store.Cursor
	for {
		page, err := f.store.ListCases(ctx, org, store.ListQuery{First: 100, After: after})
		if err != nil {
			t.Fatal(err)
		}
		var writes []store.CaseWrite
		for _, c := range page.Cases {
			writes = append(writes, store.CaseWrite{Case: c})
		}
		if _, err := a.UpsertCases(ctx, org, writes); err != nil {
			t.Fatal(err)
		}
		if !page.HasNextPage {
			break
		}
		cur, err := store.DecodeCursor(page.Cursors[len(page.Cursors)-1])
		if err != nil {
			t.Fatal(err)
		}
		after = cur
	}
	handler := func(st store.Store) http.Handler {
		res := graph.NewResolver(graph.Deps{Store: st, Platforms: f.platforms, Actions: f.actions})
		gql := graph.NewHandler(res, graph.HandlerOptions{})
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			gql.ServeHTTP(w, r.WithContext(graph.WithOrg(r.Context(), org)))
		})
	}
	ha, hb := handler(a), handler(b)
	one := httptest.NewServer(ha)
	defer one.Close()
	var next atomic.Int64
	two := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if next.Add(1)%2 == 0 {
			ha.ServeHTTP(w, r)
		} else {
			hb.ServeHTTP(w, r)
		}
	}))
	defer two.Close()

	const d = 6 * time.Second
	workers := 4 * runtime.GOMAXPROCS(0)
	for _, u := range []string{f.gateway.URL, one.URL, two.URL} {
		peak(t, u, true, workers, time.Second)
	}
	t.Logf("| round | SQLite req/s | PostgreSQL, one replica | two replicas | one / SQLite | two / one |")
	t.Logf("|---|---|---|---|---|---|")
	for i := range 3 {
		sq := peak(t, f.gateway.URL, true, workers, d)
		r1 := peak(t, one.URL, true, workers, d)
		r2 := peak(t, two.URL, true, workers, d)
		t.Logf("| %d | %.0f | %.0f | %.0f | %.2f | %.2f |", i+1, sq, r1, r2, r1/sq, r2/r1)
	}
}
