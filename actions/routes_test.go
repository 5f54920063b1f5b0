package actions

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// messengerPlatform is the fake platform that remembers the requests it
// performed and takes a buyer message in the slot its actions name.
type messengerPlatform struct {
	*fakePlatform
	slots map[returns.Action]returns.MessageSlot

	mu   sync.Mutex
	sent []returns.ActionRequest
}

func (p *messengerPlatform) Perform(ctx context.Context, req returns.ActionRequest) (*returns.ActionResult, error) {
	p.mu.Lock()
	p.sent = append(p.sent, req)
	p.mu.Unlock()
	return p.fakePlatform.Perform(ctx, req)
}

func (p *messengerPlatform) BuyerMessageSlot(a returns.Action, _ *returns.Case) returns.MessageSlot {
	return p.slots[a]
}

func (p *messengerPlatform) last(t *testing.T) returns.ActionRequest {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.sent) == 0 {
		t.Fatal("nothing was sent to the platform")
	}
	return p.sent[len(p.sent)-1]
}

// routeEnv is env with routes and templates in its store.
func routeEnv(t *testing.T, market returns.Market, kind returns.Kind) (*env, *messengerPlatform) {
	t.Helper()
	fp := apiPlatform()
	e := newEnv(t, fp, returns.StatusRequested)
	c := e.stored(t)
	c.Market, c.Kind = market, kind
	fp.put(c)
	if _, err := e.st.UpsertCase(context.Background(), org, c, store.Change{Source: returns.SourcePoll}); err != nil {
		t.Fatal(err)
	}
	mp := &messengerPlatform{fakePlatform: fp, slots: map[returns.Action]returns.MessageSlot{
		returns.ActionApprove: returns.SlotMessage, returns.ActionOffer: returns.SlotNote}}
	e.svc = New(Options{Store: e.st, Platforms: adapters.NewRegistry(mp), Now: func() time.Time { return base },
		Log: slog.New(slog.DiscardHandler), PlatformTimeout: 10 * time.Second, Routes: e.st, Templates: e.st})
	return e, mp
}

func seedRoutes(t *testing.T, rs store.RouteStore, o returns.OrgID) {
	t.Helper()
	all := []returns.Market{returns.MarketDomestic, returns.MarketCrossBorderBonded, returns.MarketCrossBorderDirect}
	cny := func(yuan int64) returns.Money { return returns.Money{Minor: yuan * 100, Currency: "CNY"} }
	big := cny(1000)
	for _, r := range []*returns.Route{
		{ID: "local", Kind: returns.RouteLocal, Cost: cny(8), TransitDaysMin: 3, TransitDaysMax: 5, Markets: all, PlatformAddressID: "addr-local"},
		{ID: "warehouse", Kind: returns.RouteOverseasWarehouse, Cost: cny(25), TransitDaysMin: 5, TransitDaysMax: 10,
			Markets: all[1:], PlatformAddressID: "addr-warehouse"},
		{ID: "origin", Kind: returns.RouteReturnToOrigin, Cost: cny(120), TransitDaysMin: 15, TransitDaysMax: 30,
			Markets: all[2:], PlatformAddressID: "addr-origin", MinValue: &big},
	} {
		r.Platform, r.ShopID, r.Name = returns.XHS, "shop-1", r.ID
		if _, err := rs.CreateRoute(context.Background(), o, r); err != nil {
			t.Fatal(err)
		}
	}
}

