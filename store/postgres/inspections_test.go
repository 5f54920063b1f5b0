package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/storetest"
)

// Migration 0311 gives the cases stored before it the arrival mark that
// grading counts from: run on a store whose marks predate it, the timer's
// query finds the received case again, and only it.
func TestMigrationIndexesArrivals(t *testing.T) {
	ctx := context.Background()
	s := openFresh(t, nil)
	const org returns.OrgID = "org-0311"
	received := storetest.FullCase("m1")
	received.Platform, received.Status, received.Deadlines, received.Inspection = returns.Alibaba, returns.StatusReceived, returns.Deadlines{}, nil
	at := time.Date(2025, time.March, 7, 9, 0, 0, 123456789, time.UTC)
	received.ReceivedAt = &at
	waiting := storetest.FullCase("m2")
	waiting.Platform, waiting.Status, waiting.Deadlines, waiting.Inspection = returns.Alibaba, returns.StatusAwaitingBuyerShipment, returns.Deadlines{}, nil
	waiting.ReceivedAt, waiting.ReturnShipment = nil, nil
	for _, c := range []*returns.Case{received, waiting} {
		if _, err := s.UpsertCase(ctx, org, c, store.Change{Source: returns.SourcePoll}); err != nil {
			t.Fatal(err)
		}
	}
	q := store.DueQuery{From: at.Add(time.Hour), To: at.Add(72 * time.Hour), Lead: 3 * 24 * time.Hour, First: 10}
	due := func() []string {
		t.Helper()
		page, err := s.DueCases(ctx, org, q)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, c := range page.Cases {
			ids = append(ids, c.PlatformCaseID)
		}
		return ids
	}
	if got := due(); len(got) != 1 || got[0] != "m1" {
		t.Fatalf("before: due %v, want [m1]", got)
	}
	// The index as it stood before 0311: no marks for these cases.
	if _, err := s.pool.Exec(ctx, `DELETE FROM case_deadlines WHERE org = $1`, string(org)); err != nil {
		t.Fatal(err)
	}
	if got := due(); len(got) != 0 {
		t.Fatalf("marks deleted, still due: %v", got)
	}
	body, err := migrationFiles.ReadFile("migrations/0311_grade_marks.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, string(body)); err != nil {
		t.Fatalf("migration 0311: %v", err)
	}
	if got := due(); len(got) != 1 || got[0] != "m1" {
		t.Errorf("after 0311: due %v, want [m1]", got)
	}
	// PostgreSQL keeps microseconds: the mark may be rounded by under one,
	// which an anchor (the deadline lies days after it) does not feel.
	var atNS int64
	if err := s.pool.QueryRow(ctx, `SELECT at_ns FROM case_deadlines WHERE org = $1`, string(org)).Scan(&atNS); err != nil || max(atNS-at.UnixNano(), at.UnixNano()-atNS) >= 1000 {
		t.Errorf("the mark is at %d, want the arrival %d to the microsecond: %v", atNS, at.UnixNano(), err)
	}
}
