package store

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/returnsgw/returnsgw/returns"
)

// AnalyticsStore aggregates an organisation's cases in the database (GROUP BY
// over the columns UpsertCase keeps for it, see AnalyticsColumnsOf) and keeps
// the order counts that return rates divide by. Every call is scoped by
// organisation.
type AnalyticsStore interface {
	// Analytics returns one row per group of the cases that pass q.Filter
	// (the list's filter semantics), grouped by q.GroupBy, in the order of
	// the group's key. INVALID for a query AnalyticsQuery.Validate refuses.
	Analytics(ctx context.Context, org returns.OrgID, q AnalyticsQuery) ([]AnalyticsRow, error)
	// ReasonWeekCounts counts the cases that pass the filter per (SKU,
	// reason, ISO week of creation), for spike detection, at most
	// MaxReasonWeekRows rows, by week, SKU and reason.
	ReasonWeekCounts(ctx context.Context, org returns.OrgID, f returns.Filter) ([]ReasonWeekCount, error)
	// SetOrderCounts stores order counts (replacing those of the same shop,
	// week and SKU), all or none. INVALID for a bad count (OrderCount.Validate)
	// or more than MaxOrderCountBatch.
	SetOrderCounts(ctx context.Context, org returns.OrgID, counts []OrderCount) error
	// AnalyticsShops returns the organisation's shops (those it has cases
	// of) that the filter's platforms and shops admit, sorted: the shops
	// whose orders a return rate divides by. The filter's other fields
	// select cases, not orders, and do not narrow it.
	AnalyticsShops(ctx context.Context, org returns.OrgID, f returns.Filter) ([]ShopRef, error)
	// OrderCounts returns the stored counts of the shops' weeks in
	// [fromWeek, toWeek] (ISO week strings compare in time order), for the
	// SKU given ("" is the whole shop).
	OrderCounts(ctx context.Context, org returns.OrgID, shops []ShopRef, fromWeek, toWeek string) ([]OrderCount, error)
}

// AnalyticsDimension is what analytics may group cases by.
type AnalyticsDimension string

// The dimensions.
const (
	DimPlatform AnalyticsDimension = "PLATFORM"
	DimReason   AnalyticsDimension = "REASON"
	DimSKU      AnalyticsDimension = "SKU" // the case's first line's SKU
	DimMarket   AnalyticsDimension = "MARKET"
	DimWeek     AnalyticsDimension = "WEEK" // ISO week of the case's creation, UTC, "2026-W49"
	DimShop     AnalyticsDimension = "SHOP"
)

// Bounds of an analytics query.
const (
	// MaxAnalyticsDimensions bounds GroupBy: more would make groups of one
	// case, which a list shows better.
	MaxAnalyticsDimensions = 3
	// MaxAnalyticsGroups bounds the rows of one answer; a larger grouping
	// is INVALID (narrow the filter or group by less).
	MaxAnalyticsGroups = 5000
	// MaxFilterValues bounds each list of the filter.
	MaxFilterValues = 100
	// MaxReasonWeekRows bounds ReasonWeekCounts.
	MaxReasonWeekRows = 50000
	// MaxOrderCountBatch bounds one SetOrderCounts call.
	MaxOrderCountBatch = 520
)

// AnalyticsQuery asks for one aggregation.
type AnalyticsQuery struct {
	Filter  returns.Filter
	GroupBy []AnalyticsDimension
	// Now is the instant an open deadline is judged missed against.
	Now time.Time
}

