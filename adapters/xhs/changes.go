package xhs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"time"

	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/returns"
)

// The shape of the walk over afterSale.listAfterSaleInfos.
const (
	// DefaultUpdateLag keeps the incremental walk this far behind now: the platform
	// indexes updates late, and a window read too early would miss them.
	DefaultUpdateLag = time.Minute
	// backfillWindow and updateWindow are the platform's longest windows for
	// creation time (24 h) and update time (30 min).
	backfillWindow = 24 * time.Hour
	updateWindow   = 30 * time.Minute
	// minWindow is the shortest window the platform accepts: it wants
	// endTime > startTime, both inclusive, so at least 2 ms.
	minWindowMS = 2
	pageSize    = xhswire.MaxPageSize
	// windowAttempts is how often a window is read again when its total
	// changed while it was paged (a case moved and the pages shifted).
	windowAttempts = 3
)

// The phases of the walk.
const (
	phaseSweep       = "sweep"
	phaseBackfill    = "backfill"
	phaseIncremental = "incremental"
)

// openStatuses are the statuses of a case still in progress: the sweep
// lists them however long ago the case was opened.
var openStatuses = []int{
	xhswire.StatusPendingReview, xhswire.StatusAwaitingReturn, xhswire.StatusAwaitingReceipt,
	xhswire.StatusExchangeAwaitShip, xhswire.StatusExchangeAwaitBuyer, xhswire.StatusPlatformIntervening,
}

// cursor is the position in the change list, handed out as base64 JSON.
// Windows are half-open [From, end) in ms; the platform's are inclusive, so a
// window is asked for as [From, end-1] and consecutive windows never overlap.
type cursor struct {
	V     int    `json:"v"`
	Phase string `json:"phase"`
	From  int64  `json:"from"` // ms: where the next window starts
	T0    int64  `json:"t0"`   // ms: when the backfill began; the incremental walk starts here
	// BF is where the backfill starts (now - Lookback) while the sweep of
	// older open cases runs before it (phase sweep).
	BF int64 `json:"bf,omitempty"`
}

const cursorVersion = 1

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.V != cursorVersion || (c.Phase != phaseSweep && c.Phase != phaseBackfill && c.Phase != phaseIncremental) || c.T0 <= 0 ||
		(c.Phase == phaseSweep && c.BF <= c.From) {
		return cursor{}, returns.Errorf(returns.CodeInvalid, "not an XHS change-list cursor").WithField("cursor")
	}
	return c, nil
}

// ListChanges walks afterSale.listAfterSaleInfos one window (all its pages)
// per call. From an empty cursor it first backfills by creation time
// (timeType 1, 24 h windows) from now-Lookback up to T0, the instant the
// backfill began; then it follows update time (timeType 2, 30 min windows)
// from T0, staying a minute behind now for late-indexed updates. CaughtUp is
// set once a window reaches that point.
//
// Before the backfill, a sweep lists the cases created between the sweep
// horizon and the look-back that are still open (statuses filter, 24 h
// creation windows: the platform lists by status only within a time
// window), so that a case under mediation for weeks is not missed. Closed
// cases older than the look-back appear only when they change again. A case
// created during the backfill is found by the incremental walk, whose
// update-time windows start at T0.
func (a *Adapter) ListChanges(ctx context.Context, cur string, now time.Time) (returns.ChangeBatch, error) {
	var c cursor
	if cur == "" {
		t0 := now.UnixMilli()
		c = cursor{V: cursorVersion, Phase: phaseBackfill, From: now.Add(-a.cfg.Lookback).UnixMilli(), T0: t0}
		if a.cfg.SweepHorizon > a.cfg.Lookback {
			c.Phase, c.BF, c.From = phaseSweep, c.From, now.Add(-a.cfg.SweepHorizon).UnixMilli()
		}
	} else {
		var err error
		if c, err = decodeCursor(cur); err != nil {
			return returns.ChangeBatch{}, err
		}
	}

	if c.Phase == phaseSweep {
		end := windowEnd(c.From, c.BF, backfillWindow.Milliseconds())
		refs, end, err := a.listWindow(ctx, xhswire.TimeTypeCreated, c.From, end, openStatuses)
		if err != nil {
			return returns.ChangeBatch{}, err
		}
		c.From = end
		if c.BF-c.From < minWindowMS {
			c.Phase, c.From, c.BF = phaseBackfill, c.BF, 0
		}
		return returns.ChangeBatch{Refs: refs, Cursor: c.encode()}, nil
	}

	if c.Phase == phaseBackfill {
		if c.T0-c.From < minWindowMS {
			c.Phase, c.From = phaseIncremental, c.T0
		} else {
			end := windowEnd(c.From, c.T0, backfillWindow.Milliseconds())
			refs, end, err := a.listWindow(ctx, xhswire.TimeTypeCreated, c.From, end, nil)
			if err != nil {
				return returns.ChangeBatch{}, err
			}
			c.From = end
			if c.T0-c.From < minWindowMS {
				// The rest is too short to ask for; the incremental walk
				// starts at T0 and would see any such case by its update.
				c.Phase, c.From = phaseIncremental, c.T0
			}
			return returns.ChangeBatch{Refs: refs, Cursor: c.encode()}, nil
		}
	}

	limit := now.Add(-a.cfg.UpdateLag).UnixMilli()
	if limit-c.From < minWindowMS {
		return returns.ChangeBatch{Cursor: c.encode(), CaughtUp: true}, nil
	}
	end := windowEnd(c.From, limit, updateWindow.Milliseconds())
	refs, end, err := a.listWindow(ctx, xhswire.TimeTypeUpdated, c.From, end, nil)
	if err != nil {
		return returns.ChangeBatch{}, err
	}
	c.From = end
	return returns.ChangeBatch{Refs: refs, Cursor: c.encode(), CaughtUp: limit-c.From < minWindowMS}, nil
}

