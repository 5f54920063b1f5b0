package store

import (
	"context"
	"fmt"
	"math"
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
	// Median is an aggregate over the integer expression x: the middle
	// value of the group's non-NULL values in order, or the mean of the
	// middle two, as a double; NULL when there are none.
	Median func(x string) string
}

// AnalyticsStatements are the statements of one analytics query; they all
// take Args.
type AnalyticsStatements struct {
	// Main: per group, the count, deadlines missed, the grades, first and
	// last week and both medians, in one scan of the analytics index.
	Main string
	// Money: per group, refund currency and recovered currency, the
	// refunded and the recovered sums (the inspection's copy on the case).
	Money string
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
	dims, groupBy, orderBy := "", "", ""
	if len(cols) > 0 {
		list := strings.Join(cols, ", ")
		dims = list + ", "
		groupBy = " GROUP BY " + list
		orderBy = " ORDER BY " + list
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
	// Without dimensions an aggregate answers one row even over no case, its
	// sums NULL: no case is no group.
	having := ""
	if groupBy == "" {
		having = " HAVING count(*) > 0"
	}
	st.Main = "SELECT " + dims + "count(*), CAST(sum(" + missed + ") AS BIGINT)" + grade("A") + grade("B") + grade("C") +
		", min(week), max(week), " + d.Median("responded_ns - created_ns") + ", " + d.Median("refunded_ns - created_ns") +
		from + where + groupBy + having + orderBy + fmt.Sprintf(" LIMIT %d", MaxAnalyticsGroups+1)
	st.Money = "SELECT " + dims + "refund_currency, CAST(sum(refund_minor) AS BIGINT), recovered_currency, CAST(sum(recovered_minor) AS BIGINT)" +
		from + where + " AND (refund_currency IS NOT NULL OR recovered_currency IS NOT NULL)" +
		" GROUP BY " + dims + "refund_currency, recovered_currency"
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

// RunAnalytics runs the statements and merges their rows by group key.
func RunAnalytics(ctx context.Context, st AnalyticsStatements, query QueryFunc) ([]AnalyticsRow, error) {
	n := len(st.dims)
	byKey := map[string]*AnalyticsRow{}
	var out []*AnalyticsRow
	keyOf := func(vals []string) string { return strings.Join(vals, "\x00") }
	scanKey := func(rows Rows, rest ...any) ([]string, error) {
		vals := make([]string, n)
		dest := make([]any, 0, n+len(rest))
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		return vals, rows.Scan(append(dest, rest...)...)
	}
	err := query(ctx, st.Main, st.Args, func(rows Rows) error {
		for rows.Next() {
			var r AnalyticsRow
			var cases, missed, ga, gb, gc int64
			var first, last *string
			var respond, refund *float64
			vals, err := scanKey(rows, &cases, &missed, &ga, &gb, &gc, &first, &last, &respond, &refund)
			if err != nil {
				return err
			}
			if cases == 0 {
				continue // no dimension and no case: no group
			}
			if len(out) == MaxAnalyticsGroups {
				return returns.Errorf(returns.CodeInvalid, "more than %d groups: narrow the filter or group by less", MaxAnalyticsGroups).WithField("input", "groupBy")
			}
			for i, g := range st.dims {
				setKey(&r.Key, g, vals[i])
			}
			r.Cases, r.DeadlinesMissed, r.GradeA, r.GradeB, r.GradeC = int(cases), int(missed), int(ga), int(gb), int(gc)
			if first != nil {
				r.FirstWeek = *first
			}
			if last != nil {
				r.LastWeek = *last
			}
			r.MedianRespond, r.MedianRefund = duration(respond), duration(refund)
			out = append(out, &r)
			byKey[keyOf(vals)] = &r
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	err = query(ctx, st.Money, st.Args, func(rows Rows) error {
		for rows.Next() {
			var refCur, recCur *string
			var refSum, recSum *int64
			vals, err := scanKey(rows, &refCur, &refSum, &recCur, &recSum)
			if err != nil {
				return err
			}
			r := byKey[keyOf(vals)]
			if r == nil {
				continue
			}
			if refCur != nil && refSum != nil {
				r.Refunded = addMoney(r.Refunded, returns.Money{Minor: *refSum, Currency: *refCur})
			}
			if recCur != nil && recSum != nil {
				r.Recovered = addMoney(r.Recovered, returns.Money{Minor: *recSum, Currency: *recCur})
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	res := make([]AnalyticsRow, len(out))
	for i, r := range out {
		sortMoney(r.Refunded)
		sortMoney(r.Recovered)
		res[i] = *r
	}
	return res, nil
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

// duration turns a median in nanoseconds into a Duration, to the
// nanosecond (a median of two is a half at most).
func duration(ns *float64) *time.Duration {
	if ns == nil {
		return nil
	}
	d := time.Duration(math.Round(*ns))
	return &d
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
