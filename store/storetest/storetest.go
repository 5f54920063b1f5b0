// Package storetest is the conformance suite of store.Store: one set of tests
// that every storage backend runs against itself, as fstest.TestFS is for
// file systems. A backend passes when
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store { ... })
//	}
//
// passes. Beyond the comments of store.Store, the suite holds a backend to
// these readings of the contract:
//
//   - Times come back in UTC (Location() == time.UTC) and exact to the
//     nanosecond, whatever zone they were given in.
//   - An empty map or slice is the same content as a nil one: it may come
//     back as either, and replacing one by the other is no change.
//   - Every event also stores the case again: Version goes up by one with
//     each event (so it counts the case's events, Change.Always ones too) and
//     SyncedAt is the event's OccurredAt, which is the store's clock (the
//     now given to open) at the write. An upsert that writes nothing leaves
//     both alone and returns the case as stored.
//   - Event sequence numbers increase in the order the events were written,
//     across organisations; EventsAfter(limit) returns exactly limit events
//     while more exist, and INVALID for a limit below one.
//   - ListCases: HasPreviousPage on a first/after page, and HasNextPage on a
//     last/before page, say exactly whether cases lie on the cursor's other
//     side (they are never merely "false").
//   - Idempotency: completing an unclaimed key is NOT_FOUND, completing or
//     releasing a DONE key is INVALID_STATE, releasing a free key is no error.
//     An UNKNOWN key stays taken (a claim returns it) until it is completed
//     or released; UnsettledIdempotency lists every key with an intent,
//     IN_PROGRESS ones included (a crash leaves them so), oldest first.
//   - UpsertCase rejects a nil case, an unknown platform and an empty platform
//     case id with INVALID; every method rejects the empty organisation with
//     INVALID.
//   - Neither the case given to UpsertCase nor a case returned is shared with
//     the store: changing one afterwards changes nothing stored.
//   - A write from ingestion (store.Change.Ingest: a poll or a push) keeps the
//     fields only the gateway keeps of the stored case (see
//     store.KeepGatewayFields) over the caller's copy, which may be stale; a
//     view that differs from the stored case only by them writes nothing.
//     The gateway's own write (SourceMutation) sets them.
//   - A write from ingestion of a view older than the stored case
//     (store.OlderView: returns.Case.OlderThan) writes nothing and makes no
//     event, alone or in a window, and returns the case as stored; the
//     gateway's own write is not held to it.
package storetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// Open returns a new, empty store whose clock is now, and arranges (with
// t.Cleanup) for it to be closed. The suite gives every store organisations
// of its own, so a backend may also hand out views of one shared database.
type Open func(t *testing.T, now func() time.Time) store.Store

// Run runs the conformance suite against the stores that open returns.
func Run(t *testing.T, open func(t *testing.T, now func() time.Time) store.Store) {
	s := suite{open: open}
	t.Run("Upsert", s.upsert)
	t.Run("Batch", s.batch)
	t.Run("GatewayFields", s.gatewayFields)
	t.Run("OlderView", s.olderView)
	t.Run("Events", s.events)
	t.Run("Isolation", s.isolation)
	t.Run("Get", s.get)
	t.Run("List", s.list)
	t.Run("Due", s.due)
	t.Run("Counts", s.countsFollowWrites)
	t.Run("CountsConcurrent", s.countsConcurrent)
	t.Run("CountsBatched", s.countsBatched)
	t.Run("WithoutRaw", s.listWithoutRaw)
	t.Run("Idempotency", s.idempotency)
	t.Run("Cursors", s.cursors)
	t.Run("ResetOrganisation", s.reset)
}

type suite struct{ open Open }

// env is what one test works with: a fresh store, its clock and two
// organisations of its own.
type env struct {
	s     store.Store
	clock *Clock
	orgA  returns.OrgID
	orgB  returns.OrgID
}

