package store

import (
	"context"

	"github.com/returnsgw/returnsgw/returns"
)

// RouteStore keeps the shops' return routes and the route each approved case
// was sent back by, scoped by organisation: another organisation's route or
// case is NOT_FOUND.
type RouteStore interface {
	// CreateRoute stores a new route (r.ID set by the caller, unique in the
	// organisation: CONFLICT otherwise) and returns it as stored (UpdatedAt
	// the store's clock). A shop holds at most returns.MaxRoutesPerShop
	// routes: INVALID beyond.
	CreateRoute(ctx context.Context, org returns.OrgID, r *returns.Route) (*returns.Route, error)
	// UpdateRoute replaces the route with r.ID: NOT_FOUND when there is none.
	// Its platform and shop cannot change (INVALID).
	UpdateRoute(ctx context.Context, org returns.OrgID, r *returns.Route) (*returns.Route, error)
	// DeleteRoute removes a route and returns it as it was: NOT_FOUND when
	// there is none. Cases keep their copy of it.
	DeleteRoute(ctx context.Context, org returns.OrgID, id string) (*returns.Route, error)
	// GetRoute returns one route, or NOT_FOUND.
	GetRoute(ctx context.Context, org returns.OrgID, id string) (*returns.Route, error)
	// ListRoutes returns the organisation's routes, of one platform and shop
	// when given (empty: all), ordered by platform, shop, kind and id.
	ListRoutes(ctx context.Context, org returns.OrgID, platform returns.PlatformID, shopID string) ([]returns.Route, error)
	// SetCaseRoute records the route a case's goods go back by (replacing an
	// earlier one).
	SetCaseRoute(ctx context.Context, org returns.OrgID, key returns.CaseKey, cr *returns.CaseRoute) error
	// GetCaseRoute returns the case's route, or nil when it has none.
	GetCaseRoute(ctx context.Context, org returns.OrgID, key returns.CaseKey) (*returns.CaseRoute, error)
	// ResetRoutes removes the organisation's routes and case routes (a fresh
	// sandbox run, whose cases start over).
	ResetRoutes(ctx context.Context, org returns.OrgID) error
}

// CheckRoute is what every backend checks of a route before writing it: an
// id of 1 to 64 bytes and the route's own rules (returns.Route.Validate).
func CheckRoute(r *returns.Route) error {
	if r == nil || r.ID == "" || len(r.ID) > 64 {
		return returns.Errorf(returns.CodeInvalid, "a route needs an id of 1 to 64 bytes").WithField("input", "id")
	}
	if e := r.Validate(); e != nil {
		return e
	}
	return nil
}
