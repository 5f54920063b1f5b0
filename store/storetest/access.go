package storetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// OpenAccess returns a new, empty store.Access and arranges for it to be closed.
type OpenAccess func(t *testing.T) store.Access

// RunAccess runs the conformance suite of store.Access: organisations and
// API keys. Times come back in UTC, exact to the nanosecond.
func RunAccess(t *testing.T, open OpenAccess) {
	ctx := context.Background()
	at := start
	later := start.Add(time.Hour)

	t.Run("Orgs", func(t *testing.T) {
		s := open(t)
		if err := s.CreateOrg(ctx, store.Org{ID: "b", Name: "Bee", CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateOrg(ctx, store.Org{ID: "a", Name: "Ay", CreatedAt: later.In(time.FixedZone("x", 3600))}); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "access", s.CreateOrg(ctx, store.Org{ID: "a", Name: "again", CreatedAt: at}), returns.CodeConflict)
		wantCode(t, "access", s.CreateOrg(ctx, store.Org{ID: "", CreatedAt: at}), returns.CodeInvalid)
		orgs, err := s.ListOrgs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(orgs) != 2 || orgs[0].ID != "a" || orgs[1].ID != "b" || orgs[0].Name != "Ay" {
			t.Fatalf("ListOrgs = %+v, want a then b", orgs)
		}
		if !orgs[0].CreatedAt.Equal(later) || orgs[0].CreatedAt.Location() != time.UTC {
			t.Fatalf("CreatedAt = %v, want %v in UTC", orgs[0].CreatedAt, later)
		}
		o, err := s.GetOrg(ctx, "b")
		if err != nil || o.Name != "Bee" {
			t.Fatalf("GetOrg(b) = %+v, %v", o, err)
		}
		_, err = s.GetOrg(ctx, "zz")
		wantCode(t, "access", err, returns.CodeNotFound)
	})

	t.Run("Keys", func(t *testing.T) {
		s := open(t)
		for _, id := range []returns.OrgID{"a", "b"} {
			if err := s.CreateOrg(ctx, store.Org{ID: id, CreatedAt: at}); err != nil {
				t.Fatal(err)
			}
		}
		k1 := store.APIKey{ID: "k1", Org: "a", Name: "erp", Hash: bytes.Repeat([]byte{1}, 32), Scopes: []string{"read", "write"}, CreatedAt: at}
		k2 := store.APIKey{ID: "k2", Org: "a", Name: "dash", Hash: bytes.Repeat([]byte{2}, 32), Scopes: []string{"subscribe"}, CreatedAt: later}
		k3 := store.APIKey{ID: "k3", Org: "b", Hash: bytes.Repeat([]byte{3}, 32), Scopes: []string{"admin"}, CreatedAt: at}
		for _, k := range []store.APIKey{k1, k2, k3} {
			if err := s.CreateAPIKey(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, "access", s.CreateAPIKey(ctx, store.APIKey{ID: "k1", Org: "b", Hash: []byte{9}, CreatedAt: at}), returns.CodeConflict)
		wantCode(t, "access", s.CreateAPIKey(ctx, store.APIKey{ID: "k9", Org: "nope", Hash: []byte{9}, CreatedAt: at}), returns.CodeNotFound)
		wantCode(t, "access", s.CreateAPIKey(ctx, store.APIKey{ID: "", Org: "a", Hash: []byte{9}, CreatedAt: at}), returns.CodeInvalid)

		got, err := s.APIKey(ctx, "k1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Org != "a" || got.Name != "erp" || !bytes.Equal(got.Hash, k1.Hash) || len(got.Scopes) != 2 ||
			got.Scopes[1] != "write" || got.LastUsedAt != nil || got.RevokedAt != nil || !got.CreatedAt.Equal(at) {
			t.Fatalf("APIKey(k1) = %+v", got)
		}
		_, err = s.APIKey(ctx, "missing")
		wantCode(t, "access", err, returns.CodeNotFound)

		list, err := s.ListAPIKeys(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != "k2" || list[1].ID != "k1" {
			t.Fatalf("ListAPIKeys(a) = %+v, want k2 then k1 (newest first), and not b's key", list)
		}

		// Last use moves forward only.
		if err := s.TouchAPIKey(ctx, "k1", later); err != nil {
			t.Fatal(err)
		}
		if err := s.TouchAPIKey(ctx, "k1", at); err != nil {
			t.Fatal(err)
		}
		got, _ = s.APIKey(ctx, "k1")
		if got.LastUsedAt == nil || !got.LastUsedAt.Equal(later) {
			t.Fatalf("LastUsedAt = %v, want %v", got.LastUsedAt, later)
		}

		// Revocation is per organisation, and keeps its first time.
		wantCode(t, "access", s.RevokeAPIKey(ctx, "b", "k1", at), returns.CodeNotFound)
		if err := s.RevokeAPIKey(ctx, "a", "k1", at); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeAPIKey(ctx, "a", "k1", later); err != nil {
			t.Fatal(err)
		}
		got, _ = s.APIKey(ctx, "k1")
		if got.RevokedAt == nil || !got.RevokedAt.Equal(at) {
			t.Fatalf("RevokedAt = %v, want %v", got.RevokedAt, at)
		}
		if other, _ := s.APIKey(ctx, "k2"); other.RevokedAt != nil {
			t.Fatal("revoking k1 revoked k2")
		}
	})
}
