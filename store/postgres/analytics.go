package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// Analytics aggregates the organisation's cases; see store.AnalyticsStore.
// The statements (store.BuildAnalytics) run in one read-only REPEATABLE
// READ transaction, so they see one snapshot, over the cases_analytics index
// (migration 0340).
func (s *Store) Analytics(ctx context.Context, org returns.OrgID, q store.AnalyticsQuery) ([]store.AnalyticsRow, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	var args []any
	param := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	st := store.BuildAnalytics(org, &q, store.SQLDialect{
		Param: param,
		Filter: func(f *returns.Filter) string {
			var b strings.Builder
			filterTerms(f, param, &b)
			return b.String()
		},
		Cases:  "cases",
		Median: func(x string) string { return "percentile_cont(0.5) WITHIN GROUP (ORDER BY " + x + ")" },
	}, &args)
	var out []store.AnalyticsRow
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		// For this transaction only: room to sort a group's rows in memory
		// (the default 4 MB spills 100,000 cases to disk), and index pages
		// priced as the cached pages they are, so that the narrow covering
		// index is scanned rather than the table with its documents.
		if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '64MB'`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SET LOCAL random_page_cost = 1.1`); err != nil {
			return err
		}
		var err error
		out, err = store.RunAnalytics(ctx, st, func(ctx context.Context, q string, args []any, read func(store.Rows) error) error {
			rows, err := tx.Query(ctx, q, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			return read(rows)
		})
		return err
	})
	if err != nil {
		return nil, storeErr("analytics", err)
	}
	return out, nil
}

// ReasonWeekCounts counts cases per SKU, reason and week; see store.AnalyticsStore.
func (s *Store) ReasonWeekCounts(ctx context.Context, org returns.OrgID, f returns.Filter) ([]store.ReasonWeekCount, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	if err := store.CheckFilterSize(&f); err != nil {
		return nil, err
	}
	where, args := orgWhere(org, &f)
	rows, err := s.pool.Query(ctx, "SELECT sku, reason, week, count(*) FROM cases WHERE org = $1"+where+
		" GROUP BY sku, reason, week"+fmt.Sprintf(" LIMIT %d", store.MaxReasonWeekRows), args...)
	if err != nil {
		return nil, storeErr("reason week counts", err)
	}
	defer rows.Close()
	var out []store.ReasonWeekCount
	for rows.Next() {
		var c store.ReasonWeekCount
		var reason string
		var n int64
		if err := rows.Scan(&c.SKU, &reason, &c.Week, &n); err != nil {
			return nil, storeErr("reason week counts", err)
		}
		c.Reason, c.Count = returns.Reason(reason), int(n)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr("reason week counts", err)
	}
	store.SortReasonWeekCounts(out)
	return out, nil
}

// SetOrderCounts stores order counts, all or none; see store.AnalyticsStore.
func (s *Store) SetOrderCounts(ctx context.Context, org returns.OrgID, counts []store.OrderCount) error {
	if err := checkOrg(org); err != nil {
		return err
	}
	if len(counts) > store.MaxOrderCountBatch {
		return returns.Errorf(returns.CodeInvalid, "at most %d order counts at once, not %d", store.MaxOrderCountBatch, len(counts)).WithField("input", "counts")
	}
	for i := range counts {
		if err := counts[i].Validate(); err != nil {
			return err
		}
	}
	now := s.now().UnixNano()
	return storeErr("set order counts", s.inTx(ctx, func(tx pgx.Tx) error {
		for _, c := range counts {
			if _, err := tx.Exec(ctx, `INSERT INTO order_counts (org, platform, shop_id, week, sku, orders, source, updated_ns)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (org, platform, shop_id, week, sku)
				DO UPDATE SET orders = excluded.orders, source = excluded.source, updated_ns = excluded.updated_ns`,
				string(org), string(c.Platform), c.ShopID, c.Week, c.SKU, c.Orders, c.Source, now); err != nil {
				return err
			}
		}
		return nil
	}))
}

// OrderCounts returns stored order counts; see store.AnalyticsStore.
func (s *Store) OrderCounts(ctx context.Context, org returns.OrgID, shops []store.ShopRef, fromWeek, toWeek string) ([]store.OrderCount, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	if len(shops) == 0 {
		return nil, nil
	}
	platforms := make([]string, len(shops))
	ids := make([]string, len(shops))
	for i, sh := range shops {
		platforms[i], ids[i] = string(sh.Platform), sh.ShopID
	}
	rows, err := s.pool.Query(ctx, `SELECT o.platform, o.shop_id, o.week, o.sku, o.orders, o.source, o.updated_ns
		FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS k (platform, shop_id, i)
		JOIN order_counts AS o ON o.org = $1 AND o.platform = k.platform AND o.shop_id = k.shop_id
		WHERE o.week >= $4 AND o.week <= $5 ORDER BY k.i, o.week, o.sku`,
		string(org), platforms, ids, fromWeek, toWeek)
	if err != nil {
		return nil, storeErr("order counts", err)
	}
	defer rows.Close()
	var out []store.OrderCount
	for rows.Next() {
		var c store.OrderCount
		var platform string
		var ns int64
		if err := rows.Scan(&platform, &c.ShopID, &c.Week, &c.SKU, &c.Orders, &c.Source, &ns); err != nil {
			return nil, storeErr("order counts", err)
		}
		c.Platform, c.UpdatedAt = returns.PlatformID(platform), fromNS(ns)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr("order counts", err)
	}
	return out, nil
}

// AnalyticsShops returns the shops a return rate divides by; see
// store.AnalyticsStore.
func (s *Store) AnalyticsShops(ctx context.Context, org returns.OrgID, f returns.Filter) ([]store.ShopRef, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	if err := store.CheckFilterSize(&f); err != nil {
		return nil, err
	}
	where, args := orgWhere(org, &returns.Filter{Platforms: f.Platforms, ShopIDs: f.ShopIDs})
	// The kept counts name every shop with a case, in a few rows per shop
	// rather than a scan of the cases.
	rows, err := s.pool.Query(ctx, "SELECT DISTINCT platform, shop_id FROM case_counts WHERE org = $1 AND n > 0"+where+
		" ORDER BY platform, shop_id", args...)
	if err != nil {
		return nil, storeErr("analytics shops", err)
	}
	defer rows.Close()
	var out []store.ShopRef
	for rows.Next() {
		var platform, shop string
		if err := rows.Scan(&platform, &shop); err != nil {
			return nil, storeErr("analytics shops", err)
		}
		out = append(out, store.ShopRef{Platform: returns.PlatformID(platform), ShopID: shop})
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr("analytics shops", err)
	}
	return out, nil
}

// orgWhere is the filter's terms as " AND …", with the organisation as $1
// and the terms' values after it.
func orgWhere(org returns.OrgID, f *returns.Filter) (string, []any) {
	args := []any{string(org)}
	param := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var where strings.Builder
	filterTerms(f, param, &where)
	return where.String(), args
}
