package graph

import (
	"context"
	"time"

	"github.com/returnsgw/returnsgw/connect"
	"github.com/returnsgw/returnsgw/graph/model"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// ShopConnections is the shop-authorization side the resolvers use: the
// state of each shop's connection, shopConnect, and the alerts.
type ShopConnections interface {
	Status(org returns.OrgID, platform returns.PlatformID, shopID string) (connect.Status, bool)
	Begin(ctx context.Context, org returns.OrgID, platform returns.PlatformID, shopID string) (ShopConnectStart, error)
	Alerts(ctx context.Context, org returns.OrgID) <-chan connect.Alert
}

// ShopConnectStart is the answer of ShopConnections.Begin.
type ShopConnectStart struct {
	AuthorizationURL string
	State            string
	ExpiresAt        time.Time
}

func (r *Resolver) shopConnect(ctx context.Context, in model.ShopConnectInput) (*model.ShopConnectPayload, error) {
	org, err := OrgFrom(ctx)
	if err != nil {
		return nil, err
	}
	if r.deps.Connections == nil {
		return &model.ShopConnectPayload{UserErrors: []*model.UserError{{Code: returns.CodeUnsupported,
			Message: "shop connections are not available on this gateway"}}}, nil
	}
	start, err := r.deps.Connections.Begin(ctx, org, in.Platform, in.ShopID)
	if err != nil {
		e, ok := err.(*returns.Error)
		if !ok || e.Code == returns.CodeInternal {
			return nil, err
		}
		ue := &model.UserError{Code: e.Code, Message: e.Message}
		if e.Field != nil {
			ue.Field = append([]string{"input"}, e.Field...)
		}
		return &model.ShopConnectPayload{UserErrors: []*model.UserError{ue}}, nil
	}
	u, exp := start.AuthorizationURL, start.ExpiresAt
	return &model.ShopConnectPayload{AuthorizationURL: &u, ExpiresAt: &exp, UserErrors: []*model.UserError{}}, nil
}

func (r *Resolver) shopConnectionAlerts(ctx context.Context) (<-chan *model.ShopConnectionAlert, error) {
	org, err := OrgFrom(ctx)
	if err != nil {
		return nil, err
	}
	out := make(chan *model.ShopConnectionAlert, 1)
	if r.deps.Connections == nil {
		return out, nil // never sends: nothing can lose its authorization
	}
	in := r.deps.Connections.Alerts(ctx, org)
	go func() {
		defer close(out)
		for a := range in {
			select {
			case out <- &model.ShopConnectionAlert{Platform: a.Platform, ShopID: a.ShopID, State: model.PlatformHealthStateNeedsReauthorization,
				Reason: a.Reason, OccurredAt: a.At}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// authorizationHealth overrides a shop's health with its connection's state:
// a shop whose authorization was lost is NEEDS_REAUTHORIZATION whatever its
// last sync said.
func (r *Resolver) authorizationHealth(ctx context.Context, p returns.Platform, h *model.PlatformHealth) {
	if r.deps.Connections == nil {
		return
	}
	org, err := OrgFrom(ctx)
	if err != nil {
		return
	}
	st, ok := r.deps.Connections.Status(org, p.ID(), p.Shop().ID)
	if !ok || st.State != store.ConnectionNeedsReauthorization {
		return
	}
	h.State = model.PlatformHealthStateNeedsReauthorization
	reason := st.LastError
	h.LastError = &reason
}
