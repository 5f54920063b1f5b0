package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// ListCases returns one page of cases; see store.Store. One statement (one
// snapshot) walks the order's index from the cursor (keyset pagination),
// reads the documents of the page's cases only, and tells whether cases lie
// on the cursor's other side and what the organisation's generation is.
//
// The total count would be the one part that grows with the organisation
// rather than the page. For a filter on platform, status, kind, market and
// shop it is a sum over the counts kept per such bucket (case_counts), in the
// same statement. Any other filter is counted, and the count cached by filter
// and reused while the generation, which every write of a case in the
// organisation moves on in the same transaction, stays the same.
func (s *Store) ListCases(ctx context.Context, org returns.OrgID, q store.ListQuery) (*store.CasePage, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	if err := q.Normalize(); err != nil {
		return nil, err
	}
	p := planList(org, &q)
	cached, hit := s.counts.get(p.countKey)
	hit = hit && !p.summed

	page := &store.CasePage{Cases: make([]*returns.Case, 0, p.size), Cursors: make([]string, 0, p.size)}
	var (
		gen, total sql.NullInt64
		beyond     bool
		more       bool
	)
	query := p.pageCounting
	if hit {
		query = p.page
	}
	err := s.lists.query(ctx, query, p.args, func(rows *sql.Rows) error {
		for rows.Next() {
			if len(page.Cases) == p.size {
				more = true // the extra row only proves there is another page
				break
			}
			var version, synced int64
			var doc docBytes
			if err := rows.Scan(&gen, &total, &beyond, &version, &synced, &doc); err != nil {
				return err
			}
			c, err := decodeCaseKeep(doc, version, synced, !q.WithoutRaw, q.RawKeys)
			if err != nil {
				return err
			}
			page.Cases = append(page.Cases, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: list cases: %w", err)
	}
	switch {
	case len(page.Cases) == 0:
		// No row carried the answers: ask for them alone.
		err = s.lists.queryRow(ctx, p.counts, p.args[:p.cursorArgs], &gen, &total, &beyond)
	case !hit:
		// Counted by the page's statement.
	case gen.Int64 == cached.gen:
		total = sql.NullInt64{Int64: cached.total, Valid: true}
	default:
		// The organisation changed since the count was cached.
		err = s.lists.queryRow(ctx, p.count, p.args[:p.filterArgs], &gen, &total)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: count cases: %w", err)
	}
	if !p.summed {
		s.counts.put(p.countKey, cachedCount{gen: gen.Int64, total: total.Int64})
	}

	if !p.forward {
		slices.Reverse(page.Cases)
	}
	for _, c := range page.Cases {
		page.Cursors = append(page.Cursors, store.CursorFor(q.Order, c).Encode())
	}
	page.TotalCount = int(total.Int64)
	if p.forward {
		page.HasNextPage = more
		page.HasPreviousPage = beyond
	} else {
		page.HasPreviousPage = more
		page.HasNextPage = beyond
	}
	return page, nil
}

// listPlan is a ListCases query as SQL. Every statement's columns start with
// the generation, the count and (but for count) the beyond flag.
type listPlan struct {
	pageCounting string // the page, counting
	page         string // the page, with a NULL count
	counts       string // the columns without the page, for an empty page
	count        string // the generation and the count alone

	args       []any // the page's arguments: the filter's, the cursor's, the limit
	filterArgs int   // how many of args are the filter's
	cursorArgs int   // how many are the filter's and the cursor's
	countKey   string

	size    int  // cases on a full page
	forward bool // first/after rather than last/before
	// summed: the filter uses only columns case_counts keeps, so the count
	// is a sum over its rows, cheap enough never to cache.
	summed bool
	index  string // the index the page walks
}

// listIndex names the index a list walks (see migration 0004). Named rather
// than left to the planner, which without statistics may prefer an index that
// narrows the rows and then sort them all.
func listIndex(q *store.ListQuery) string {
	col := strings.TrimSuffix(sortColumn(q.Order), "_ns")
	switch {
	case q.Filter.OrderID != "":
		// An order has a handful of cases: they are found by the order and
		// sorted, a cost of the page, not of the store.
		return "cases_by_order"
	case len(q.Filter.Statuses) == 1:
		return "cases_by_status_" + col
	default:
		return "cases_by_" + col
	}
}

// sortColumn returns the column of a valid order; each has an index
// (org, column, platform, case_id).
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

// planList turns a normalized query into SQL. Arguments are numbered (?N) so
// that the filter, written up to three times, is bound once; the text
// depends only on the query's shape. The organisation is always ?1.
func planList(org returns.OrgID, q *store.ListQuery) listPlan {
	var (
		args  []any
		where strings.Builder // for counting: terms the planner may use
		walk  strings.Builder // for the page: terms checked on the walked index's entries
	)
	index := listIndex(q)
	both := func(s string) { where.WriteString(s); walk.WriteString(s) }
	param := func(v any) string {
		args = append(args, v)
		return "?" + strconv.Itoa(len(args))
	}
	// term writes "col op value". In walk, but for the walked index's
	// leading columns, the column has a unary +: a term the planner cannot
	// use to pick or narrow an index, so it walks the named index in order
	// and checks the term on each entry rather than sorting what it finds.
	term := func(col, rest string) {
		where.WriteString(" AND " + col + rest)
		if col == "status" && strings.HasPrefix(index, "cases_by_status_") || col == "order_id" && index == "cases_by_order" {
			walk.WriteString(" AND " + col + rest)
		} else {
			walk.WriteString(" AND +" + col + rest)
		}
	}
	f := &q.Filter
	both("org = " + param(string(org)))
	filterTerms(f, param, term)
	w, wl := where.String(), walk.String()

	p := listPlan{forward: q.Last == 0, size: q.First, filterArgs: len(args), summed: store.CountsKept(f)}
	var key strings.Builder
	key.WriteString(w)
	for _, a := range args {
		fmt.Fprintf(&key, "\x00%v", a)
	}
	p.countKey = key.String()

	cur := q.After
	if !p.forward {
		p.size, cur = q.Last, q.Before
	}
	col := sortColumn(q.Order)
	// Backward pages walk the order in reverse and are turned round afterwards.
	scanDesc := q.Order.Descending() == p.forward
	dir, past, notPast := "ASC", ">", "<="
	if scanDesc {
		dir, past, notPast = "DESC", "<", ">="
	}
	tuple := "(" + col + ", platform, case_id)"
	p.index = index
	from := " FROM cases INDEXED BY " + p.index + " WHERE "

	gen := "(SELECT generation FROM org_generations WHERE org = ?1)"
	count := "(SELECT count(*) FROM cases WHERE " + w + ")"
	if p.summed {
		// The filter's text names columns that case_counts has too.
		count = "(SELECT coalesce(sum(n), 0) FROM case_counts WHERE " + w + ")"
	}
	beyond, keyset := "0", ""
	if cur != nil {
		c := "(" + param(cur.Value) + ", " + param(string(cur.Platform)) + ", " + param(cur.CaseID) + ")"
		beyond = "(SELECT EXISTS (SELECT 1" + from + wl + " AND " + tuple + " " + notPast + " " + c + "))"
		keyset = " AND " + tuple + " " + past + " " + c
	}
	p.cursorArgs = len(args)
	p.count = "SELECT " + gen + ", " + count
	p.counts = "SELECT " + gen + ", " + count + ", " + beyond
	orderBy := func(prefix string) string {
		return " ORDER BY " + prefix + col + " " + dir + ", " + prefix + "platform " + dir + ", " + prefix + "case_id " + dir
	}
	// The documents are joined in the outer query, after the LIMIT, so that
	// only the page's are read.
	pageOf := func(total string) string {
		return "SELECT p.gen, p.total, p.beyond, p.version, p.synced_ns, d.doc FROM (SELECT " + gen + " AS gen, " +
			total + " AS total, " + beyond + " AS beyond, id, version, synced_ns, " + col + ", platform, case_id" +
			from + wl + keyset + orderBy("") + " LIMIT ?" + strconv.Itoa(len(args)+1) +
			") AS p JOIN case_docs AS d ON d.id = p.id" + orderBy("p.")
	}
	p.pageCounting = pageOf(count)
	p.page = pageOf("NULL")
	param(p.size + 1)
	p.args = args
	return p
}

// filterTerms writes the filter's terms, each as term(column, " op value"),
// binding values through param: the list and analytics share them, so the
// two select the same cases.
func filterTerms(f *returns.Filter, param func(any) string, term func(col, rest string)) {
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		var b strings.Builder
		b.WriteString(" IN (")
		for i, v := range vals {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(param(v))
		}
		b.WriteString(")")
		term(col, b.String())
	}
	in("platform", strs(f.Platforms))
	in("status", strs(f.Statuses))
	in("reason", strs(f.Reasons))
	in("market", strs(f.Markets))
	in("kind", strs(f.Kinds))
	in("shop_id", f.ShopIDs)
	if f.OrderID != "" {
		term("order_id", " = "+param(f.OrderID))
	}
	if f.RespondBefore != nil {
		// A missing deadline is stored as store.NoDeadline, which no instant precedes.
		term("respond_ns", " < "+param(f.RespondBefore.UnixNano()))
	}
	if f.UpdatedAfter != nil {
		term("updated_ns", " > "+param(f.UpdatedAfter.UnixNano()))
	}
	if f.NextDeadlineBefore != nil {
		// No next deadline is stored as store.NoDeadline, which no instant precedes.
		term("next_ns", " < "+param(f.NextDeadlineBefore.UnixNano()))
	}
}

func strs[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// maxCachedLists bounds the prepared list statements. Shapes come from
// combinations of filter fields and list lengths, so they are few in
// practice; past the bound a query runs unprepared rather than evicting a
// statement another goroutine may be using.
const maxCachedLists = 512

// stmtCache keeps the prepared statements of list queries by their text.
type stmtCache struct {
	db *sql.DB
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

// queryRow runs a statement that returns one row and scans it into dest.
func (c *stmtCache) queryRow(ctx context.Context, text string, args []any, dest ...any) error {
	return c.query(ctx, text, args, func(rows *sql.Rows) error {
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return err
			}
			return sql.ErrNoRows
		}
		return rows.Scan(dest...)
	})
}

// query runs the statement and hands its rows to read, then closes them.
func (c *stmtCache) query(ctx context.Context, text string, args []any, read func(*sql.Rows) error) error {
	stmt, err := c.stmt(ctx, text)
	if err != nil {
		return err
	}
	var rows *sql.Rows
	if stmt != nil {
		rows, err = stmt.QueryContext(ctx, args...)
	} else {
		rows, err = c.db.QueryContext(ctx, text, args...)
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	if err := read(rows); err != nil {
		return err
	}
	return rows.Close()
}

// stmt returns the prepared statement for text, or nil when the cache is full.
func (c *stmtCache) stmt(ctx context.Context, text string) (*sql.Stmt, error) {
	c.mu.RLock()
	stmt, ok := c.m[text]
	c.mu.RUnlock()
	if ok {
		return stmt, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if stmt, ok := c.m[text]; ok {
		return stmt, nil
	}
	if len(c.m) >= maxCachedLists {
		return nil, nil
	}
	stmt, err := c.db.PrepareContext(ctx, text)
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = make(map[string]*sql.Stmt)
	}
	c.m[text] = stmt
	return stmt, nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.m {
		_ = s.Close()
	}
	c.m = nil
}

// maxCachedCounts bounds the cached counts; when it is reached the cache
// starts afresh, which costs one count per filter in use.
const maxCachedCounts = 4096

// countCache keeps the total count of a filter with the generation of the
// organisation it was counted at.
type countCache struct {
	mu sync.Mutex
	m  map[string]cachedCount
}

type cachedCount struct{ gen, total int64 }

func (c *countCache) get(key string) (cachedCount, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[key]
	return v, ok
}

func (c *countCache) put(key string, v cachedCount) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedCounts {
		c.m = make(map[string]cachedCount)
	}
	c.m[key] = v
}
