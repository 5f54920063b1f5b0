package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/returnsgw/returnsgw/actions"
	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/graph/transport"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store/sqlite"
)

func testServer(t *testing.T) *httptest.Server {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "g.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	quiet := slog.New(slog.DiscardHandler)
	reg := adapters.NewRegistry()
	r := NewResolver(Deps{Store: st, Platforms: reg, Actions: actions.New(actions.Options{Store: st, Platforms: reg, Log: quiet}), Log: quiet})
	h := NewHandler(r, HandlerOptions{Authenticate: func(ctx context.Context, _ transport.Credentials) (context.Context, error) {
		return WithOrg(ctx, "test"), nil
	}})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func post(t *testing.T, url, query string) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("not JSON: %s", raw)
	}
	return resp.StatusCode, out
}

// A full page of 100 cases with every field a frontend shows fits the
// complexity limit; asking for the same live data many times over does not.
func TestComplexityLimit(t *testing.T) {
	srv := testServer(t)
	caseFields := `id platform platformCaseId shopId orderId kind status platformStatus { code label } reason platformReason
		market lines { sku title quantity unitPrice { amount currencyCode } category } requestedRefund { amount currencyCode }
		refundedAmount { amount currencyCode } deadlines { respondBy buyerShipBy refundBy windowClosesAt autoActionAt autoAction }
		eligibility { noReasonReturnAllowed returnAllowed windowClosesAt returnFreightPaidBy rules { ruleId effect explanation } }
		allowedActions availableActions { action viaApi sellerCentreUrl violations { ruleId message acknowledgeable } }
		pendingSteps { action recordedAt } createdAt updatedAt`
	_, out := post(t, srv.URL, `{ returnCases(first: 100) { totalCount edges { cursor node { `+caseFields+` } } } }`)
	if out["errors"] != nil {
		t.Errorf("a full page was refused: %v", out["errors"])
	}
	var many strings.Builder
	many.WriteString("{")
	for i := 0; i < 40; i++ {
		many.WriteString(" p" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + `: returnCases(first: 100) { nodes { ` + caseFields + ` } }`)
	}
	many.WriteString(" }")
	_, out = post(t, srv.URL, many.String())
	errs, _ := out["errors"].([]any)
	if len(errs) == 0 || !strings.Contains(errs[0].(map[string]any)["message"].(string), "complexity") {
		t.Errorf("40 full pages in one query were not refused for complexity: %v", out["errors"])
	}
	// An analytics aggregation scans the organisation's cases: two fit in
	// one operation, three do not, however small their selections.
	for n, refused := range map[int]bool{2: false, 3: true} {
		var q strings.Builder
		q.WriteString("{")
		for i := 0; i < n; i++ {
			q.WriteString(" a" + string(rune('a'+i)) + `: returnAnalytics(input: {groupBy: [PLATFORM]}) { spikes { week } }`)
		}
		q.WriteString(" }")
		_, out = post(t, srv.URL, q.String())
		errs, _ := out["errors"].([]any)
		gotRefused := len(errs) > 0 && strings.Contains(errs[0].(map[string]any)["message"].(string), "complexity")
		if gotRefused != refused {
			t.Errorf("%d aliased returnAnalytics: refused for complexity %v, want %v (%v)", n, gotRefused, refused, out["errors"])
		}
	}
}

func TestPresenterHidesInternals(t *testing.T) {
	p := presenter(slog.New(slog.DiscardHandler))
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, graphql.DefaultRecover)
	internal := p(ctx, errors.New("sql: database is locked at /var/lib/gw.db"))
	if internal.Message != "internal error" || internal.Extensions["code"] != "INTERNAL" {
		t.Errorf("internal error presented as %+v", internal)
	}
	user := p(ctx, returns.Errorf(returns.CodeInvalid, "malformed cursor").WithField("after"))
	if user.Message != "malformed cursor" || user.Extensions["code"] != "INVALID" {
		t.Errorf("user error presented as %+v", user)
	}
	platform := p(ctx, &adapters.PlatformError{Platform: returns.XHS, Method: "afterSale.getAfterSaleInfo", Kind: adapters.KindUnavailable,
		Err: errors.New("dial tcp 10.0.0.7:443: connection refused")})
	if platform.Extensions["code"] != "PLATFORM_UNAVAILABLE" || strings.Contains(platform.Message, "10.0.0.7") {
		t.Errorf("platform error presented as %+v", platform)
	}
}

