package storetest

import (
	"context"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// OpenRoutes returns a new, empty route store whose clock is now.
type OpenRoutes func(t *testing.T, now func() time.Time) store.RouteStore

// OpenTemplates returns a new, empty template store whose clock is now.
type OpenTemplates func(t *testing.T, now func() time.Time) store.TemplateStore

var routeOrgSeq atomic.Int64

func routeOrgs() (returns.OrgID, returns.OrgID) {
	n := routeOrgSeq.Add(1)
	return returns.OrgID(fmt.Sprintf("route-a-%d", n)), returns.OrgID(fmt.Sprintf("route-b-%d", n))
}

func sampleRoute(id, shop string, kind returns.RouteKind, cost int64) *returns.Route {
	return &returns.Route{ID: id, Platform: returns.XHS, ShopID: shop, Kind: kind, Name: "route " + id,
		Cost: returns.Money{Minor: cost, Currency: "CNY"}, TransitDaysMin: 3, TransitDaysMax: 5,
		Markets: []returns.Market{returns.MarketDomestic, returns.MarketCrossBorderDirect}, PlatformAddressID: "19605702"}
}

// RunRoutes runs the conformance suite of store.RouteStore.
func RunRoutes(t *testing.T, open OpenRoutes) {
	ctx := context.Background()
	now := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }

	t.Run("RoundTrip", func(t *testing.T) {
		s := open(t, clock)
		org, other := routeOrgs()
		in := sampleRoute("r1", "shop-1", returns.RouteLocal, 800)
		in.MinValue = &returns.Money{Minor: 100000, Currency: "CNY"}
		saved, err := s.CreateRoute(ctx, org, in)
		if err != nil {
			t.Fatal(err)
		}
		want := *in
		want.UpdatedAt = now
		if !reflect.DeepEqual(saved, &want) {
			t.Errorf("created %+v, want %+v", saved, &want)
		}
		got, err := s.GetRoute(ctx, org, "r1")
		if err != nil || !reflect.DeepEqual(got, &want) {
			t.Errorf("get = %+v, %v; want %+v", got, err, &want)
		}
		// Another organisation sees nothing, and cannot touch it.
		_, err = s.GetRoute(ctx, other, "r1")
		wantCode(t, "get from another org", err, returns.CodeNotFound)
		_, err = s.UpdateRoute(ctx, other, in)
		wantCode(t, "update from another org", err, returns.CodeNotFound)
		_, err = s.DeleteRoute(ctx, other, "r1")
		wantCode(t, "delete from another org", err, returns.CodeNotFound)
		if l, err := s.ListRoutes(ctx, other, "", ""); err != nil || len(l) != 0 {
			t.Errorf("another org lists %v, %v", l, err)
		}
		// The same id in another organisation is its own route.
		if _, err := s.CreateRoute(ctx, other, sampleRoute("r1", "shop-1", returns.RouteLocal, 1)); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetRoute(ctx, org, "r1"); got.Cost.Minor != 800 {
			t.Errorf("another org's route of the same id changed ours: %+v", got)
		}
		_, err = s.CreateRoute(ctx, org, in)
		wantCode(t, "create a taken id", err, returns.CodeConflict)
	})

	t.Run("Update", func(t *testing.T) {
		s := open(t, clock)
		org, _ := routeOrgs()
		in := sampleRoute("r1", "shop-1", returns.RouteLocal, 800)
		if _, err := s.CreateRoute(ctx, org, in); err != nil {
			t.Fatal(err)
		}
		up := *in
		up.Kind, up.Name, up.Cost.Minor, up.TransitDaysMax, up.Markets = returns.RouteOverseasWarehouse, "warehouse", 2500, 10, []returns.Market{returns.MarketCrossBorderBonded}
		up.PlatformAddressID, up.MinValue = "", &returns.Money{Minor: 5, Currency: "CNY"}
		if _, err := s.UpdateRoute(ctx, org, &up); err != nil {
			t.Fatal(err)
		}
		got, _ := s.GetRoute(ctx, org, "r1")
		up.UpdatedAt = now
		if !reflect.DeepEqual(got, &up) {
			t.Errorf("after update %+v, want %+v", got, &up)
		}
		up.MinValue = nil
		if _, err := s.UpdateRoute(ctx, org, &up); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetRoute(ctx, org, "r1"); got.MinValue != nil {
			t.Errorf("min value not cleared: %+v", got.MinValue)
		}
		moved := up
		moved.ShopID = "shop-2"
		_, err := s.UpdateRoute(ctx, org, &moved)
		wantCode(t, "move to another shop", err, returns.CodeInvalid)
		missing := up
		missing.ID = "nope"
		_, err = s.UpdateRoute(ctx, org, &missing)
		wantCode(t, "update a missing route", err, returns.CodeNotFound)
	})

	t.Run("Invalid", func(t *testing.T) {
		s := open(t, clock)
		org, _ := routeOrgs()
		bad := []func(r *returns.Route){
			func(r *returns.Route) { r.Cost.Minor = -1 },
			func(r *returns.Route) { r.TransitDaysMin, r.TransitDaysMax = 6, 5 },
			func(r *returns.Route) { r.Markets = nil },
			func(r *returns.Route) { r.Markets = []returns.Market{"MARS"} },
			func(r *returns.Route) { r.Kind = "CANOE" },
			func(r *returns.Route) { r.ID = "" },
			func(r *returns.Route) { r.PlatformAddressID = "a b" },
		}
		for i, f := range bad {
			r := sampleRoute(fmt.Sprintf("bad-%d", i), "shop-1", returns.RouteLocal, 1)
			f(r)
			_, err := s.CreateRoute(ctx, org, r)
			wantCode(t, fmt.Sprintf("bad route %d", i), err, returns.CodeInvalid)
		}
		if l, _ := s.ListRoutes(ctx, org, "", ""); len(l) != 0 {
			t.Errorf("invalid routes were stored: %+v", l)
		}
	})

	t.Run("ListAndCap", func(t *testing.T) {
		s := open(t, clock)
		org, _ := routeOrgs()
		for i := 0; i < returns.MaxRoutesPerShop; i++ {
			if _, err := s.CreateRoute(ctx, org, sampleRoute(fmt.Sprintf("a%02d", i), "shop-a", returns.RouteLocal, int64(i))); err != nil {
				t.Fatal(err)
			}
		}
		_, err := s.CreateRoute(ctx, org, sampleRoute("one-too-many", "shop-a", returns.RouteLocal, 1))
		wantCode(t, "route beyond the cap", err, returns.CodeInvalid)
		b := sampleRoute("b1", "shop-b", returns.RouteReturnToOrigin, 1)
		b.Platform = returns.AliExpress
		if _, err := s.CreateRoute(ctx, org, b); err != nil {
			t.Fatal(err)
		}
		all, _ := s.ListRoutes(ctx, org, "", "")
		if len(all) != returns.MaxRoutesPerShop+1 || all[0].Platform != returns.AliExpress || all[1].ID != "a00" {
			t.Errorf("list all: %d routes, first %s/%s", len(all), all[0].Platform, all[0].ID)
		}
		one, _ := s.ListRoutes(ctx, org, returns.AliExpress, "shop-b")
		if len(one) != 1 || one[0].ID != "b1" {
			t.Errorf("list one shop: %+v", one)
		}
		if none, _ := s.ListRoutes(ctx, org, returns.XHS, "shop-b"); len(none) != 0 {
			t.Errorf("list by platform and shop: %+v", none)
		}
		del, err := s.DeleteRoute(ctx, org, "b1")
		if err != nil || del.ID != "b1" {
			t.Fatalf("delete: %+v, %v", del, err)
		}
		_, err = s.GetRoute(ctx, org, "b1")
		wantCode(t, "get after delete", err, returns.CodeNotFound)
	})

	t.Run("CaseRoute", func(t *testing.T) {
		s := open(t, clock)
		org, other := routeOrgs()
		key := returns.CaseKey{Platform: returns.XHS, PlatformCaseID: "case-1"}
		if cr, err := s.GetCaseRoute(ctx, org, key); err != nil || cr != nil {
			t.Fatalf("no route yet: %+v, %v", cr, err)
		}
		r := sampleRoute("r1", "shop-1", returns.RouteLocal, 800)
		r.UpdatedAt = now
		if _, err := s.CreateRoute(ctx, org, r); err != nil {
			t.Fatal(err)
		}
		loc := time.FixedZone("CST", 8*3600)
		in := &returns.CaseRoute{Route: *r, Chosen: true, ApprovedAt: time.Date(2026, 12, 4, 16, 0, 0, 5, loc),
			ExpectedArrivalBy: time.Date(2026, 12, 9, 16, 0, 0, 5, loc)}
		if err := s.SetCaseRoute(ctx, org, key, in); err != nil {
			t.Fatal(err)
		}
		// The case keeps its copy after the route is deleted.
		if _, err := s.DeleteRoute(ctx, org, "r1"); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetCaseRoute(ctx, org, key)
		if err != nil {
			t.Fatal(err)
		}
		want := *in
		want.ApprovedAt, want.ExpectedArrivalBy = in.ApprovedAt.UTC(), in.ExpectedArrivalBy.UTC()
		if !reflect.DeepEqual(got, &want) {
			t.Errorf("case route %+v, want %+v", got, &want)
		}
		if cr, err := s.GetCaseRoute(ctx, other, key); err != nil || cr != nil {
			t.Errorf("another org sees the case's route: %+v, %v", cr, err)
		}
		// A second approval's route replaces the first.
		in2 := *in
		in2.Route.ID, in2.Chosen = "r2", false
		if err := s.SetCaseRoute(ctx, org, key, &in2); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetCaseRoute(ctx, org, key); got.Route.ID != "r2" || got.Chosen {
			t.Errorf("replaced case route: %+v", got)
		}
		// A reset clears one organisation's routes and case routes only.
		if err := s.SetCaseRoute(ctx, other, key, in); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateRoute(ctx, org, sampleRoute("r3", "shop-1", returns.RouteLocal, 1)); err != nil {
			t.Fatal(err)
		}
		if err := s.ResetRoutes(ctx, org); err != nil {
			t.Fatal(err)
		}
		if cr, _ := s.GetCaseRoute(ctx, org, key); cr != nil {
			t.Errorf("case route after reset: %+v", cr)
		}
		if l, _ := s.ListRoutes(ctx, org, "", ""); len(l) != 0 {
			t.Errorf("routes after reset: %+v", l)
		}
		if cr, _ := s.GetCaseRoute(ctx, other, key); cr == nil {
			t.Error("the reset cleared another organisation's case route")
		}
	})
}

