package graph

import (
	"context"
	"database/sql"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/graph/model"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/sqlite"
	"github.com/returnsgw/returnsgw/store/storetest"
)

// analyticsResolver is a resolver over a SQLite store holding the hand-made
// fixture of store/storetest (AnalyticsFixture) for org "an-org".
func analyticsResolver(t *testing.T) (*Resolver, context.Context) {
	t.Helper()
	now := func() time.Time { return storetest.AnalyticsNow }
	path := filepath.Join(t.TempDir(), "gw.db")
	s, err := sqlite.Open(t.Context(), path, sqlite.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	// Inspections belong to another area: written here with plain SQL.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	storetest.AnalyticsFixture(t, s, storetest.SQLExec(db), "an-org", "an-other")
	r := NewResolver(Deps{Store: s, Analytics: s, Now: now})
	return r, WithOrg(context.Background(), "an-org")
}

func TestReturnAnalytics(t *testing.T) {
	r, ctx := analyticsResolver(t)
	money := func(a, c string) *model.MoneyInput { return &model.MoneyInput{Amount: a, CurrencyCode: c} }

	// Reason shares are of the group's other dimensions: on XHS, SIZE_FIT is 2 of 3.
	res, err := r.analytics(ctx, model.ReturnAnalyticsInput{GroupBy: []store.AnalyticsDimension{store.DimPlatform, store.DimReason}})
	if err != nil {
		t.Fatal(err)
	}
	shares := map[string]float64{}
	for _, g := range res.Groups {
		shares[string(*g.Key.Platform)+"/"+string(*g.Key.Reason)] = *g.ReasonShare
		if g.Key.Sku != nil || g.Key.Week != nil {
			t.Errorf("key %+v has dimensions not grouped by", g.Key)
		}
		if g.Orders != nil || g.ReturnRate != nil {
			t.Errorf("a return rate without order counts: %+v", g)
		}
	}
	want := map[string]float64{"ALIEXPRESS/NOT_AS_DESCRIBED": 0.5, "ALIEXPRESS/SIZE_FIT": 0.5, "XHS/QUALITY_DEFECT": 1.0 / 3, "XHS/SIZE_FIT": 2.0 / 3}
	if len(shares) != len(want) {
		t.Fatalf("shares %v, want %v", shares, want)
	}
	for k, v := range want {
		if shares[k] != v {
			t.Errorf("share of %s = %v, want %v", k, shares[k], v)
		}
	}

	// Order counts for xs1's week 49 give XHS's return rate and cost model;
	// AliExpress (no counts) has none.
	set, err := r.setOrderCounts(ctx, model.ShopOrderCountsInput{Platform: returns.XHS, ShopID: "xs1",
		Counts: []*model.ShopOrderCountInput{{Week: "2026-W49", Orders: 25}}})
	if err != nil || len(set.UserErrors) != 0 || len(set.Counts) != 1 || set.Counts[0].Source != model.OrderCountSourceInput {
		t.Fatalf("shopOrderCountsSet: %+v, %v", set, err)
	}
	costs := &model.AnalyticsCostsInput{Price: money("30", "USD"), OutboundShipping: money("2", "USD"),
		ProcessingCost: money("4", "USD"), ResaleLoss: money("10", "USD")}
	res, err = r.analytics(ctx, model.ReturnAnalyticsInput{GroupBy: []store.AnalyticsDimension{store.DimPlatform}, Costs: costs})
	if err != nil {
		t.Fatal(err)
	}
	ae, xhs := res.Groups[0], res.Groups[1]
	if ae.Orders != nil || ae.ReturnRate != nil || ae.CostModel != nil {
		t.Errorf("AliExpress has no order counts: %+v", ae)
	}
	// 3 cases of 25 orders: 12%, seed 004's rate: 3 returns × (2 + 4 + 10) = 48 USD.
	if xhs.Orders == nil || *xhs.Orders != 25 || xhs.ReturnRate == nil || *xhs.ReturnRate != 0.12 {
		t.Fatalf("XHS orders %v rate %v", xhs.Orders, xhs.ReturnRate)
	}
	cm := xhs.CostModel
	if cm == nil || cm.Returns != "3" || cm.Total.Minor != 4800 || cm.CostPer100Orders.Minor != 19200 || *cm.MarginPoints != "6.4" {
		t.Errorf("XHS cost model %+v", cm)
	}
	// Grouped by market, or filtered by one: counts are per shop, so no rate.
	res, err = r.analytics(ctx, model.ReturnAnalyticsInput{GroupBy: []store.AnalyticsDimension{store.DimShop, store.DimMarket}})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range res.Groups {
		if g.ReturnRate != nil {
			t.Errorf("a rate by market: %+v", g.Key)
		}
	}
	// By SKU: per-SKU counts only.
	res, err = r.analytics(ctx, model.ReturnAnalyticsInput{GroupBy: []store.AnalyticsDimension{store.DimSKU},
		Filter: &model.ReturnCaseFilter{Platforms: []returns.PlatformID{returns.XHS}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range res.Groups {
		if g.ReturnRate != nil {
			t.Errorf("a SKU rate from the shop's count: %+v", g.Key)
		}
	}

	if !strings.HasPrefix(res.CSVURL, AnalyticsCSVPath+"?input=") {
		t.Fatalf("csvUrl %q", res.CSVURL)
	}
	u, _ := url.Parse(res.CSVURL)
	if in := u.Query().Get("input"); in != `{"filter":{"platforms":["XHS"]},"groupBy":["SKU"]}` {
		t.Errorf("csvUrl input %s", in)
	}
}

func TestReturnAnalyticsBadInput(t *testing.T) {
	r, ctx := analyticsResolver(t)
	f := func(v float64) *float64 { return &v }
	i := func(v int) *int { return &v }
	money := func(a, c string) *model.MoneyInput { return &model.MoneyInput{Amount: a, CurrencyCode: c} }
	for _, c := range []struct {
		name  string
		in    model.ReturnAnalyticsInput
		field string
	}{
		{"unknown dimension", model.ReturnAnalyticsInput{GroupBy: []store.AnalyticsDimension{"COLOUR"}}, "input.groupBy"},
		{"a dimension twice", model.ReturnAnalyticsInput{GroupBy: []store.AnalyticsDimension{store.DimWeek, store.DimWeek}}, "input.groupBy"},
		{"four dimensions", model.ReturnAnalyticsInput{GroupBy: []store.AnalyticsDimension{store.DimWeek, store.DimSKU, store.DimShop, store.DimReason}}, "input.groupBy"},
		{"threshold below 1", model.ReturnAnalyticsInput{SpikeThreshold: f(0.5)}, "input.spikeThreshold"},
		{"minimum count 0", model.ReturnAnalyticsInput{SpikeMinCount: i(0)}, "input.spikeMinCount"},
		{"mixed currencies", model.ReturnAnalyticsInput{Costs: &model.AnalyticsCostsInput{Price: money("30", "USD"),
			OutboundShipping: money("2", "CNY"), ProcessingCost: money("4", "USD"), ResaleLoss: money("10", "USD")}}, "input.costs.outboundShipping"},
		{"negative cost", model.ReturnAnalyticsInput{Costs: &model.AnalyticsCostsInput{Price: money("30", "USD"),
			OutboundShipping: money("2", "USD"), ProcessingCost: money("-4", "USD"), ResaleLoss: money("10", "USD")}}, "input.costs.processingCost"},
		{"a long filter", model.ReturnAnalyticsInput{Filter: &model.ReturnCaseFilter{ShopIds: make([]string, 101)}}, "input.filter.shopIds"},
	} {
		_, err := r.analytics(ctx, c.in)
		e, ok := err.(*returns.Error)
		if !ok || e.Code != returns.CodeInvalid || strings.Join(e.Field, ".") != c.field {
			t.Errorf("%s: %v, want INVALID on %s", c.name, err, c.field)
		}
	}
	// Order counts: a bad one refuses the batch, and nothing is stored.
	p, err := r.setOrderCounts(ctx, model.ShopOrderCountsInput{Platform: returns.XHS, ShopID: "xs1",
		Counts: []*model.ShopOrderCountInput{{Week: "2026-W48", Orders: 5}, {Week: "2026-W60", Orders: 5}}})
	if err != nil || len(p.UserErrors) != 1 || p.UserErrors[0].Code != returns.CodeInvalid {
		t.Fatalf("a bad week: %+v, %v", p, err)
	}
	got, err := r.orderCounts(ctx, returns.XHS, "xs1", "2026-W01", "2026-W52")
	if err != nil || len(got) != 0 {
		t.Errorf("after a refused batch: %+v, %v", got, err)
	}
	if _, err := r.orderCounts(ctx, returns.XHS, "xs1", "2026-W10", "2026-W01"); returns.ErrorCodeOf(err) != returns.CodeInvalid {
		t.Errorf("weeks backwards: %v", err)
	}
}
