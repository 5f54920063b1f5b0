package graph

import (
	"context"
	"encoding/json"
	"math"
	"math/big"
	"net/url"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/returnsgw/returnsgw/graph/model"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// AnalyticsCSVPath is where the CSV export of returnAnalytics is served.
const AnalyticsCSVPath = "/analytics.csv"

// maxOrderWeeks bounds the weeks a return rate or an order-count query spans
// (ten years).
const maxOrderWeeks = 520

// analytics answers Query.returnAnalytics: the aggregation runs in the
// store (store.AnalyticsStore); here are the parts that combine groups or
// other tables: reason shares, return rates from the order counts, the cost
// model, and spikes.
func (r *Resolver) analytics(ctx context.Context, in model.ReturnAnalyticsInput) (*model.ReturnAnalytics, error) {
	org, err := OrgFrom(ctx)
	if err != nil {
		return nil, err
	}
	an := r.deps.Analytics
	if an == nil {
		return nil, returns.Errorf(returns.CodeUnsupported, "analytics are not available on this gateway")
	}
	threshold, minCount := store.DefaultSpikeThreshold, store.DefaultSpikeMinCount
	if in.SpikeThreshold != nil {
		threshold = *in.SpikeThreshold
		if math.IsNaN(threshold) || threshold < 1 || threshold > 1000 {
			return nil, returns.Errorf(returns.CodeInvalid, "spikeThreshold must be from 1 to 1000").WithField("input", "spikeThreshold")
		}
	}
	if in.SpikeMinCount != nil {
		minCount = *in.SpikeMinCount
		if minCount < 1 || minCount > 1_000_000 {
			return nil, returns.Errorf(returns.CodeInvalid, "spikeMinCount must be from 1 to 1,000,000").WithField("input", "spikeMinCount")
		}
	}
	costs, err := analyticsCosts(in.Costs)
	if err != nil {
		return nil, err
	}
	q := store.AnalyticsQuery{Filter: toFilter(in.Filter), GroupBy: in.GroupBy, Now: r.now()}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	// The three reads are independent: the spike counts and the shops in
	// scope run beside the aggregation, on connections of their own.
	var (
		wg              sync.WaitGroup
		counts          []store.ReasonWeekCount
		shops           []store.ShopRef
		spikeErr, shErr error
		needRates       = !q.Has(store.DimMarket) && len(q.Filter.Markets) == 0
	)
	if selected(ctx, "spikes") { // a scan of its own: made only when asked for
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts, spikeErr = an.ReasonWeekCounts(ctx, org, q.Filter)
		}()
	}
	if needRates {
		wg.Add(1)
		go func() {
			defer wg.Done()
			shops, shErr = an.AnalyticsShops(ctx, org, q.Filter)
		}()
	}
	rows, err := an.Analytics(ctx, org, q)
	wg.Wait()
	for _, e := range []error{err, spikeErr, shErr} {
		if e != nil {
			return nil, e
		}
	}
	orders, err := r.groupOrders(ctx, an, org, &q, rows, shops)
	if err != nil {
		return nil, err
	}

	out := &model.ReturnAnalytics{Groups: make([]*model.AnalyticsGroup, len(rows)), Spikes: []*model.ReasonSpike{}}
	// A reason's share is of the cases with the same key but for the reason.
	var totals map[store.AnalyticsKey]int
	if q.Has(store.DimReason) {
		totals = map[store.AnalyticsKey]int{}
		for _, row := range rows {
			k := row.Key
			k.Reason = ""
			totals[k] += row.Cases
		}
	}
	for i, row := range rows {
		g := &model.AnalyticsGroup{Key: analyticsKey(&q, row.Key), Cases: row.Cases, Refunded: moneyList(row.Refunded),
			MedianHoursToRespond: hours(row.MedianRespond), MedianHoursToRefund: hours(row.MedianRefund),
			DeadlinesMissed: row.DeadlinesMissed, Grades: &model.GradeMix{A: row.GradeA, B: row.GradeB, C: row.GradeC},
			Recovered: moneyList(row.Recovered)}
		if totals != nil {
			k := row.Key
			k.Reason = ""
			share := float64(row.Cases) / float64(totals[k])
			g.ReasonShare = &share
		}
		if n, ok := orders[i]; ok {
			o := int(n)
			g.Orders = &o
			if n > 0 {
				rate := float64(row.Cases) / float64(n)
				g.ReturnRate = &rate
				if costs != nil && int64(row.Cases) <= n {
					if g.CostModel, err = groupCostModel(*costs, int64(row.Cases), n); err != nil {
						return nil, err
					}
				}
			}
		}
		out.Groups[i] = g
	}
	for _, s := range store.DetectSpikes(counts, threshold, minCount) {
		out.Spikes = append(out.Spikes, &model.ReasonSpike{Sku: s.SKU, Reason: s.Reason, Week: s.Week, Count: s.Count,
			Previous: s.Previous, Ratio: s.Ratio})
	}
	b, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	out.CSVURL = AnalyticsCSVPath + "?input=" + url.QueryEscape(string(b))
	return out, nil
}

