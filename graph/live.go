package graph

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"go.opentelemetry.io/otel/attribute"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/telemetry"
)

// Live data comes from the platform at request time: a case's negotiation
// history (which only the platform keeps) and the case as the platform
// reports it right now. A page of cases that asks for it must not wait for
// each case in turn: the first case that needs a kind of live data starts
// its fetches for every case of the page at once, so a page mixing platforms
// takes as long as the slowest platform, not the sum. Fetched data is cached
// briefly by case version.

type liveKey struct{}

// maxLiveFetches bounds the fetches one request runs at the same time; each
// platform's own rate limit applies on top.
const maxLiveFetches = 64

// liveKind is a kind of live data and how to fetch it for a case.
type liveKind struct {
	name  string
	fetch func(r *Resolver, ctx context.Context, c *returns.Case) (any, error)
}

var (
	liveNegotiation = &liveKind{"negotiation", func(r *Resolver, ctx context.Context, c *returns.Case) (any, error) {
		return r.fetchNegotiation(ctx, c)
	}}
	liveCurrent = &liveKind{"current", func(r *Resolver, ctx context.Context, c *returns.Case) (any, error) {
		return r.fetchCurrent(ctx, c)
	}}
)

type liveID struct {
	kind *liveKind
	key  returns.CaseKey
}

// liveSet is the per-request state: the cases listed so far, and the fetches
// started for them.
type liveSet struct {
	r     *Resolver
	ctx   context.Context // the operation's context: fetches end with it
	sem   chan struct{}
	mu    sync.Mutex
	page  []*returns.Case
	fetch map[liveID]*liveFetch
}

type liveFetch struct {
	done chan struct{}
	val  any
	err  error
}

// withLive gives an operation its live set (see NewHandler).
func (r *Resolver) withLive(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if graphql.HasOperationContext(ctx) && isSubscription(graphql.GetOperationContext(ctx)) {
		// A subscription lives on and delivers the same case again and
		// again: a set kept for its lifetime would answer every later
		// delivery with the first one's live data, and grow without end.
		// Each delivery fetches afresh (through the cache, by version).
		return next(ctx)
	}
	ls := &liveSet{r: r, ctx: ctx, sem: make(chan struct{}, maxLiveFetches), fetch: map[liveID]*liveFetch{}}
	return next(context.WithValue(ctx, liveKey{}, ls))
}

func isSubscription(oc *graphql.OperationContext) bool {
	return oc.Operation != nil && oc.Operation.Operation == ast.Subscription
}

func liveFrom(ctx context.Context) *liveSet {
	ls, _ := ctx.Value(liveKey{}).(*liveSet)
	return ls
}

// listed tells the live set about the cases of a page.
func (ls *liveSet) listed(cases []*returns.Case) {
	if ls == nil {
		return
	}
	ls.mu.Lock()
	ls.page = append(ls.page, cases...)
	ls.mu.Unlock()
}

