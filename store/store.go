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
	// (a seller action the gateway records, say).
	UpsertCase(ctx context.Context, org returns.OrgID, c *returns.Case, ch Change) (*UpsertResult, error)

	// GetCase returns one case. Returns NOT_FOUND if there is none.
	GetCase(ctx context.Context, org returns.OrgID, key returns.CaseKey) (*returns.Case, error)

	// GetCases returns the cases for the keys, in the keys' order, with nil
	// where a case does not exist.
	GetCases(ctx context.Context, org returns.OrgID, keys []returns.CaseKey) ([]*returns.Case, error)

	// ListCases returns one page of cases. Returns INVALID for a bad query
	// (see ListQuery.Validate) or a cursor from another ordering.
	ListCases(ctx context.Context, org returns.OrgID, q ListQuery) (*CasePage, error)

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
	// key, INVALID_STATE unless the key is IN_PROGRESS.
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
}

// CasePage is one page of cases.
type CasePage struct {
	Cases           []*returns.Case
	Cursors         []string // the opaque cursor of each case, in the same order
	HasNextPage     bool
	HasPreviousPage bool
	TotalCount      int // cases that pass the filter, on all pages
}
