package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// AnalyticsBackend is what the analytics suite needs of a backend: the
// store, its analytics, and a way to write inspections rows (the table
// another area owns) with plain SQL.
type AnalyticsBackend interface {
	store.Store
	store.AnalyticsStore
}

// OpenAnalytics returns a new, empty backend whose clock is now, and an
// exec that runs one SQL statement on it with ? placeholders rewritten as
// the backend needs.
type OpenAnalytics func(t *testing.T, now func() time.Time) (AnalyticsBackend, func(query string, args ...any) error)

var anOrgSeq atomic.Int64

// AnalyticsNow is the fixture's clock: Friday 2026-12-11, in ISO week 2026-W50.
var AnalyticsNow = time.Date(2026, 12, 11, 12, 0, 0, 0, time.UTC)

// AnalyticsFixture writes the hand-computed fixture of cases to org and
// another organisation's case beside it. Weeks: 2026-11-30 is the Monday
// of 2026-W49, 2026-12-07 of 2026-W50.
//
//	#  platform    shop  sku    reason            created       responded  refunded  refund     missed  grade, recovered
//	1  XHS         xs1   SKU-1  SIZE_FIT          11-30 10:00   +4h        +28h      100 CNY    no      A, 80 CNY
//	2  XHS         xs1   SKU-1  SIZE_FIT          11-30 12:00   +2h (rej)  -         -          no      -
//	3  XHS         xs1   SKU-2  QUALITY_DEFECT    12-01 08:00   -          -         -          yes (respondBy 12-02 08:00, still REQUESTED)
//	4  ALIEXPRESS  ae1   SKU-1  SIZE_FIT          12-01 00:00   +10h       +50h      20 USD     yes (respondBy +6h, approved +10h)  C, 3 USD
//	5  ALIEXPRESS  ae1   SKU-3  NOT_AS_DESCRIBED  12-08 00:00   +1h        +3h       5 USD      yes (refundBy +2h, refunded +3h)    B, 1 USD
func AnalyticsFixture(t *testing.T, s AnalyticsBackend, exec func(string, ...any) error, org, other returns.OrgID) {
	t.Helper()
	ctx := context.Background()
	at := func(day, hour int) time.Time { return time.Date(2026, 11, 30+day, hour, 0, 0, 0, time.UTC) }
	ptr := func(t time.Time) *time.Time { return &t }
	money := func(minor int64, cur string) *returns.Money { return &returns.Money{Minor: minor, Currency: cur} }
	mk := func(p returns.PlatformID, id, shop, sku string, r returns.Reason, created time.Time) *returns.Case {
		return &returns.Case{Platform: p, PlatformCaseID: id, ShopID: shop, OrderID: "o-" + id, Kind: returns.KindReturnAndRefund,
			Status: returns.StatusRequested, Reason: r, Market: returns.MarketDomestic, CreatedAt: created, UpdatedAt: created,
			Lines: []returns.Line{{SKU: sku, Quantity: 1, UnitPrice: returns.Money{Minor: 5000, Currency: "CNY"}}}}
	}
	put := func(o returns.OrgID, c *returns.Case) {
		t.Helper()
		cp := *c
		if _, err := s.UpsertCase(ctx, o, &cp, store.Change{Source: returns.SourcePoll}); err != nil {
			t.Fatal(err)
		}
	}
	c1 := mk(returns.XHS, "c1", "xs1", "SKU-1", returns.ReasonSizeFit, at(0, 10))
	c1.Status, c1.ApprovedAt, c1.UpdatedAt, c1.RefundedAmount = returns.StatusRefunded, ptr(at(0, 14)), at(1, 14), money(10000, "CNY")
	put(org, c1)
	c2 := mk(returns.XHS, "c2", "xs1", "SKU-1", returns.ReasonSizeFit, at(0, 12))
	c2.Status, c2.UpdatedAt = returns.StatusRejected, at(0, 14)
	put(org, c2)
	c3 := mk(returns.XHS, "c3", "xs1", "SKU-2", returns.ReasonQualityDefect, at(1, 8))
	c3.Deadlines.RespondBy = ptr(at(2, 8))
	put(org, c3)
	c4 := mk(returns.AliExpress, "c4", "ae1", "SKU-1", returns.ReasonSizeFit, at(1, 0))
	c4.Deadlines.RespondBy = ptr(at(1, 6))
	put(org, c4) // seen while waiting for the seller: the deadline is kept
	c4.Status, c4.ApprovedAt, c4.UpdatedAt, c4.Deadlines.RespondBy = returns.StatusAwaitingBuyerShipment, ptr(at(1, 10)), at(1, 10), nil
	put(org, c4)
	c4.Status, c4.UpdatedAt, c4.RefundedAmount = returns.StatusRefunded, at(3, 2), money(2000, "USD")
	put(org, c4)
	c5 := mk(returns.AliExpress, "c5", "ae1", "SKU-3", returns.ReasonNotAsDescribed, at(8, 0))
	c5.Status, c5.ApprovedAt, c5.UpdatedAt, c5.RefundedAmount = returns.StatusRefunded, ptr(at(8, 1)), at(8, 3), money(500, "USD")
	c5.Deadlines.RefundBy = ptr(at(8, 2))
	put(org, c5)
	// Another organisation's case and inspection, with the same keys.
	x := mk(returns.XHS, "c1", "xs1", "SKU-1", returns.ReasonSizeFit, at(0, 10))
	x.Status, x.RefundedAmount = returns.StatusRefunded, money(99900, "CNY")
	put(other, x)

	inspect := func(o returns.OrgID, p returns.PlatformID, id, grade string, minor int64, cur string) {
		t.Helper()
		if err := exec(`INSERT INTO inspections (org, platform, case_id, grade, disposition, recovered_minor, recovered_currency,
			notes, evidence_ids, inspected_ns) VALUES (?, ?, ?, ?, 'RESTOCK', ?, ?, '', '[]', ?)`,
			string(o), string(p), id, grade, minor, cur, AnalyticsNow.UnixNano()); err != nil {
			t.Fatal(err)
		}
	}
	inspect(org, returns.XHS, "c1", "A", 8000, "CNY")
	inspect(org, returns.AliExpress, "c4", "C", 300, "USD")
	inspect(org, returns.AliExpress, "c5", "B", 100, "USD")
	inspect(other, returns.XHS, "c1", "C", 77700, "CNY")
}

