package alibaba

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"time"

	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabawire"
	"github.com/returnsgw/returnsgw/returns"
)

// How the change list is walked. Alibaba.com has no refund list: the adapter
// walks the seller's orders by modify date (a change to a refund record
// changes its order's modify date) and reads each changed order's refund
// records.
const (
	// window bounds one step's modify-date range.
	window = 24 * time.Hour
	// DefaultListLag is how far behind now the walk stops: the order list reflects a
	// change within a minute, so later modify dates are not yet reliable.
	DefaultListLag = time.Minute
	// queryPad widens every query on both sides, and the adapter keeps only
	// the orders whose exact timestamp lies in the window. It absorbs the
	// hour that a Pacific wall-clock date_str cannot name unambiguously when
	// daylight saving ends, and any rounding of the bounds by the platform.
	queryPad = time.Hour
	// tailReach is how far past now the final, open-ended step asks.
	tailReach = 24 * time.Hour
	// pageSize is the page size asked for: the largest the list accepts.
	pageSize = alibabawire.MaxPageSize
)

// cursor is where a walk of the change list stands. It is opaque to callers
// (base64 of this JSON).
//
// A walk steps through bounded windows [From, From+window) up to now-ListLag,
// one page per call, and ends with a tail step from there with no upper
// bound, which catches orders whose modify date moved past the walk's end
// while it ran. The next walk starts where the tail started.
//
// Since is where the current walk began (zero for the first walk): a refund
// record whose own modify date is earlier was reported by an earlier walk,
// so an order changed for another record's sake lists only what changed.
type cursor struct {
	V     int   `json:"v"`
	Since int64 `json:"since"` // ms
	From  int64 `json:"from"`  // ms
	Tail  bool  `json:"tail,omitempty"`
	Page  int   `json:"page,omitempty"`
	// Total is the order count the window's first page reported; a later page
	// reporting another count means orders left the window while it was
	// paged (their modify date moved on), so the window is paged again from
	// the start rather than risk skipping an order that shifted pages.
	Total int `json:"total,omitempty"`
}

const cursorVersion = 1

func encodeCursor(c cursor) string {
	c.V = cursorVersion
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.V != cursorVersion || c.From <= 0 || c.Page < 0 {
		return cursor{}, returns.Errorf(returns.CodeInvalid, "not an Alibaba.com change-list cursor")
	}
	return c, nil
}

