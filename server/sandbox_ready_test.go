package main

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/feed"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/sqlite"
)

var sandboxReady = flag.Int("sandbox-ready", 0, "measure how long a first sync of a sandbox with this many cases per simulator takes")

// TestSandboxReady measures a sandbox's first sync: every simulator's cases
// fetched through its adapter and stored, each platform polled at once, as
// the gateway starts. Run with -sandbox-ready=50000.
func TestSandboxReady(t *testing.T) {
	if *sandboxReady == 0 {
		t.Skip("run with -sandbox-ready=N")
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	sb, err := StartSandbox(SandboxOptions{Seed: 1, Cases: *sandboxReady, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "ready.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const org returns.OrgID = "sandbox"
	in := &feed.Ingester{Store: st, Org: org, Log: quiet, Locks: &feed.CaseLocks{}}
	start := time.Now()
	var wg sync.WaitGroup
	done := make([]time.Duration, len(sb.Platforms))
	for i, p := range sb.Platforms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			poller := &feed.Poller{Platform: p, Ingester: in, Log: quiet}
			if err := poller.Sync(context.Background()); err != nil {
				t.Errorf("%s/%s: %v", p.ID(), p.Shop().ID, err)
			}
			done[i] = time.Since(start)
		}()
	}
	wg.Wait()
	total := time.Since(start)
	page, err := st.ListCases(context.Background(), org, store.ListQuery{First: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range sb.Platforms {
		t.Logf("%s/%s synced after %v", p.ID(), p.Shop().ID, done[i].Round(time.Millisecond))
	}
	t.Logf("sandbox of %d cases per simulator ready in %v: %d cases stored, %.0f cases/s",
		*sandboxReady, total.Round(time.Millisecond), page.TotalCount, float64(page.TotalCount)/total.Seconds())
}
