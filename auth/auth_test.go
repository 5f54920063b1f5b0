package auth_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/auth"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store/sqlite"
)

type clock struct{ ns atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

func setup(t *testing.T) (*auth.Service, *sqlite.Store, *clock) {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "a.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &clock{}
	c.ns.Store(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	svc := auth.New(st, auth.Options{OperatorOrg: "ops", Now: c.Now, CacheTTL: time.Second, TouchEvery: time.Minute})
	for _, o := range []returns.OrgID{"ops", "acme", "other"} {
		if _, err := svc.CreateOrg(t.Context(), o, string(o)); err != nil {
			t.Fatal(err)
		}
	}
	return svc, st, c
}

func TestAuthenticate(t *testing.T) {
	svc, _, _ := setup(t)
	ctx := t.Context()
	key, rec, err := svc.CreateKey(ctx, "acme", "erp", []auth.Scope{auth.ScopeRead, auth.ScopeWrite})
	if err != nil {
		t.Fatal(err)
	}
	opsKey, _, _ := svc.CreateKey(ctx, "ops", "root", []auth.Scope{auth.ScopeAdmin})
	if strings.Contains(string(rec.Hash), key) || len(rec.Hash) != 32 {
		t.Fatal("the record must hold the key's hash only")
	}
	other, _ := auth.NewKey()
	flipped := []byte(key)
	flipped[len(flipped)-1] ^= 1
	for _, tc := range []struct {
		name, key string
		org       returns.OrgID
		scopes    []auth.Scope
		operator  bool
	}{
		{name: "valid", key: key, org: "acme", scopes: []auth.Scope{auth.ScopeRead, auth.ScopeWrite}},
		{name: "operator", key: opsKey, org: "ops", scopes: []auth.Scope{auth.ScopeAdmin}, operator: true},
		{name: "empty", key: ""},
		{name: "garbage", key: "Bearer abc"},
		{name: "unknown id", key: other},
		{name: "right id, wrong secret", key: string(flipped)},
		{name: "too long", key: key + "x"},
		{name: "prefix only", key: key[:20]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := svc.Authenticate(ctx, tc.key)
			if tc.org == "" {
				if !errors.Is(err, auth.ErrInvalidKey) || p != nil {
					t.Fatalf("Authenticate = %v, %v; want ErrInvalidKey", p, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Org != tc.org || p.Operator != tc.operator || len(p.Scopes) != len(tc.scopes) {
				t.Fatalf("principal %+v", p)
			}
			for _, s := range tc.scopes {
				if !p.Has(s) {
					t.Fatalf("principal lacks %s", s)
				}
			}
		})
	}
}

func TestLastUseIsWrittenOncePerInterval(t *testing.T) {
	svc, st, c := setup(t)
	ctx := t.Context()
	key, rec, _ := svc.CreateKey(ctx, "acme", "", []auth.Scope{auth.ScopeRead})
	first := c.Now()
	if _, err := svc.Authenticate(ctx, key); err != nil {
		t.Fatal(err)
	}
	c.Advance(30 * time.Second)
	svc.Authenticate(ctx, key)
	k, _ := st.APIKey(ctx, rec.ID)
	if k.LastUsedAt == nil || !k.LastUsedAt.Equal(first) {
		t.Fatalf("LastUsedAt = %v, want the first use %v (written once a minute)", k.LastUsedAt, first)
	}
	c.Advance(31 * time.Second)
	svc.Authenticate(ctx, key)
	k, _ = st.APIKey(ctx, rec.ID)
	if !k.LastUsedAt.Equal(c.Now()) {
		t.Fatalf("LastUsedAt = %v, want %v", k.LastUsedAt, c.Now())
	}
}

func TestRevokedKeyFailsAndEndsHeldSessions(t *testing.T) {
	svc, _, _ := setup(t)
	ctx := t.Context()
	key, rec, _ := svc.CreateKey(ctx, "acme", "dash", []auth.Scope{auth.ScopeSubscribe})
	p, err := svc.Authenticate(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	held, release := svc.Hold(context.Background(), p)
	defer release()
	if err := svc.RevokeKey(ctx, "other", rec.ID); returns.ErrorCodeOf(err) != returns.CodeNotFound {
		t.Fatalf("revoking another organisation's key: %v, want NOT_FOUND", err)
	}
	if held.Err() != nil {
		t.Fatal("session ended by a failed revocation")
	}
	if err := svc.RevokeKey(ctx, "acme", rec.ID); err != nil {
		t.Fatal(err)
	}
	<-held.Done()
	if !errors.Is(context.Cause(held), auth.ErrKeyRevoked) {
		t.Fatalf("cause %v", context.Cause(held))
	}
	if _, err := svc.Authenticate(ctx, key); !errors.Is(err, auth.ErrInvalidKey) {
		t.Fatalf("revoked key: %v", err)
	}
}

// A revocation written by another process (another replica, the CLI) ends
// the sessions this one holds once it reads the key again.
func TestRevocationElsewhereEndsHeldSessions(t *testing.T) {
	svc, st, _ := setup(t)
	ctx := t.Context()
	key, rec, _ := svc.CreateKey(ctx, "acme", "dash", []auth.Scope{auth.ScopeSubscribe})
	p, _ := svc.Authenticate(ctx, key)
	// The recheck runs on the real clock: its interval is the cache TTL.
	real := auth.New(st, auth.Options{CacheTTL: 20 * time.Millisecond})
	held, release := real.Hold(context.Background(), p)
	defer release()
	if err := st.RevokeAPIKey(ctx, "acme", rec.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	<-held.Done()
	if !errors.Is(context.Cause(held), auth.ErrKeyRevoked) {
		t.Fatalf("cause %v", context.Cause(held))
	}
}

func TestParseScopes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"read,write", "read write", true},
		{"READ subscribe read", "read subscribe", true},
		{"", "", false},
		{"read,root", "", false},
	} {
		got, err := auth.ParseScopes(tc.in)
		if (err == nil) != tc.ok {
			t.Fatalf("ParseScopes(%q) err = %v", tc.in, err)
		}
		var s []string
		for _, g := range got {
			s = append(s, string(g))
		}
		if strings.Join(s, " ") != tc.want {
			t.Fatalf("ParseScopes(%q) = %v, want %s", tc.in, s, tc.want)
		}
	}
}

func TestCreateOrgValidates(t *testing.T) {
	svc, _, _ := setup(t)
	for _, id := range []returns.OrgID{"", "Acme", "a/b", returns.OrgID(strings.Repeat("a", 65))} {
		if _, err := svc.CreateOrg(t.Context(), id, ""); returns.ErrorCodeOf(err) != returns.CodeInvalid {
			t.Fatalf("CreateOrg(%q) = %v, want INVALID", id, err)
		}
	}
	if _, err := svc.CreateOrg(t.Context(), "acme", ""); returns.ErrorCodeOf(err) != returns.CodeConflict {
		t.Fatalf("duplicate: %v", err)
	}
}
