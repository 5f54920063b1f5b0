package store

import (
	"context"
	"encoding/json"
	"fmt"
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
	// ShopsJSON is an aggregate over the text expression x that returns the
	// JSON array of its distinct values, as text.
	ShopsJSON func(x string) string
}

// AnalyticsStatements are the statements of one analytics query; they all
// take Args.
type AnalyticsStatements struct {
	Main, Refunded, Recovered, MedianRespond, MedianRefund string
	Args                                                   []any
	dims                                                   []AnalyticsDimension
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

// BuildAnalytics writes the statements of a validated query. The filtered
// cases are a subquery c (the list's filter, over the analytics index);
// inspections join it by key.
func BuildAnalytics(org returns.OrgID, q *AnalyticsQuery, d SQLDialect, args *[]any) AnalyticsStatements {
	st := AnalyticsStatements{dims: q.GroupBy}
	orgP := d.Param(string(org))
	// An integer the gateway made, written as a literal: the statements that
	// do not judge deadlines have no use for it, and PostgreSQL refuses an
	// unused parameter.
	nowP := fmt.Sprint(q.Now.UnixNano())
	inner := "(SELECT platform, case_id, reason, sku, week, shop_id, market, status, created_ns, responded_ns, refunded_ns," +
		" refund_minor, refund_currency, respond_due_ns, refund_due_ns FROM cases WHERE org = " + orgP + d.Filter(&q.Filter) + ") AS c"
	var cols []string
	for _, g := range q.GroupBy {
		cols = append(cols, "c."+analyticsColumn(g))
	}
	dims, groupBy, orderBy, partition := "", "", "", ""
	if len(cols) > 0 {
		list := strings.Join(cols, ", ")
		dims = list + ", "
		groupBy = " GROUP BY " + list
		orderBy = " ORDER BY " + list
		partition = "PARTITION BY " + list + " "
	}
	join := " LEFT JOIN inspections AS i ON i.org = " + orgP + " AND i.platform = c.platform AND i.case_id = c.case_id"
	// A deadline is missed when the answer came after it, or when none has
	// come, the case still waits for it and the deadline has passed.
	missed := "CASE WHEN (c.respond_due_ns IS NOT NULL AND (c.responded_ns > c.respond_due_ns OR" +
		" (c.responded_ns IS NULL AND c.status = 'REQUESTED' AND c.respond_due_ns < " + nowP + ")))" +
		" OR (c.refund_due_ns IS NOT NULL AND (c.refunded_ns > c.refund_due_ns OR" +
		" (c.refunded_ns IS NULL AND c.status IN ('RECEIVED', 'REFUND_PENDING') AND c.refund_due_ns < " + nowP + ")))" +
		" THEN 1 ELSE 0 END"
	grade := func(g string) string {
		return "CAST(sum(CASE WHEN i.grade = '" + g + "' THEN 1 ELSE 0 END) AS BIGINT)"
	}
	st.Main = "SELECT " + dims + "count(*), CAST(sum(" + missed + ") AS BIGINT), " + grade("A") + ", " + grade("B") + ", " + grade("C") +
		", min(c.week), max(c.week), " + d.ShopsJSON("c.platform || ':' || c.shop_id") +
		" FROM " + inner + join + groupBy + orderBy + fmt.Sprintf(" LIMIT %d", MaxAnalyticsGroups+1)
	st.Refunded = "SELECT " + dims + "c.refund_currency, CAST(sum(c.refund_minor) AS BIGINT) FROM " + inner +
		" WHERE c.refund_currency IS NOT NULL GROUP BY " + dims + "c.refund_currency"
	st.Recovered = "SELECT " + dims + "i.recovered_currency, CAST(sum(i.recovered_minor) AS BIGINT) FROM " + inner +
		" JOIN inspections AS i ON i.org = " + orgP + " AND i.platform = c.platform AND i.case_id = c.case_id" +
		" GROUP BY " + dims + "i.recovered_currency"
	// The median: the middle row, or the mean of the middle two, of each
	// group's values in order.
	median := func(end string) string {
		var outer []string
		for _, g := range q.GroupBy {
			outer = append(outer, "m."+analyticsColumn(g))
		}
		odims, ogroup := "", ""
		if len(outer) > 0 {
			odims = strings.Join(outer, ", ") + ", "
			ogroup = " GROUP BY " + strings.Join(outer, ", ")
		}
		return "SELECT " + odims + "CAST(avg(m.v) AS DOUBLE PRECISION) FROM (SELECT " + dims +
			"c." + end + " - c.created_ns AS v, row_number() OVER (" + partition + "ORDER BY c." + end + " - c.created_ns) AS rn," +
			" count(*) OVER (" + strings.TrimSpace(partition) + ") AS n FROM " + inner + " WHERE c." + end + " IS NOT NULL) AS m" +
			" WHERE m.rn IN ((m.n + 1) / 2, (m.n + 2) / 2)" + ogroup
	}
	st.MedianRespond = median("responded_ns")
	st.MedianRefund = median("refunded_ns")
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
			var cases, missed, a, b, c int64
			var first, last, shops *string
			vals, err := scanKey(rows, &cases, &missed, &a, &b, &c, &first, &last, &shops)
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
			r.Cases, r.DeadlinesMissed, r.GradeA, r.GradeB, r.GradeC = int(cases), int(missed), int(a), int(b), int(c)
			if first != nil {
				r.FirstWeek = *first
			}
			if last != nil {
				r.LastWeek = *last
			}
			if shops != nil {
				var list []string
				if err := json.Unmarshal([]byte(*shops), &list); err != nil {
					return fmt.Errorf("shops of a group: %w", err)
				}
				sort.Strings(list)
				for _, s := range list {
					p, id, _ := strings.Cut(s, ":")
					r.Shops = append(r.Shops, ShopRef{Platform: returns.PlatformID(p), ShopID: id})
				}
			}
			out = append(out, &r)
			byKey[keyOf(vals)] = &r
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	money := func(q string, set func(r *AnalyticsRow, m returns.Money)) error {
		return query(ctx, q, st.Args, func(rows Rows) error {
			for rows.Next() {
				var cur string
				var sum int64
				vals, err := scanKey(rows, &cur, &sum)
				if err != nil {
					return err
				}
				if r := byKey[keyOf(vals)]; r != nil {
					set(r, returns.Money{Minor: sum, Currency: cur})
				}
			}
			return rows.Err()
		})
	}
	if err := money(st.Refunded, func(r *AnalyticsRow, m returns.Money) { r.Refunded = append(r.Refunded, m) }); err != nil {
		return nil, err
	}
	if err := money(st.Recovered, func(r *AnalyticsRow, m returns.Money) { r.Recovered = append(r.Recovered, m) }); err != nil {
		return nil, err
	}
	median := func(q string, set func(r *AnalyticsRow, d time.Duration)) error {
		return query(ctx, q, st.Args, func(rows Rows) error {
			for rows.Next() {
				var v *float64
				vals, err := scanKey(rows, &v)
				if err != nil {
					return err
				}
				if r := byKey[keyOf(vals)]; r != nil && v != nil {
					set(r, time.Duration(*v))
				}
			}
			return rows.Err()
		})
	}
	if err := median(st.MedianRespond, func(r *AnalyticsRow, d time.Duration) { r.MedianRespond = &d }); err != nil {
		return nil, err
	}
	if err := median(st.MedianRefund, func(r *AnalyticsRow, d time.Duration) { r.MedianRefund = &d }); err != nil {
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
