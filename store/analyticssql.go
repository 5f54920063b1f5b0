package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/returnsgw/returnsgw/returns"
)

// This file is the SQL of AnalyticsStore.Analytics that both backends run:
// the statements differ only in how a value is bound, how the filter is
// written (each backend's list code) and one aggregate, which SQLDialect
// gives.

// SQLDialect is what a backend supplies to BuildAnalytics.
type SQLDialect struct {
	// Param binds v and returns its placeholder.
	Param func(v any) string
	// Filter returns the filter's terms (" AND ...") over the unqualified
	// columns of cases, the same the case list uses.
	Filter func(f *returns.Filter) string
	// Cases names the cases table as the aggregations read it (SQLite:
	// through the analytics index, which holds every column they read).
	Cases string
	// Values is an aggregate over the integer expression x that returns
	// the group's non-NULL values, in any order: SQLite's rgw_values packs
	// them as little-endian int64s in a blob, PostgreSQL's array_agg makes
	// an int8[]. Medians are taken from them (see RunAnalytics).
	Values func(x string) string
}

// AnalyticsStatements is the statement of one analytics query, with its
// arguments: the cases that pass the filter, grouped by the dimensions and
// also by shop and by the refund's and the recovered value's currencies,
// so that one scan (and at most one sort) gives every figure. RunAnalytics
// folds these parts into the groups.
type AnalyticsStatements struct {
	Parts string
	Args  []any
	dims  []AnalyticsDimension
}

func analyticsColumn(d AnalyticsDimension) string {
	switch d {
	case DimPlatform:
		return "platform"
	case DimReason:
		return "reason"
	case DimSKU:
		return "sku"
	case DimMarket:
		return "market"
	case DimWeek:
		return "week"
	default:
		return "shop_id"
	}
}

// BuildAnalytics writes the statements of a validated query. The filter is
// the case list's, on the cases table.
func BuildAnalytics(org returns.OrgID, q *AnalyticsQuery, d SQLDialect, args *[]any) AnalyticsStatements {
	st := AnalyticsStatements{dims: q.GroupBy}
	orgP := d.Param(string(org))
	// An integer the gateway made, written as a literal: the statements that
	// do not judge deadlines have no use for it, and PostgreSQL refuses an
	// unused parameter.
	nowP := fmt.Sprint(q.Now.UnixNano())
	where := " WHERE org = " + orgP + d.Filter(&q.Filter)
	from := " FROM " + d.Cases
	var cols []string
	for _, g := range q.GroupBy {
		cols = append(cols, analyticsColumn(g))
	}
	dims := ""
	if len(cols) > 0 {
		dims = strings.Join(cols, ", ") + ", "
	}
	// A deadline is missed when the answer came after it, or when none has
	// come, the case still waits for it and the deadline has passed.
	missed := "CASE WHEN (respond_due_ns IS NOT NULL AND (responded_ns > respond_due_ns OR" +
		" (responded_ns IS NULL AND status = 'REQUESTED' AND respond_due_ns < " + nowP + ")))" +
		" OR (refund_due_ns IS NOT NULL AND (refunded_ns > refund_due_ns OR" +
		" (refunded_ns IS NULL AND status IN ('RECEIVED', 'REFUND_PENDING') AND refund_due_ns < " + nowP + ")))" +
		" THEN 1 ELSE 0 END"
	grade := func(g string) string {
		return ", CAST(sum(CASE WHEN grade = '" + g + "' THEN 1 ELSE 0 END) AS BIGINT)"
	}
	part := dims + "platform, shop_id, refund_currency, recovered_currency"
	st.Parts = "SELECT " + part + ", count(*), CAST(sum(" + missed + ") AS BIGINT)" + grade("A") + grade("B") + grade("C") +
		", min(week), max(week), CAST(sum(refund_minor) AS BIGINT), CAST(sum(recovered_minor) AS BIGINT), " +
		d.Values("responded_ns - created_ns") + ", " + d.Values("refunded_ns - created_ns") +
		from + where + " GROUP BY " + part
	st.Args = *args
	return st
}

// Rows is what both database/sql's and pgx's rows offer.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// QueryFunc runs a statement and hands its rows to read.
type QueryFunc func(ctx context.Context, query string, args []any, read func(Rows) error) error

