package storetest

import (
	"context"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// InspectionBackend is a store with inspections: the case store they are
// written through, and the InspectionStore they are read from.
type InspectionBackend interface {
	store.Store
	store.InspectionStore
}

// OpenInspections returns a new, empty backend whose clock is now.
type OpenInspections func(t *testing.T, now func() time.Time) InspectionBackend

var inspOrgSeq atomic.Int64

func inspOrgs() (returns.OrgID, returns.OrgID) {
	n := inspOrgSeq.Add(1)
	return returns.OrgID(fmt.Sprintf("insp-a-%d", n)), returns.OrgID(fmt.Sprintf("insp-b-%d", n))
}

// sampleInspection is a grading with every field set, its time not in UTC.
func sampleInspection(g returns.Grade, minor int64) *returns.Inspection {
	return &returns.Inspection{
		Grade: g, Disposition: returns.DefaultDisposition(g), Notes: "外箱破损; \"quoted\" \\ <&>",
		RecoveredValue: returns.Money{Minor: minor, Currency: "CNY"},
		EvidenceIDs:    []string{"ev_01", "证据-2"},
		InspectedAt:    time.Date(2025, time.March, 8, 9, 30, 0, 123456789, returns.Shanghai),
	}
}

// receivedCase is an Alibaba.com case received and not inspected: its only
// deadline mark is the arrival, which grading counts from.
func receivedCase(id string) *returns.Case {
	c := FullCase(id)
	c.Platform, c.Status, c.Deadlines, c.Inspection = returns.Alibaba, returns.StatusReceived, returns.Deadlines{}, nil
	c.ReceivedAt = ptrTime(time.Date(2025, time.March, 7, 9, 0, 0, 0, time.UTC))
	return c
}

func ptrTime(t time.Time) *time.Time { return &t }

// RunInspections runs the conformance suite of store.InspectionStore: an
// inspection written with its case, in one transaction, scoped by
// organisation, replaced by a new grading, never lost to a platform write,
// and deleted with the organisation.
func RunInspections(t *testing.T, open OpenInspections) {
	ctx := context.Background()
	now := time.Date(2025, time.March, 8, 2, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	mutation := store.Change{Source: returns.SourceMutation, Always: true, Detail: map[string]string{"action": string(returns.ActionRecordInspection)}}

	inspected := func(id string, in *returns.Inspection) *returns.Case {
		c := receivedCase(id)
		c.Inspection = in
		return c
	}
	wantStored := func(in *returns.Inspection) *returns.Inspection {
		w := *in
		w.InspectedAt = in.InspectedAt.UTC()
		return &w
	}

	t.Run("RoundTrip", func(t *testing.T) {
		s := open(t, clock)
		org, _ := inspOrgs()
		in := sampleInspection(returns.GradeC, 1<<53+1)
		res, err := s.UpsertCase(ctx, org, inspected("r1", in), mutation)
		if err != nil {
			t.Fatal(err)
		}
		if res.Event == nil || res.Event.Detail["action"] != string(returns.ActionRecordInspection) {
			t.Errorf("no event with the action's detail: %+v", res.Event)
		}
		got, err := s.Inspection(ctx, org, res.Case.Key())
		if err != nil {
			t.Fatal(err)
		}
		if want := wantStored(in); !reflect.DeepEqual(got, want) || got.InspectedAt.Location() != time.UTC {
			t.Errorf("Inspection = %+v, want %+v", got, want)
		}
		c, err := s.GetCase(ctx, org, res.Case.Key())
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(c.Inspection, wantStored(in)) {
			t.Errorf("case's Inspection = %+v, want %+v", c.Inspection, wantStored(in))
		}
		// No evidence reads back as none.
		bare := sampleInspection(returns.GradeA, 0)
		bare.EvidenceIDs, bare.Notes = nil, ""
		if _, err := s.UpsertCase(ctx, org, inspected("r2", bare), mutation); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Inspection(ctx, org, returns.CaseKey{Platform: returns.Alibaba, PlatformCaseID: "r2"}); err != nil || got.EvidenceIDs != nil {
			t.Errorf("Inspection = %+v, %v; want no evidence ids", got, err)
		}
	})

	t.Run("ScopedByOrganisation", func(t *testing.T) {
		s := open(t, clock)
		org, other := inspOrgs()
		if _, err := s.UpsertCase(ctx, org, inspected("s1", sampleInspection(returns.GradeB, 500)), mutation); err != nil {
			t.Fatal(err)
		}
		// The other organisation has a case with the same key, not inspected.
		if _, err := s.UpsertCase(ctx, other, receivedCase("s1"), store.Change{Source: returns.SourcePoll}); err != nil {
			t.Fatal(err)
		}
		key := returns.CaseKey{Platform: returns.Alibaba, PlatformCaseID: "s1"}
		if _, err := s.Inspection(ctx, other, key); returns.ErrorCodeOf(err) != returns.CodeNotFound {
			t.Errorf("other organisation: err = %v, want NOT_FOUND", err)
		}
		if _, err := s.Inspection(ctx, org, returns.CaseKey{Platform: returns.Alibaba, PlatformCaseID: "none"}); returns.ErrorCodeOf(err) != returns.CodeNotFound {
			t.Errorf("no such case: err = %v, want NOT_FOUND", err)
		}
		if _, err := s.Inspection(ctx, "", key); err == nil {
			t.Error("empty organisation accepted")
		}
	})

	t.Run("RegradeReplaces", func(t *testing.T) {
		s := open(t, clock)
		org, _ := inspOrgs()
		if _, err := s.UpsertCase(ctx, org, inspected("g1", sampleInspection(returns.GradeA, 9000)), mutation); err != nil {
			t.Fatal(err)
		}
		second := sampleInspection(returns.GradeC, 100)
		second.Disposition, second.EvidenceIDs = returns.DispositionDispose, []string{"ev_9"}
		second.InspectedAt = second.InspectedAt.Add(time.Hour)
		res, err := s.UpsertCase(ctx, org, inspected("g1", second), mutation)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Inspection(ctx, org, res.Case.Key())
		if err != nil || !reflect.DeepEqual(got, wantStored(second)) {
			t.Errorf("after regrading: %+v, %v; want %+v", got, err, wantStored(second))
		}
		if res.Case.Version != 2 {
			t.Errorf("version %d, want 2 (one event per grading)", res.Case.Version)
		}
	})

	t.Run("NotLostToAPlatformWrite", func(t *testing.T) {
		s := open(t, clock)
		org, _ := inspOrgs()
		in := sampleInspection(returns.GradeB, 700)
		res, err := s.UpsertCase(ctx, org, inspected("p1", in), mutation)
		if err != nil {
			t.Fatal(err)
		}
		// A platform view read before the grading was stored (on another
		// replica, say) carries none: the same view is no change, and a
		// newer one keeps the grading, on the case and in the table.
		same, err := s.UpsertCase(ctx, org, receivedCase("p1"), store.Change{Source: returns.SourcePoll})
		if err != nil {
			t.Fatal(err)
		}
		if same.Changed || same.Case.Inspection == nil {
			t.Errorf("the view without the grading: changed %v, inspection %+v", same.Changed, same.Case.Inspection)
		}
		fresh := receivedCase("p1")
		fresh.Status = returns.StatusRefunded
		moved, err := s.UpsertCase(ctx, org, fresh, store.Change{Source: returns.SourcePoll})
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.GetCase(ctx, org, res.Case.Key())
		if err != nil {
			t.Fatal(err)
		}
		if !moved.Changed || !reflect.DeepEqual(c.Inspection, wantStored(in)) || !reflect.DeepEqual(moved.Case.Inspection, wantStored(in)) {
			t.Errorf("after a platform write the case shows %+v (answer %+v), want %+v", c.Inspection, moved.Case.Inspection, wantStored(in))
		}
		if got, err := s.Inspection(ctx, org, res.Case.Key()); err != nil || got.Grade != returns.GradeB {
			t.Errorf("after a platform write: %+v, %v", got, err)
		}
	})

	t.Run("AllOrNothing", func(t *testing.T) {
		s := open(t, clock)
		org, _ := inspOrgs()
		first, err := s.UpsertCase(ctx, org, receivedCase("a1"), store.Change{Source: returns.SourcePoll})
		if err != nil {
			t.Fatal(err)
		}
		// Values the table refuses (its CHECKs) fail the whole write: the
		// case, its event and the row.
		for _, bad := range []func(*returns.Inspection){
			func(in *returns.Inspection) { in.RecoveredValue.Minor = -1 },
			func(in *returns.Inspection) { in.Grade = "D" },
			func(in *returns.Inspection) { in.Disposition = "BURN" },
		} {
			in := sampleInspection(returns.GradeC, 10)
			bad(in)
			if _, err := s.UpsertCase(ctx, org, inspected("a1", in), mutation); err == nil {
				t.Errorf("inspection %+v stored", in)
			}
		}
		c, err := s.GetCase(ctx, org, first.Case.Key())
		if err != nil {
			t.Fatal(err)
		}
		if c.Version != first.Case.Version || c.Inspection != nil {
			t.Errorf("a failed write changed the case: version %d, inspection %+v", c.Version, c.Inspection)
		}
		evs, err := s.EventsAfter(ctx, org, first.Event.Seq, 10)
		if err != nil || len(evs) != 0 {
			t.Errorf("a failed write left events: %+v, %v", evs, err)
		}
		if _, err := s.Inspection(ctx, org, first.Case.Key()); returns.ErrorCodeOf(err) != returns.CodeNotFound {
			t.Errorf("a failed write left a row: %v", err)
		}
	})

	t.Run("Batch", func(t *testing.T) {
		s := open(t, clock)
		org, _ := inspOrgs()
		writes := []store.CaseWrite{
			{Case: inspected("b1", sampleInspection(returns.GradeA, 1)), Change: mutation},
			{Case: receivedCase("b2"), Change: store.Change{Source: returns.SourcePoll}},
		}
		if _, err := s.UpsertCases(ctx, org, writes); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Inspection(ctx, org, writes[0].Case.Key()); err != nil || got.Grade != returns.GradeA {
			t.Errorf("b1: %+v, %v", got, err)
		}
		if _, err := s.Inspection(ctx, org, writes[1].Case.Key()); returns.ErrorCodeOf(err) != returns.CodeNotFound {
			t.Errorf("b2: %v, want NOT_FOUND", err)
		}
	})

	t.Run("Reset", func(t *testing.T) {
		s := open(t, clock)
		org, other := inspOrgs()
		for _, o := range []returns.OrgID{org, other} {
			if _, err := s.UpsertCase(ctx, o, inspected("x1", sampleInspection(returns.GradeA, 1)), mutation); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.ResetOrganisation(ctx, org); err != nil {
			t.Fatal(err)
		}
		key := returns.CaseKey{Platform: returns.Alibaba, PlatformCaseID: "x1"}
		if _, err := s.Inspection(ctx, org, key); returns.ErrorCodeOf(err) != returns.CodeNotFound {
			t.Errorf("after reset: %v, want NOT_FOUND", err)
		}
		if _, err := s.Inspection(ctx, other, key); err != nil {
			t.Errorf("other organisation's inspection lost to a reset: %v", err)
		}
	})

	// Goods waiting to be graded are found through the deadline index by
	// their arrival, and no longer once graded.
	t.Run("GradeDueIndexed", func(t *testing.T) {
		s := open(t, clock)
		org, _ := inspOrgs()
		c := receivedCase("d1")
		if _, err := s.UpsertCase(ctx, org, c, store.Change{Source: returns.SourcePoll}); err != nil {
			t.Fatal(err)
		}
		q := store.DueQuery{From: c.ReceivedAt.Add(time.Hour), To: c.ReceivedAt.Add(4 * 24 * time.Hour), Lead: 3 * 24 * time.Hour, First: 10}
		due := func() int {
			t.Helper()
			page, err := s.DueCases(ctx, org, q)
			if err != nil {
				t.Fatal(err)
			}
			return len(page.Cases)
		}
		if n := due(); n != 1 {
			t.Fatalf("received, not graded: %d due cases, want 1", n)
		}
		if _, err := s.UpsertCase(ctx, org, inspected("d1", sampleInspection(returns.GradeA, 1)), mutation); err != nil {
			t.Fatal(err)
		}
		if n := due(); n != 0 {
			t.Errorf("graded: %d due cases, want 0", n)
		}
	})
}
