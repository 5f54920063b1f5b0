package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// OpenConnections returns a new, empty connection store whose clock is now.
type OpenConnections func(t *testing.T, now func() time.Time) store.ConnectionStore

var connOrgSeq atomic.Int64

// connOrgs gives each run organisations of its own.
func connOrgs() (returns.OrgID, returns.OrgID) {
	n := connOrgSeq.Add(1)
	return returns.OrgID(fmt.Sprintf("conn-a-%d", n)), returns.OrgID(fmt.Sprintf("conn-b-%d", n))
}

func sampleConnection(platform returns.PlatformID, shop string) *store.Connection {
	loc := time.FixedZone("CST", 8*3600)
	return &store.Connection{
		Platform: platform, ShopID: shop, AppID: "app-1", SellerID: "seller-1", SellerName: "Shop",
		AppSecret: "v1:k1:sealed-secret", AccessToken: "v1:k1:sealed-access", RefreshToken: "v1:k1:sealed-refresh",
		AccessExpiresAt:  time.Date(2026, 3, 1, 10, 0, 0, 123456789, loc),
		RefreshExpiresAt: time.Date(2026, 3, 14, 10, 0, 0, 0, loc),
		State:            store.ConnectionActive,
	}
}

// RunConnections runs the conformance suite of store.ConnectionStore.
func RunConnections(t *testing.T, open OpenConnections) {
	ctx := context.Background()
	now := time.Date(2026, 2, 20, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }

	t.Run("RoundTrip", func(t *testing.T) {
		s := open(t, clock)
		org, _ := connOrgs()
		in := sampleConnection(returns.XHS, "shop-1")
		saved, err := s.SaveConnection(ctx, org, in)
		if err != nil {
			t.Fatal(err)
		}
		if saved.Version != 1 || !saved.UpdatedAt.Equal(now) {
			t.Errorf("saved version %d at %v, want 1 at %v", saved.Version, saved.UpdatedAt, now)
		}
		got, err := s.GetConnection(ctx, org, returns.XHS, "shop-1")
		if err != nil {
			t.Fatal(err)
		}
		want := *in
		want.Version, want.UpdatedAt = 1, now
		want.AccessExpiresAt, want.RefreshExpiresAt = in.AccessExpiresAt.UTC(), in.RefreshExpiresAt.UTC()
		if !reflect.DeepEqual(got, &want) {
			t.Errorf("got  %+v\nwant %+v", got, &want)
		}
		if got.AccessExpiresAt.Location() != time.UTC {
			t.Error("times must come back in UTC")
		}
		// Zero times stay zero.
		in2 := sampleConnection(returns.AliExpress, "shop-2")
		in2.RefreshExpiresAt = time.Time{}
		if _, err := s.SaveConnection(ctx, org, in2); err != nil {
			t.Fatal(err)
		}
		got2, _ := s.GetConnection(ctx, org, returns.AliExpress, "shop-2")
		if !got2.RefreshExpiresAt.IsZero() {
			t.Errorf("zero refresh expiry came back as %v", got2.RefreshExpiresAt)
		}
	})

	t.Run("Versions", func(t *testing.T) {
		s := open(t, clock)
		org, _ := connOrgs()
		first, err := s.SaveConnection(ctx, org, sampleConnection(returns.Alibaba, "s"))
		if err != nil {
			t.Fatal(err)
		}
		upd := *first
		upd.AccessToken = "v1:k1:rotated"
		second, err := s.SaveConnection(ctx, org, &upd)
		if err != nil || second.Version != 2 {
			t.Fatalf("update with the stored version: %v, version %d", err, second.Version)
		}
		stale := *first
		stale.RefreshToken = "v1:k1:stale"
		if _, err := s.SaveConnection(ctx, org, &stale); returns.ErrorCodeOf(err) != returns.CodeConflict {
			t.Fatalf("update with a stale version: %v, want CONFLICT", err)
		}
		got, _ := s.GetConnection(ctx, org, returns.Alibaba, "s")
		if got.RefreshToken == "v1:k1:stale" || got.AccessToken != "v1:k1:rotated" {
			t.Error("a stale update was written")
		}
		again := sampleConnection(returns.Alibaba, "s") // the seller authorizes again
		third, err := s.SaveConnection(ctx, org, again)
		if err != nil || third.Version != 3 {
			t.Fatalf("replace with version 0: %v, version %d", err, third.Version)
		}
	})

	t.Run("Isolation", func(t *testing.T) {
		s := open(t, clock)
		a, b := connOrgs()
		if _, err := s.SaveConnection(ctx, a, sampleConnection(returns.XHS, "shared")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetConnection(ctx, b, returns.XHS, "shared"); returns.ErrorCodeOf(err) != returns.CodeNotFound {
			t.Errorf("another organisation's connection: %v, want NOT_FOUND", err)
		}
		if l, err := s.ListConnections(ctx, b); err != nil || len(l) != 0 {
			t.Errorf("another organisation lists %d connections (%v)", len(l), err)
		}
		if err := s.DeleteConnection(ctx, b, returns.XHS, "shared"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetConnection(ctx, a, returns.XHS, "shared"); err != nil {
			t.Errorf("a delete by another organisation removed the connection: %v", err)
		}
	})

	t.Run("ListAndDelete", func(t *testing.T) {
		s := open(t, clock)
		org, _ := connOrgs()
		for _, k := range []struct {
			p returns.PlatformID
			s string
		}{{returns.XHS, "b"}, {returns.AliExpress, "z"}, {returns.XHS, "a"}} {
			if _, err := s.SaveConnection(ctx, org, sampleConnection(k.p, k.s)); err != nil {
				t.Fatal(err)
			}
		}
		l, err := s.ListConnections(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, c := range l {
			keys = append(keys, string(c.Platform)+"/"+c.ShopID)
		}
		if want := []string{"ALIEXPRESS/z", "XHS/a", "XHS/b"}; !reflect.DeepEqual(keys, want) {
			t.Errorf("listed %v, want %v", keys, want)
		}
		if err := s.DeleteConnection(ctx, org, returns.XHS, "a"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteConnection(ctx, org, returns.XHS, "a"); err != nil {
			t.Errorf("deleting a missing connection: %v", err)
		}
		if _, err := s.GetConnection(ctx, org, returns.XHS, "a"); returns.ErrorCodeOf(err) != returns.CodeNotFound {
			t.Errorf("deleted connection: %v", err)
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		s := open(t, clock)
		org, _ := connOrgs()
		bad := []*store.Connection{nil, {Platform: "EBAY", ShopID: "x", State: store.ConnectionActive},
			{Platform: returns.XHS, State: store.ConnectionActive}, {Platform: returns.XHS, ShopID: "x", State: "WEIRD"}}
		for i, c := range bad {
			if _, err := s.SaveConnection(ctx, org, c); returns.ErrorCodeOf(err) != returns.CodeInvalid {
				t.Errorf("bad connection %d: %v, want INVALID", i, err)
			}
		}
		if _, err := s.SaveConnection(ctx, "", sampleConnection(returns.XHS, "x")); returns.ErrorCodeOf(err) != returns.CodeInvalid {
			t.Errorf("empty organisation: %v, want INVALID", err)
		}
	})

	t.Run("Reseal", func(t *testing.T) {
		s := open(t, clock)
		a, b := connOrgs()
		for _, org := range []returns.OrgID{a, b} {
			for _, shop := range []string{"1", "2"} {
				if _, err := s.SaveConnection(ctx, org, sampleConnection(returns.XHS, shop)); err != nil {
					t.Fatal(err)
				}
			}
		}
		// A failure part-way writes nothing.
		calls := 0
		boom := errors.New("boom")
		if _, err := s.ResealConnections(ctx, func(org returns.OrgID, c *store.Connection) error {
			calls++
			if calls == 3 {
				return boom
			}
			c.AccessToken = "v1:k2:new"
			return nil
		}); !errors.Is(err, boom) {
			t.Fatalf("reseal error %v, want the callback's", err)
		}
		for _, org := range []returns.OrgID{a, b} {
			l, _ := s.ListConnections(ctx, org)
			for _, c := range l {
				if c.AccessToken != "v1:k1:sealed-access" {
					t.Fatalf("a failed reseal wrote %s/%s", org, c.ShopID)
				}
			}
		}
		seen := map[returns.OrgID]int{}
		n, err := s.ResealConnections(ctx, func(org returns.OrgID, c *store.Connection) error {
			seen[org]++
			if c.ShopID == "2" {
				return nil // unchanged: not rewritten
			}
			c.AppSecret, c.AccessToken, c.RefreshToken = "v1:k2:s", "v1:k2:a", "v1:k2:r"
			return nil
		})
		if err != nil || n != 2 {
			t.Fatalf("reseal rewrote %d (%v), want 2", n, err)
		}
		if seen[a] != 2 || seen[b] != 2 {
			t.Errorf("reseal saw %v, want every connection of every organisation", seen)
		}
		got, _ := s.GetConnection(ctx, b, returns.XHS, "1")
		if got.AppSecret != "v1:k2:s" || got.AccessToken != "v1:k2:a" || got.RefreshToken != "v1:k2:r" || got.Version != 2 {
			t.Errorf("resealed connection %+v", got)
		}
	})
}
