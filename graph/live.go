package graph

import (
	"context"
	"fmt"
	"sync"

	"github.com/99designs/gqlgen/graphql"

	"github.com/returnsgw/returnsgw/returns"
)

// Live data (a case's negotiation history) lives only on the platform. A page
// of cases that asks for it must not wait for each case in turn: the first
// case that needs it starts the fetches for every case of the page at once,
// so a page mixing platforms takes as long as the slowest platform, not the
// sum. Fetched data is cached briefly by case version.

type liveKey struct{}

// maxLiveFetches bounds the fetches one request runs at the same time; each
// platform's own rate limit applies on top.
const maxLiveFetches = 16

// liveSet is the per-request state: the cases listed so far, and the fetches
// started for them.
type liveSet struct {
	r     *Resolver
	ctx   context.Context // the operation's context: fetches end with it
	sem   chan struct{}
	mu    sync.Mutex
	page  []*returns.Case
	fetch map[returns.CaseKey]*liveFetch
}

type liveFetch struct {
	done    chan struct{}
	entries []returns.NegotiationEntry
	err     error
}

// withLive gives an operation its live set (see NewHandler).
func (r *Resolver) withLive(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	ls := &liveSet{r: r, ctx: ctx, sem: make(chan struct{}, maxLiveFetches), fetch: map[returns.CaseKey]*liveFetch{}}
	return next(context.WithValue(ctx, liveKey{}, ls))
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

// negotiation returns the case's negotiation, starting the fetches of every
// listed case the first time.
func (r *Resolver) negotiation(ctx context.Context, c *returns.Case) ([]returns.NegotiationEntry, error) {
	ls := liveFrom(ctx)
	if ls == nil { // outside an operation (a test calling the resolver): fetch alone
		ls = &liveSet{r: r, ctx: ctx, sem: make(chan struct{}, 1), fetch: map[returns.CaseKey]*liveFetch{}}
	}
	ls.mu.Lock()
	f := ls.start(c)
	for _, other := range ls.page {
		ls.start(other)
	}
	ls.mu.Unlock()
	select {
	case <-f.done:
		return f.entries, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// start starts fetching a case's negotiation unless it already is; ls.mu is held.
func (ls *liveSet) start(c *returns.Case) *liveFetch {
	if f, ok := ls.fetch[c.Key()]; ok {
		return f
	}
	f := &liveFetch{done: make(chan struct{})}
	ls.fetch[c.Key()] = f
	ck := liveCacheKey(c)
	if v, ok := ls.r.live.Get(ck); ok {
		f.entries = v.([]returns.NegotiationEntry)
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
		f.entries, f.err = ls.r.fetchNegotiation(ls.ctx, c)
		if f.err == nil {
			ls.r.live.SetDefault(ck, f.entries)
		}
	}()
	return f
}

func liveCacheKey(c *returns.Case) string {
	return fmt.Sprintf("negotiation|%s|%s|%d", c.Platform, c.PlatformCaseID, c.Version)
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
	if entries == nil {
		entries = []returns.NegotiationEntry{}
	}
	return entries, nil
}