// livePlatform answers GetCase with the case in the status it holds now.
type livePlatform struct {
	mu     sync.Mutex
	status returns.Status
}

func (p *livePlatform) ID() returns.PlatformID { return returns.XHS }
func (p *livePlatform) Shop() returns.Shop {
	return returns.Shop{ID: "shop", Platform: returns.XHS, Market: returns.MarketDomestic}
}
func (p *livePlatform) Capabilities() returns.Capabilities            { return returns.Capabilities{} }
func (p *livePlatform) AllowedActions(*returns.Case) []returns.Action { return nil }
func (p *livePlatform) ListChanges(context.Context, string, time.Time) (returns.ChangeBatch, error) {
	return returns.ChangeBatch{CaughtUp: true}, nil
}
func (p *livePlatform) Perform(context.Context, returns.ActionRequest) (*returns.ActionResult, error) {
	return nil, returns.Errorf(returns.CodeUnsupported, "no actions")
}
func (p *livePlatform) GetCase(_ context.Context, id string) (*returns.Case, error) {
	if id == "R-panic" {
		panic("adapter bug")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return &returns.Case{Platform: returns.XHS, PlatformCaseID: id, ShopID: "shop", Status: p.status}, nil
}

// A subscription delivers one case again and again as it changes: each
// delivery's live data (ReturnCase.current) is the platform's at that
// delivery, not the first delivery's.
func TestLiveDataOfASubscriptionFollowsTheCase(t *testing.T) {
	p := &livePlatform{status: returns.StatusRequested}
	r := NewResolver(Deps{Platforms: adapters.NewRegistry(p), Log: slog.New(slog.DiscardHandler)})
	ctx := graphql.WithOperationContext(context.Background(), &graphql.OperationContext{
		Operation: &ast.OperationDefinition{Operation: ast.Subscription}})
	var got []returns.Status
	r.withLive(ctx, func(ctx context.Context) graphql.ResponseHandler {
		// Two deliveries of the case, the platform moving it in between.
		for v, next := range []returns.Status{returns.StatusAwaitingBuyerShipment, returns.StatusInTransit} {
			c := &returns.Case{Platform: returns.XHS, PlatformCaseID: "R-1", ShopID: "shop", Version: int64(v + 1)}
			cur, err := r.current(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, cur.Status)
			p.mu.Lock()
			p.status = next
			p.mu.Unlock()
		}
		return nil
	})
	want := []returns.Status{returns.StatusRequested, returns.StatusAwaitingBuyerShipment}
	if !slices.Equal(got, want) {
		t.Errorf("live statuses of two deliveries %v, want %v", got, want)
	}
}

// Live data is fetched on goroutines of the gateway's own, out of gqlgen's
// panic recovery: an adapter that panics fails the field, not the process.
func TestLiveFetchPanicFailsTheField(t *testing.T) {
	r := NewResolver(Deps{Platforms: adapters.NewRegistry(&livePlatform{}), Log: slog.New(slog.DiscardHandler)})
	c := &returns.Case{Platform: returns.XHS, PlatformCaseID: "R-panic", ShopID: "shop", Version: 1}
	cur, err := r.current(context.Background(), c)
	if err == nil || cur != nil || returns.ErrorCodeOf(err) != returns.CodeInternal {
		t.Fatalf("current = %v, %v; want an internal error", cur, err)
	}
	if p := presenter(slog.New(slog.DiscardHandler))(context.Background(), err); p.Message != "internal error" {
		t.Errorf("presented as %q", p.Message)
	}
}
