package feed

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store/sqlite"
)

// pushShop is one shop connected through an app that signs its pushes with
// its own secret: a push carries the app's id and secret in headers (a
// stand-in for a real signature), and names cases with their seller.
type pushShop struct {
	shop, app, secret, seller string
	cases                     map[string]*returns.Case
	// refuseOthers answers a case of another seller with a refusal (as a
	// platform does for a token without access), not with NOT_FOUND.
	refuseOthers bool
	// fetches counts GetCase calls.
	fetches int
}

var (
	_ returns.Platform   = (*pushShop)(nil)
	_ returns.PushSource = (*pushShop)(nil)
)

func (p *pushShop) ID() returns.PlatformID { return returns.XHS }
func (p *pushShop) Shop() returns.Shop {
	return returns.Shop{ID: p.shop, Platform: returns.XHS, Market: returns.MarketDomestic}
}
func (p *pushShop) Capabilities() returns.Capabilities            { return returns.Capabilities{Push: true} }
func (p *pushShop) AllowedActions(*returns.Case) []returns.Action { return nil }
func (p *pushShop) ListChanges(context.Context, string, time.Time) (returns.ChangeBatch, error) {
	return returns.ChangeBatch{CaughtUp: true}, nil
}
func (p *pushShop) Perform(context.Context, returns.ActionRequest) (*returns.ActionResult, error) {
	return nil, returns.Errorf(returns.CodeUnsupported, "no actions")
}

func (p *pushShop) GetCase(_ context.Context, id string) (*returns.Case, error) {
	p.fetches++
	c, ok := p.cases[id]
	if !ok {
		if p.refuseOthers {
			return nil, returns.Errorf(returns.CodePlatformRejected, "the token has no access to %s", id)
		}
		return nil, returns.Errorf(returns.CodeNotFound, "no case %s", id)
	}
	cp := *c
	return &cp, nil
}

func (p *pushShop) ReadPush(req returns.PushRequest, _ time.Time) ([]returns.PushedChange, error) {
	h := http.Header(req.Header)
	if h.Get("X-App") != p.app || h.Get("X-Secret") != p.secret {
		return nil, returns.Errorf(returns.CodeUnauthorized, "push: bad signature")
	}
	var msgs []struct{ ID, Seller string }
	if err := json.Unmarshal(req.Body, &msgs); err != nil {
		return nil, returns.Errorf(returns.CodeInvalid, "push: the body is not a JSON array")
	}
	var out []returns.PushedChange
	for _, m := range msgs {
		out = append(out, returns.PushedChange{Ref: returns.CaseRef{PlatformCaseID: m.ID}, SellerID: m.Seller})
	}
	return out, nil
}

func (p *pushShop) PushReply(err error) (int, string, []byte) {
	switch returns.ErrorCodeOf(err) {
	case "":
		return http.StatusOK, "application/json", []byte(`{"success":true}`)
	case returns.CodeUnauthorized:
		return http.StatusUnauthorized, "application/json", []byte(`{"success":false}`)
	case returns.CodeInvalid:
		return http.StatusBadRequest, "application/json", []byte(`{"success":false}`)
	}
	return http.StatusInternalServerError, "application/json", []byte(`{"success":false}`)
}

func (p *pushShop) SellerID() string { return p.seller }

func pushCase(shop, id string) *returns.Case {
	return &returns.Case{Platform: returns.XHS, PlatformCaseID: id, ShopID: shop, OrderID: "O-" + id,
		Kind: returns.KindReturnAndRefund, Status: returns.StatusRequested, PlatformStatus: returns.PlatformStatus{Code: "1"},
		Reason: returns.ReasonSizeFit, Market: returns.MarketDomestic,
		CreatedAt: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
}

func TestWebhook(t *testing.T) {
	tests := []struct {
		name       string
		shops      []*pushShop
		app        string
		secret     string
		body       string
		wantStatus int
		wantStored string // the case stored afterwards, "" for none
	}{
		{
			name: "a push of the first app",
			shops: []*pushShop{
				{shop: "a", app: "app-a", secret: "sa", seller: "s1", cases: map[string]*returns.Case{"R1": pushCase("a", "R1")}},
				{shop: "b", app: "app-b", secret: "sb", seller: "s2", cases: map[string]*returns.Case{"R2": pushCase("b", "R2")}},
			},
			app: "app-a", secret: "sa", body: `[{"ID":"R1","Seller":"s1"}]`, wantStatus: 200, wantStored: "R1",
		},
		{
			// Each shop has its own app: the second app's push is verified
			// with the second app's secret, not refused for the first's.
			name: "a push of the second app",
			shops: []*pushShop{
				{shop: "a", app: "app-a", secret: "sa", seller: "s1", cases: map[string]*returns.Case{"R1": pushCase("a", "R1")}},
				{shop: "b", app: "app-b", secret: "sb", seller: "s2", cases: map[string]*returns.Case{"R2": pushCase("b", "R2")}},
			},
			app: "app-b", secret: "sb", body: `[{"ID":"R2","Seller":"s2"}]`, wantStatus: 200, wantStored: "R2",
		},
		{
			name: "a push no app signed changes nothing",
			shops: []*pushShop{
				{shop: "a", app: "app-a", secret: "sa", seller: "s1", cases: map[string]*returns.Case{"R1": pushCase("a", "R1")}},
				{shop: "b", app: "app-b", secret: "sb", seller: "s2", cases: map[string]*returns.Case{"R2": pushCase("b", "R2")}},
			},
			app: "app-b", secret: "sa", body: `[{"ID":"R2","Seller":"s2"}]`, wantStatus: 401,
		},
		{
			name: "a verified push that cannot be read",
			shops: []*pushShop{
				{shop: "a", app: "app-a", secret: "sa", seller: "s1"},
				{shop: "b", app: "app-b", secret: "sb", seller: "s2"},
			},
			app: "app-b", secret: "sb", body: `{"not":"a list"}`, wantStatus: 400,
		},
		{
			// The seller is not configured on any shop: only a shop
			// configured without its seller id may have the case; another
			// seller's shop is not asked (its token may be refused).
			name: "an unknown seller goes to the shop without a seller id",
			shops: []*pushShop{
				{shop: "a", app: "app", secret: "s", seller: "s1", refuseOthers: true},
				{shop: "c", app: "app", secret: "s", cases: map[string]*returns.Case{"R3": pushCase("c", "R3")}},
			},
			app: "app", secret: "s", body: `[{"ID":"R3","Seller":"s3"}]`, wantStatus: 200, wantStored: "R3",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "push.db"), sqlite.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			var conns []returns.Platform
			for _, s := range tt.shops {
				conns = append(conns, s)
			}
			h := &Webhook{Platform: returns.XHS, Connections: func() []returns.Platform { return conns },
				Ingester: &Ingester{Store: st, Org: org, Log: quiet}, Log: quiet}
			req := httptest.NewRequest(http.MethodPost, "/webhooks/xhs", strings.NewReader(tt.body))
			req.Header.Set("X-App", tt.app)
			req.Header.Set("X-Secret", tt.secret)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Errorf("status %d (%s), want %d", rec.Code, rec.Body, tt.wantStatus)
			}
			for _, id := range []string{"R1", "R2", "R3"} {
				_, err := st.GetCase(context.Background(), org, returns.CaseKey{Platform: returns.XHS, PlatformCaseID: id})
				if stored := err == nil; stored != (id == tt.wantStored) {
					t.Errorf("case %s stored: %v, want %v", id, stored, id == tt.wantStored)
				}
			}
		})
	}
}
