package store

import (
	"testing"

	"github.com/returnsgw/returnsgw/returns"
)

// FuzzDecodeCursor: a client's after/before argument never panics the
// decoder; anything but a cursor is INVALID, and a cursor it accepts is one
// Encode can make, which decodes back to itself.
func FuzzDecodeCursor(f *testing.F) {
	for _, c := range []Cursor{
		{Order: OrderUpdatedDesc, Value: 1794735000000000000, Platform: returns.XHS, CaseID: "R730100000000100004"},
		{Order: OrderCreatedDesc, Value: -1, Platform: returns.Alibaba, CaseID: "1000000000001:7000020001"},
		{Order: OrderRespondByAsc, Value: NoDeadline, Platform: returns.AliExpress, CaseID: "8001:2"},
	} {
		f.Add(c.Encode())
	}
	f.Add("")
	f.Add("eyJvIjoiVVBEQVRFRF9BVF9ERVNDIiwidiI6MSwicCI6IlhIUyIsImkiOiIxIn0=") // padded
	f.Add("not base64!")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := DecodeCursor(s)
		if err != nil {
			if c != nil || returns.ErrorCodeOf(err) != returns.CodeInvalid {
				t.Fatalf("DecodeCursor(%q) = %+v, %v; want nil, INVALID", s, c, err)
			}
			return
		}
		if !c.Order.Valid() || !c.Platform.Valid() || c.CaseID == "" {
			t.Fatalf("DecodeCursor(%q) accepted %+v", s, c)
		}
		again, err := DecodeCursor(c.Encode())
		if err != nil || *again != *c {
			t.Fatalf("DecodeCursor(Encode(%+v)) = %+v, %v", c, again, err)
		}
	})
}
