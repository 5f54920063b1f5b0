package sqlite

import (
	"slices"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/storetest"
)

// A database whose cases were stored before the deadline index existed gets
// the index filled in on open, in batches, and answers DueCases as if the
// cases had been written with it.
func TestDeadlinesBackfill(t *testing.T) {
	old := backfillSize
	backfillSize = 7
	t.Cleanup(func() { backfillSize = old })

	path := t.TempDir() + "/gateway.db"
	clock := storetest.NewClock(start)
	s := openAt(t, path, clock.Now)
	const org returns.OrgID = "org"
	cs := storetest.NewFixtures(5, start).Cases(60)
	seedCases(t, s, org, cs)
	q := store.DueQuery{From: start.Add(-24 * time.Hour), To: start.Add(96 * time.Hour), Lead: 72 * time.Hour, First: store.MaxDuePage}
	before := dueKeys(t, s, org, q)
	if len(before) == 0 {
		t.Fatal("no case is due in the fixture")
	}
	// Back to the state migration 0002 leaves on a database with cases.
	for _, stmt := range []string{`DELETE FROM case_deadlines`, `INSERT INTO backfills (name) VALUES ('deadlines')`} {
		if _, err := s.w.ExecContext(t.Context(), stmt); err != nil {
			t.Fatal(err)
		}
	}
	if got := dueKeys(t, s, org, q); len(got) != 0 {
		t.Fatalf("the index was not emptied: %v", got)
	}
	s.Close()

	s = openAt(t, path, clock.Now)
	if got := dueKeys(t, s, org, q); !slices.Equal(got, before) {
		t.Errorf("after the backfill: %v\nwant %v", got, before)
	}
	var pending int
	if err := s.r.QueryRowContext(t.Context(), `SELECT count(*) FROM backfills`).Scan(&pending); err != nil || pending != 0 {
		t.Errorf("backfill marker left: %d, %v", pending, err)
	}
}

func dueKeys(t *testing.T, s *Store, org returns.OrgID, q store.DueQuery) []string {
	t.Helper()
	p, err := s.DueCases(t.Context(), org, q)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range p.Cases {
		out = append(out, string(c.Platform)+"/"+c.PlatformCaseID)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
