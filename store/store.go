// Package store defines what the gateway keeps and the contract every storage
// backend fulfils: the normalized projection of every case, an append-only
// event log with a monotonic sequence, idempotency records for mutations, and
// the sync cursors of the pollers.
//
// Backends live in sub-packages (store/sqlite, ...) and prove themselves with
// the conformance suite in store/storetest.
package store

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/returnsgw/returnsgw/returns"
)

// Store is the storage contract. Every call is scoped by organisation: a
// case, event, record or cursor of one organisation is invisible to another.
type Store interface {
	// UpsertCase stores the platform's current view of a case. When nothing
	// but the store's own fields (Version, SyncedAt) differs from what is
	// stored, it writes nothing and returns Changed=false. Otherwise it writes
	// the case and exactly one event in one transaction, and returns both.
	// A change with Always set writes its event even if the case is unchanged
	// (a seller action the gateway records, say). A write from ingestion
	// (Change.Ingest) keeps the fields only the gateway keeps of the case as
	// stored (KeepGatewayFields), inside its transaction and before it is
	// compared, over the caller's copy, which another replica's write may
	// have made stale; the gateway's own writes set them. A write from
	// ingestion of a view older than the case as stored (OlderView, the
	// ingester's rule, applied again under the transaction's lock since
	// another replica may have stored a newer view after the caller's read)
	// writes nothing, makes no event and returns the stored case with
	// Changed=false; the gateway's own writes are not held to it.
	UpsertCase(ctx context.Context, org returns.OrgID, c *returns.Case, ch Change) (*UpsertResult, error)

	// UpsertCases stores a window of cases as UpsertCase stores each, in one
	// transaction: all of them or, on an error, none. It returns one result
	// per write, in order; the events are written in that order, one per
	// changed case. A batch holds at most MaxUpsertBatch writes, and one
	// case at most once (INVALID otherwise).
	UpsertCases(ctx context.Context, org returns.OrgID, writes []CaseWrite) ([]*UpsertResult, error)

	// GetCase returns one case. Returns NOT_FOUND if there is none.
	GetCase(ctx context.Context, org returns.OrgID, key returns.CaseKey) (*returns.Case, error)

	// GetCases returns the cases for the keys, in the keys' order, with nil
	// where a case does not exist.
	GetCases(ctx context.Context, org returns.OrgID, keys []returns.CaseKey) ([]*returns.Case, error)

	// ListCases returns one page of cases. Returns INVALID for a bad query
	// (see ListQuery.Validate) or a cursor from another ordering.
	ListCases(ctx context.Context, org returns.OrgID, q ListQuery) (*CasePage, error)

	DueStore

	// EventsAfter returns up to limit events with Seq > after, in Seq order.
	EventsAfter(ctx context.Context, org returns.OrgID, after int64, limit int) ([]returns.Event, error)

	// ClaimIdempotency claims key for a request whose input hashes to
	// requestHash. It returns nil when the key was free and is now claimed by
	// the caller (IN_PROGRESS); otherwise the existing record, which the
	// caller must honour (replay its response, report a conflict, or say the
	// outcome is not known yet).
	ClaimIdempotency(ctx context.Context, org returns.OrgID, key, requestHash string) (*IdempotencyRecord, error)
	// CompleteIdempotency stores the response of an IN_PROGRESS or UNKNOWN
	// key: it is DONE, and its intent is dropped. Returns NOT_FOUND for a
	// free key, INVALID_STATE for a DONE one.
	CompleteIdempotency(ctx context.Context, org returns.OrgID, key string, response []byte) error
	// ReleaseIdempotency frees an IN_PROGRESS or UNKNOWN key whose request
	// is known to have had no effect, so that a retry with the same key is
	// carried out. Releasing a free key does nothing; a DONE key is refused
	// (INVALID_STATE).
	ReleaseIdempotency(ctx context.Context, org returns.OrgID, key string) error
	// RecordIdempotencyIntent stores, on an IN_PROGRESS key, what must be
	// checked to settle it should its request never finish (a crash): the
	// caller is about to send a write to a platform. The intent is opaque to
	// the store and must not be empty (INVALID). Returns NOT_FOUND for a free
	// key, INVALID_STATE unless the key is IN_PROGRESS without an intent: of
	// two requests that hold the claim in turn (one took over the other's,
	// on another replica), only the first to record its intent may send.
	RecordIdempotencyIntent(ctx context.Context, org returns.OrgID, key string, intent []byte) error
	// MarkIdempotencyUnknown moves an IN_PROGRESS key to UNKNOWN: its write
	// may or may not have taken effect, and only a later look at the
	// platform can tell. The key stays taken, with the intent (not empty)
	// that says what to look at, until it is completed or released. Returns
	// NOT_FOUND for a free key, INVALID_STATE unless the key is IN_PROGRESS.
	MarkIdempotencyUnknown(ctx context.Context, org returns.OrgID, key string, intent []byte) error
	// UnsettledIdempotency returns up to limit records that carry an intent
	// (UNKNOWN ones, and IN_PROGRESS ones whose write was sent), oldest
	// claim first (then by key).
	UnsettledIdempotency(ctx context.Context, org returns.OrgID, limit int) ([]IdempotencyRecord, error)

	// Cursor returns the named sync cursor, or "" if none was saved.
	Cursor(ctx context.Context, org returns.OrgID, name string) (string, error)
	// SetCursor saves the named sync cursor.
	SetCursor(ctx context.Context, org returns.OrgID, name, value string) error

	// ResetOrganisation deletes everything the organisation has: cases,
	// events, idempotency records and cursors. Other organisations are
	// untouched, and sequence numbers are never reused. Sandbox mode uses it:
	// its simulators start afresh with every run, so what was stored of the
	// last run's simulated platforms is stale.
	ResetOrganisation(ctx context.Context, org returns.OrgID) error

	// Close releases the backend's resources.
	Close() error
}