// ListChanges takes one step of the change list: one page of the order list
// (alibaba.seller.order.list) and, for each order on it whose modify date lies
// in the step's window, its refund records (alibaba.seller.order.fund.get). It
// returns one ref per refund record changed since the walk began.
func (a *Adapter) ListChanges(ctx context.Context, cursorText string, now time.Time) (returns.ChangeBatch, error) {
	var c cursor
	if cursorText == "" {
		c = cursor{From: now.Add(-a.cfg.Lookback).UnixMilli()}
	} else {
		var err error
		if c, err = decodeCursor(cursorText); err != nil {
			return returns.ChangeBatch{}, err
		}
	}
	end := now.Add(-a.cfg.ListLag).UnixMilli()
	if !c.Tail && c.From >= end {
		c.Tail, c.Page, c.Total = true, 0, 0
	}
	lo := time.UnixMilli(c.From)
	var hi time.Time // zero: no upper bound (the tail)
	qEnd := now.Add(tailReach)
	if !c.Tail {
		hi = lo.Add(window)
		if e := time.UnixMilli(end); hi.After(e) {
			hi = e
		}
		qEnd = hi
	}

	page, total, err := a.listOrders(ctx, lo.Add(-queryPad), qEnd.Add(queryPad), c.Page)
	if err != nil {
		return returns.ChangeBatch{}, err
	}
	var refs []returns.CaseRef
	for _, o := range page {
		if in, known := inWindow(o.ModifyDate, lo, hi); !in {
			continue
		} else if !known {
			a.log.Warn("alibaba: order without a readable modify_date; its refunds are read anyway", "trade_id", o.TradeID.String())
		}
		tradeID := o.TradeID.String()
		refunds, err := a.getRefunds(ctx, tradeID)
		if isNotFound(err) {
			continue // the order went away between the two calls
		}
		if err != nil {
			return returns.ChangeBatch{}, err
		}
		since := time.UnixMilli(c.Since)
		for _, r := range refunds {
			ref := returns.CaseRef{PlatformCaseID: CaseID(tradeID, r.RefundID.String()), PlatformStatus: r.RefundStatus}
			if t, _, err := parseDate(r.ModifyDate); err == nil {
				if c.Since > 0 && t.Before(since) {
					continue
				}
				ref.UpdatedAt = t
			} else {
				a.log.Warn("alibaba: refund record without a readable modify_date; listed anyway", "case", ref.PlatformCaseID)
			}
			refs = append(refs, ref)
		}
	}

	next := c
	switch {
	case c.Page > 0 && total != c.Total:
		next.Page, next.Total = 0, 0
	case (c.Page+1)*pageSize < total:
		if c.Page == 0 {
			next.Total = total
		}
		next.Page++
	case c.Tail:
		// Caught up: the next walk starts where this tail started, and lists
		// refund records changed from there on.
		return returns.ChangeBatch{
			Refs:     refs,
			Cursor:   encodeCursor(cursor{Since: c.From, From: c.From}),
			CaughtUp: true,
		}, nil
	default:
		next = cursor{Since: c.Since, From: hi.UnixMilli()}
		// A window that reached now-ListLag hands over to the tail even if
		// now has moved on meanwhile: otherwise a walk whose steps take time
		// (rate limits) would chase the receding end in ever smaller windows.
		next.Tail = hi.UnixMilli() >= end
	}
	return returns.ChangeBatch{Refs: refs, Cursor: encodeCursor(next)}, nil
}

// inWindow reports whether an order's modify date lies in [lo, hi) (hi zero:
// no upper bound). An unreadable date counts as in the window, so nothing is
// lost; known is false then.
func inWindow(d alibabawire.Date, lo, hi time.Time) (in, known bool) {
	t, _, err := parseDate(d)
	if err != nil {
		return true, false
	}
	return !t.Before(lo) && (hi.IsZero() || t.Before(hi)), true
}

// listOrders calls alibaba.seller.order.list for the orders modified between
// from and to (inclusive, as Pacific wall-clock seconds), one page.
func (a *Adapter) listOrders(ctx context.Context, from, to time.Time, page int) ([]alibabawire.OrderSummary, int, error) {
	q := alibabawire.OrderListQuery{
		Role:              alibabawire.RoleSeller,
		StartPage:         page,
		PageSize:          pageSize,
		ModifiedDateStart: &alibabawire.DateQuery{DateStr: from.In(returns.Pacific).Format(alibabawire.DateQueryLayout)},
		// Round the end up to the next second: date_str has no fraction.
		ModifiedDateEnd: &alibabawire.DateQuery{DateStr: to.Add(time.Second - 1).Truncate(time.Second).In(returns.Pacific).Format(alibabawire.DateQueryLayout)},
	}
	b, err := json.Marshal(q)
	if err != nil {
		return nil, 0, err
	}
	var resp alibabawire.OrderListResponse
	if err := a.call(ctx, alibabawire.MethodOrderList, map[string]string{alibabawire.ParamOrderListQuery: string(b)}, &resp); err != nil {
		return nil, 0, err
	}
	total := 0
	if resp.Value.TotalCount != "" {
		n, err := strconv.Atoi(resp.Value.TotalCount.String())
		if err != nil || n < 0 {
			a.log.Warn("alibaba: unreadable total_count; paging by page fill", "total_count", resp.Value.TotalCount.String())
			n = -1
		}
		total = n
	}
	items := resp.Value.OrderList.Items
	if total < 0 {
		// Without a count, a full page means there may be another.
		total = page*pageSize + len(items)
		if len(items) == pageSize {
			total++
		}
	}
	return items, total, nil
}
