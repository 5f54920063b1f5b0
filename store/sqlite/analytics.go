package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// Analytics aggregates the organisation's cases; see store.AnalyticsStore.
// The statements (store.BuildAnalytics) run in one read transaction, so
// they see one snapshot, over the cases_analytics index (migration 0340).
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
		return "?" + strconv.Itoa(len(args))
	}
	st := store.BuildAnalytics(org, &q, store.SQLDialect{
		Param: param,
		Filter: func(f *returns.Filter) string {
			var b strings.Builder
			filterTerms(f, param, func(col, rest string) { b.WriteString(" AND " + col + rest) })
			return b.String()
		},
		Cases:  "cases INDEXED BY cases_analytics",
		Median: func(x string) string { return medianFunc + "(" + x + ")" },
	}, &args)
	var out []store.AnalyticsRow
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = store.RunAnalytics(ctx, st, txQuery(tx))
		return err
	})
	if err != nil {
		if returns.ErrorCodeOf(err) != "" {
			return nil, err
		}
		return nil, fmt.Errorf("sqlite: analytics: %w", err)
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
	q := "SELECT sku, reason, week, count(*) FROM cases INDEXED BY cases_analytics WHERE org = ?1" + where +
		" GROUP BY sku, reason, week" + fmt.Sprintf(" LIMIT %d", store.MaxReasonWeekRows)
	var out []store.ReasonWeekCount
	err := s.lists.query(ctx, q, args, func(rows *sql.Rows) error {
		for rows.Next() {
			var c store.ReasonWeekCount
			if err := rows.Scan(&c.SKU, &c.Reason, &c.Week, &c.Count); err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: reason week counts: %w", err)
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
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer rollback(tx)
	now := s.now().UnixNano()
	for _, c := range counts {
		if _, err := tx.ExecContext(ctx, `INSERT INTO order_counts (org, platform, shop_id, week, sku, orders, source, updated_ns)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (org, platform, shop_id, week, sku)
			DO UPDATE SET orders = excluded.orders, source = excluded.source, updated_ns = excluded.updated_ns`,
			string(org), string(c.Platform), c.ShopID, c.Week, c.SKU, c.Orders, c.Source, now); err != nil {
			return fmt.Errorf("sqlite: set order count: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit order counts: %w", err)
	}
	return nil
}

// OrderCounts returns stored order counts; see store.AnalyticsStore.
func (s *Store) OrderCounts(ctx context.Context, org returns.OrgID, shops []store.ShopRef, fromWeek, toWeek string) ([]store.OrderCount, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	var out []store.OrderCount
	for _, sh := range shops {
		rows, err := s.r.QueryContext(ctx, `SELECT week, sku, orders, source, updated_ns FROM order_counts
			WHERE org = ? AND platform = ? AND shop_id = ? AND week >= ? AND week <= ? ORDER BY week, sku`,
			string(org), string(sh.Platform), sh.ShopID, fromWeek, toWeek)
		if err != nil {
			return nil, fmt.Errorf("sqlite: order counts: %w", err)
		}
		for rows.Next() {
			c := store.OrderCount{Platform: sh.Platform, ShopID: sh.ShopID}
			var ns int64
			if err := rows.Scan(&c.Week, &c.SKU, &c.Orders, &c.Source, &ns); err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlite: order counts: %w", err)
			}
			c.UpdatedAt = fromNS(ns)
			out = append(out, c)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("sqlite: order counts: %w", err)
		}
	}
	return out, nil
}

// readTx runs fn in a read transaction: one snapshot for its statements.
func (s *Store) readTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return err
	}
	return nil
}

func txQuery(tx *sql.Tx) store.QueryFunc {
	return func(ctx context.Context, q string, args []any, read func(store.Rows) error) error {
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		if err := read(rows); err != nil {
			return err
		}
		return rows.Close()
	}
}

// AnalyticsShops returns the shops a return rate divides by; see
// store.AnalyticsStore. The per-bucket counts (case_counts) name every shop
// with a case, in a few rows.
func (s *Store) AnalyticsShops(ctx context.Context, org returns.OrgID, f returns.Filter) ([]store.ShopRef, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	if err := store.CheckFilterSize(&f); err != nil {
		return nil, err
	}
	where, args := orgWhere(org, &returns.Filter{Platforms: f.Platforms, ShopIDs: f.ShopIDs})
	rows, err := s.r.QueryContext(ctx, "SELECT DISTINCT platform, shop_id FROM case_counts WHERE org = ?1 AND n > 0"+where+
		" ORDER BY platform, shop_id", args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: analytics shops: %w", err)
	}
	defer rows.Close()
	var out []store.ShopRef
	for rows.Next() {
		var r store.ShopRef
		if err := rows.Scan(&r.Platform, &r.ShopID); err != nil {
			return nil, fmt.Errorf("sqlite: analytics shops: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: analytics shops: %w", err)
	}
	return out, nil
}

// orgWhere is the filter's terms as " AND …", with the organisation as ?1
// and the terms' values after it.
func orgWhere(org returns.OrgID, f *returns.Filter) (string, []any) {
	args := []any{string(org)}
	param := func(v any) string {
		args = append(args, v)
		return "?" + strconv.Itoa(len(args))
	}
	var where strings.Builder
	filterTerms(f, param, func(col, rest string) { where.WriteString(" AND " + col + rest) })
	return where.String(), args
}
