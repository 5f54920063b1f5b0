package graph

import (
	"context"
	"log/slog"
	"time"

	"github.com/patrickmn/go-cache"

	"github.com/returnsgw/returnsgw/actions"
	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/auth"
	"github.com/returnsgw/returnsgw/feed"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// Deps are what the resolvers delegate to.
type Deps struct {
	Store     store.Store
	Platforms *adapters.Registry
	// Org is the organisation whose shops Platforms and Pollers serve; the
	// platforms query shows them to no other ("": to every caller).
	Org     returns.OrgID
	Actions *actions.Service
	// Pollers report each connection's health (Query.platforms).
	Pollers []*feed.Poller
	// Bus streams stored changes (Subscription.returnCaseChanged); nil: none.
	Bus feed.Subscriber
	// Deadlines raises deadline alerts (Subscription.returnDeadlineApproaching); nil: none.
	Deadlines *feed.DeadlineTimer
	// Auth manages organisations and API keys (the admin fields); nil: those
	// fields answer UNAUTHORIZED.
	Auth *auth.Service
	// LiveTTL is how long live platform data (negotiation history) is cached;
	// default 30 s.
	LiveTTL time.Duration
	// Timeline reads one case's events (ReturnCase.events); nil: that field
	// answers UNSUPPORTED_ON_PLATFORM.
	Timeline store.TimelineStore
	// Connections reports shop authorizations and starts new ones; nil: none.
	Connections ShopConnections
	Now         func() time.Time
	Log         *slog.Logger

	// Evidence keeps evidence files and escalations (ReturnCase.evidence,
	// returnEscalate, /evidence); nil: none.
	Evidence store.EvidenceStore
	// Routes keeps the shops' return routes and each case's route; nil: none.
	Routes store.RouteStore
	// Templates keeps the buyer message templates; nil: only the built-in ones.
	Templates store.TemplateStore
	// Analytics aggregates cases and keeps order counts (returnAnalytics,
	// shopOrderCountsSet); nil: those fields answer UNSUPPORTED_ON_PLATFORM.
	Analytics store.AnalyticsStore
}

// NewResolver returns the root resolver.
func NewResolver(d Deps) *Resolver {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.LiveTTL == 0 {
		d.LiveTTL = 30 * time.Second
	}
	return &Resolver{deps: d, live: cache.New(d.LiveTTL, 2*d.LiveTTL), shared: newSharedMarshals()}
}

type orgKey struct{}

// WithOrg returns a context for requests made on behalf of the organisation.
// The authentication hook (HandlerOptions.Authenticate) sets it, for every
// transport alike; the resolvers read it with OrgFrom.
func WithOrg(ctx context.Context, org returns.OrgID) context.Context {
	return context.WithValue(ctx, orgKey{}, org)
}

// OrgFrom returns the organisation of the request, or UNAUTHORIZED.
func OrgFrom(ctx context.Context) (returns.OrgID, error) {
	org, _ := ctx.Value(orgKey{}).(returns.OrgID)
	if org == "" {
		return "", returns.Errorf(returns.CodeUnauthorized, "no organisation for this request")
	}
	return org, nil
}
