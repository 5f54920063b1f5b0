package feed_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/returnsgw/returnsgw/feed"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/postgres"
	"github.com/returnsgw/returnsgw/store/postgres/pgtest"
)

func relayCase(id string, st returns.Status) *returns.Case {
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	return &returns.Case{Platform: returns.XHS, PlatformCaseID: id, Status: st, CreatedAt: at, UpdatedAt: at}
}

// Two replicas on one database: what one writes reaches the other's
// subscribers, in log order, and a listener that loses its connection
// catches up without a gap or a duplicate.
func TestRelayAcrossReplicas(t *testing.T) {
	url := pgtest.FreshURL(t, "")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	open := func() *postgres.Store {
		s, err := postgres.Open(ctx, url, postgres.Options{MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	busB := feed.NewBus(1000)
	relayB := feed.NewRelay(b, b, busB.Publish, nil)
	go relayB.Run(ctx)
	sub := busB.Subscribe("org", returns.Filter{}, feed.SubscribeOptions{})
	defer sub.Close()
	for !relayB.Listening() {
		time.Sleep(5 * time.Millisecond) // the listener's connection comes up once
	}

	write := func(i int) int64 {
		r, err := a.UpsertCase(ctx, "org", relayCase(fmt.Sprintf("c%d", i), returns.StatusRequested), store.Change{Source: returns.SourcePoll})
		if err != nil {
			t.Fatal(err)
		}
		return r.Event.Seq
	}
	want := []int64{write(1), write(2), write(3)}

	// The listener's connection is cut; events written meanwhile arrive
	// after it reconnects, from the log.
	admin := pgtest.Connect(t)
	defer admin.Close(context.Background())
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	tag, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = $1 AND query LIKE 'LISTEN%'`, cfg.Database)
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("cutting the listener's connection: %v, %d cut", err, tag.RowsAffected())
	}
	want = append(want, write(4), write(5))

	var got []int64
	timeout := time.After(30 * time.Second)
	for len(got) < len(want) {
		select {
		case ch := <-sub.C():
			if ch.Case == nil || ch.Org != "org" {
				t.Fatalf("relayed %+v", ch)
			}
			got = append(got, ch.Seq)
		case <-timeout:
			t.Fatalf("after 30 s: relayed %v, want %v", got, want)
		}
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("relayed %v, want %v (log order, no gap, no duplicate)", got, want)
		}
	}
	// Nothing more than what was written.
	write(6)
	select {
	case ch := <-sub.C():
		if ch.Seq <= want[len(want)-1] {
			t.Fatalf("duplicate %d after %v", ch.Seq, got)
		}
	case <-timeout:
		t.Fatal("the event after the reconnect never came")
	}
}