// live returns a kind of live data for the case, starting its fetches for
// every listed case the first time.
func (r *Resolver) liveData(ctx context.Context, kind *liveKind, c *returns.Case) (any, error) {
	ls := liveFrom(ctx)
	if ls == nil { // outside an operation (a test calling the resolver): fetch alone
		ls = &liveSet{r: r, ctx: ctx, sem: make(chan struct{}, 1), fetch: map[liveID]*liveFetch{}}
	}
	ls.mu.Lock()
	f := ls.start(kind, c)
	for _, other := range ls.page {
		ls.start(kind, other)
	}
	ls.mu.Unlock()
	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// start starts fetching live data for a case unless it already is; ls.mu is held.
func (ls *liveSet) start(kind *liveKind, c *returns.Case) *liveFetch {
	id := liveID{kind, c.Key()}
	if f, ok := ls.fetch[id]; ok {
		return f
	}
	f := &liveFetch{done: make(chan struct{})}
	ls.fetch[id] = f
	ck := fmt.Sprintf("%s|%s|%s|%d", kind.name, c.Platform, c.PlatformCaseID, c.Version)
	if v, ok := ls.r.live.Get(ck); ok {
		f.val = v
		close(f.done)
		return f
	}
	go func() {
		defer close(f.done)
		select {
		case ls.sem <- struct{}{}:
			defer func() { <-ls.sem }()
		case <-ls.ctx.Done():
			f.err = ls.ctx.Err()
			return
		}
		// This goroutine is outside gqlgen's panic recovery: an adapter's
		// panic must fail this field, not the process.
		defer func() {
			if v := recover(); v != nil {
				ls.r.deps.Log.Error("live fetch panic", "kind", kind.name, "case", c.PlatformCaseID,
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				f.val, f.err = nil, errors.New("internal error")
			}
		}()
		fctx, span := telemetry.Start(ls.ctx, "live."+kind.name, attribute.String("platform", string(c.Platform)),
			attribute.String("case", c.PlatformCaseID))
		f.val, f.err = kind.fetch(ls.r, fctx, c)
		telemetry.End(span, f.err)
		if f.err == nil {
			ls.r.live.SetDefault(ck, f.val)
		}
	}()
	return f
}

// negotiation returns the case's negotiation history, live.
func (r *Resolver) negotiation(ctx context.Context, c *returns.Case) ([]returns.NegotiationEntry, error) {
	v, err := r.liveData(ctx, liveNegotiation, c)
	if err != nil {
		return nil, err
	}
	return v.([]returns.NegotiationEntry), nil
}

// current returns the case as its platform reports it now.
func (r *Resolver) current(ctx context.Context, c *returns.Case) (*returns.Case, error) {
	v, err := r.liveData(ctx, liveCurrent, c)
	if err != nil {
		return nil, err
	}
	return v.(*returns.Case), nil
}

// fetchCurrent reads the case from its platform.
func (r *Resolver) fetchCurrent(ctx context.Context, c *returns.Case) (*returns.Case, error) {
	p, ok := r.deps.Platforms.For(c.Platform, c.ShopID)
	if !ok {
		return nil, returns.Errorf(returns.CodePlatformUnavailable, "no connection to %s is configured for shop %q", c.Platform, c.ShopID)
	}
	fresh, err := p.GetCase(ctx, c.PlatformCaseID)
	if err != nil {
		return nil, err
	}
	fresh.KeepGatewayFields(c)
	return fresh, nil
}

// fetchNegotiation asks the case's platform. A platform that keeps no
// negotiation answers with none.
func (r *Resolver) fetchNegotiation(ctx context.Context, c *returns.Case) ([]returns.NegotiationEntry, error) {
	p, ok := r.deps.Platforms.For(c.Platform, c.ShopID)
	if !ok {
		return nil, returns.Errorf(returns.CodePlatformUnavailable, "no connection to %s is configured for shop %q", c.Platform, c.ShopID)
	}
	src, ok := p.(returns.NegotiationSource)
	if !ok {
		return []returns.NegotiationEntry{}, nil
	}
	entries, err := src.Negotiation(ctx, c)
	if err != nil {
		return nil, err
	}
	// One timeline whatever the adapter: in time order, each step once.
	return returns.NormalizeNegotiation(entries), nil
}

// prefetch starts, for every case of a page, the live data the query selects
// under the connection's nodes or edges { node }, before the cases are
// marshalled: all kinds start together instead of each waiting for the
// first case's previous field.
func (r *Resolver) prefetch(ctx context.Context, cases []*returns.Case) {
	ls := liveFrom(ctx)
	fc := graphql.GetFieldContext(ctx)
	if ls == nil || fc == nil || len(cases) == 0 {
		return
	}
	oc := graphql.GetOperationContext(ctx)
	kinds := map[*liveKind]bool{}
	for _, f := range graphql.CollectFields(oc, fc.Field.Selections, nil) {
		switch f.Name {
		case "nodes":
			liveKinds(oc, f.Selections, kinds)
		case "edges":
			for _, e := range graphql.CollectFields(oc, f.Selections, nil) {
				if e.Name == "node" {
					liveKinds(oc, e.Selections, kinds)
				}
			}
		}
	}
	if len(kinds) == 0 {
		return
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	for kind := range kinds {
		for _, c := range cases {
			ls.start(kind, c)
		}
	}
}

// liveKinds adds the live fields a ReturnCase selection asks for.
func liveKinds(oc *graphql.OperationContext, sel ast.SelectionSet, into map[*liveKind]bool) {
	for _, f := range graphql.CollectFields(oc, sel, []string{"ReturnCase", "Node"}) {
		switch f.Name {
		case "negotiation":
			into[liveNegotiation] = true
		case "current":
			into[liveCurrent] = true
		}
	}
}
