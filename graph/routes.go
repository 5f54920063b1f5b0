package graph

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"

	"github.com/returnsgw/returnsgw/graph/model"
	"github.com/returnsgw/returnsgw/returns"
)

// routeStore is the deps' route store, or UNSUPPORTED when there is none.
func (r *Resolver) routeStore() error {
	if r.deps.Routes == nil {
		return returns.Errorf(returns.CodeUnsupported, "this gateway keeps no return routes")
	}
	return nil
}

func newRouteID() string {
	var b [8]byte
	rand.Read(b[:])
	return "rt_" + hex.EncodeToString(b[:])
}

// moneyInput parses an amount that may be zero.
func moneyInput(field string, v *model.MoneyInput) (*returns.Money, error) {
	if v == nil {
		return nil, nil
	}
	m, err := parseInputMoney(strings.TrimSpace(v.Amount), strings.ToUpper(strings.TrimSpace(v.CurrencyCode)))
	if err != nil {
		return nil, returns.Errorf(returns.CodeInvalid, "%s", returns.ErrorMessage(err)).WithField("input", field)
	}
	return &m, nil
}

// saveRoute answers returnRouteSave: validates everything first, so a bad
// input changes nothing.
func (r *Resolver) saveRoute(ctx context.Context, in model.ReturnRouteSaveInput) (*model.ReturnRoutePayload, error) {
	org, err := OrgFrom(ctx)
	if err != nil {
		return nil, err
	}
	answer := func(rt *returns.Route, err error) (*model.ReturnRoutePayload, error) {
		ues, err := userErrors(err)
		if err != nil {
			return nil, err
		}
		return &model.ReturnRoutePayload{Route: rt, UserErrors: ues}, nil
	}
	if err := r.routeStore(); err != nil {
		return answer(nil, err)
	}
	if len(in.Markets) > 3 {
		return answer(nil, returns.Errorf(returns.CodeInvalid, "a route serves at most the 3 markets").WithField("input", "markets"))
	}
	cost, err := moneyInput("costPerReturn", in.CostPerReturn)
	if err != nil || cost == nil {
		if err == nil {
			err = returns.Errorf(returns.CodeInvalid, "a cost per return is required").WithField("input", "costPerReturn")
		}
		return answer(nil, err)
	}
	minValue, err := moneyInput("minCaseValue", in.MinCaseValue)
	if err != nil {
		return answer(nil, err)
	}
	rt := &returns.Route{Platform: in.Platform, ShopID: strings.TrimSpace(in.ShopID), Kind: in.Kind,
		Name: strings.TrimSpace(in.Name), Cost: *cost, TransitDaysMin: in.TransitDaysMin, TransitDaysMax: in.TransitDaysMax,
		Markets: in.Markets, MinValue: minValue}
	if in.PlatformAddressID != nil {
		rt.PlatformAddressID = strings.TrimSpace(*in.PlatformAddressID)
	}
	if e := rt.Validate(); e != nil {
		return answer(nil, e)
	}
	if !r.connectedShop(ctx, rt.Platform, rt.ShopID) {
		return answer(nil, returns.Errorf(returns.CodeNotFound, "no connected shop %s/%s", rt.Platform, truncateRef(rt.ShopID)).WithField("input", "shopId"))
	}
	if in.ID == nil {
		rt.ID = newRouteID()
		return answer(r.deps.Routes.CreateRoute(ctx, org, rt))
	}
	rt.ID = *in.ID
	if len(rt.ID) > 64 {
		return answer(nil, returns.Errorf(returns.CodeNotFound, "no such route").WithField("input", "id"))
	}
	return answer(r.deps.Routes.UpdateRoute(ctx, org, rt))
}

// deleteRoute answers returnRouteDelete.
func (r *Resolver) deleteRoute(ctx context.Context, in model.ReturnRouteDeleteInput) (*model.ReturnRoutePayload, error) {
	org, err := OrgFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := r.routeStore(); err != nil {
		ues, err := userErrors(err)
		return &model.ReturnRoutePayload{UserErrors: ues}, err
	}
	rt, err := r.deps.Routes.DeleteRoute(ctx, org, in.ID)
	ues, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	return &model.ReturnRoutePayload{Route: rt, UserErrors: ues}, nil
}