// Change says where a stored change came from.
type Change struct {
	Source returns.EventSource
	Detail map[string]string // recorded on the event
	Always bool              // write the event even if the case did not change
}

// MaxUpsertBatch bounds the writes of one UpsertCases call.
const MaxUpsertBatch = 1000

// CaseWrite is one write of UpsertCases.
type CaseWrite struct {
	Case   *returns.Case
	Change Change
}

// UpsertResult is the outcome of UpsertCase.
type UpsertResult struct {
	Case    *returns.Case  // the case as stored now
	Changed bool           // whether anything was written
	Event   *returns.Event // the event written, nil when nothing changed
}

// IdempotencyState is where a claimed idempotency key stands.
type IdempotencyState string

// The states of an idempotency record.
const (
	// IdempotencyInProgress: claimed, its request running.
	IdempotencyInProgress IdempotencyState = "IN_PROGRESS"
	// IdempotencyUnknown: its write may or may not have reached the
	// platform; the key stays taken until a look at the platform settles it.
	IdempotencyUnknown IdempotencyState = "UNKNOWN"
	// IdempotencyDone: its response is stored, to be replayed.
	IdempotencyDone IdempotencyState = "DONE"
)

// IdempotencyRecord is what the store keeps for a mutation's idempotency key.
type IdempotencyRecord struct {
	Key         string
	RequestHash string
	State       IdempotencyState
	Response    []byte // set when Done
	// Intent is what the caller recorded to settle the key should its
	// request never finish (RecordIdempotencyIntent, MarkIdempotencyUnknown);
	// nil once Done.
	Intent    []byte
	CreatedAt time.Time
}

// Order is the order of a case list. Every order ends with the case's key, so
// it is total and stable.
type Order string

// The orders.
const (
	// OrderUpdatedDesc lists the most recently updated first.
	OrderUpdatedDesc Order = "UPDATED_AT_DESC"
	// OrderRespondByAsc lists the soonest seller deadline first, cases with no deadline last.
	OrderRespondByAsc Order = "RESPOND_BY_ASC"
	// OrderCreatedDesc lists the newest cases first.
	OrderCreatedDesc Order = "CREATED_AT_DESC"
	// OrderNextDeadlineAsc lists the soonest of the seller's deadlines that
	// apply now first (returns.Case.NextSellerDeadline: respondBy or
	// refundBy of an open case), cases with none last.
	OrderNextDeadlineAsc Order = "NEXT_DEADLINE_ASC"
)

// Page-size limits.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// ListQuery asks for one page: First cases after After, or Last cases before
// Before (never both directions at once).
type ListQuery struct {
	Filter returns.Filter
	Order  Order // empty: OrderUpdatedDesc
	First  int
	After  *Cursor
	Last   int
	Before *Cursor
	// WithoutRaw says the caller needs neither Raw nor the lines' Raw: the
	// page's cases come with both nil, which spares the store decoding the
	// largest part of every document.
	WithoutRaw bool
	// RawKeys, with WithoutRaw, are the case-level Raw keys to keep all the
	// same (the platforms' action state, see returns.ActionState): the page
	// then computes its actions without decoding the rest.
	RawKeys []string
}

// CasePage is one page of cases.
type CasePage struct {
	Cases           []*returns.Case
	Cursors         []string // the opaque cursor of each case, in the same order
	HasNextPage     bool
	HasPreviousPage bool
	TotalCount      int // cases that pass the filter, on all pages
}

// CountsKept reports whether the filter uses only the columns the backends
// keep case counts by (platform, status, kind, market, shop), so that its
// TotalCount is a sum over those counts rather than a count of the cases.
func CountsKept(f *returns.Filter) bool {
	return len(f.Reasons) == 0 && f.OrderID == "" && f.RespondBefore == nil && f.UpdatedAfter == nil &&
		f.NextDeadlineBefore == nil
}

// DueStore is the part of the contract the deadline timer uses: a page of the
// cases that may have a deadline inside a horizon, found through an index on
// the deadline columns, so that the cost follows the horizon, not the store.
//
// DueCases returns the organisation's open cases (returns.Status.Open) that
// have a deadline mark (see DeadlineMarks) in range: a deadline the platform
// gave in [q.From, q.To), or the anchor of a deadline the gateway derives by
// rule in [q.From-q.Lead, q.To). Cases come in the order of their marks; a
// case with two marks in range may come twice.
type DueStore interface {
	DueCases(ctx context.Context, org returns.OrgID, q DueQuery) (*DuePage, error)
}