// RunAnalytics runs the statement and folds its parts into groups, in the
// order of their keys (byte order, the same on both backends).
func RunAnalytics(ctx context.Context, st AnalyticsStatements, query QueryFunc) ([]AnalyticsRow, error) {
	n := len(st.dims)
	type group struct {
		row             AnalyticsRow
		vals            []string
		respond, refund []int64
	}
	byKey := map[string]*group{}
	var out []*group
	err := query(ctx, st.Parts, st.Args, func(rows Rows) error {
		for rows.Next() {
			vals := make([]string, n)
			var platform, shop string
			var refCur, recCur, first, last *string
			var cases, missed, ga, gb, gc int64
			var refSum, recSum *int64
			var respond, refund any
			dest := make([]any, 0, n+16)
			for i := range vals {
				dest = append(dest, &vals[i])
			}
			dest = append(dest, &platform, &shop, &refCur, &recCur, &cases, &missed, &ga, &gb, &gc, &first, &last,
				&refSum, &recSum, &respond, &refund)
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			key := strings.Join(vals, "\x00")
			g := byKey[key]
			if g == nil {
				if len(out) == MaxAnalyticsGroups {
					return returns.Errorf(returns.CodeInvalid, "more than %d groups: narrow the filter or group by less", MaxAnalyticsGroups).WithField("input", "groupBy")
				}
				g = &group{vals: vals}
				for i, d := range st.dims {
					setKey(&g.row.Key, d, vals[i])
				}
				byKey[key] = g
				out = append(out, g)
			}
			r := &g.row
			r.Cases += int(cases)
			r.DeadlinesMissed += int(missed)
			r.GradeA, r.GradeB, r.GradeC = r.GradeA+int(ga), r.GradeB+int(gb), r.GradeC+int(gc)
			if first != nil && (r.FirstWeek == "" || *first < r.FirstWeek) {
				r.FirstWeek = *first
			}
			if last != nil && *last > r.LastWeek {
				r.LastWeek = *last
			}
			if refCur != nil && refSum != nil {
				r.Refunded = addMoney(r.Refunded, returns.Money{Minor: *refSum, Currency: *refCur})
			}
			if recCur != nil && recSum != nil {
				r.Recovered = addMoney(r.Recovered, returns.Money{Minor: *recSum, Currency: *recCur})
			}
			ref := ShopRef{Platform: returns.PlatformID(platform), ShopID: shop}
			if !slices.Contains(r.Shops, ref) {
				r.Shops = append(r.Shops, ref)
			}
			var err error
			if g.respond, err = appendValues(g.respond, respond); err != nil {
				return err
			}
			if g.refund, err = appendValues(g.refund, refund); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *group) int { return slices.Compare(a.vals, b.vals) })
	res := make([]AnalyticsRow, len(out))
	for i, g := range out {
		r := &g.row
		sortMoney(r.Refunded)
		sortMoney(r.Recovered)
		sort.Slice(r.Shops, func(i, j int) bool {
			a, b := r.Shops[i], r.Shops[j]
			return a.Platform < b.Platform || a.Platform == b.Platform && a.ShopID < b.ShopID
		})
		r.MedianRespond, r.MedianRefund = median(g.respond), median(g.refund)
		res[i] = *r
	}
	return res, nil
}

// appendValues appends an aggregate's values (SQLDialect.Values) to vs.
func appendValues(vs []int64, v any) ([]int64, error) {
	switch v := v.(type) {
	case nil:
	case []byte:
		if len(v)%8 != 0 {
			return nil, fmt.Errorf("values: %d bytes", len(v))
		}
		for i := 0; i < len(v); i += 8 {
			vs = append(vs, int64(binary.LittleEndian.Uint64(v[i:])))
		}
	case []int64:
		vs = append(vs, v...)
	case []any:
		for _, x := range v {
			n, ok := x.(int64)
			if !ok {
				return nil, fmt.Errorf("values: %T", x)
			}
			vs = append(vs, n)
		}
	default:
		return nil, fmt.Errorf("values: %T", v)
	}
	return vs, nil
}

// median is the middle value, or the mean of the middle two (to the
// nanosecond, halves rounded away from zero); nil for none.
func median(vs []int64) *time.Duration {
	if len(vs) == 0 {
		return nil
	}
	slices.Sort(vs)
	k := len(vs) / 2
	d := time.Duration(vs[k])
	if len(vs)%2 == 0 {
		// Halved first: two nanosecond counts may not add up inside an int64.
		d = time.Duration(math.Round(float64(vs[k-1])/2 + float64(vs[k])/2))
	}
	return &d
}

// addMoney adds m to the sum of its currency in ms.
func addMoney(ms []returns.Money, m returns.Money) []returns.Money {
	for i := range ms {
		if ms[i].Currency == m.Currency {
			ms[i].Minor += m.Minor
			return ms
		}
	}
	return append(ms, m)
}

func sortMoney(ms []returns.Money) {
	sort.Slice(ms, func(i, j int) bool { return ms[i].Currency < ms[j].Currency })
}

func setKey(k *AnalyticsKey, d AnalyticsDimension, v string) {
	switch d {
	case DimPlatform:
		k.Platform = returns.PlatformID(v)
	case DimReason:
		k.Reason = returns.Reason(v)
	case DimSKU:
		k.SKU = v
	case DimMarket:
		k.Market = returns.Market(v)
	case DimWeek:
		k.Week = v
	case DimShop:
		k.ShopID = v
	}
}
