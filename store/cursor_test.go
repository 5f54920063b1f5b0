package store

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
)

func TestCursorRoundTrip(t *testing.T) {
	in := Cursor{Order: OrderRespondByAsc, Value: NoDeadline, Platform: returns.AliExpress, CaseID: "8001:2"}
	got, err := DecodeCursor(in.Encode())
	if err != nil || *got != in {
		t.Fatalf("DecodeCursor(Encode(%+v)) = %+v, %v", in, got, err)
	}
}

func TestDecodeCursorRejectsForeignInput(t *testing.T) {
	for _, s := range []string{
		"",
		"not base64!",
		base64.RawURLEncoding.EncodeToString([]byte("{}")),
		base64.RawURLEncoding.EncodeToString([]byte(`{"o":"UPDATED_AT_DESC","v":1,"p":"EBAY","i":"1"}`)),
		base64.RawURLEncoding.EncodeToString([]byte(`{"o":"SIDEWAYS","v":1,"p":"XHS","i":"1"}`)),
		base64.RawURLEncoding.EncodeToString([]byte(`{"o":"UPDATED_AT_DESC","v":1,"p":"XHS","i":""}`)),
		base64.RawURLEncoding.EncodeToString([]byte(`{"o":"UPDATED_AT_DESC","v":1,"p":"XHS","i":"1","x":2}`)),
		base64.RawURLEncoding.EncodeToString([]byte(`[1,2]`)),
	} {
		if _, err := DecodeCursor(s); returns.ErrorCodeOf(err) != returns.CodeInvalid {
			t.Errorf("DecodeCursor(%q) error = %v, want INVALID", s, err)
		}
	}
}

func TestCursorOrder(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	later := t0.Add(time.Hour)
	a := &returns.Case{Platform: returns.XHS, PlatformCaseID: "A", UpdatedAt: t0, CreatedAt: t0}
	b := &returns.Case{Platform: returns.XHS, PlatformCaseID: "B", UpdatedAt: later, CreatedAt: t0, Deadlines: returns.Deadlines{RespondBy: &later}}
	if !CursorFor(OrderUpdatedDesc, b).Before(CursorFor(OrderUpdatedDesc, a)) {
		t.Error("UPDATED_AT_DESC: the later update comes first")
	}
	if !CursorFor(OrderRespondByAsc, b).Before(CursorFor(OrderRespondByAsc, a)) {
		t.Error("RESPOND_BY_ASC: a case without a deadline comes last")
	}
	// Same sort value: the key breaks the tie, in the order's direction.
	if !CursorFor(OrderCreatedDesc, b).Before(CursorFor(OrderCreatedDesc, a)) {
		t.Error("CREATED_AT_DESC tie: B before A (descending key)")
	}
}

func TestListQueryNormalize(t *testing.T) {
	c := &Cursor{Order: OrderUpdatedDesc, Platform: returns.XHS, CaseID: "1"}
	other := &Cursor{Order: OrderRespondByAsc, Platform: returns.XHS, CaseID: "1"}
	bad := []ListQuery{
		{First: -1},
		{Last: -1},
		{First: 1, Last: 1},
		{First: MaxPageSize + 1},
		{Last: MaxPageSize + 1},
		{Last: 5, After: c},
		{First: 5, Before: c},
		{After: c, Before: c},
		{Order: "SIDEWAYS"},
		{First: 5, After: other},
	}
	for _, q := range bad {
		q := q
		if err := q.Normalize(); returns.ErrorCodeOf(err) != returns.CodeInvalid {
			t.Errorf("Normalize(%+v) = %v, want INVALID", q, err)
		}
	}
	q := ListQuery{}
	if err := q.Normalize(); err != nil || q.First != DefaultPageSize || q.Order != OrderUpdatedDesc {
		t.Errorf("defaults: %+v, %v", q, err)
	}
	q = ListQuery{Before: c}
	if err := q.Normalize(); err != nil || q.Last != DefaultPageSize {
		t.Errorf("before alone pages backwards: %+v, %v", q, err)
	}
}
