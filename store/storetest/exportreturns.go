package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// ExportReturnBackend is a store that keeps export returns.
type ExportReturnBackend interface {
	store.Store
	store.ExportReturnStore
}

// OpenExportReturns returns a new, empty store whose clock is now.
type OpenExportReturns func(t *testing.T, now func() time.Time) ExportReturnBackend

func exportCase(id string) *returns.Case {
	c := FullCase(id)
	c.Platform, c.ShopID, c.Market, c.Export = returns.Alibaba, "ali-shop", returns.MarketCrossBorderDirect, nil
	c.Status = returns.StatusRequested
	for i := range c.Lines {
		c.Lines[i].UnitPrice.Currency = "USD"
	}
	for _, m := range []*returns.Money{c.RequestedRefund, c.RefundedAmount, c.ReturnFreight, c.Tariff, c.ShippingPaid} {
		m.Currency = "USD"
	}
	c.PendingSteps = nil
	delivered := start.Add(-5 * 24 * time.Hour)
	c.DeliveredAt = &delivered
	return c
}

func exportApplication() returns.ExportStart {
	return returns.ExportStart{ContractNo: "SC-2025-0042", ContractReturnDays: 60,
		SalesContractIDs: []string{"ev-contract-1"}, InvoiceIDs: []string{"ev-invoice-1", "ev-invoice-2"},
		LogisticsChannel: "DHL Express import return", Carrier: "DHL", CarrierAcceptanceHours: 72, Note: "申请退货"}
}