func TestApproveRoute(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		market    returns.Market
		kind      returns.Kind
		routeID   string
		addressID string // given in the request
		wantRoute string
		wantAddr  string
		wantCode  returns.ErrorCode
	}{
		{name: "chosen for the market", market: returns.MarketDomestic, wantRoute: "local", wantAddr: "addr-local"},
		{name: "named", market: returns.MarketCrossBorderDirect, routeID: "origin", wantRoute: "origin", wantAddr: "addr-origin"},
		{name: "the given address wins over the route's", market: returns.MarketDomestic, addressID: "addr-given",
			wantRoute: "local", wantAddr: "addr-given"},
		{name: "refund only: no route", market: returns.MarketDomestic, kind: returns.KindRefundOnly},
		{name: "refund only cannot name one", market: returns.MarketDomestic, kind: returns.KindRefundOnly, routeID: "local",
			wantCode: returns.CodeInvalid},
		{name: "unknown route", market: returns.MarketDomestic, routeID: "nope", wantCode: returns.CodeNotFound},
		{name: "another organisation's route", market: returns.MarketDomestic, routeID: "theirs", wantCode: returns.CodeNotFound},
		{name: "another shop's route", market: returns.MarketDomestic, routeID: "other-shop", wantCode: returns.CodeInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			kind := tc.kind
			if kind == "" {
				kind = returns.KindReturnAndRefund
			}
			e, mp := routeEnv(t, tc.market, kind)
			seedRoutes(t, e.st, org)
			theirs := &returns.Route{ID: "theirs", Platform: returns.XHS, ShopID: "shop-1", Kind: returns.RouteLocal, Name: "x",
				Cost: returns.Money{Currency: "CNY"}, TransitDaysMax: 1, Markets: []returns.Market{returns.MarketDomestic}}
			if _, err := e.st.CreateRoute(ctx, "org-other", theirs); err != nil {
				t.Fatal(err)
			}
			other := *theirs
			other.ID, other.ShopID = "other-shop", "shop-9"
			if _, err := e.st.CreateRoute(ctx, org, &other); err != nil {
				t.Fatal(err)
			}
			before := e.stored(t)
			r := e.req(returns.ActionApprove, "", "{}")
			r.RouteID, r.Platform.ReturnAddressID = tc.routeID, tc.addressID
			out := e.do(t, r)
			cr, err := e.st.GetCaseRoute(ctx, org, e.key)
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantCode != "" {
				if len(out.Errors) != 1 || out.Errors[0].Code != tc.wantCode || strings.Join(out.Errors[0].Field, ".") != "input.routeId" {
					t.Fatalf("errors %+v, want one %s on input.routeId", out.Errors, tc.wantCode)
				}
				if mp.performs != 0 || cr != nil || e.stored(t).Version != before.Version {
					t.Errorf("something changed: %d performs, route %+v", mp.performs, cr)
				}
				return
			}
			if len(out.Errors) > 0 {
				t.Fatalf("errors: %+v", out.Errors)
			}
			if got := mp.last(t).ReturnAddressID; got != tc.wantAddr {
				t.Errorf("address sent %q, want %q", got, tc.wantAddr)
			}
			if tc.wantRoute == "" {
				if cr != nil {
					t.Errorf("route recorded: %+v", cr)
				}
				return
			}
			if cr == nil || cr.Route.ID != tc.wantRoute || cr.Chosen != (tc.routeID == "") {
				t.Fatalf("case route %+v, want %s", cr, tc.wantRoute)
			}
			if want := base.Add(time.Duration(cr.Route.TransitDaysMax) * 24 * time.Hour); !cr.ApprovedAt.Equal(base) || !cr.ExpectedArrivalBy.Equal(want) {
				t.Errorf("approved %v, expected by %v; want %v, %v", cr.ApprovedAt, cr.ExpectedArrivalBy, base, want)
			}
			evs := e.mutationEvents(t)
			if len(evs) != 1 || evs[0].Detail["routeId"] != tc.wantRoute {
				t.Errorf("events %+v, want one naming route %s", evs, tc.wantRoute)
			}
		})
	}
}