// selected reports whether the field being resolved selects the named
// subfield; true outside an operation (a direct call).
func selected(ctx context.Context, name string) bool {
	if !graphql.HasOperationContext(ctx) {
		return true
	}
	fc := graphql.GetFieldContext(ctx)
	oc := graphql.GetOperationContext(ctx)
	if fc == nil || oc == nil {
		return true
	}
	for _, f := range graphql.CollectFields(oc, fc.Field.Selections, nil) {
		if f.Name == name {
			return true
		}
	}
	return false
}

// groupOrders returns the orders each group's return rate divides by, by
// the group's index, for the groups whose orders are known. A group's
// orders are those of the shops in scope (the organisation's shops that the
// filter's platforms and shops admit, narrowed to the group's shop and
// platform when grouped by them; a shop that had no return still sold)
// over every ISO week from the group's first case to its last, per SKU when
// grouped by SKU. Every one of those counts must be stored. Counts are per
// shop, so a market grouping or filter has none.
func (r *Resolver) groupOrders(ctx context.Context, an store.AnalyticsStore, org returns.OrgID, q *store.AnalyticsQuery, rows []store.AnalyticsRow, shops []store.ShopRef) (map[int]int64, error) {
	out := map[int]int64{}
	if q.Has(store.DimMarket) || len(q.Filter.Markets) > 0 || len(rows) == 0 || len(shops) == 0 {
		return out, nil
	}
	first, last := "", ""
	for _, row := range rows {
		if first == "" || row.FirstWeek < first {
			first = row.FirstWeek
		}
		if row.LastWeek > last {
			last = row.LastWeek
		}
	}
	stored, err := an.OrderCounts(ctx, org, shops, first, last)
	if err != nil || len(stored) == 0 {
		return out, err
	}
	type key struct {
		shop      store.ShopRef
		week, sku string
	}
	byKey := make(map[key]int64, len(stored))
	for _, c := range stored {
		byKey[key{store.ShopRef{Platform: c.Platform, ShopID: c.ShopID}, c.Week, c.SKU}] = c.Orders
	}
	bySKU, byShop, byPlatform := q.Has(store.DimSKU), q.Has(store.DimShop), q.Has(store.DimPlatform)
	for i, row := range rows {
		if bySKU && row.Key.SKU == "" {
			continue // cases without a SKU: no SKU's orders to divide by
		}
		weeks := store.WeeksBetween(row.FirstWeek, row.LastWeek, maxOrderWeeks)
		if weeks == nil {
			continue
		}
		var sum int64
		known, found := true, false
		for _, s := range shops {
			if byShop && s.ShopID != row.Key.ShopID || byPlatform && s.Platform != row.Key.Platform {
				continue
			}
			found = true
			for _, w := range weeks {
				n, ok := byKey[key{s, w, row.Key.SKU}]
				if !ok {
					known = false
					break
				}
				sum += n
			}
			if !known {
				break
			}
		}
		if known && found {
			out[i] = sum
		}
	}
	return out, nil
}

// analyticsCosts parses the costs of the cost model and checks them once,
// so that a bad amount is an error of the input rather than of a group.
func analyticsCosts(in *model.AnalyticsCostsInput) (*returns.CostModelInput, error) {
	if in == nil {
		return nil, nil
	}
	var ci returns.CostModelInput
	if err := costModelMoney(&ci, in.Price, in.OutboundShipping, in.ProcessingCost, in.ResaleLoss, "input", "costs"); err != nil {
		return nil, err
	}
	ci.Orders, ci.ReturnRate = 1, "0"
	if _, err := returns.ComputeCostModel(ci); err != nil {
		if e, ok := err.(*returns.Error); ok && len(e.Field) == 2 {
			return nil, returns.Errorf(e.Code, "%s", e.Message).WithField("input", "costs", e.Field[1])
		}
		return nil, err
	}
	return &ci, nil
}

