package postgres

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// Two replicas (two pools on one database) claiming one idempotency key at
// the same moment: exactly one claim wins, by the primary key.
func TestOneKeyTwoReplicasOneClaim(t *testing.T) {
	url := freshURL(t)
	var replicas []*Store
	for range 2 {
		s, err := Open(t.Context(), url, Options{MaxConns: 8})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		replicas = append(replicas, s)
	}
	for round := range 20 {
		key := fmt.Sprintf("k%d", round)
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			wins int
		)
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rec, err := replicas[i%2].ClaimIdempotency(t.Context(), "org", key, "h")
				if err != nil {
					t.Error(err)
					return
				}
				if rec == nil {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("round %d: %d claims won, want 1", round, wins)
		}
	}
}

// Events written concurrently by two replicas are committed in sequence
// order: a reader that follows the log with EventsAfter never sees an event
// appear behind one it has already read.
func TestEventsCommitInSequenceOrder(t *testing.T) {
	url := freshURL(t)
	var replicas []*Store
	for range 2 {
		s, err := Open(t.Context(), url, Options{MaxConns: 8})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		replicas = append(replicas, s)
	}
	const writers, each = 6, 25
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var seen []int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		var last int64
		// Follow until the writers are done, then read what is left once.
		for final := false; ; {
			final = ctx.Err() != nil
			evs, err := replicas[0].EventsAfter(context.Background(), "org", last, 100)
			if err != nil {
				t.Error(err)
				return
			}
			for _, e := range evs {
				seen = append(seen, e.Seq)
				last = e.Seq
			}
			if final && len(evs) == 0 {
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				c := &returns.Case{Platform: returns.XHS, PlatformCaseID: fmt.Sprintf("w%d-%d", w, i), Status: returns.StatusRequested,
					CreatedAt: time.Unix(1700000000, 0), UpdatedAt: time.Unix(1700000000, 0)}
				if _, err := replicas[w%2].UpsertCase(context.Background(), "org", c, store.Change{Source: returns.SourcePoll}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	cancel()
	<-done
	all, err := replicas[1].EventsAfter(context.Background(), "org", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != writers*each || len(seen) != len(all) {
		t.Fatalf("follower saw %d events, the log has %d, %d were written", len(seen), len(all), writers*each)
	}
	for i := range all {
		if seen[i] != all[i].Seq {
			t.Fatalf("follower's %dth event is %d, the log's is %d: an event was committed behind one already read", i, seen[i], all[i].Seq)
		}
	}
}

// A wrong URL stops start-up with a message that names the problem and never
// the password.
func TestOpenErrorsHideThePassword(t *testing.T) {
	for _, url := range []string{
		"postgres://alice:s3cretpw@127.0.0.1:1/db?sslmode=disable&connect_timeout=2",
		"postgres://alice:s3cretpw@127.0.0.1:5432/db?sslmode=bogus",
		"postgres://alice:s3cretpw@%zz/db",
	} {
		_, err := Open(t.Context(), url, Options{})
		if err == nil {
			t.Fatalf("Open(%q) succeeded", url)
		}
		if msg := err.Error(); strings.Contains(msg, "s3cretpw") {
			t.Fatalf("error shows the password: %s", msg)
		}
	}
}