// MaxDuePage bounds the cases of one DueCases page.
const MaxDuePage = 1000

// DueQuery asks DueCases for one page.
type DueQuery struct {
	From, To time.Time
	// Lead is how long after its anchor a rule-derived deadline can fall:
	// the longest period any rule policy allows.
	Lead  time.Duration
	First int    // cases on the page, 1..MaxDuePage
	After string // DuePage.Next of the page before; "" for the first
}

// DuePage is one page of DueCases.
type DuePage struct {
	Cases []*returns.Case
	Next  string // the cursor of the next page; "" when this is the last
}

// Validate checks a DueQuery: INVALID for a page size out of range, a
// negative lead or an empty range.
func (q *DueQuery) Validate() error {
	switch {
	case q.First < 1 || q.First > MaxDuePage:
		return returns.Errorf(returns.CodeInvalid, "first must be between 1 and %d", MaxDuePage)
	case q.Lead < 0:
		return returns.Errorf(returns.CodeInvalid, "lead must not be negative")
	case !q.From.Before(q.To):
		return returns.Errorf(returns.CodeInvalid, "from must come before to")
	}
	return nil
}

// DeadlineMark is one instant by which a backend indexes an open case for
// DueCases.
type DeadlineMark struct {
	At time.Time
	// Anchor marks the instant a rule-derived deadline counts from (the
	// request, the receipt): the deadline itself lies up to a policy's
	// period later. Otherwise At is a deadline the platform gave.
	Anchor bool
}

// DeadlineMarks returns the marks a backend indexes a case by: none for a
// closed case; the platform's respondBy and refundBy; and, where the rules
// (returns.RuleDeadlines) derive a missing one, its anchor — the request for
// respondBy of a REQUESTED case, the receipt for refundBy of a case that
// waits for its refund; and the arrival of goods that wait to be graded
// (returns.GradeDue: OPS-GRADES' one business day, at most three days later).
// Every deadline the timer watches thus lies at a given mark or at most a
// policy's period after an anchor.
func DeadlineMarks(c *returns.Case) []DeadlineMark {
	if !c.Status.Open() {
		return nil
	}
	var out []DeadlineMark
	d := c.Deadlines
	if d.RespondBy != nil {
		out = append(out, DeadlineMark{At: d.RespondBy.UTC()})
	}
	if d.RefundBy != nil {
		out = append(out, DeadlineMark{At: d.RefundBy.UTC()})
	}
	ruled := c.Platform == returns.XHS || c.Platform == returns.AliExpress
	switch {
	case !ruled:
	case d.RespondBy == nil && c.Status == returns.StatusRequested && !c.CreatedAt.IsZero():
		out = append(out, DeadlineMark{At: c.CreatedAt.UTC(), Anchor: true})
	case d.RefundBy == nil && c.ReceivedAt != nil && c.Kind != returns.KindExchange &&
		(c.Status == returns.StatusReceived || c.Status == returns.StatusRefundPending || c.Status == returns.StatusEscalated):
		out = append(out, DeadlineMark{At: c.ReceivedAt.UTC(), Anchor: true})
	}
	if returns.GradeDue(c) {
		if at := returns.GradeBy(c); at != nil {
			// Anchored at the arrival; the same mark as the refund's is not repeated.
			m := DeadlineMark{At: gradeAnchor(c).UTC(), Anchor: true}
			if !slices.Contains(out, m) {
				out = append(out, m)
			}
		}
	}
	return out
}

// gradeAnchor is the arrival GradeBy counts from: ReceivedAt, else the
// return parcel's signature.
func gradeAnchor(c *returns.Case) time.Time {
	if c.ReceivedAt != nil {
		return *c.ReceivedAt
	}
	return *c.ReturnShipment.SignedAt
}

// EncodeDueCursor is the cursor of a DueCases page (DuePage.Next): where the
// walk of the deadline index stands, as (anchor, at_ns, row id). Backends
// share it so that a cursor reads the same on either.
func EncodeDueCursor(anchor int, at, id int64) string {
	return strconv.Itoa(anchor) + ":" + strconv.FormatInt(at, 10) + ":" + strconv.FormatInt(id, 10)
}

// DecodeDueCursor reads EncodeDueCursor's form. Returns INVALID for anything else.
func DecodeDueCursor(s string) (anchor int, at, id int64, err error) {
	bad := returns.Errorf(returns.CodeInvalid, "bad due cursor")
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return 0, 0, 0, bad
	}
	anchor, err1 := strconv.Atoi(parts[0])
	at, err2 := strconv.ParseInt(parts[1], 10, 64)
	id, err3 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || anchor < 0 || anchor > 1 || id < -1 {
		return 0, 0, 0, bad
	}
	return anchor, at, id, nil
}