// start is the instant every test's clock starts at; it has nanoseconds so
// that a store that drops them is caught.
var start = time.Date(2025, time.June, 3, 4, 5, 6, 789012345, time.UTC)

func (s suite) env(t *testing.T) *env {
	t.Helper()
	c := NewClock(start)
	st := s.open(t, c.Now)
	if st == nil {
		t.Fatal("open returned a nil store")
	}
	return &env{s: st, clock: c, orgA: returns.OrgID(t.Name() + "#a"), orgB: returns.OrgID(t.Name() + "#b")}
}

// Clock is a clock for tests that moves only when told, safe for concurrent use.
type Clock struct{ ns atomic.Int64 }

// NewClock returns a clock that reads at.
func NewClock(at time.Time) *Clock {
	c := &Clock{}
	c.ns.Store(at.UnixNano())
	return c
}

// Now reads the clock, in UTC.
func (c *Clock) Now() time.Time { return time.Unix(0, c.ns.Load()).UTC() }

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// upsert stores c and fails the test on error.
func (e *env) upsert(t *testing.T, org returns.OrgID, c *returns.Case, ch store.Change) *store.UpsertResult {
	t.Helper()
	res, err := e.s.UpsertCase(t.Context(), org, c, ch)
	if err != nil {
		t.Fatalf("UpsertCase(%s, %s/%s): %v", org, c.Platform, c.PlatformCaseID, err)
	}
	if res == nil || res.Case == nil {
		t.Fatalf("UpsertCase(%s, %s/%s) returned no case", org, c.Platform, c.PlatformCaseID)
	}
	return res
}

func (e *env) get(t *testing.T, org returns.OrgID, key returns.CaseKey) *returns.Case {
	t.Helper()
	c, err := e.s.GetCase(t.Context(), org, key)
	if err != nil {
		t.Fatalf("GetCase(%s, %v): %v", org, key, err)
	}
	return c
}

// allEvents reads the organisation's whole log.
func (e *env) allEvents(t *testing.T, org returns.OrgID) []returns.Event {
	t.Helper()
	evs, err := e.s.EventsAfter(t.Context(), org, 0, 1_000_000)
	if err != nil {
		t.Fatalf("EventsAfter(%s, 0): %v", org, err)
	}
	return evs
}

// Canonical returns a deep copy of c as a store gives it back: every time in
// UTC and every empty map or slice nil. Reflection covers fields added to
// returns.Case later.
func Canonical(c *returns.Case) *returns.Case {
	if c == nil {
		return nil
	}
	b, err := json.Marshal(c)
	if err != nil {
		panic(fmt.Sprintf("storetest: encode case: %v", err))
	}
	out := new(returns.Case)
	if err := json.Unmarshal(b, out); err != nil {
		panic(fmt.Sprintf("storetest: decode case: %v", err))
	}
	canonicalize(reflect.ValueOf(out).Elem())
	return out
}

var timeType = reflect.TypeFor[time.Time]()

func canonicalize(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == timeType {
			v.Set(reflect.ValueOf(v.Interface().(time.Time).UTC()))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				canonicalize(v.Field(i))
			}
		}
	case reflect.Pointer:
		if !v.IsNil() {
			canonicalize(v.Elem())
		}
	case reflect.Slice:
		if v.Len() == 0 {
			v.SetZero()
			return
		}
		for i := range v.Len() {
			canonicalize(v.Index(i))
		}
	case reflect.Map:
		if v.Len() == 0 {
			v.SetZero()
		}
	}
}

// stored is what the store must return for c after writing it with version at syncedAt.
func stored(c *returns.Case, version int64, syncedAt time.Time) *returns.Case {
	w := Canonical(c)
	w.Version, w.SyncedAt = version, syncedAt.UTC()
	return w
}