func TestBuyerMessageOnTheWire(t *testing.T) {
	ctx := context.Background()
	e, mp := routeEnv(t, returns.MarketDomestic, returns.KindReturnAndRefund)
	// Built-in: the case is XHS, so Chinese; its reason is SIZE_FIT.
	out := e.do(t, e.req(returns.ActionApprove, "", "{}"))
	if len(out.Errors) > 0 {
		t.Fatal(out.Errors)
	}
	msg := mp.last(t).Message
	if !strings.Contains(msg, "尺码") || !strings.Contains(msg, "O-555") || !strings.Contains(msg, "Linen shirt") {
		t.Errorf("built-in message %q", msg)
	}

	// The shop's override wins over the organisation's default; a message the seller gives wins over both.
	for _, tpl := range []*returns.MessageTemplate{
		{Reason: returns.ReasonSizeFit, Language: returns.LanguageZH, Body: "org {orderId}"},
		{Platform: returns.XHS, ShopID: "shop-1", Reason: returns.ReasonSizeFit, Language: returns.LanguageZH, Body: "shop {sku} {amount}"},
	} {
		if _, err := e.st.SaveTemplate(ctx, org, tpl); err != nil {
			t.Fatal(err)
		}
	}
	got, err := e.svc.BuyerMessage(ctx, org, e.stored(t), returns.LanguageZH)
	if err != nil || got != "shop SKU-1 129.90 CNY" {
		t.Errorf("preview %q, %v", got, err)
	}
	if got, _ := e.svc.BuyerMessage(ctx, "org-other", e.stored(t), returns.LanguageZH); strings.HasPrefix(got, "shop") {
		t.Errorf("another organisation got our template: %q", got)
	}

	// An offer carries it in the note (AliExpress: solution_context); an offer with a note keeps it.
	c := e.stored(t)
	c.Status = returns.StatusNegotiating
	c.UpdatedAt = c.UpdatedAt.Add(time.Minute) // a newer view: the store drops an older one (store.OlderView)
	mp.put(c)
	if _, err := e.st.UpsertCase(ctx, org, c, store.Change{Source: returns.SourcePoll}); err != nil {
		t.Fatal(err)
	}
	offer := e.req(returns.ActionOffer, "", "{}")
	offer.Platform.Note, offer.Platform.Amount = "", &returns.Money{Minor: 1000, Currency: "CNY"}
	offer.Acknowledged = []string{}
	if out := e.do(t, offer); len(out.Errors) > 0 {
		t.Fatalf("offer: %+v", out.Errors)
	} else if got := mp.last(t).Note; got != "shop SKU-1 129.90 CNY" {
		t.Errorf("offer note %q", got)
	}
}

// bookPlatform keeps an address book, as XHS and AliExpress do.
type bookPlatform struct {
	*messengerPlatform
	book []returns.Address
	err  error
}

func (p *bookPlatform) ReturnAddresses(context.Context) ([]returns.Address, error) {
	return p.book, p.err
}

// A route's address is checked against the platform's address book before
// anything is written: a retired one is INVALID, an unreachable platform
// PLATFORM_UNAVAILABLE, and in both cases nothing is sent or recorded.
func TestRouteAddressChecked(t *testing.T) {
	tests := []struct {
		name string
		book []returns.Address
		err  error
		want returns.ErrorCode
	}{
		{"in the book", []returns.Address{{ID: "addr-other"}, {ID: "addr-local"}}, nil, ""},
		{"retired", []returns.Address{{ID: "addr-other"}}, nil, returns.CodeInvalid},
		{"platform down", nil, &adapters.PlatformError{Platform: returns.XHS, Method: "addresses", Kind: adapters.KindUnavailable}, returns.CodePlatformUnavailable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, mp := routeEnv(t, returns.MarketDomestic, returns.KindReturnAndRefund)
			seedRoutes(t, e.st, org)
			bp := &bookPlatform{messengerPlatform: mp, book: tc.book, err: tc.err}
			e.svc = New(Options{Store: e.st, Platforms: adapters.NewRegistry(bp), Now: func() time.Time { return base },
				Log: slog.New(slog.DiscardHandler), PlatformTimeout: 10 * time.Second, Routes: e.st, Templates: e.st})
			out := e.do(t, e.req(returns.ActionApprove, "key-"+strings.ReplaceAll(tc.name, " ", "-"), "{}"))
			cr, _ := e.st.GetCaseRoute(context.Background(), org, e.key)
			if tc.want == "" {
				if len(out.Errors) > 0 || mp.last(t).ReturnAddressID != "addr-local" || cr == nil {
					t.Fatalf("errors %+v, route %+v", out.Errors, cr)
				}
				return
			}
			if len(out.Errors) != 1 || out.Errors[0].Code != tc.want || mp.performs != 0 || cr != nil {
				t.Fatalf("errors %+v, %d performs, route %+v; want one %s and nothing sent", out.Errors, mp.performs, cr, tc.want)
			}
			if !e.keyFree(t, "key-"+strings.ReplaceAll(tc.name, " ", "-")) {
				t.Error("the key is held although nothing was sent")
			}
		})
	}
}