// RunExportReturns runs the conformance suite of store.ExportReturnStore.
func RunExportReturns(t *testing.T, open OpenExportReturns) {
	ctx := context.Background()
	setup := func(t *testing.T) (ExportReturnBackend, *Clock, returns.OrgID, returns.OrgID, *returns.Case) {
		clock := NewClock(start)
		s := open(t, clock.Now)
		orgA, orgB := returns.OrgID(t.Name()+"#a"), returns.OrgID(t.Name()+"#b")
		r, err := s.UpsertCase(ctx, orgA, exportCase("ALI-X-1"), store.Change{Source: returns.SourcePoll})
		if err != nil {
			t.Fatal(err)
		}
		return s, clock, orgA, orgB, r.Case
	}
	begin := func(t *testing.T, c *returns.Case, at time.Time) (*returns.ExportReturn, *returns.Case) {
		t.Helper()
		x, e := returns.StartExportReturn(c, exportApplication(), at)
		if e != nil {
			t.Fatal(e)
		}
		next := *c
		next.Export = x.Terms()
		return x, &next
	}

	t.Run("RoundTrip", func(t *testing.T) {
		s, clock, org, _, c := setup(t)
		clock.Advance(time.Hour)
		x, next := begin(t, c, clock.Now())
		ch := store.Change{Source: returns.SourceMutation, Detail: map[string]string{"action": "EXPORT_RETURN_START"}}
		res, err := s.SaveExportReturn(ctx, org, x, next, ch)
		if err != nil {
			t.Fatal(err)
		}
		if res.ExportReturn.Version != 1 || res.Event == nil || res.Event.Detail["action"] != "EXPORT_RETURN_START" {
			t.Fatalf("saved %+v, event %+v", res.ExportReturn, res.Event)
		}
		if res.Case.Version != c.Version+1 || res.Case.Export == nil || res.Case.Export.ContractReturnDays != 60 {
			t.Errorf("case as stored: version %d (was %d), export %+v", res.Case.Version, c.Version, res.Case.Export)
		}
		got, err := s.GetExportReturn(ctx, org, c.Key())
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, res.ExportReturn) {
			t.Errorf("got  %+v\nwant %+v", got, res.ExportReturn)
		}
		if stored, _ := s.GetCase(ctx, org, c.Key()); stored.Export == nil || stored.Export.ContractReturnDays != 60 {
			t.Errorf("the stored case lost its terms: %+v", stored.Export)
		}
		evs, _ := s.EventsAfter(ctx, org, 0, 10)
		if len(evs) != 2 || evs[1].Seq != res.Event.Seq || evs[1].Source != returns.SourceMutation {
			t.Errorf("events %+v", evs)
		}

		// Every step through to the end, each one save; the last carries
		// the checklist and the amounts.
		cur := got
		for _, k := range returns.ExportStepKinds[1:] {
			clock.Advance(time.Hour)
			in := returns.ExportCompletion{Kind: k, Note: "done " + string(k)}
			switch k {
			case returns.ExportCustomsChecklist:
				in.Checklist = []returns.ExportCheck{{Item: returns.CheckQualityStandard, OK: true, Note: "per contract clause 7"},
					{Item: returns.CheckNoObviousDefects, OK: false, Note: "scuff on one carton"}, {Item: returns.CheckOriginalPackage, OK: true}}
			case returns.ExportFreightInsurance:
				fr, ins := returns.MustParseMoney("120.00", "USD"), returns.MustParseMoney("0.00", "USD")
				in.Freight, in.Insurance = &fr, &ins
			}
			y, e := cur.Complete(in, "USD", clock.Now())
			if e != nil {
				t.Fatal(e)
			}
			c2, _ := s.GetCase(ctx, org, c.Key())
			c2.Export = y.Terms()
			res, err := s.SaveExportReturn(ctx, org, y, c2, store.Change{Source: returns.SourceMutation})
			if err != nil {
				t.Fatalf("%s: %v", k, err)
			}
			if cur, err = s.GetExportReturn(ctx, org, c.Key()); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(cur, res.ExportReturn) {
				t.Fatalf("%s: got  %+v\nwant %+v", k, cur, res.ExportReturn)
			}
		}
		if !cur.Done() || cur.Version != 6 || cur.Insurance == nil || cur.Insurance.Minor != 0 {
			t.Errorf("finished workflow %+v", cur)
		}
		if l := cur.Step(returns.ExportCustomsChecklist).Checklist; len(l) != 3 || l[1].OK || l[1].Note != "scuff on one carton" {
			t.Errorf("checklist %+v", l)
		}
		stored, _ := s.GetCase(ctx, org, c.Key())
		if stored.Export.Freight == nil || stored.Export.Freight.String() != "120.00 USD" {
			t.Errorf("case terms %+v", stored.Export)
		}
		if evs, _ := s.EventsAfter(ctx, org, 0, 100); len(evs) != 7 {
			t.Errorf("%d events, want the first sighting and six steps", len(evs))
		}
	})

	t.Run("Conflicts", func(t *testing.T) {
		s, clock, org, _, c := setup(t)
		x, next := begin(t, c, clock.Now())
		if _, err := s.SaveExportReturn(ctx, org, x, next, store.Change{Source: returns.SourceMutation}); err != nil {
			t.Fatal(err)
		}
		before, _ := s.EventsAfter(ctx, org, 0, 100)
		caseBefore, _ := s.GetCase(ctx, org, c.Key())
		// A second start, and a save from a stale version, change nothing.
		if _, err := s.SaveExportReturn(ctx, org, x, next, store.Change{Source: returns.SourceMutation}); returns.ErrorCodeOf(err) != returns.CodeConflict {
			t.Errorf("second start: %v", err)
		}
		stored, _ := s.GetExportReturn(ctx, org, c.Key())
		y, _ := stored.Complete(returns.ExportCompletion{Kind: returns.ExportReview}, "USD", clock.Now())
		y.Version = 7
		if _, err := s.SaveExportReturn(ctx, org, y, caseBefore, store.Change{Source: returns.SourceMutation}); returns.ErrorCodeOf(err) != returns.CodeConflict {
			t.Errorf("stale version: %v", err)
		}
		after, _ := s.EventsAfter(ctx, org, 0, 100)
		caseAfter, _ := s.GetCase(ctx, org, c.Key())
		again, _ := s.GetExportReturn(ctx, org, c.Key())
		if len(after) != len(before) || caseAfter.Version != caseBefore.Version || !reflect.DeepEqual(again, stored) {
			t.Errorf("a refused save changed something: events %d→%d, version %d→%d", len(before), len(after), caseBefore.Version, caseAfter.Version)
		}
	})

	t.Run("Isolation", func(t *testing.T) {
		s, clock, orgA, orgB, c := setup(t)
		x, next := begin(t, c, clock.Now())
		// Another organisation's case is NOT_FOUND, and nothing is written.
		if _, err := s.SaveExportReturn(ctx, orgB, x, next, store.Change{Source: returns.SourceMutation}); returns.ErrorCodeOf(err) != returns.CodeNotFound {
			t.Errorf("save on another organisation's case: %v", err)
		}
		if evs, _ := s.EventsAfter(ctx, orgB, 0, 10); len(evs) != 0 {
			t.Errorf("events written for the other organisation: %+v", evs)
		}
		if _, err := s.GetCase(ctx, orgB, c.Key()); returns.ErrorCodeOf(err) != returns.CodeNotFound {
			t.Errorf("the save created the case in the other organisation: %v", err)
		}
		if _, err := s.GetExportReturn(ctx, orgA, c.Key()); returns.ErrorCodeOf(err) != returns.CodeNotFound {
			t.Errorf("export return before any save: %v", err)
		}
		if _, err := s.SaveExportReturn(ctx, orgA, x, next, store.Change{Source: returns.SourceMutation}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetExportReturn(ctx, orgB, c.Key()); returns.ErrorCodeOf(err) != returns.CodeNotFound {
			t.Errorf("another organisation reads it: %v", err)
		}
		// Resetting the organisation removes it.
		if err := s.ResetOrganisation(ctx, orgA); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetExportReturn(ctx, orgA, c.Key()); returns.ErrorCodeOf(err) != returns.CodeNotFound {
			t.Errorf("after a reset: %v", err)
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		s, clock, org, _, c := setup(t)
		x, next := begin(t, c, clock.Now())
		bad := *x
		bad.Steps = x.Steps[:5]
		if _, err := s.SaveExportReturn(ctx, org, &bad, next, store.Change{}); returns.ErrorCodeOf(err) != returns.CodeInvalid {
			t.Errorf("five steps: %v", err)
		}
		bad = *x
		bad.Key.PlatformCaseID = "ALI-OTHER"
		if _, err := s.SaveExportReturn(ctx, org, &bad, next, store.Change{}); returns.ErrorCodeOf(err) != returns.CodeInvalid {
			t.Errorf("another case's workflow: %v", err)
		}
		missing := *next
		missing.PlatformCaseID = "ALI-MISSING"
		y := *x
		y.Key = missing.Key()
		if _, err := s.SaveExportReturn(ctx, org, &y, &missing, store.Change{}); returns.ErrorCodeOf(err) != returns.CodeNotFound {
			t.Errorf("a case the store does not have: %v", err)
		}
		if _, err := s.GetCase(ctx, org, missing.Key()); returns.ErrorCodeOf(err) != returns.CodeNotFound {
			t.Errorf("the save created the missing case: %v", err)
		}
	})
}
