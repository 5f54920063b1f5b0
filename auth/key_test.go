package auth

import "testing"

// FuzzKeyID: whatever an Authorization header holds, parsing it never panics,
// and what it accepts has the one shape NewKey makes.
func FuzzKeyID(f *testing.F) {
	k, _ := NewKey()
	f.Add(k)
	f.Add("rgw_0123456789abcdef_")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := keyID(s)
		if !ok {
			return
		}
		if len(s) != len(k) || len(id) != idLen || s[:len(keyPrefix)] != keyPrefix {
			t.Fatalf("accepted %q", s)
		}
	})
}

func TestNewKeyRoundTrip(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		k, id := NewKey()
		got, ok := keyID(k)
		if !ok || got != id || seen[id] {
			t.Fatalf("NewKey() = %q, %q; keyID = %q, %v", k, id, got, ok)
		}
		seen[id] = true
	}
}
