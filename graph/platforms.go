package graph

import (
	"context"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/feed"
	"github.com/returnsgw/returnsgw/graph/model"
	"github.com/returnsgw/returnsgw/returns"
)

// downAfter is how many failed sync attempts in a row make a connection DOWN.
const downAfter = 3

// platformInfos answers Query.platforms: every platform with a configured
// connection, its capabilities, and the health of each shop's connection.
func (r *Resolver) platformInfos(ctx context.Context) []*model.PlatformInfo {
	var out []*model.PlatformInfo
	if org, err := OrgFrom(ctx); r.deps.Org != "" && (err != nil || org != r.deps.Org) {
		return out // the shops, their health and errors are another organisation's
	}
	for _, id := range returns.PlatformIDs {
		conns := r.deps.Platforms.OnPlatform(id)
		if len(conns) == 0 {
			continue
		}
		caps := conns[0].Capabilities()
		info := &model.PlatformInfo{
			Platform:            id,
			ActionsSupported:    actionNames(caps.Actions),
			SellerCentreActions: actionNames(caps.ManualActions),
			PushSupported:       caps.Push,
		}
		for _, p := range conns {
			shop := p.Shop()
			sc := &model.ShopConnection{ID: shop.ID, Market: shop.Market, Health: r.connectionHealth(p)}
			r.authorizationHealth(ctx, p, sc.Health)
			r.shopConsoleFields(ctx, p, sc)
			if shop.Name != "" {
				name := shop.Name
				sc.Name = &name
			}
			info.Shops = append(info.Shops, sc)
			if info.Health == nil || worse(sc.Health.State, info.Health.State) {
				info.Health = sc.Health
			}
		}
		out = append(out, info)
	}
	return out
}

// connectionHealth combines the poller's record with the circuit breaker:
// DOWN when the circuit is open or syncs keep failing, DEGRADED while
// failing now and then, probing, or not yet synced, HEALTHY otherwise.
func (r *Resolver) connectionHealth(p returns.Platform) *model.PlatformHealth {
	h := &model.PlatformHealth{State: model.PlatformHealthStateHealthy, Circuit: string(adapters.BreakerClosed)}
	if bh, ok := p.(adapters.BreakerHolder); ok {
		h.Circuit = string(bh.Breaker().State())
	}
	var ph feed.Health
	for _, pl := range r.deps.Pollers {
		if pl.Platform.ID() == p.ID() && pl.Platform.Shop().ID == p.Shop().ID {
			ph = pl.Health()
		}
	}
	h.ConsecutiveFailures = ph.Failures
	h.LastSyncAt = timePtr(ph.LastSyncAt)
	h.LastErrorAt = timePtr(ph.LastErrorAt)
	if ph.LastError != "" {
		e := ph.LastError
		h.LastError = &e
	}
	switch {
	case h.Circuit == string(adapters.BreakerOpen) || ph.Failures >= downAfter:
		h.State = model.PlatformHealthStateDown
	case ph.Failures > 0 || h.Circuit == string(adapters.BreakerHalfOpen) || !(ph.CaughtUpOnce || ph.Standby):
		h.State = model.PlatformHealthStateDegraded
	}
	return h
}

func worse(a, b model.PlatformHealthState) bool {
	rank := map[model.PlatformHealthState]int{model.PlatformHealthStateHealthy: 0, model.PlatformHealthStateDegraded: 1,
		model.PlatformHealthStateDown: 2, model.PlatformHealthStateNeedsReauthorization: 3}
	return rank[a] > rank[b]
}

func actionNames(as []returns.Action) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = string(a)
	}
	return out
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
