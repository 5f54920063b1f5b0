package store

import (
	"math"
	"testing"

	"github.com/returnsgw/returnsgw/returns"
)

// FuzzDecodeDueCursor: DueCases' after argument never panics the decoder;
// anything else is INVALID, and what it accepts is in range and survives
// EncodeDueCursor unchanged.
func FuzzDecodeDueCursor(f *testing.F) {
	f.Add(EncodeDueCursor(0, 1794735000000000000, 42))
	f.Add(EncodeDueCursor(1, math.MaxInt64, -1))
	f.Add(EncodeDueCursor(1, math.MinInt64, math.MaxInt64))
	f.Add("")
	f.Add("1:2")
	f.Add("+1:-0:00")
	f.Fuzz(func(t *testing.T, s string) {
		anchor, at, id, err := DecodeDueCursor(s)
		if err != nil {
			if returns.ErrorCodeOf(err) != returns.CodeInvalid || anchor != 0 || at != 0 || id != 0 {
				t.Fatalf("DecodeDueCursor(%q) = %d, %d, %d, %v; want zeros, INVALID", s, anchor, at, id, err)
			}
			return
		}
		if anchor < 0 || anchor > 1 || id < -1 {
			t.Fatalf("DecodeDueCursor(%q) accepted %d, %d, %d", s, anchor, at, id)
		}
		a2, at2, id2, err := DecodeDueCursor(EncodeDueCursor(anchor, at, id))
		if err != nil || a2 != anchor || at2 != at || id2 != id {
			t.Fatalf("round trip of %d, %d, %d = %d, %d, %d, %v", anchor, at, id, a2, at2, id2, err)
		}
	})
}
