package postgres

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// ListCases returns one page of cases; see store.Store. The page walks the
// order's index from the cursor (keyset pagination) and reads one row more
// than the page to learn whether another page follows. The count and the
// flag for cases before the cursor are uncorrelated subqueries of the same
// statement (evaluated once, in its snapshot). As on SQLite, the count of a
// filter on platform, status, kind, market and shop alone is a sum over the
// counts kept per such bucket (case_counts); any other filter is counted.
func (s *Store) ListCases(ctx context.Context, org returns.OrgID, q store.ListQuery) (*store.CasePage, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	if err := q.Normalize(); err != nil {
		return nil, err
	}
	p := planList(org, &q)
	page := &store.CasePage{Cases: make([]*returns.Case, 0, p.size), Cursors: make([]string, 0, p.size)}
	var more, beyond bool
	var total int64
	rows, err := s.pool.Query(ctx, p.page, p.args...)
	if err != nil {
		return nil, storeErr("list cases", err)
	}
	for rows.Next() {
		if len(page.Cases) == p.size {
			more = true
			break
		}
		var version, synced int64
		var doc []byte
		if err := rows.Scan(&total, &beyond, &version, &synced, &doc); err != nil {
			rows.Close()
			return nil, storeErr("list cases", err)
		}
		c, err := decodeCase(doc, version, synced)
		if err != nil {
			rows.Close()
			return nil, err
		}
		if q.WithoutRaw {
			dropRaw(c, q.RawKeys)
		}
		page.Cases = append(page.Cases, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, storeErr("list cases", err)
	}
	if len(page.Cases) == 0 {
		// No row carried the count: ask for it alone.
		if err := s.pool.QueryRow(ctx, p.counts, p.args[:p.cursorArgs]...).Scan(&total, &beyond); err != nil {
			return nil, storeErr("count cases", err)
		}
	}
	if !p.forward {
		slices.Reverse(page.Cases)
	}
	for _, c := range page.Cases {
		page.Cursors = append(page.Cursors, store.CursorFor(q.Order, c).Encode())
	}
	page.TotalCount = int(total)
	if p.forward {
		page.HasNextPage, page.HasPreviousPage = more, beyond
	} else {
		page.HasPreviousPage, page.HasNextPage = more, beyond
	}
	return page, nil
}

type listPlan struct {
	page, counts string
	args         []any
	cursorArgs   int
	size         int
	forward      bool
	// summed: the filter uses only columns case_counts keeps, so the count
	// is a sum over its rows.
	summed bool
}

func sortColumn(o store.Order) string {
	switch o {
	case store.OrderRespondByAsc:
		return "respond_ns"
	case store.OrderNextDeadlineAsc:
		return "next_ns"
	case store.OrderCreatedDesc:
		return "created_ns"
	default:
		return "updated_ns"
	}
}

// planList turns a normalized query into SQL; the text depends only on the
// query's shape, so pgx's statement cache prepares each shape once per
// connection.
func planList(org returns.OrgID, q *store.ListQuery) listPlan {
	var (
		args  []any
		where strings.Builder
	)
	param := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	where.WriteString("org = " + param(string(org)))
	filterTerms(&q.Filter, param, &where)
	w := where.String()

	p := listPlan{forward: q.Last == 0, size: q.First, summed: store.CountsKept(&q.Filter)}
	cur := q.After
	if !p.forward {
		p.size, cur = q.Last, q.Before
	}
	col := sortColumn(q.Order)
	scanDesc := q.Order.Descending() == p.forward
	dir, past, notPast := "ASC", ">", "<="
	if scanDesc {
		dir, past, notPast = "DESC", "<", ">="
	}
	tuple := "(" + col + ", platform, case_id)"
	beyond, keyset := "false", ""
	if cur != nil {
		c := "(" + param(cur.Value) + "::bigint, " + param(string(cur.Platform)) + "::text, " + param(cur.CaseID) + "::text)"
		beyond = "EXISTS (SELECT 1 FROM cases WHERE " + w + " AND " + tuple + " " + notPast + " " + c + ")"
		keyset = " AND " + tuple + " " + past + " " + c
	}
	count := "(SELECT count(*) FROM cases WHERE " + w + ")"
	if p.summed {
		// The filter's text names columns that case_counts has too; sum is
		// numeric in PostgreSQL, hence the cast.
		count = "(SELECT coalesce(sum(n), 0)::bigint FROM case_counts WHERE " + w + ")"
	}
	p.cursorArgs = len(args)
	p.counts = "SELECT " + count + ", " + beyond
	p.page = "SELECT " + count + ", " + beyond + ", version, synced_ns, doc FROM cases WHERE " + w + keyset +
		" ORDER BY " + col + " " + dir + ", platform " + dir + ", case_id " + dir + " LIMIT " + param(p.size+1)
	p.args = args
	return p
}

// filterTerms writes the filter's terms (" AND ...") to where, binding
// values through param: the list and analytics share them, so the two
// select the same cases.
func filterTerms(f *returns.Filter, param func(any) string, where *strings.Builder) {
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		where.WriteString(" AND " + col + " = ANY(" + param(vals) + "::text[])")
	}
	in("platform", strs(f.Platforms))
	in("status", strs(f.Statuses))
	in("reason", strs(f.Reasons))
	in("market", strs(f.Markets))
	in("kind", strs(f.Kinds))
	in("shop_id", f.ShopIDs)
	if f.OrderID != "" {
		where.WriteString(" AND order_id = " + param(f.OrderID))
	}
	if f.RespondBefore != nil {
		where.WriteString(" AND respond_ns < " + param(f.RespondBefore.UnixNano()))
	}
	if f.UpdatedAfter != nil {
		where.WriteString(" AND updated_ns > " + param(f.UpdatedAfter.UnixNano()))
	}
	if f.NextDeadlineBefore != nil {
		// No next deadline is stored as store.NoDeadline, which no instant precedes.
		where.WriteString(" AND next_ns < " + param(f.NextDeadlineBefore.UnixNano()))
	}
}

func strs[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// dropRaw leaves out the platform's raw values but the case's keys in keep,
// as ListQuery.WithoutRaw and RawKeys ask. (store/sqlite's reader skips them while decoding; here encoding/json
// decodes them first: correct, but the saving WithoutRaw brings SQLite is
// not taken here yet.)
func dropRaw(c *returns.Case, keep []string) {
	var kept map[string]string
	for _, k := range keep {
		if v, ok := c.Raw[k]; ok {
			if kept == nil {
				kept = make(map[string]string, len(keep))
			}
			kept[k] = v
		}
	}
	c.Raw = kept
	for i := range c.Lines {
		c.Lines[i].Raw = nil
	}
}