// groupCostModel works the cost model with the group's orders and its
// return rate, cases ÷ orders, to six decimals.
func groupCostModel(ci returns.CostModelInput, cases, orders int64) (*model.ReturnCostModel, error) {
	ci.Orders = orders
	ci.ReturnRate = big.NewRat(cases, orders).FloatString(6)
	cm, err := returns.ComputeCostModel(ci)
	if err != nil {
		return nil, err
	}
	return costModelOut(cm), nil
}

func analyticsKey(q *store.AnalyticsQuery, k store.AnalyticsKey) *model.AnalyticsKey {
	out := &model.AnalyticsKey{}
	for _, d := range q.GroupBy {
		switch d {
		case store.DimPlatform:
			out.Platform = &k.Platform
		case store.DimReason:
			out.Reason = &k.Reason
		case store.DimSKU:
			out.Sku = &k.SKU
		case store.DimMarket:
			out.Market = &k.Market
		case store.DimWeek:
			out.Week = &k.Week
		case store.DimShop:
			out.ShopID = &k.ShopID
		}
	}
	return out
}

func moneyList(ms []returns.Money) []*returns.Money {
	out := make([]*returns.Money, len(ms))
	for i := range ms {
		out[i] = &ms[i]
	}
	return out
}

func hours(d *time.Duration) *float64 {
	if d == nil {
		return nil
	}
	h := d.Hours()
	return &h
}

// setOrderCounts answers Mutation.shopOrderCountsSet: all the counts or none.
func (r *Resolver) setOrderCounts(ctx context.Context, in model.ShopOrderCountsInput) (*model.ShopOrderCountsPayload, error) {
	org, err := OrgFrom(ctx)
	if err != nil {
		return nil, err
	}
	if r.deps.Analytics == nil {
		return &model.ShopOrderCountsPayload{Counts: []*model.ShopOrderCount{}, UserErrors: []*model.UserError{{Code: returns.CodeUnsupported,
			Message: "order counts are not available on this gateway"}}}, nil
	}
	fail := func(err error) (*model.ShopOrderCountsPayload, error) {
		ue, err := userErrors(err)
		if err != nil {
			return nil, err
		}
		return &model.ShopOrderCountsPayload{Counts: []*model.ShopOrderCount{}, UserErrors: ue}, nil
	}
	if len(in.Counts) == 0 || len(in.Counts) > store.MaxOrderCountBatch {
		return fail(returns.Errorf(returns.CodeInvalid, "give 1 to %d counts", store.MaxOrderCountBatch).WithField("input", "counts"))
	}
	counts := make([]store.OrderCount, len(in.Counts))
	first, last := "", ""
	for i, c := range in.Counts {
		counts[i] = store.OrderCount{Platform: in.Platform, ShopID: in.ShopID, Week: c.Week, Orders: int64(c.Orders), Source: store.OrderCountInput}
		if c.Sku != nil {
			counts[i].SKU = *c.Sku
		}
		if err := counts[i].Validate(); err != nil {
			return fail(err)
		}
		if first == "" || c.Week < first {
			first = c.Week
		}
		if c.Week > last {
			last = c.Week
		}
	}
	if err := r.deps.Analytics.SetOrderCounts(ctx, org, counts); err != nil {
		return fail(err)
	}
	stored, err := r.deps.Analytics.OrderCounts(ctx, org, []store.ShopRef{{Platform: in.Platform, ShopID: in.ShopID}}, first, last)
	if err != nil {
		return nil, err
	}
	return &model.ShopOrderCountsPayload{Counts: orderCountModels(stored), UserErrors: []*model.UserError{}}, nil
}

// maxFetchWeeks bounds the weeks of one shopOrderCountsFetch: one platform
// call each.
const maxFetchWeeks = 26