// sameCase fails the test unless got is want up to canonical form, with every
// time in UTC. The JSON form compares instants and zones to the nanosecond
// and tells nil pointers from zero values.
func sameCase(t *testing.T, what string, got, want *returns.Case) {
	t.Helper()
	if got == nil || want == nil {
		if got != want {
			t.Fatalf("%s: got %v, want %v", what, got, want)
		}
		return
	}
	if bad := notUTC(reflect.ValueOf(got), "Case"); bad != "" {
		t.Fatalf("%s: %s is not in UTC", what, bad)
	}
	if d := diffJSON(Canonical(got), Canonical(want)); d != "" {
		t.Fatalf("%s: stored case differs (-got +want):\n%s", what, d)
	}
}

// notUTC returns the path of the first time in v whose location is not UTC.
func notUTC(v reflect.Value, path string) string {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == timeType {
			if v.Interface().(time.Time).Location() != time.UTC {
				return path
			}
			return ""
		}
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() {
				if p := notUTC(v.Field(i), path+"."+f.Name); p != "" {
					return p
				}
			}
		}
	case reflect.Pointer:
		if !v.IsNil() {
			return notUTC(v.Elem(), path)
		}
	case reflect.Slice:
		for i := range v.Len() {
			if p := notUTC(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p
			}
		}
	}
	return ""
}

// zeroFields lists the fields of v, recursively, that hold their zero value.
func zeroFields(v reflect.Value, path string) []string {
	if v.IsZero() {
		return []string{path}
	}
	var out []string
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == timeType {
			return nil
		}
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() {
				out = append(out, zeroFields(v.Field(i), path+"."+f.Name)...)
			}
		}
	case reflect.Pointer:
		out = append(out, zeroFields(v.Elem(), path)...)
	case reflect.Slice:
		for i := range v.Len() {
			out = append(out, zeroFields(v.Index(i), fmt.Sprintf("%s[%d]", path, i))...)
		}
	}
	return out
}

// diffJSON compares the indented JSON of two values and describes the first
// lines where they differ, or returns "".
func diffJSON(got, want any) string {
	g, err1 := json.MarshalIndent(got, "", "  ")
	w, err2 := json.MarshalIndent(want, "", "  ")
	if err1 != nil || err2 != nil {
		return fmt.Sprintf("cannot encode: %v %v", err1, err2)
	}
	if bytes.Equal(g, w) {
		return ""
	}
	gl, wl := strings.Split(string(g), "\n"), strings.Split(string(w), "\n")
	for i := 0; i < len(gl) || i < len(wl); i++ {
		var a, b string
		if i < len(gl) {
			a = gl[i]
		}
		if i < len(wl) {
			b = wl[i]
		}
		if a != b {
			lo := max(0, i-3)
			ctx := strings.Join(gl[lo:i], "\n")
			return fmt.Sprintf("%s\n-%s\n+%s", ctx, a, b)
		}
	}
	return "(differs)"
}

// sameEvent fails the test unless got equals want exactly.
func sameEvent(t *testing.T, what string, got, want returns.Event) {
	t.Helper()
	if got.OccurredAt.Location() != time.UTC {
		t.Fatalf("%s: OccurredAt %v is not in UTC", what, got.OccurredAt)
	}
	if len(got.Detail) == 0 {
		got.Detail = nil
	}
	if len(want.Detail) == 0 {
		want.Detail = nil
	}
	if d := diffJSON(got, want); d != "" {
		t.Fatalf("%s: event differs (-got +want):\n%s", what, d)
	}
}

// wantCode fails the test unless err carries code.
func wantCode(t *testing.T, what string, err error, code returns.ErrorCode) {
	t.Helper()
	if got := returns.ErrorCodeOf(err); got != code {
		t.Fatalf("%s: error %v has code %q, want %q", what, err, got, code)
	}
}

func statusPtr(s returns.Status) *returns.Status { return &s }

func keyOf(c *returns.Case) string { return string(c.Platform) + "/" + c.PlatformCaseID }

func reflectValue(c *returns.Case) reflect.Value { return reflect.ValueOf(c).Elem() }