// windowEnd is where the window from `from` ends: at most max long, at most
// limit, and never leaving a remainder too short to ask for.
func windowEnd(from, limit, max int64) int64 {
	end := from + max
	if end >= limit {
		return limit
	}
	if limit-end < minWindowMS {
		end = limit - minWindowMS
	}
	return end
}

// listWindow reads every page of the window [from, end). A window holding
// more cases than the platform pages through (pageNo×pageSize ≤ 50,000) is
// narrowed; the narrowed end is returned.
func (a *Adapter) listWindow(ctx context.Context, timeType int, from, end int64, statuses []int) ([]returns.CaseRef, int64, error) {
	for attempt := 1; ; attempt++ {
		refs, total, changed, err := a.pageWindow(ctx, timeType, from, end, statuses)
		if err != nil {
			return nil, 0, err
		}
		if total > xhswire.MaxPageProduct && end-from > minWindowMS*2 {
			end = from + (end-from)/2
			attempt = 0
			continue
		}
		if changed && attempt < windowAttempts {
			continue
		}
		if changed || total > xhswire.MaxPageProduct {
			a.cfg.Logger.Warn("xhs: change-list window read incompletely", "shop", a.cfg.Shop.ID,
				"timeType", timeType, "from", from, "end", end, "total", total, "listed", len(refs))
		}
		return refs, end, nil
	}
}

// pageWindow pages through one window; changed reports that the platform's
// total moved while paging, so that pages may have shifted.
func (a *Adapter) pageWindow(ctx context.Context, timeType int, from, end int64, statuses []int) (refs []returns.CaseRef, total int, changed bool, err error) {
	seen := map[string]bool{}
	for pageNo := 1; pageNo*pageSize <= xhswire.MaxPageProduct; pageNo++ {
		data, err := a.listAfterSaleInfos(ctx, xhswire.ListAfterSaleInfosRequest{
			PageNo: pageNo, PageSize: pageSize, TimeType: timeType, StartTime: from, EndTime: end - 1, Statuses: statuses,
		})
		if err != nil {
			return nil, 0, false, err
		}
		if pageNo == 1 {
			total = data.TotalCount
			if total > xhswire.MaxPageProduct {
				return nil, total, false, nil
			}
		} else if data.TotalCount != total {
			changed = true
		}
		for _, b := range data.AfterSaleBasicInfos {
			if b.ReturnsID == "" || seen[b.ReturnsID] {
				continue
			}
			seen[b.ReturnsID] = true
			ref := returns.CaseRef{PlatformCaseID: b.ReturnsID, PlatformStatus: strconv.Itoa(b.Status)}
			if t := msTime(b.UpdatedAt); t != nil {
				ref.UpdatedAt = *t
			}
			refs = append(refs, ref)
		}
		if len(data.AfterSaleBasicInfos) < pageSize || pageNo*pageSize >= total {
			break
		}
	}
	return refs, total, changed, nil
}

// listAfterSaleInfos calls afterSale.listAfterSaleInfos (获取售后列表（新）).
func (a *Adapter) listAfterSaleInfos(ctx context.Context, req xhswire.ListAfterSaleInfosRequest) (*xhswire.ListAfterSaleInfosData, error) {
	var data xhswire.ListAfterSaleInfosData
	if err := a.call(ctx, xhswire.MethodListAfterSaleInfos, req, false, &data); err != nil {
		return nil, err
	}
	return &data, nil
}