// fetchOrderCounts answers Mutation.shopOrderCountsFetch: each week's count
// from the platform's order API (returns.OrderCounter), stored only when
// every week was read.
func (r *Resolver) fetchOrderCounts(ctx context.Context, in model.ShopOrderCountsFetchInput) (*model.ShopOrderCountsPayload, error) {
	org, err := OrgFrom(ctx)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*model.ShopOrderCountsPayload, error) {
		ue, err := userErrors(err)
		if err != nil {
			return nil, err
		}
		return &model.ShopOrderCountsPayload{Counts: []*model.ShopOrderCount{}, UserErrors: ue}, nil
	}
	weeks := store.WeeksBetween(in.FromWeek, in.ToWeek, maxFetchWeeks)
	if weeks == nil {
		return fail(returns.Errorf(returns.CodeInvalid, "fromWeek and toWeek must be ISO weeks like 2026-W49, in order, at most %d weeks", maxFetchWeeks).WithField("input", "toWeek"))
	}
	// The connections serve the gateway's organisation; another sees none.
	var p returns.Platform
	ok := r.deps.Platforms != nil && (r.deps.Org == "" || r.deps.Org == org)
	if ok {
		p, ok = r.deps.Platforms.For(in.Platform, in.ShopID)
	}
	if !ok {
		return fail(returns.Errorf(returns.CodeNotFound, "no connection to shop %s on %s", in.ShopID, in.Platform).WithField("input", "shopId"))
	}
	counter, ok := p.(returns.OrderCounter)
	if !ok || r.deps.Analytics == nil {
		return fail(returns.Errorf(returns.CodeUnsupported, "%s's API gives no order counts: give them with shopOrderCountsSet", in.Platform))
	}
	counts := make([]store.OrderCount, 0, len(weeks))
	for _, w := range weeks {
		from, _ := store.WeekStart(w)
		n, err := counter.CountOrders(ctx, from, from.AddDate(0, 0, 7))
		if err != nil {
			if returns.ErrorCodeOf(err) == returns.CodeInternal {
				err = returns.Errorf(returns.CodePlatformUnavailable, "%s's order count for %s could not be read; nothing was stored", in.Platform, w).WithCause(err)
			}
			return fail(err)
		}
		counts = append(counts, store.OrderCount{Platform: in.Platform, ShopID: in.ShopID, Week: w, Orders: n, Source: store.OrderCountPlatform})
	}
	if err := r.deps.Analytics.SetOrderCounts(ctx, org, counts); err != nil {
		return fail(err)
	}
	stored, err := r.deps.Analytics.OrderCounts(ctx, org, []store.ShopRef{{Platform: in.Platform, ShopID: in.ShopID}}, weeks[0], weeks[len(weeks)-1])
	if err != nil {
		return nil, err
	}
	return &model.ShopOrderCountsPayload{Counts: orderCountModels(stored), UserErrors: []*model.UserError{}}, nil
}

// orderCounts answers Query.shopOrderCounts.
func (r *Resolver) orderCounts(ctx context.Context, platform returns.PlatformID, shopID, fromWeek, toWeek string) ([]*model.ShopOrderCount, error) {
	org, err := OrgFrom(ctx)
	if err != nil {
		return nil, err
	}
	if r.deps.Analytics == nil {
		return nil, returns.Errorf(returns.CodeUnsupported, "order counts are not available on this gateway")
	}
	if store.WeeksBetween(fromWeek, toWeek, maxOrderWeeks) == nil {
		return nil, returns.Errorf(returns.CodeInvalid, "fromWeek and toWeek must be ISO weeks like 2026-W49, in order, at most %d weeks apart", maxOrderWeeks).WithField("fromWeek")
	}
	stored, err := r.deps.Analytics.OrderCounts(ctx, org, []store.ShopRef{{Platform: platform, ShopID: shopID}}, fromWeek, toWeek)
	if err != nil {
		return nil, err
	}
	return orderCountModels(stored), nil
}

func orderCountModels(cs []store.OrderCount) []*model.ShopOrderCount {
	out := make([]*model.ShopOrderCount, len(cs))
	for i, c := range cs {
		m := &model.ShopOrderCount{Platform: c.Platform, ShopID: c.ShopID, Week: c.Week, Orders: int(c.Orders),
			Source: model.OrderCountSource(c.Source), UpdatedAt: c.UpdatedAt}
		if c.SKU != "" {
			sku := c.SKU
			m.Sku = &sku
		}
		out[i] = m
	}
	return out
}