// Validate checks the grouping and the filter's size: INVALID, with the
// input field, for an unknown or repeated dimension, too many of them, or a
// filter list longer than MaxFilterValues.
func (q *AnalyticsQuery) Validate() error {
	if len(q.GroupBy) > MaxAnalyticsDimensions {
		return returns.Errorf(returns.CodeInvalid, "group by at most %d dimensions, not %d", MaxAnalyticsDimensions, len(q.GroupBy)).WithField("input", "groupBy")
	}
	seen := map[AnalyticsDimension]bool{}
	for _, d := range q.GroupBy {
		switch d {
		case DimPlatform, DimReason, DimSKU, DimMarket, DimWeek, DimShop:
		default:
			return returns.Errorf(returns.CodeInvalid, "unknown dimension %q", string(d)).WithField("input", "groupBy")
		}
		if seen[d] {
			return returns.Errorf(returns.CodeInvalid, "dimension %s given twice", d).WithField("input", "groupBy")
		}
		seen[d] = true
	}
	return CheckFilterSize(&q.Filter)
}

// CheckFilterSize refuses a filter list longer than MaxFilterValues.
func CheckFilterSize(f *returns.Filter) error {
	for name, n := range map[string]int{"platforms": len(f.Platforms), "statuses": len(f.Statuses), "reasons": len(f.Reasons),
		"markets": len(f.Markets), "kinds": len(f.Kinds), "shopIds": len(f.ShopIDs)} {
		if n > MaxFilterValues {
			return returns.Errorf(returns.CodeInvalid, "at most %d values in filter.%s, not %d", MaxFilterValues, name, n).WithField("input", "filter", name)
		}
	}
	return nil
}

// Has reports whether the query groups by d.
func (q *AnalyticsQuery) Has(d AnalyticsDimension) bool {
	for _, g := range q.GroupBy {
		if g == d {
			return true
		}
	}
	return false
}

// AnalyticsKey is a group's key: the fields of the dimensions grouped by are
// set, the others empty.
type AnalyticsKey struct {
	Platform returns.PlatformID
	Reason   returns.Reason
	SKU      string
	Market   returns.Market
	Week     string
	ShopID   string
}

// ShopRef names a shop.
type ShopRef struct {
	Platform returns.PlatformID
	ShopID   string
}

// AnalyticsRow is one group's aggregates.
type AnalyticsRow struct {
	Key   AnalyticsKey
	Cases int
	// Refunded sums RefundedAmount per currency, sorted by currency.
	Refunded []returns.Money
	// MedianRespond and MedianRefund are the medians (the mean of the middle
	// two for an even count) of the time from the request (CreatedAt) to the
	// seller's response (responded_ns, see AnalyticsColumns) and to the
	// refund; nil when no case of the group has one.
	MedianRespond, MedianRefund *time.Duration
	// DeadlinesMissed counts the cases that missed their respondBy or
	// refundBy deadline (see the backends' missedSQL).
	DeadlinesMissed int
	// GradeA, GradeB and GradeC count the group's inspected cases by grade.
	GradeA, GradeB, GradeC int
	// Recovered sums the inspections' recovered values per currency.
	Recovered []returns.Money
	// FirstWeek and LastWeek are the group's earliest and latest ISO weeks of
	// creation.
	FirstWeek, LastWeek string
}

// ReasonWeekCount is how many cases of one SKU had one reason in one week.
type ReasonWeekCount struct {
	SKU    string
	Reason returns.Reason
	Week   string
	Count  int
}

// OrderCount is how many orders a shop took in one ISO week: of one SKU, or
// of every SKU when SKU is "". Source says where it came from (INPUT: the
// seller; PLATFORM: the platform's order API).
type OrderCount struct {
	Platform  returns.PlatformID
	ShopID    string
	Week      string
	SKU       string
	Orders    int64
	Source    string
	UpdatedAt time.Time // set by the store
}

// Order-count sources.
const (
	OrderCountInput    = "INPUT"
	OrderCountPlatform = "PLATFORM"
)

// MaxOrdersPerWeek bounds one count: beyond it the cost model leaves int64.
const MaxOrdersPerWeek = 1_000_000_000

