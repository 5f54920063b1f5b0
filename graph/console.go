package graph

import (
	"context"

	"github.com/returnsgw/returnsgw/graph/model"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// shopConsoleFields fills what a console shows of a shop's connection beyond
// its health: how far its sync lags now, and its token's state (so that a
// seller is offered to re-authorize where the platform needs it).
func (r *Resolver) shopConsoleFields(ctx context.Context, p returns.Platform, sc *model.ShopConnection) {
	if sc.Health != nil && sc.Health.LastSyncAt != nil {
		lag := int(max(0, r.deps.Now().Sub(*sc.Health.LastSyncAt).Seconds()))
		sc.SyncLagSeconds = &lag
	}
	sc.Token = &model.ShopToken{State: model.ShopTokenStateStatic}
	if r.deps.Connections == nil {
		return
	}
	org, err := OrgFrom(ctx)
	if err != nil {
		return
	}
	st, ok := r.deps.Connections.Status(org, p.ID(), p.Shop().ID)
	if !ok {
		return
	}
	sc.Token.State = model.ShopTokenStateActive
	if st.State == store.ConnectionNeedsReauthorization {
		sc.Token.State = model.ShopTokenStateNeedsReauthorization
	}
	sc.Token.AccessExpiresAt = timePtr(st.AccessExpiresAt)
	sc.Token.NextRefreshAt = timePtr(st.NextRefresh)
	if st.LastError != "" {
		e := st.LastError
		sc.Token.LastError = &e
	}
}
