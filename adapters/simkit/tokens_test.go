package simkit

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

func TestTokens(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	tk := NewTokens(clock, time.Hour, 2*time.Hour)
	tk.Register("preset", "shop-0")

	code := tk.IssueCode("shop-1")
	pair, err := tk.Exchange(code)
	if err != nil || pair.Subject != "shop-1" || !pair.AccessExpiresAt.Equal(now.Add(time.Hour)) || !pair.RefreshExpiresAt.Equal(now.Add(2*time.Hour)) {
		t.Fatalf("exchange: %+v %v", pair, err)
	}
	if _, err := tk.Exchange(code); !errors.Is(err, ErrCodeInvalid) {
		t.Errorf("a code used twice: %v", err)
	}
	stale := tk.IssueCode("shop-1")
	now = now.Add(11 * time.Minute)
	if _, err := tk.Exchange(stale); !errors.Is(err, ErrCodeInvalid) {
		t.Errorf("a code after 10 minutes: %v", err)
	}

	checks := []struct {
		name    string
		at      time.Duration // after the pair was issued
		token   string
		wantErr error
	}{
		{"fresh", 0, pair.Access, nil},
		{"a nanosecond before expiry", time.Hour - time.Nanosecond, pair.Access, nil},
		{"at expiry", time.Hour, pair.Access, ErrTokenExpired},
		{"unknown", 0, "nope", ErrTokenUnknown},
		{"empty", 0, "", ErrTokenUnknown},
		{"preset never expires", 1000 * time.Hour, "preset", nil},
	}
	issued := now.Add(-11 * time.Minute)
	for _, c := range checks {
		now = issued.Add(c.at)
		if _, err := tk.Check(c.token); !errors.Is(err, c.wantErr) {
			t.Errorf("%s: %v, want %v", c.name, err, c.wantErr)
		}
	}

	now = issued.Add(90 * time.Minute) // access expired, refresh valid
	next, err := tk.Refresh(pair.Refresh)
	if err != nil || next.Refresh == pair.Refresh {
		t.Fatalf("refresh: %+v %v", next, err)
	}
	if _, err := tk.Refresh(pair.Refresh); !errors.Is(err, ErrRefreshFailed) {
		t.Errorf("a rotated-away refresh token: %v", err)
	}
	now = next.RefreshExpiresAt
	if _, err := tk.Refresh(next.Refresh); !errors.Is(err, ErrRefreshFailed) {
		t.Errorf("an expired refresh token: %v", err)
	}
	ex, rf, refused := tk.Calls()
	if ex != 3 || rf != 3 || refused != 4 {
		t.Errorf("calls %d exchanges, %d refreshes, %d refused", ex, rf, refused)
	}

	p2, _ := tk.Exchange(tk.IssueCode("shop-2"))
	tk.Revoke("shop-2")
	if _, err := tk.Check(p2.Access); !errors.Is(err, ErrTokenUnknown) {
		t.Errorf("a revoked access token: %v", err)
	}
	if _, err := tk.Refresh(p2.Refresh); !errors.Is(err, ErrRefreshFailed) {
		t.Errorf("a revoked refresh token: %v", err)
	}
	if len(tk.Issued()) != 9 {
		t.Errorf("%d issued, want 9 (3 codes, 6 tokens)", len(tk.Issued()))
	}
}

func TestAuthorizeRedirects(t *testing.T) {
	tk := NewTokens(nil, time.Hour, 2*time.Hour)
	tests := []struct {
		redirect, subject string
		want              int
	}{
		{"https://gw.example/oauth/callback/xhs?x=1", "shop", http.StatusFound},
		{"javascript:alert(1)", "shop", http.StatusBadRequest},
		{"/relative", "shop", http.StatusBadRequest},
		{"https://gw.example/cb", "", http.StatusBadRequest},
	}
	for _, tc := range tests {
		w := httptest.NewRecorder()
		tk.Authorize(w, httptest.NewRequest(http.MethodGet, "/authorize", nil), tc.redirect, "st", tc.subject)
		if w.Code != tc.want {
			t.Errorf("%s: %d, want %d", tc.redirect, w.Code, tc.want)
			continue
		}
		if tc.want == http.StatusFound {
			u, _ := url.Parse(w.Header().Get("Location"))
			if u.Host != "gw.example" || u.Query().Get("x") != "1" || u.Query().Get("state") != "st" || u.Query().Get("code") == "" {
				t.Errorf("redirect %s", u)
			}
		}
	}
}

// TestRenewOnlyWithin: with XHS's rule a refresh answers the same pair until
// the access token is within the window of its expiry.
func TestRenewOnlyWithin(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	tk := NewTokens(func() time.Time { return now }, 7*24*time.Hour, 14*24*time.Hour)
	tk.RenewOnlyWithin(30 * time.Minute)
	p, _ := tk.Exchange(tk.IssueCode("s"))
	now = p.AccessExpiresAt.Add(-31 * time.Minute)
	same, err := tk.Refresh(p.Refresh)
	if err != nil || same != p {
		t.Fatalf("31 minutes before expiry: %+v %v, want the same pair", same, err)
	}
	now = p.AccessExpiresAt.Add(-29 * time.Minute)
	next, err := tk.Refresh(p.Refresh)
	if err != nil || next.Access == p.Access || next.Refresh == p.Refresh {
		t.Fatalf("29 minutes before expiry: %+v %v, want a new pair", next, err)
	}
}