// listRoutes answers returnRoutes.
func (r *Resolver) listRoutes(ctx context.Context, shopID *string, platform *returns.PlatformID) ([]*returns.Route, error) {
	org, err := OrgFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := r.routeStore(); err != nil {
		return nil, err
	}
	var p returns.PlatformID
	if platform != nil {
		p = *platform
	}
	shop := ""
	if shopID != nil {
		if shop = strings.TrimSpace(*shopID); shop == "" || len(shop) > maxRef {
			return nil, returns.Errorf(returns.CodeInvalid, "shopId must be 1 to %d bytes", maxRef).WithField("shopId")
		}
	}
	rs, err := r.deps.Routes.ListRoutes(ctx, org, p, shop)
	if err != nil {
		return nil, err
	}
	out := make([]*returns.Route, len(rs))
	for i := range rs {
		out[i] = &rs[i]
	}
	return out, nil
}

// caseRoute is the case's route, nil when it has none or routes are not kept.
func (r *Resolver) caseRoute(ctx context.Context, c *returns.Case) (*returns.CaseRoute, error) {
	if r.deps.Routes == nil {
		return nil, nil
	}
	org, err := OrgFrom(ctx)
	if err != nil {
		return nil, err
	}
	return r.deps.Routes.GetCaseRoute(ctx, org, c.Key())
}

func (r *Resolver) caseRouteField(ctx context.Context, c *returns.Case) (*returns.Route, error) {
	cr, err := r.caseRoute(ctx, c)
	if err != nil || cr == nil {
		return nil, err
	}
	return &cr.Route, nil
}

func (r *Resolver) expectedArrivalBy(ctx context.Context, c *returns.Case) (*time.Time, error) {
	cr, err := r.caseRoute(ctx, c)
	if err != nil || cr == nil {
		return nil, err
	}
	t := cr.ExpectedArrivalBy
	return &t, nil
}

// connectedShop reports whether the caller's organisation has the shop
// connected: routes and templates are kept only for such shops, so that a
// caller cannot fill the store with rows for made-up shops.
func (r *Resolver) connectedShop(ctx context.Context, platform returns.PlatformID, shopID string) bool {
	org, err := OrgFrom(ctx)
	if err != nil || (r.deps.Org != "" && org != r.deps.Org) {
		return false // the connected shops are another organisation's
	}
	_, ok := r.deps.Platforms.For(platform, shopID)
	return ok
}

// platformAddresses answers platformReturnAddresses: the shop's addresses as
// its platform keeps them, read through the adapter.
func (r *Resolver) platformAddresses(ctx context.Context, platform returns.PlatformID, shopID string) ([]*model.PlatformReturnAddress, error) {
	if _, err := OrgFrom(ctx); err != nil {
		return nil, err
	}
	if !r.connectedShop(ctx, platform, shopID) {
		return nil, returns.Errorf(returns.CodeNotFound, "no connected shop %s/%s", platform, truncateRef(shopID)).WithField("shopId")
	}
	p, _ := r.deps.Platforms.For(platform, shopID)
	al, ok := p.(returns.AddressLister)
	if !ok {
		return nil, returns.Errorf(returns.CodeUnsupported, "%s's API offers no list of the shop's return addresses; see them in its seller centre", platform)
	}
	addrs, err := al.ReturnAddresses(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*model.PlatformReturnAddress, 0, len(addrs))
	for _, a := range addrs {
		out = append(out, &model.PlatformReturnAddress{ID: a.ID, Address: a.Full, Contact: optional(a.Name),
			Phone: optional(a.Phone), IsDefault: a.Default})
	}
	return out, nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// truncateRef bounds a client's reference before it is echoed in a message.
func truncateRef(s string) string {
	if len(s) > maxRef {
		return strings.ToValidUTF8(s[:maxRef], "") + "…"
	}
	return s
}
