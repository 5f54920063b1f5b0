package main

import (
	"strings"
	"testing"
	"time"
)

// TestOAuthState: a state verifies only as signed, for the gateway that
// signed it, before it expires.
func TestOAuthState(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	c := &Connections{stateKey: []byte("k1"), now: func() time.Time { return now }}
	other := &Connections{stateKey: []byte("k2"), now: c.now}
	good := c.signState(oauthState{Org: "o", Platform: "XHS", Shop: "s", Expires: now.Add(stateTTL).Unix(), Nonce: "n"})
	expired := c.signState(oauthState{Org: "o", Platform: "XHS", Shop: "s", Expires: now.Add(-time.Second).Unix()})
	payload, sig, _ := strings.Cut(good, ".")
	tests := []struct {
		name  string
		c     *Connections
		state string
		ok    bool
	}{
		{"as signed", c, good, true},
		{"another gateway's key", other, good, false},
		{"expired", c, expired, false},
		{"payload changed", c, payload + "x." + sig, false},
		{"signature changed", c, payload + "." + sig[:len(sig)-2] + "AA", false},
		{"no signature", c, payload, false},
		{"empty", c, "", false},
		{"huge", c, strings.Repeat("a", 5000) + "." + sig, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := tc.c.verifyState(tc.state)
			if (err == nil) != tc.ok {
				t.Fatalf("verify: %v, want ok %v", err, tc.ok)
			}
			if tc.ok && (st.Org != "o" || st.Platform != "XHS" || st.Shop != "s") {
				t.Errorf("state %+v", st)
			}
		})
	}
}

func FuzzVerifyState(f *testing.F) {
	c := &Connections{stateKey: []byte("k"), now: time.Now}
	f.Add(c.signState(oauthState{Org: "o", Platform: "XHS", Shop: "s", Expires: time.Now().Add(time.Hour).Unix()}))
	f.Add("a.b")
	f.Fuzz(func(t *testing.T, s string) {
		st, err := c.verifyState(s)
		if err == nil && c.signState(st) == "" {
			t.Fatal("verified an unsignable state")
		}
	})
}
