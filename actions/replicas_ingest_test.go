package actions

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/feed"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/postgres"
	"github.com/returnsgw/returnsgw/store/postgres/pgtest"
)

// openSharedPostgres opens a throwaway PostgreSQL store: the database that
// replicas share.
func openSharedPostgres(t *testing.T, now func() time.Time) *postgres.Store {
	t.Helper()
	st, err := postgres.Open(context.Background(), pgtest.FreshURL(t, ""), postgres.Options{Now: now, MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// pausingReads is replica B's view of the shared database: it stops after
// each GetCase until told to go on, to interleave B's ingest with A's action.
type pausingReads struct {
	*postgres.Store
	read, resume chan struct{}
}

func (p pausingReads) GetCase(ctx context.Context, o returns.OrgID, k returns.CaseKey) (*returns.Case, error) {
	c, err := p.Store.GetCase(ctx, o, k)
	p.read <- struct{}{}
	<-p.resume
	return c, err
}

// Replica B ingests a platform view of a case (a webhook, or its poller): it
// reads the stored case to keep the gateway's own fields. Meanwhile replica A
// records a seller-centre step on the same case, a field only the gateway
// keeps. B then writes the platform's view with the fields it read before A's
// write. The case locks that order the two are per process, so only the store
// can keep the step: an ingest write keeps the stored case's gateway fields
// (store.KeepGatewayFields), and still writes the platform's change.
func TestIngestOnAnotherReplicaKeepsARecordedStep(t *testing.T) {
	ctx := context.Background()
	st := openSharedPostgres(t, func() time.Time { return base })
	mp := mixedPlatform()
	c := newCase(mp, returns.StatusRequested)
	mp.put(c)
	if _, err := st.UpsertCase(ctx, org, c, store.Change{Source: returns.SourcePoll}); err != nil {
		t.Fatal(err)
	}

	// B: the platform reports an unrelated change (a buyer's message) in the same status.
	view := clone(c)
	view.UpdatedAt = view.UpdatedAt.Add(time.Minute)
	view.Raw = map[string]string{"status": "S_REQUESTED", "buyerMessage": "any news?"}
	ps := pausingReads{Store: st, read: make(chan struct{}), resume: make(chan struct{})}
	ing := &feed.Ingester{Store: ps, Org: org, Log: slog.New(slog.DiscardHandler)}
	doneB := make(chan error, 1)
	go func() { _, err := ing.Put(ctx, view, returns.SourceWebhook); doneB <- err }()
	<-ps.read

	// A: the seller records a refund to complete in the seller centre.
	a := New(Options{Store: st, Platforms: adapters.NewRegistry(mp), Log: slog.New(slog.DiscardHandler),
		PlatformTimeout: 10 * time.Second, Now: func() time.Time { return base }})
	out, err := a.Do(ctx, Request{Org: org, Key: c.Key(), IdempotencyKey: "k-step", Input: []byte(`{"n":1}`),
		Platform: returns.ActionRequest{Action: returns.ActionRefund, Note: "refund in full"}})
	if err != nil || len(out.Errors) > 0 || len(out.Case.PendingSteps) != 1 {
		t.Fatalf("record the step: %v %+v", err, out)
	}

	close(ps.resume)
	if err := <-doneB; err != nil {
		t.Fatal(err)
	}
	got, err := st.GetCase(ctx, org, c.Key())
	if err != nil {
		t.Fatal(err)
	}
	if len(got.PendingSteps) != 1 || got.PendingSteps[0].Action != returns.ActionRefund {
		t.Errorf("the stored case has pending steps %+v after B's ingest, want the refund A recorded (its key is DONE)", got.PendingSteps)
	}
	if got.Raw["buyerMessage"] != "any news?" || !got.UpdatedAt.Equal(view.UpdatedAt) {
		t.Errorf("B's view was not stored: updated %v, raw %v", got.UpdatedAt, got.Raw)
	}
}
