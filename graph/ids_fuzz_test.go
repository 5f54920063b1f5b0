package graph

import (
	"encoding/base64"
	"testing"

	"github.com/returnsgw/returnsgw/returns"
)

// FuzzParseCaseID: a client's id argument never panics; a malformed id is
// INVALID, another type's id NOT_FOUND, and a case id it accepts names a
// known platform and a case, and is what CaseID makes of them (up to
// padding, which it tolerates).
func FuzzParseCaseID(f *testing.F) {
	f.Add(CaseID(returns.CaseKey{Platform: returns.XHS, PlatformCaseID: "R730100000000100004"}))
	f.Add(CaseID(returns.CaseKey{Platform: returns.Alibaba, PlatformCaseID: "1000000000001:7000020001"}))
	f.Add(CaseID(returns.CaseKey{Platform: returns.AliExpress, PlatformCaseID: "8001:2"}))
	f.Add(EventID(7))
	f.Add(base64.StdEncoding.EncodeToString([]byte("ReturnCase:XHS:1")))
	f.Add("")
	f.Fuzz(func(t *testing.T, id string) {
		k, err := ParseCaseID(id)
		if err != nil {
			if code := returns.ErrorCodeOf(err); code != returns.CodeInvalid && code != returns.CodeNotFound {
				t.Fatalf("ParseCaseID(%q) error %v (%s)", id, err, code)
			}
			if k != (returns.CaseKey{}) {
				t.Fatalf("ParseCaseID(%q) = %+v with an error", id, k)
			}
			return
		}
		if !k.Platform.Valid() || k.PlatformCaseID == "" {
			t.Fatalf("ParseCaseID(%q) accepted %+v", id, k)
		}
		again, err := ParseCaseID(CaseID(k))
		if err != nil || again != k {
			t.Fatalf("ParseCaseID(CaseID(%+v)) = %+v, %v", k, again, err)
		}
	})
}

// FuzzParseEventID: a subscription's resume id never panics; anything but
// an event id is INVALID, and an accepted sequence number is not negative
// and survives EventID.
func FuzzParseEventID(f *testing.F) {
	f.Add(EventID(0))
	f.Add(EventID(1<<63 - 1))
	f.Add(CaseID(returns.CaseKey{Platform: returns.XHS, PlatformCaseID: "1"}))
	f.Add(base64.RawURLEncoding.EncodeToString([]byte("ReturnCaseEvent:-1")))
	f.Add("")
	f.Fuzz(func(t *testing.T, id string) {
		seq, err := ParseEventID(id)
		if err != nil {
			if returns.ErrorCodeOf(err) != returns.CodeInvalid || seq != 0 {
				t.Fatalf("ParseEventID(%q) = %d, %v; want 0, INVALID", id, seq, err)
			}
			return
		}
		if seq < 0 {
			t.Fatalf("ParseEventID(%q) = %d", id, seq)
		}
		if again, err := ParseEventID(EventID(seq)); err != nil || again != seq {
			t.Fatalf("ParseEventID(EventID(%d)) = %d, %v", seq, again, err)
		}
	})
}