// On a platform whose approval is a seller-centre step, the step names the
// route and its address, and the case records the route.
func TestSellerCentreApprovalNamesTheRoute(t *testing.T) {
	cp := mixedPlatform()
	// Approval only in the seller centre here.
	cp.caps.Actions, cp.caps.ManualActions = nil, []returns.Action{returns.ActionApprove}
	cp.api = map[returns.Status][]returns.Action{}
	cp.centre = map[returns.Status][]returns.Action{returns.StatusRequested: {returns.ActionApprove}}
	e := newEnv(t, cp, returns.StatusRequested)
	e.svc = New(Options{Store: e.st, Platforms: adapters.NewRegistry(cp), Now: func() time.Time { return base },
		Log: slog.New(slog.DiscardHandler), PlatformTimeout: 10 * time.Second, Routes: e.st, Templates: e.st})
	r := &returns.Route{ID: "r1", Platform: cp.id, ShopID: cp.shop, Kind: returns.RouteOverseasWarehouse, Name: "EU centre",
		Cost: returns.Money{Minor: 100, Currency: "CNY"}, TransitDaysMax: 7, Markets: []returns.Market{returns.MarketDomestic},
		PlatformAddressID: "A-9"}
	if _, err := e.st.CreateRoute(context.Background(), org, r); err != nil {
		t.Fatal(err)
	}
	out := e.do(t, e.req(returns.ActionApprove, "", "{}"))
	if len(out.Errors) > 0 {
		t.Fatal(out.Errors)
	}
	steps := out.Case.PendingSteps
	if len(steps) != 1 || !strings.Contains(steps[0].Note, "EU centre (address A-9)") {
		t.Errorf("steps %+v", steps)
	}
	if cr, _ := e.st.GetCaseRoute(context.Background(), org, e.key); cr == nil || cr.Route.ID != "r1" {
		t.Errorf("case route %+v", cr)
	}
}

// An approval whose outcome was unknown records its route once the reconciler
// finds it was carried out, and not before.
func TestReconciledApprovalKeepsItsRoute(t *testing.T) {
	e, mp := routeEnv(t, returns.MarketDomestic, returns.KindReturnAndRefund)
	seedRoutes(t, e.st, org)
	mp.setMode(ambiguousDone)
	mp.setUnreadable(true)
	out := e.do(t, e.req(returns.ActionApprove, "k-route", "{}"))
	wantCode(t, out, returns.CodeOutcomeUnknown)
	if cr, _ := e.st.GetCaseRoute(context.Background(), org, e.key); cr != nil {
		t.Fatalf("a route recorded before the outcome is known: %+v", cr)
	}
	mp.setUnreadable(false)
	mp.setMode(doneReadBack)
	if left := e.svc.SettleUnknown(context.Background(), orgs); left {
		t.Fatal("the reconciler did not settle")
	}
	cr, _ := e.st.GetCaseRoute(context.Background(), org, e.key)
	if cr == nil || cr.Route.ID != "local" || !cr.ExpectedArrivalBy.Equal(base.Add(5*24*time.Hour)) {
		t.Fatalf("case route after settling: %+v", cr)
	}
}
