package returns

import (
	"cmp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// RouteKind is where a return route sends the goods (seed 004's reverse
// logistics models, plus the bonded warehouse of cross-border imports).
type RouteKind string

// The kinds of return route.
const (
	RouteLocal             RouteKind = "LOCAL"              // a local return address or 3PL in the buyer's market
	RouteOverseasWarehouse RouteKind = "OVERSEAS_WAREHOUSE" // a returns centre abroad
	RouteBondedWarehouse   RouteKind = "BONDED_WAREHOUSE"   // the bonded warehouse a cross-border order left from
	RouteReturnToOrigin    RouteKind = "RETURN_TO_ORIGIN"   // back to the seller's home country
)

// Valid reports whether k is a known kind.
func (k RouteKind) Valid() bool {
	return k == RouteLocal || k == RouteOverseasWarehouse || k == RouteBondedWarehouse || k == RouteReturnToOrigin
}

// Bounds of a route's configuration.
const (
	MaxRouteName       = 100
	MaxRouteTransitDay = 365
	MaxRoutesPerShop   = 50
	maxRouteRef        = 128
)

// Route is one return destination a shop configured.
type Route struct {
	ID       string
	Platform PlatformID
	ShopID   string
	Kind     RouteKind
	Name     string
	// Cost is what one return by this route costs the seller.
	Cost           Money
	TransitDaysMin int
	TransitDaysMax int
	// Markets are the case markets the route serves (at least one).
	Markets []Market
	// PlatformAddressID is the platform's id of the return address (XHS
	// address record, AliExpress refund address); sent on approval. Empty:
	// the shop's default address.
	PlatformAddressID string
	// MinValue reserves the route for goods worth at least this much (seed
	// 004: return to origin is for high-value items); nil: any value.
	MinValue  *Money
	UpdatedAt time.Time
}

func routeMarket(m Market) bool {
	return m == MarketDomestic || m == MarketCrossBorderBonded || m == MarketCrossBorderDirect
}

// Validate checks a route as a seller gives it; the error names the input field.
func (r *Route) Validate() *Error {
	bad := func(field, format string, args ...any) *Error {
		return Errorf(CodeInvalid, format, args...).WithField("input", field)
	}
	switch {
	case !r.Platform.Valid():
		return bad("platform", "unknown platform %q", r.Platform)
	case r.ShopID == "" || len(r.ShopID) > maxRouteRef || !utf8.ValidString(r.ShopID):
		return bad("shopId", "a shop id of 1 to %d bytes is required", maxRouteRef)
	case !r.Kind.Valid():
		return bad("kind", "unknown route kind %q", r.Kind)
	case strings.TrimSpace(r.Name) == "" || !utf8.ValidString(r.Name) || utf8.RuneCountInString(r.Name) > MaxRouteName:
		return bad("name", "a name of 1 to %d characters is required", MaxRouteName)
	case r.Cost.Minor < 0:
		return bad("costPerReturn", "the cost per return cannot be negative")
	case r.Cost.Currency == "":
		return bad("costPerReturn", "the cost per return needs a currency")
	case r.TransitDaysMin < 0 || r.TransitDaysMax > MaxRouteTransitDay || r.TransitDaysMin > r.TransitDaysMax || r.TransitDaysMax < 1:
		return bad("transitDaysMax", "transit days must be 0 ≤ min ≤ max, 1 ≤ max ≤ %d", MaxRouteTransitDay)
	case len(r.Markets) == 0:
		return bad("markets", "a route serves at least one market")
	case len(r.PlatformAddressID) > maxRouteRef || !utf8.ValidString(r.PlatformAddressID) || strings.ContainsFunc(r.PlatformAddressID, isSpaceOrControl):
		return bad("platformAddressId", "a platform address id is at most %d printable bytes without spaces", maxRouteRef)
	case r.MinValue != nil && (r.MinValue.Minor < 0 || r.MinValue.Currency == ""):
		return bad("minCaseValue", "the minimum case value must be a non-negative amount with a currency")
	}
	seen := map[Market]bool{}
	for _, m := range r.Markets {
		if !routeMarket(m) {
			return bad("markets", "unknown market %q", m)
		}
		if seen[m] {
			return bad("markets", "market %s is listed twice", m)
		}
		seen[m] = true
	}
	return nil
}

func isSpaceOrControl(r rune) bool { return r <= ' ' || r == 0x7f }

// Serves reports whether the route serves the market.
func (r *Route) Serves(m Market) bool { return slices.Contains(r.Markets, m) }

// CaseValue is what the goods of a case are worth for choosing a route: the
// refund the buyer asks for, else the lines' price; nil when unknown.
func CaseValue(c *Case) *Money {
	if c.RequestedRefund != nil && c.RequestedRefund.Currency != "" {
		m := *c.RequestedRefund
		return &m
	}
	var sum *Money
	for _, l := range c.Lines {
		if l.UnitPrice.Currency == "" || (sum != nil && sum.Currency != l.UnitPrice.Currency) {
			return nil
		}
		q := int64(max(l.Quantity, 1))
		if sum == nil {
			sum = &Money{Currency: l.UnitPrice.Currency}
		}
		sum.Minor += l.UnitPrice.Minor * q
	}
	return sum
}

// ChooseRoute picks the route for a case among its shop's routes, or nil
// when none fits. The choice, in order:
//
//  1. Only routes of the case's platform and shop that serve the case's
//     market.
//  2. A route with a minimum case value is kept only for a case worth at least
//     that much, in the same currency (a value that cannot be compared does
//     not qualify): it is reserved for valuable goods.
//  3. Routes whose cost per return does not exceed the case's value (same
//     currency) are preferred — a return should not cost more than the goods.
//     Among them the one with the highest minimum value wins (the most
//     specific reservation the case qualifies for: return to origin for a
//     high-value item), then the cheapest, then the fastest (transit max),
//     then the lowest id.
//  4. When no route costs less than the goods (or the value is unknown), the
//     cheapest wins (costs in the case's currency before others), then the
//     fastest, then the lowest id.
func ChooseRoute(routes []Route, c *Case) *Route {
	value := CaseValue(c)
	var eligible []*Route
	for i := range routes {
		r := &routes[i]
		if r.Platform != c.Platform || r.ShopID != c.ShopID || !r.Serves(c.Market) {
			continue
		}
		if r.MinValue != nil && (value == nil || value.Currency != r.MinValue.Currency || value.Minor < r.MinValue.Minor) {
			continue
		}
		eligible = append(eligible, r)
	}
	if len(eligible) == 0 {
		return nil
	}
	affordable := func(r *Route) bool {
		return value != nil && r.Cost.Currency == value.Currency && r.Cost.Minor <= value.Minor
	}
	minValue := func(r *Route) int64 {
		if r.MinValue == nil {
			return -1
		}
		return r.MinValue.Minor
	}
	otherCurrency := func(r *Route) int {
		if value != nil && r.Cost.Currency == value.Currency {
			return 0
		}
		return 1
	}
	best := slices.MinFunc(eligible, func(a, b *Route) int {
		if fa, fb := affordable(a), affordable(b); fa != fb {
			if fa {
				return -1
			}
			return 1
		} else if fa {
			if d := cmp.Compare(minValue(b), minValue(a)); d != 0 {
				return d
			}
		} else if d := cmp.Compare(otherCurrency(a), otherCurrency(b)); d != 0 {
			return d
		}
		return cmp.Or(cmp.Compare(a.Cost.Currency, b.Cost.Currency), cmp.Compare(a.Cost.Minor, b.Cost.Minor),
			cmp.Compare(a.TransitDaysMax, b.TransitDaysMax), cmp.Compare(a.ID, b.ID))
	})
	out := *best
	return &out
}

// CaseRoute is the route a case's goods were sent back by, as chosen at
// approval: a copy of the route then, so a later edit or deletion of the
// route does not rewrite the case's history.
type CaseRoute struct {
	Route Route
	// Chosen: the gateway chose it (ChooseRoute); false: the seller named it.
	Chosen            bool
	ApprovedAt        time.Time
	ExpectedArrivalBy time.Time
}

// ExpectedArrival is when goods sent back by the route at approvedAt are due:
// the approval plus the route's longest transit.
func ExpectedArrival(approvedAt time.Time, r *Route) time.Time {
	return approvedAt.Add(time.Duration(r.TransitDaysMax) * 24 * time.Hour)
}
