package actions

import (
	"context"
	"fmt"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// planRoute finds the return route of an approval: the one the request
// names, or the one returns.ChooseRoute picks among the shop's routes. It is
// nil when the case sends no goods back (refund only), the service keeps no
// routes, or no route of the shop fits. A named route that is not the
// organisation's, or not the case's shop's, is a user error: nothing is sent.
func (s *Service) planRoute(ctx context.Context, req Request, c *returns.Case, now time.Time) (*returns.CaseRoute, *returns.Error, error) {
	named := req.RouteID != ""
	if s.routes == nil {
		if named {
			return nil, returns.Errorf(returns.CodeUnsupported, "this gateway keeps no return routes").WithField("input", "routeId"), nil
		}
		return nil, nil, nil
	}
	if c.Kind == returns.KindRefundOnly {
		if named {
			return nil, returns.Errorf(returns.CodeInvalid, "a refund-only request sends no goods back, so it takes no return route").WithField("input", "routeId"), nil
		}
		return nil, nil, nil
	}
	var r *returns.Route
	if named {
		got, err := s.routes.GetRoute(ctx, req.Org, req.RouteID)
		switch {
		case returns.ErrorCodeOf(err) == returns.CodeNotFound:
			return nil, returns.Errorf(returns.CodeNotFound, "no such return route").WithField("input", "routeId"), nil
		case err != nil:
			return nil, nil, fmt.Errorf("get route: %w", err)
		case got.Platform != c.Platform || got.ShopID != c.ShopID:
			return nil, returns.Errorf(returns.CodeInvalid, "the route belongs to shop %s/%s, not the case's %s/%s",
				got.Platform, got.ShopID, c.Platform, c.ShopID).WithField("input", "routeId"), nil
		}
		r = got
	} else {
		routes, err := s.routes.ListRoutes(ctx, req.Org, c.Platform, c.ShopID)
		if err != nil {
			return nil, nil, fmt.Errorf("list routes: %w", err)
		}
		if r = returns.ChooseRoute(routes, c); r == nil {
			return nil, nil, nil
		}
	}
	at := now.UTC()
	return &returns.CaseRoute{Route: *r, Chosen: !named, ApprovedAt: at, ExpectedArrivalBy: returns.ExpectedArrival(at, r)}, nil, nil
}

// checkRouteAddress makes sure, before anything is written, that the route's
// address is still in the shop's address book on the platform (a read, cached
// by the adapter): a route saved with an address since retired is refused
// with a typed error, and a platform that cannot be reached answers
// PLATFORM_UNAVAILABLE with nothing sent. Platforms without an address list
// take the id as it is.
func (s *Service) checkRouteAddress(ctx context.Context, p returns.Platform, cr *returns.CaseRoute) (*returns.Error, error) {
	al, ok := p.(returns.AddressLister)
	if !ok {
		return nil, nil
	}
	dctx, dcancel := detached(ctx)
	defer dcancel()
	rctx, cancel := context.WithTimeout(dctx, s.platformTimeout)
	defer cancel()
	addrs, err := al.ReturnAddresses(rctx)
	if err != nil {
		code := returns.ErrorCodeOf(err)
		if code == returns.CodeInternal {
			return nil, err
		}
		return &returns.Error{Code: code, Message: returns.ErrorMessage(err)}, nil
	}
	for _, a := range addrs {
		if a.ID == cr.Route.PlatformAddressID {
			return nil, nil
		}
	}
	return returns.Errorf(returns.CodeInvalid, "the route's return address %q is not in the shop's address book on %s; update the route (see platformReturnAddresses)",
		cr.Route.PlatformAddressID, p.ID()).WithField("input", "routeId"), nil
}

// keepRoute records the approval's route on the case once the approval is
// done. The platform has acted by then, so a failure is logged, not answered.
func (s *Service) keepRoute(ctx context.Context, req Request) {
	if req.route == nil || s.routes == nil {
		return
	}
	if err := s.routes.SetCaseRoute(ctx, req.Org, req.Key, req.route); err != nil {
		s.log.Error("record the case's return route", "case", req.Key.PlatformCaseID, "route", req.route.Route.ID, "err", err)
	}
}

// fillMessage writes the shop's template for the case's reason into the
// platform's message slot for the action, when the seller gave no message.
func (s *Service) fillMessage(ctx context.Context, req *Request, c *returns.Case, p returns.Platform) error {
	bm, ok := p.(returns.BuyerMessenger)
	if s.templates == nil || !ok {
		return nil
	}
	slot := bm.BuyerMessageSlot(req.Platform.Action, c)
	var field *string
	switch slot {
	case returns.SlotMessage:
		field = &req.Platform.Message
	case returns.SlotNote:
		field = &req.Platform.Note
	default:
		return nil
	}
	if *field != "" {
		return nil
	}
	msg, err := s.BuyerMessage(ctx, req.Org, c, returns.BuyerLanguage(c.Platform))
	if err != nil {
		return err
	}
	*field = msg
	return nil
}

// BuyerMessage renders the case's buyer message in the language: the shop's
// template for the case's reason, else the organisation's, else the built-in
// one. Without a template store it is the built-in template.
func (s *Service) BuyerMessage(ctx context.Context, org returns.OrgID, c *returns.Case, lang returns.Language) (string, error) {
	var stored []returns.MessageTemplate
	if s.templates != nil {
		var err error
		stored, err = s.templates.ListTemplates(ctx, org, store.TemplateQuery{Platform: c.Platform, ShopID: c.ShopID, Language: lang})
		if err != nil {
			return "", fmt.Errorf("list message templates: %w", err)
		}
	}
	t := returns.ResolveTemplate(stored, c.Platform, c.ShopID, c.Reason, lang)
	return t.Render(c), nil
}

// routeNote adds to a seller-centre step where the goods go, so the seller
// can give the platform the route's address there.
func routeNote(cr *returns.CaseRoute, note string) string {
	if cr == nil {
		return note
	}
	where := "return route " + cr.Route.Name
	if cr.Route.PlatformAddressID != "" {
		where += " (address " + cr.Route.PlatformAddressID + ")"
	}
	if note == "" {
		return where
	}
	return note + "; " + where
}