// RunAnalytics runs the conformance suite of store.AnalyticsStore.
func RunAnalytics(t *testing.T, open OpenAnalytics) {
	ctx := context.Background()
	clock := func() time.Time { return AnalyticsNow }
	orgs := func() (returns.OrgID, returns.OrgID) {
		n := anOrgSeq.Add(1)
		return returns.OrgID(fmt.Sprintf("an-a-%d", n)), returns.OrgID(fmt.Sprintf("an-b-%d", n))
	}
	h := func(n float64) *time.Duration { d := time.Duration(n * float64(time.Hour)); return &d }
	m := func(minor int64, cur string) returns.Money { return returns.Money{Minor: minor, Currency: cur} }

	s, exec := open(t, clock)
	org, other := orgs()
	AnalyticsFixture(t, s, exec, org, other)
	run := func(t *testing.T, f returns.Filter, dims ...store.AnalyticsDimension) []store.AnalyticsRow {
		t.Helper()
		rows, err := s.Analytics(ctx, org, store.AnalyticsQuery{Filter: f, GroupBy: dims, Now: AnalyticsNow})
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	check := func(t *testing.T, got, want []store.AnalyticsRow) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%d groups, want %d: %+v", len(got), len(want), got)
		}
		for i := range want {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("group %d:\n got %+v\nwant %+v", i, fmtRow(got[i]), fmtRow(want[i]))
			}
		}
	}
	xs1 := store.ShopRef{Platform: returns.XHS, ShopID: "xs1"}
	ae1 := store.ShopRef{Platform: returns.AliExpress, ShopID: "ae1"}

	t.Run("All", func(t *testing.T) {
		check(t, run(t, returns.Filter{}), []store.AnalyticsRow{{
			Cases: 5, Refunded: []returns.Money{m(10000, "CNY"), m(2500, "USD")},
			MedianRespond: h(3), MedianRefund: h(28), DeadlinesMissed: 3, GradeA: 1, GradeB: 1, GradeC: 1,
			Recovered: []returns.Money{m(8000, "CNY"), m(400, "USD")},
			FirstWeek: "2026-W49", LastWeek: "2026-W50",
		}})
	})
	t.Run("ByPlatform", func(t *testing.T) {
		check(t, run(t, returns.Filter{}, store.DimPlatform), []store.AnalyticsRow{{
			Key: store.AnalyticsKey{Platform: returns.AliExpress}, Cases: 2, Refunded: []returns.Money{m(2500, "USD")},
			MedianRespond: h(5.5), MedianRefund: h(26.5), DeadlinesMissed: 2, GradeB: 1, GradeC: 1,
			Recovered: []returns.Money{m(400, "USD")}, FirstWeek: "2026-W49", LastWeek: "2026-W50",
		}, {
			Key: store.AnalyticsKey{Platform: returns.XHS}, Cases: 3, Refunded: []returns.Money{m(10000, "CNY")},
			MedianRespond: h(3), MedianRefund: h(28), DeadlinesMissed: 1, GradeA: 1,
			Recovered: []returns.Money{m(8000, "CNY")}, FirstWeek: "2026-W49", LastWeek: "2026-W49",
		}})
	})
	t.Run("BySKUAndWeek", func(t *testing.T) {
		got := run(t, returns.Filter{}, store.DimSKU, store.DimWeek)
		var keys []string
		var counts []int
		for _, r := range got {
			keys = append(keys, r.Key.SKU+"/"+r.Key.Week)
			counts = append(counts, r.Cases)
		}
		if want := []string{"SKU-1/2026-W49", "SKU-2/2026-W49", "SKU-3/2026-W50"}; !reflect.DeepEqual(keys, want) {
			t.Errorf("keys %v, want %v", keys, want)
		}
		if want := []int{3, 1, 1}; !reflect.DeepEqual(counts, want) {
			t.Errorf("counts %v, want %v", counts, want)
		}
	})
	t.Run("ByReasonFiltered", func(t *testing.T) {
		got := run(t, returns.Filter{Platforms: []returns.PlatformID{returns.XHS}}, store.DimReason)
		if len(got) != 2 || got[0].Key.Reason != returns.ReasonQualityDefect || got[0].Cases != 1 ||
			got[1].Key.Reason != returns.ReasonSizeFit || got[1].Cases != 2 || got[1].MedianRefund == nil || *got[1].MedianRefund != *h(28) {
			t.Errorf("XHS by reason: %+v", got)
		}
	})
	t.Run("ByShopMarket", func(t *testing.T) {
		got := run(t, returns.Filter{Statuses: []returns.Status{returns.StatusRefunded}}, store.DimShop, store.DimMarket)
		if len(got) != 2 || got[0].Key.ShopID != "ae1" || got[0].Cases != 2 || got[0].Key.Market != returns.MarketDomestic ||
			got[1].Key.ShopID != "xs1" || got[1].Cases != 1 {
			t.Errorf("refunded by shop and market: %+v", got)
		}
	})
	t.Run("OtherOrganisation", func(t *testing.T) {
		rows, err := s.Analytics(ctx, other, store.AnalyticsQuery{Now: AnalyticsNow})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].Cases != 1 || !reflect.DeepEqual(rows[0].Refunded, []returns.Money{m(99900, "CNY")}) ||
			rows[0].GradeC != 1 || rows[0].GradeA != 0 {
			t.Errorf("the other organisation sees %+v", rows)
		}
		rows, err = s.Analytics(ctx, "an-nobody", store.AnalyticsQuery{GroupBy: []store.AnalyticsDimension{store.DimSKU}, Now: AnalyticsNow})
		if err != nil || len(rows) != 0 {
			t.Errorf("an empty organisation: %+v, %v", rows, err)
		}
		// Without dimensions too: no case is no group, not a row of NULL sums.
		rows, err = s.Analytics(ctx, "an-nobody", store.AnalyticsQuery{Now: AnalyticsNow})
		if err != nil || len(rows) != 0 {
			t.Errorf("an empty organisation, no dimensions: %+v, %v", rows, err)
		}
	})
	t.Run("InspectionWrites", func(t *testing.T) {
		// A regrading and a removal, by plain SQL as the inspection area
		// writes them, show at once (the other organisation's case).
		grades := func() [3]int {
			t.Helper()
			rows, err := s.Analytics(ctx, other, store.AnalyticsQuery{Now: AnalyticsNow})
			if err != nil || len(rows) != 1 {
				t.Fatalf("%+v, %v", rows, err)
			}
			return [3]int{rows[0].GradeA, rows[0].GradeB, rows[0].GradeC}
		}
		if err := exec(`UPDATE inspections SET grade = 'A', recovered_minor = 5 WHERE org = ? AND case_id = 'c1'`, string(other)); err != nil {
			t.Fatal(err)
		}
		rows, _ := s.Analytics(ctx, other, store.AnalyticsQuery{Now: AnalyticsNow})
		if g := grades(); g != [3]int{1, 0, 0} || !reflect.DeepEqual(rows[0].Recovered, []returns.Money{m(5, "CNY")}) {
			t.Errorf("after a regrading: %v %v", g, rows[0].Recovered)
		}
		if err := exec(`DELETE FROM inspections WHERE org = ? AND case_id = 'c1'`, string(other)); err != nil {
			t.Fatal(err)
		}
		rows, _ = s.Analytics(ctx, other, store.AnalyticsQuery{Now: AnalyticsNow})
		if g := grades(); g != [3]int{} || rows[0].Recovered != nil {
			t.Errorf("after a removal: %v %v", g, rows[0].Recovered)
		}
		// An inspection stored before its case (kept through a reset, say)
		// is taken up when the case arrives.
		if err := exec(`INSERT INTO inspections (org, platform, case_id, grade, disposition, recovered_minor, recovered_currency,
			notes, evidence_ids, inspected_ns) VALUES (?, 'XHS', 'late', 'B', 'OUTLET', 7, 'CNY', '', '[]', 0)`, string(other)); err != nil {
			t.Fatal(err)
		}
		late := &returns.Case{Platform: returns.XHS, PlatformCaseID: "late", ShopID: "xs1", OrderID: "o-late", Kind: returns.KindRefundOnly,
			Status: returns.StatusReceived, Reason: returns.ReasonSizeFit, Market: returns.MarketDomestic,
			CreatedAt: AnalyticsNow.Add(-time.Hour), UpdatedAt: AnalyticsNow.Add(-time.Hour)}
		if _, err := s.UpsertCase(ctx, other, late, store.Change{Source: returns.SourcePoll}); err != nil {
			t.Fatal(err)
		}
		if g := grades(); g != [3]int{0, 1, 0} {
			t.Errorf("a case arriving after its inspection: %v", g)
		}
	})
	t.Run("BadQuery", func(t *testing.T) {
		for _, q := range []store.AnalyticsQuery{
			{GroupBy: []store.AnalyticsDimension{"COLOUR"}},
			{GroupBy: []store.AnalyticsDimension{store.DimSKU, store.DimSKU}},
			{GroupBy: []store.AnalyticsDimension{store.DimSKU, store.DimWeek, store.DimShop, store.DimReason}},
			{Filter: returns.Filter{ShopIDs: make([]string, store.MaxFilterValues+1)}},
		} {
			if _, err := s.Analytics(ctx, org, q); returns.ErrorCodeOf(err) != returns.CodeInvalid {
				t.Errorf("%+v: %v, want INVALID", q.GroupBy, err)
			}
		}
	})
	t.Run("ReasonWeekCounts", func(t *testing.T) {
		got, err := s.ReasonWeekCounts(ctx, org, returns.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		want := []store.ReasonWeekCount{
			{SKU: "SKU-1", Reason: returns.ReasonSizeFit, Week: "2026-W49", Count: 3},
			{SKU: "SKU-2", Reason: returns.ReasonQualityDefect, Week: "2026-W49", Count: 1},
			{SKU: "SKU-3", Reason: returns.ReasonNotAsDescribed, Week: "2026-W50", Count: 1},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v\nwant %+v", got, want)
		}
	})
	t.Run("OrderCounts", func(t *testing.T) {
		in := []store.OrderCount{
			{Platform: returns.XHS, ShopID: "xs1", Week: "2026-W49", Orders: 100, Source: store.OrderCountInput},
			{Platform: returns.XHS, ShopID: "xs1", Week: "2026-W50", Orders: 80, Source: store.OrderCountInput},
			{Platform: returns.XHS, ShopID: "xs1", Week: "2026-W49", SKU: "SKU-1", Orders: 30, Source: store.OrderCountInput},
		}
		if err := s.SetOrderCounts(ctx, org, in); err != nil {
			t.Fatal(err)
		}
		in[0].Orders = 120 // replaces
		if err := s.SetOrderCounts(ctx, org, in[:1]); err != nil {
			t.Fatal(err)
		}
		bad := []store.OrderCount{in[1], {Platform: returns.XHS, ShopID: "xs1", Week: "2026-W54", Orders: 1, Source: store.OrderCountInput}}
		bad[0].Orders = 5
		if err := s.SetOrderCounts(ctx, org, bad); returns.ErrorCodeOf(err) != returns.CodeInvalid {
			t.Errorf("a bad week: %v, want INVALID", err)
		}
		if err := s.SetOrderCounts(ctx, org, []store.OrderCount{{Platform: returns.XHS, ShopID: "xs1", Week: "2026-W49", Orders: -1, Source: store.OrderCountInput}}); returns.ErrorCodeOf(err) != returns.CodeInvalid {
			t.Errorf("negative orders: %v, want INVALID", err)
		}
		got, err := s.OrderCounts(ctx, org, []store.ShopRef{xs1, ae1}, "2026-W49", "2026-W50")
		if err != nil {
			t.Fatal(err)
		}
		var short []string
		for _, c := range got {
			short = append(short, fmt.Sprintf("%s/%s/%s=%d", c.ShopID, c.Week, c.SKU, c.Orders))
			if !c.UpdatedAt.Equal(AnalyticsNow) || c.Source != store.OrderCountInput {
				t.Errorf("count %+v", c)
			}
		}
		// Nothing of the refused batch was written (W50 stays 80).
		if want := []string{"xs1/2026-W49/=120", "xs1/2026-W49/SKU-1=30", "xs1/2026-W50/=80"}; !reflect.DeepEqual(short, want) {
			t.Errorf("counts %v, want %v", short, want)
		}
		if got, _ := s.OrderCounts(ctx, other, []store.ShopRef{xs1}, "2026-W01", "2026-W53"); len(got) != 0 {
			t.Errorf("the other organisation sees %+v", got)
		}
		// The shops a rate divides by: the organisation's, narrowed by the
		// filter's platforms and shops only.
		for _, c := range []struct {
			f    returns.Filter
			want []store.ShopRef
		}{
			{returns.Filter{}, []store.ShopRef{ae1, xs1}},
			{returns.Filter{Reasons: []returns.Reason{returns.ReasonQualityDefect}}, []store.ShopRef{ae1, xs1}},
			{returns.Filter{Platforms: []returns.PlatformID{returns.XHS}}, []store.ShopRef{xs1}},
			{returns.Filter{ShopIDs: []string{"ae1", "nope"}}, []store.ShopRef{ae1}},
		} {
			got, err := s.AnalyticsShops(ctx, org, c.f)
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Errorf("shops of %+v: %v, %v; want %v", c.f, got, err, c.want)
			}
		}
		if got, err := s.AnalyticsShops(ctx, "an-nobody", returns.Filter{}); err != nil || len(got) != 0 {
			t.Errorf("an empty organisation's shops: %v, %v", got, err)
		}
	})
}