// RunTemplates runs the conformance suite of store.TemplateStore.
func RunTemplates(t *testing.T, open OpenTemplates) {
	ctx := context.Background()
	now := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	tpl := func(platform returns.PlatformID, shop string, reason returns.Reason, lang returns.Language, body string) *returns.MessageTemplate {
		return &returns.MessageTemplate{Platform: platform, ShopID: shop, Reason: reason, Language: lang, Body: body}
	}

	t.Run("SaveListReplace", func(t *testing.T) {
		s := open(t, clock)
		org, other := routeOrgs()
		for _, in := range []*returns.MessageTemplate{
			tpl("", "", returns.ReasonSizeFit, returns.LanguageEN, "org size {orderId}"),
			tpl(returns.XHS, "shop-1", returns.ReasonSizeFit, returns.LanguageZH, "店铺 {item}"),
			tpl(returns.XHS, "shop-2", returns.ReasonSizeFit, returns.LanguageZH, "other shop"),
		} {
			got, err := s.SaveTemplate(ctx, org, in)
			if err != nil {
				t.Fatal(err)
			}
			if got.Body != in.Body || !got.UpdatedAt.Equal(now) {
				t.Errorf("saved %+v", got)
			}
		}
		// An org default given a platform is stored as the org default.
		if got, err := s.SaveTemplate(ctx, org, tpl(returns.XHS, "", returns.ReasonOther, returns.LanguageEN, "x")); err != nil || got.Platform != "" {
			t.Errorf("org default with a platform: %+v, %v", got, err)
		}
		l, _ := s.ListTemplates(ctx, org, store.TemplateQuery{Platform: returns.XHS, ShopID: "shop-1"})
		if len(l) != 3 || l[2].ShopID != "shop-1" || l[2].Body != "店铺 {item}" {
			t.Errorf("list shop-1: %+v", l)
		}
		if l, _ := s.ListTemplates(ctx, org, store.TemplateQuery{}); len(l) != 2 {
			t.Errorf("org defaults only: %+v", l)
		}
		if l, _ := s.ListTemplates(ctx, org, store.TemplateQuery{AllShops: true}); len(l) != 4 {
			t.Errorf("all shops: %+v", l)
		}
		if l, _ := s.ListTemplates(ctx, org, store.TemplateQuery{Platform: returns.XHS, ShopID: "shop-1", Language: returns.LanguageZH}); len(l) != 1 {
			t.Errorf("one language: %+v", l)
		}
		if l, _ := s.ListTemplates(ctx, other, store.TemplateQuery{AllShops: true}); len(l) != 0 {
			t.Errorf("another org sees templates: %+v", l)
		}
		if _, err := s.SaveTemplate(ctx, org, tpl("", "", returns.ReasonSizeFit, returns.LanguageEN, "replaced")); err != nil {
			t.Fatal(err)
		}
		l, _ = s.ListTemplates(ctx, org, store.TemplateQuery{Language: returns.LanguageEN})
		if len(l) != 2 || l[1].Body != "replaced" {
			t.Errorf("after replace: %+v", l)
		}
		wantCode(t, "delete from another org", s.DeleteTemplate(ctx, other, "", "", returns.ReasonSizeFit, returns.LanguageEN), returns.CodeNotFound)
		if err := s.DeleteTemplate(ctx, org, "", "", returns.ReasonSizeFit, returns.LanguageEN); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "delete twice", s.DeleteTemplate(ctx, org, "", "", returns.ReasonSizeFit, returns.LanguageEN), returns.CodeNotFound)
	})

	t.Run("Invalid", func(t *testing.T) {
		s := open(t, clock)
		org, _ := routeOrgs()
		long := make([]rune, returns.MaxMessageTemplate+1)
		for i := range long {
			long[i] = '字'
		}
		for _, in := range []*returns.MessageTemplate{
			tpl("", "", returns.ReasonSizeFit, returns.LanguageEN, "hello {buyerName}"),
			tpl("", "", returns.ReasonSizeFit, returns.LanguageEN, "unclosed {orderId"),
			tpl("", "", returns.ReasonSizeFit, returns.LanguageEN, string(long)),
			tpl("", "", returns.ReasonSizeFit, returns.LanguageEN, "  "),
			tpl("", "", returns.ReasonSizeFit, "FR", "bonjour"),
			tpl("", "", "HAPPY", returns.LanguageEN, "hi"),
			tpl("", "shop-1", returns.ReasonSizeFit, returns.LanguageEN, "no platform"),
		} {
			_, err := s.SaveTemplate(ctx, org, in)
			wantCode(t, "bad template "+in.Body[:min(len(in.Body), 20)], err, returns.CodeInvalid)
		}
		if l, _ := s.ListTemplates(ctx, org, store.TemplateQuery{AllShops: true}); len(l) != 0 {
			t.Errorf("invalid templates stored: %+v", l)
		}
	})
}