// Validate checks one order count.
func (c *OrderCount) Validate() error {
	switch {
	case !c.Platform.Valid():
		return returns.Errorf(returns.CodeInvalid, "unknown platform %q", string(c.Platform)).WithField("input", "platform")
	case c.ShopID == "" || len(c.ShopID) > 128:
		return returns.Errorf(returns.CodeInvalid, "shopId must have 1 to 128 characters").WithField("input", "shopId")
	case !ValidWeek(c.Week):
		return returns.Errorf(returns.CodeInvalid, "week must be an ISO week like 2026-W49").WithField("input", "counts", "week")
	case len(c.SKU) > 128:
		return returns.Errorf(returns.CodeInvalid, "sku must have at most 128 characters").WithField("input", "counts", "sku")
	case c.Orders < 0 || c.Orders > MaxOrdersPerWeek:
		return returns.Errorf(returns.CodeInvalid, "orders must be from 0 to %d", MaxOrdersPerWeek).WithField("input", "counts", "orders")
	case c.Source != OrderCountInput && c.Source != OrderCountPlatform:
		return returns.Errorf(returns.CodeInvalid, "unknown order count source %q", c.Source)
	}
	return nil
}

// ISOWeek is the ISO week of t in UTC, as "2026-W49".
func ISOWeek(t time.Time) string {
	y, w := t.UTC().ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

var weekRE = regexp.MustCompile(`^([0-9]{4})-W([0-9]{2})$`)

// WeekStart returns the Monday 00:00 UTC that starts an ISO week string.
func WeekStart(week string) (time.Time, bool) {
	m := weekRE.FindStringSubmatch(week)
	if m == nil {
		return time.Time{}, false
	}
	y, _ := strconv.Atoi(m[1])
	w, _ := strconv.Atoi(m[2])
	if y < 1970 || w < 1 || w > 53 {
		return time.Time{}, false
	}
	// 4 January is always in week 1.
	jan4 := time.Date(y, time.January, 4, 0, 0, 0, 0, time.UTC)
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+(w-1)*7)
	if ISOWeek(monday) != week {
		return time.Time{}, false // week 53 of a year that has 52
	}
	return monday, true
}

// ValidWeek reports whether s is an ISO week that exists, e.g. "2026-W49".
func ValidWeek(s string) bool {
	_, ok := WeekStart(s)
	return ok
}

// PrevWeek returns the ISO week before week ("" for an invalid one).
func PrevWeek(week string) string {
	t, ok := WeekStart(week)
	if !ok {
		return ""
	}
	return ISOWeek(t.AddDate(0, 0, -7))
}

// WeeksBetween lists the ISO weeks from first to last inclusive; nil when
// either is invalid, last precedes first, or there would be more than max.
func WeeksBetween(first, last string, max int) []string {
	a, ok1 := WeekStart(first)
	b, ok2 := WeekStart(last)
	if !ok1 || !ok2 || b.Before(a) {
		return nil
	}
	var out []string
	for t := a; !t.After(b); t = t.AddDate(0, 0, 7) {
		if len(out) == max {
			return nil
		}
		out = append(out, ISOWeek(t))
	}
	return out
}

// AnalyticsColumns are the columns of the cases table that analytics groups
// and sums over, derived from the case at every write. The *Hint values are
// taken only while the stored column is still empty (the first view that
// shows the move), and Approved overrides: see the backends' upserts.
type AnalyticsColumns struct {
	SKU            string  // the first line's SKU, "" without lines
	Week           string  // ISOWeek(CreatedAt)
	RefundMinor    *int64  // RefundedAmount
	RefundCurrency *string // RefundedAmount's currency
	// Approved is the case's ApprovedAt: the platform's (or the gateway's
	// first sight of) the seller's approval.
	Approved *int64
	// RespondedHint is UpdatedAt when the case shows a seller's decision
	// (any status but REQUESTED, CANCELLED and CLOSED): a rejection or a
	// counter-offer is a response too.
	RespondedHint *int64
	// RefundedHint is UpdatedAt when the case is REFUNDED.
	RefundedHint *int64
	// RespondDue is respondBy while the case waits for the seller
	// (REQUESTED): kept afterwards, so a late answer still counts as late.
	RespondDue *int64
	// RefundDue is refundBy, kept once seen.
	RefundDue *int64
}