func fmtRow(r store.AnalyticsRow) string {
	d := func(p *time.Duration) string {
		if p == nil {
			return "nil"
		}
		return p.String()
	}
	return fmt.Sprintf("{%+v cases=%d refunded=%v respond=%s refund=%s missed=%d A/B/C=%d/%d/%d recovered=%v weeks=%s..%s}",
		r.Key, r.Cases, r.Refunded, d(r.MedianRespond), d(r.MedianRefund), r.DeadlinesMissed, r.GradeA, r.GradeB, r.GradeC,
		r.Recovered, r.FirstWeek, r.LastWeek)
}

// SQLExec adapts a *sql.DB to the exec of OpenAnalytics.
func SQLExec(db *sql.DB) func(string, ...any) error {
	return func(q string, args ...any) error {
		_, err := db.Exec(q, args...)
		return err
	}
}

// RunAnalyticsBackfill checks a migration's backfill (the statement
// backfill, run on the stored documents after the analytics columns are
// emptied) against what the upserts wrote: the same aggregates, but for one
// deadline the documents cannot tell any more (case 4's respondBy, seen only
// while it waited for the seller).
func RunAnalyticsBackfill(t *testing.T, open OpenAnalytics, backfill string) {
	ctx := context.Background()
	s, exec := open(t, func() time.Time { return AnalyticsNow })
	n := anOrgSeq.Add(1)
	org, other := returns.OrgID(fmt.Sprintf("bf-a-%d", n)), returns.OrgID(fmt.Sprintf("bf-b-%d", n))
	AnalyticsFixture(t, s, exec, org, other)
	q := store.AnalyticsQuery{GroupBy: []store.AnalyticsDimension{store.DimPlatform, store.DimSKU, store.DimWeek}, Now: AnalyticsNow}
	before, err := s.Analytics(ctx, org, q)
	if err != nil {
		t.Fatal(err)
	}
	if err := exec(`UPDATE cases SET sku = '', week = '', refund_minor = NULL, refund_currency = NULL, responded_ns = NULL,
		refunded_ns = NULL, respond_due_ns = NULL, refund_due_ns = NULL`); err != nil {
		t.Fatal(err)
	}
	if err := exec(backfill); err != nil {
		t.Fatal(err)
	}
	after, err := s.Analytics(ctx, org, q)
	if err != nil {
		t.Fatal(err)
	}
	for i := range before {
		if before[i].Key == (store.AnalyticsKey{Platform: returns.AliExpress, SKU: "SKU-1", Week: "2026-W49"}) {
			before[i].DeadlinesMissed-- // case 4's late answer
		}
	}
	if !reflect.DeepEqual(before, after) {
		t.Errorf("after the backfill:\n%+v\nwritten by upserts:\n%+v", after, before)
	}
}

// BackfillStatement returns the UPDATE of the cases table from a migration's text.
func BackfillStatement(t *testing.T, migration string) string {
	t.Helper()
	i := strings.Index(migration, "UPDATE cases SET")
	j := strings.Index(migration[i:], ";\n")
	if i < 0 || j < 0 {
		t.Fatal("no backfill in the migration")
	}
	return migration[i : i+j]
}
