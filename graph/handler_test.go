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
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/returnsgw/returnsgw/actions"
	"github.com/returnsgw/returnsgw/adapters"
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
	h := NewHandler(r, HandlerOptions{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		h.ServeHTTP(w, req.WithContext(WithOrg(req.Context(), "test")))
	}))
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
