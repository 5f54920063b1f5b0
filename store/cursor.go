package store

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strings"

	"github.com/returnsgw/returnsgw/returns"
)

// Cursor is a position in an ordered case list: the case's sort value and its
// key, which breaks ties. Clients see it only as an opaque string.
type Cursor struct {
	Order    Order
	Value    int64 // unix nanoseconds of the sort field; NoDeadline for a missing deadline
	Platform returns.PlatformID
	CaseID   string
}

// NoDeadline is the sort value of a case without the order's deadline, so
// that such cases come last in OrderRespondByAsc and OrderNextDeadlineAsc.
const NoDeadline = math.MaxInt64

// Valid reports whether o is a known order.
func (o Order) Valid() bool {
	return o == OrderUpdatedDesc || o == OrderRespondByAsc || o == OrderCreatedDesc || o == OrderNextDeadlineAsc
}

// Descending reports whether the order lists larger sort values first.
func (o Order) Descending() bool { return o != OrderRespondByAsc && o != OrderNextDeadlineAsc }

// SortValue returns the case's sort value in the order.
func SortValue(o Order, c *returns.Case) int64 {
	switch o {
	case OrderRespondByAsc:
		if c.Deadlines.RespondBy == nil {
			return NoDeadline
		}
		return c.Deadlines.RespondBy.UnixNano()
	case OrderNextDeadlineAsc:
		n := c.NextSellerDeadline()
		if n == nil {
			return NoDeadline
		}
		return n.UnixNano()
	case OrderCreatedDesc:
		return c.CreatedAt.UnixNano()
	default:
		return c.UpdatedAt.UnixNano()
	}
}

// CursorFor returns the cursor of a case in the order.
func CursorFor(o Order, c *returns.Case) Cursor {
	return Cursor{Order: o, Value: SortValue(o, c), Platform: c.Platform, CaseID: c.PlatformCaseID}
}

// Before reports whether a comes before b in the cursor's order.
func (a Cursor) Before(b Cursor) bool {
	cmp := compareCursor(a, b)
	if a.Order.Descending() {
		return cmp > 0
	}
	return cmp < 0
}

func compareCursor(a, b Cursor) int {
	switch {
	case a.Value < b.Value:
		return -1
	case a.Value > b.Value:
		return 1
	}
	if c := strings.Compare(string(a.Platform), string(b.Platform)); c != 0 {
		return c
	}
	return strings.Compare(a.CaseID, b.CaseID)
}

type wireCursor struct {
	O Order  `json:"o"`
	V int64  `json:"v"`
	P string `json:"p"`
	I string `json:"i"`
}

// Encode returns the cursor as an opaque string.
func (a Cursor) Encode() string {
	b, _ := json.Marshal(wireCursor{O: a.Order, V: a.Value, P: string(a.Platform), I: a.CaseID})
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor parses an opaque cursor. Returns INVALID for anything that is
// not a cursor this package made.
func DecodeCursor(s string) (*Cursor, error) {
	bad := returns.Errorf(returns.CodeInvalid, "malformed cursor")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		return nil, bad
	}
	var w wireCursor
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return nil, bad
	}
	c := Cursor{Order: w.O, Value: w.V, Platform: returns.PlatformID(w.P), CaseID: w.I}
	if !c.Order.Valid() || !c.Platform.Valid() || c.CaseID == "" {
		return nil, bad
	}
	return &c, nil
}

// Normalize fills in the defaults of a query and checks it. Returns INVALID
// (naming the argument) for negative or too large page sizes, first together
// with last, a cursor for the wrong direction, and a cursor from another order.
func (q *ListQuery) Normalize() error {
	if q.Order == "" {
		q.Order = OrderUpdatedDesc
	}
	if !q.Order.Valid() {
		return returns.Errorf(returns.CodeInvalid, "unknown order %q", q.Order).WithField("orderBy")
	}
	switch {
	case q.First < 0:
		return returns.Errorf(returns.CodeInvalid, "first must not be negative").WithField("first")
	case q.Last < 0:
		return returns.Errorf(returns.CodeInvalid, "last must not be negative").WithField("last")
	case q.First > 0 && q.Last > 0:
		return returns.Errorf(returns.CodeInvalid, "give first or last, not both").WithField("last")
	case q.First > MaxPageSize:
		return returns.Errorf(returns.CodeInvalid, "first must be at most %d", MaxPageSize).WithField("first")
	case q.Last > MaxPageSize:
		return returns.Errorf(returns.CodeInvalid, "last must be at most %d", MaxPageSize).WithField("last")
	case q.Last > 0 && q.After != nil:
		return returns.Errorf(returns.CodeInvalid, "after goes with first, not last").WithField("after")
	case q.First > 0 && q.Before != nil:
		return returns.Errorf(returns.CodeInvalid, "before goes with last, not first").WithField("before")
	case q.After != nil && q.Before != nil:
		return returns.Errorf(returns.CodeInvalid, "give after or before, not both").WithField("before")
	}
	if q.First == 0 && q.Last == 0 {
		if q.Before != nil {
			q.Last = DefaultPageSize
		} else {
			q.First = DefaultPageSize
		}
	}
	for name, c := range map[string]*Cursor{"after": q.After, "before": q.Before} {
		if c != nil && c.Order != q.Order {
			return returns.Errorf(returns.CodeInvalid, "the cursor belongs to another ordering").WithField(name)
		}
	}
	return nil
}