// AnalyticsColumnsOf derives the analytics columns of a case.
func AnalyticsColumnsOf(c *returns.Case) AnalyticsColumns {
	var a AnalyticsColumns
	if len(c.Lines) > 0 {
		a.SKU = ColumnText(c.Lines[0].SKU)
	}
	a.Week = ISOWeek(c.CreatedAt)
	if m := c.RefundedAmount; m != nil {
		minor, cur := m.Minor, ColumnText(m.Currency)
		a.RefundMinor, a.RefundCurrency = &minor, &cur
	}
	ns := func(t *time.Time) *int64 {
		if t == nil {
			return nil
		}
		v := t.UnixNano()
		return &v
	}
	a.Approved = ns(c.ApprovedAt)
	upd := c.UpdatedAt.UnixNano()
	switch c.Status {
	case returns.StatusRequested, returns.StatusCancelled, returns.StatusClosed:
	default:
		a.RespondedHint = &upd
	}
	if c.Status == returns.StatusRefunded {
		a.RefundedHint = &upd
	}
	if c.Status == returns.StatusRequested {
		a.RespondDue = ns(c.Deadlines.RespondBy)
	}
	a.RefundDue = ns(c.Deadlines.RefundBy)
	return a
}

// SortReasonWeekCounts puts counts in the order of ReasonWeekCounts. The
// backends sort here rather than in SQL: their GROUP BY walks the analytics
// index in (SKU, reason, week) order without sorting.
func SortReasonWeekCounts(cs []ReasonWeekCount) {
	sort.Slice(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		switch {
		case a.Week != b.Week:
			return a.Week < b.Week
		case a.SKU != b.SKU:
			return a.SKU < b.SKU
		}
		return a.Reason < b.Reason
	})
}

// Spike detection defaults and bounds.
const (
	DefaultSpikeThreshold = 2.0
	DefaultSpikeMinCount  = 5
	MaxSpikes             = 100
)

// Spike is a reason that rose on one SKU from one ISO week to the next.
type Spike struct {
	SKU             string
	Reason          returns.Reason
	Week            string
	Count, Previous int
	Ratio           float64 // Count / max(Previous, 1)
}

// DetectSpikes flags each (SKU, reason, week) whose count is at least
// minCount and at least threshold times the same SKU and reason's count the
// ISO week before (a week without cases counts as 1: a reason new on a SKU
// is flagged once it reaches both minCount and threshold). The latest week first, then the largest ratio, then SKU and
// reason; at most MaxSpikes.
func DetectSpikes(counts []ReasonWeekCount, threshold float64, minCount int) []Spike {
	type key struct {
		sku    string
		reason returns.Reason
		week   string
	}
	byKey := make(map[key]int, len(counts))
	for _, c := range counts {
		byKey[key{c.SKU, c.Reason, c.Week}] += c.Count
	}
	var out []Spike
	for _, c := range counts {
		if c.Count < minCount {
			continue
		}
		prev := byKey[key{c.SKU, c.Reason, PrevWeek(c.Week)}]
		ratio := float64(c.Count) / float64(max(prev, 1))
		if ratio >= threshold {
			out = append(out, Spike{SKU: c.SKU, Reason: c.Reason, Week: c.Week, Count: c.Count, Previous: prev, Ratio: ratio})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case a.Week != b.Week:
			return a.Week > b.Week
		case a.Ratio != b.Ratio:
			return a.Ratio > b.Ratio
		case a.SKU != b.SKU:
			return a.SKU < b.SKU
		}
		return a.Reason < b.Reason
	})
	if len(out) > MaxSpikes {
		out = out[:MaxSpikes]
	}
	return out
}
