package store

import (
	"encoding/base64"
	"reflect"
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

// NEXT_DEADLINE_ASC sorts by the earlier of respondBy and refundBy of an
// open case; a closed case, or one with neither, has NoDeadline.
func TestNextDeadlineSortValue(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	t1, t2 := t0.Add(time.Hour), t0.Add(2*time.Hour)
	for _, tc := range []struct {
		name   string
		status returns.Status
		d      returns.Deadlines
		want   int64
	}{
		{"respond alone", returns.StatusRequested, returns.Deadlines{RespondBy: &t1}, t1.UnixNano()},
		{"refund alone", returns.StatusReceived, returns.Deadlines{RefundBy: &t2}, t2.UnixNano()},
		{"refund earlier", returns.StatusEscalated, returns.Deadlines{RespondBy: &t2, RefundBy: &t1}, t1.UnixNano()},
		{"respond earlier", returns.StatusRejected, returns.Deadlines{RespondBy: &t1, RefundBy: &t2}, t1.UnixNano()},
		{"buyer's and platform's clocks do not count", returns.StatusAwaitingBuyerShipment,
			returns.Deadlines{BuyerShipBy: &t0, AutoActionAt: &t0, WindowClosesAt: &t0}, NoDeadline},
		{"refunded", returns.StatusRefunded, returns.Deadlines{RefundBy: &t1}, NoDeadline},
		{"closed", returns.StatusClosed, returns.Deadlines{RespondBy: &t1}, NoDeadline},
		{"completed", returns.StatusCompleted, returns.Deadlines{RespondBy: &t1}, NoDeadline},
		{"cancelled", returns.StatusCancelled, returns.Deadlines{RefundBy: &t1}, NoDeadline},
	} {
		c := &returns.Case{Platform: returns.XHS, PlatformCaseID: "A", Status: tc.status, Deadlines: tc.d}
		if got := SortValue(OrderNextDeadlineAsc, c); got != tc.want {
			t.Errorf("%s: SortValue = %d, want %d", tc.name, got, tc.want)
		}
		f := returns.Filter{NextDeadlineBefore: &t2}
		if got, want := f.Match(c), tc.want < t2.UnixNano(); got != want {
			t.Errorf("%s: nextDeadlineBefore %s matches %v, want %v", tc.name, t2, got, want)
		}
	}
	if OrderNextDeadlineAsc.Descending() || !OrderNextDeadlineAsc.Valid() {
		t.Error("NEXT_DEADLINE_ASC is a valid ascending order")
	}
}

// CountsKept says yes for the bucket fields only: a field added to
// returns.Filter is not summed from the kept counts until this test (and the
// backends' case_counts) say it may be.
func TestCountsKeptOnlyForBucketFields(t *testing.T) {
	bucket := map[string]bool{"Platforms": true, "Statuses": true, "Kinds": true, "Markets": true, "ShopIDs": true}
	if !CountsKept(&returns.Filter{}) {
		t.Error("the empty filter is not summed")
	}
	ft := reflect.TypeFor[returns.Filter]()
	for i := range ft.NumField() {
		var f returns.Filter
		v := reflect.ValueOf(&f).Elem().Field(i)
		switch v.Kind() {
		case reflect.Slice:
			v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		case reflect.String:
			v.SetString("x")
		case reflect.Pointer:
			v.Set(reflect.New(v.Type().Elem()))
		default:
			t.Fatalf("field %s of kind %s: teach this test to set it", ft.Field(i).Name, v.Kind())
		}
		if got, want := CountsKept(&f), bucket[ft.Field(i).Name]; got != want {
			t.Errorf("CountsKept with only %s set = %v, want %v", ft.Field(i).Name, got, want)
		}
	}
}
