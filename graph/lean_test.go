package graph

// Guards of the executor rewrite (graph/internal/lean) that need the real
// executor: which fields field middleware sees, and what the list page
// allocates. They build gqlgen's executor directly, without a transport.

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/returnsgw/returnsgw/actions"
	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/sqlite"
	"github.com/returnsgw/returnsgw/store/storetest"
)

var updateLean = flag.Bool("update-lean", false, "rewrite testdata/fields_without_middleware.txt from leanLeafFields (review the diff)")

const leanOrg = returns.OrgID("lean")

// leanPage is the page a seller's frontend loads (bench/list_test.go): 50
// cases with their lines and deadlines.
const leanPage = `query Page { returnCases(first: 50) {
  totalCount
  pageInfo { hasNextPage endCursor }
  edges { cursor node {
    id platform platformCaseId shopId orderId kind status platformStatus { code label }
    reason platformReason market
    requestedRefund { amount currencyCode } refundedAmount { amount currencyCode }
    lines { sku title quantity unitPrice { amount currencyCode } category }
    deadlines { respondBy buyerShipBy refundBy windowClosesAt autoActionAt autoAction }
    allowedActions createdAt updatedAt
  } }
} }`

// leanStore fills a SQLite store with the full case and 60 generated ones.
func leanStore(t testing.TB) store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "lean.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cases := append([]*returns.Case{storetest.FullCase("R-FULL")},
		storetest.NewFixtures(11, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)).Cases(60)...)
	for _, c := range cases {
		if _, err := st.UpsertCase(ctx, leanOrg, c, store.Change{Source: returns.SourcePoll}); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// leanExecutor is gqlgen's executor for the schema as the handler sets it up
// for queries (query cache, live set), with fields seen by mw when not nil.
func leanExecutor(st store.Store, mw graphql.FieldMiddleware) *executor.Executor {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := adapters.NewRegistry()
	now := func() time.Time { return time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC) }
	svc := actions.New(actions.Options{Store: st, Platforms: reg, Log: quiet, Now: now})
	r := NewResolver(Deps{Store: st, Platforms: reg, Actions: svc, Log: quiet, Now: now})
	exec := executor.New(NewExecutableSchema(Config{Resolvers: r}))
	exec.SetQueryCache(lru.New[*ast.QueryDocument](10))
	exec.AroundOperations(r.withLive)
	if mw != nil {
		exec.AroundFields(mw)
	}
	return exec
}

// leanRun runs one operation the way a transport does.
func leanRun(exec *executor.Executor, query string) *graphql.Response {
	ctx := graphql.StartOperationTrace(WithOrg(context.Background(), leanOrg))
	now := graphql.Now()
	oc, errs := exec.CreateOperationContext(ctx, &graphql.RawParams{Query: query, ReadTime: graphql.TraceTiming{Start: now, End: now}})
	if errs != nil {
		return exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs)
	}
	h, ctx := exec.DispatchOperation(ctx, oc)
	return h(ctx)
}

// wideQuery selects every field of every type a case reaches, and the
// platforms and rules besides. Live fields select only __typename: with no
// platform connected they answer null with an error.
const wideQuery = `{
  returnCases(first: 100) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { platformCaseId }
    edges { cursor node {
      id platform platformCaseId shopId orderId kind status platformStatus { code label }
      reason platformReason market
      lines { sku title quantity unitPrice { amount currencyCode } category }
      requestedRefund { amount currencyCode } refundedAmount { amount currencyCode }
      returnFreight { amount currencyCode } returnFreightPaidBy freeReturnPromised tariff { amount currencyCode }
      deadlines { respondBy buyerShipBy refundBy windowClosesAt autoActionAt autoAction }
      eligibility {
        returnAllowed noReasonReturnAllowed windowClosesAt returnFreightPaidBy needsSellerAgreement
        tariffRefundable refundDueDaysAfterReceipt rules { ruleId effect explanation }
      }
      refundDue { __typename }
      negotiation { __typename }
      current { __typename }
      returnShipment { carrierCode carrierName trackingNo shippedAt signedAt }
      buyerNote deliveredAt approvedAt receivedAt
      allowedActions
      availableActions { action viaApi sellerCentreUrl violations { ruleId message acknowledgeable } }
      pendingSteps { action recordedAt note url }
      createdAt updatedAt syncedAt
    } }
  }
  returnRules { id explanation source zone platforms markets configurable catalogueOnly }
  platforms { platform actionsSupported sellerCentreActions pushSupported health { state circuit } shops { id } }
}`

// TestFieldMiddlewareSeesEveryResolvedField holds field middleware
// (srv.AroundFields: tracing, field-level authorization) to this: it sees
// every field that is executed except exactly the leaf fields the rewrite
// marshals in line (leanLeafFields), and never one of those.
func TestFieldMiddlewareSeesEveryResolvedField(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]bool{}
	exec := leanExecutor(leanStore(t), func(ctx context.Context, next graphql.Resolver) (any, error) {
		fc := graphql.GetFieldContext(ctx)
		mu.Lock()
		seen[fc.Object+"."+fc.Field.Name] = true
		mu.Unlock()
		return next(ctx)
	})
	resp := leanRun(exec, wideQuery)
	var data map[string]any
	if err := json.Unmarshal(resp.Data, &data); err != nil || data == nil {
		t.Fatalf("no data (%v): %v", err, resp.Errors)
	}
	for _, e := range resp.Errors {
		if p := e.Path.String(); !strings.HasSuffix(p, ".negotiation") && !strings.HasSuffix(p, ".current") {
			t.Errorf("unexpected error at %s: %s", p, e.Message)
		}
	}
	doc := leanParse(t, exec, wideQuery)
	executed := map[string]bool{}
	leanExecuted(doc.Operations[0].SelectionSet, data, executed)
	if len(executed) < 80 {
		t.Fatalf("only %d fields executed: the query no longer reaches the data", len(executed))
	}
	inline := map[string]bool{}
	for _, f := range leanLeafFields {
		inline[f] = true
	}
	var skipped, missed []string
	for f := range executed {
		switch {
		case inline[f] && seen[f]:
			t.Errorf("%s is in leanLeafFields but field middleware saw it", f)
		case inline[f]:
			skipped = append(skipped, f)
		case !seen[f]:
			missed = append(missed, f)
		}
	}
	for f := range seen {
		if !executed[f] {
			t.Errorf("middleware saw %s, which the response does not have", f)
		}
	}
	slices.Sort(missed)
	for _, f := range missed {
		t.Errorf("field middleware did not see %s", f)
	}
	if len(skipped) < 40 {
		t.Errorf("only %d in-line leaf fields executed: is the rewrite still applied?", len(skipped))
	}
}

// leanParse returns the query's validated document.
func leanParse(t *testing.T, exec *executor.Executor, query string) *ast.QueryDocument {
	t.Helper()
	oc, errs := exec.CreateOperationContext(graphql.StartOperationTrace(context.Background()), &graphql.RawParams{Query: query})
	if errs != nil {
		t.Fatal(errs)
	}
	return oc.Doc
}

// leanExecuted records as Object.field every field of the selection set
// that the response holds for the object value v, and recurses into them.
// The query selects only object types (no interface or union), so a
// field's definition names its object.
func leanExecuted(sel ast.SelectionSet, v any, into map[string]bool) {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			leanExecuted(sel, e, into)
		}
	case map[string]any:
		for _, s := range sel {
			f, ok := s.(*ast.Field)
			if !ok || strings.HasPrefix(f.Name, "__") {
				continue
			}
			val, ok := v[f.Alias]
			if !ok {
				continue
			}
			into[f.ObjectDefinition.Name+"."+f.Name] = true
			if len(f.SelectionSet) > 0 && val != nil {
				leanExecuted(f.SelectionSet, val, into)
			}
		}
	}
}

// The fields that skip field middleware are a reviewed list
// (testdata/fields_without_middleware.txt): a change to it shows in review.
// Each is, by the schema, a scalar or enum without arguments; a field that
// middleware must see (one to authorize, say) gets a resolver or a
// directive, and the rewrite leaves it alone.
func TestFieldsWithoutMiddleware(t *testing.T) {
	const golden = "testdata/fields_without_middleware.txt"
	if *updateLean {
		body := "# Fields graph/internal/lean marshals in line: field middleware (AroundFields) does not see them.\n" +
			"# Generated by go test ./graph -run TestFieldsWithoutMiddleware -update-lean; review every change.\n" +
			strings.Join(leanLeafFields, "\n") + "\n"
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(golden)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var want []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			want = append(want, l)
		}
	}
	for _, f := range leanLeafFields {
		if !slices.Contains(want, f) {
			t.Errorf("%s now skips field middleware: review it, then run with -update-lean", f)
		}
	}
	for _, f := range want {
		if !slices.Contains(leanLeafFields, f) {
			t.Errorf("%s no longer skips field middleware: run with -update-lean", f)
		}
	}
	schema := NewExecutableSchema(Config{}).Schema()
	for _, name := range leanLeafFields {
		obj, field, _ := strings.Cut(name, ".")
		def := schema.Types[obj]
		if def == nil || def.Kind != ast.Object {
			t.Errorf("%s: no object type %s", name, obj)
			continue
		}
		fd := def.Fields.ForName(field)
		if fd == nil {
			t.Errorf("%s: no such field", name)
			continue
		}
		if len(fd.Arguments) > 0 {
			t.Errorf("%s takes arguments, yet skips middleware", name)
		}
		typ := fd.Type
		for typ.Elem != nil {
			typ = typ.Elem
		}
		if k := schema.Types[typ.NamedType].Kind; k != ast.Scalar && k != ast.Enum {
			t.Errorf("%s is of kind %s, yet skips middleware", name, k)
		}
	}
}

// TestListPageAllocations caps what the executor allocates to answer the
// list page: 50 cases with lines and deadlines, from a store that answers
// from memory so that only the executor, the resolvers and the JSON
// encoding count. It counts allocations, not time, so a busy machine does
// not move it (nor does the race detector, by a few).
//
// Measured with gqlgen v0.17.95 and Go 1.26: 8,597 allocations with every
// rewrite, 8,963 without "enum values shared" (the one that costs least to
// lose), and 35,010 with none (before the last three rewrites: see
// graph/internal/lean/README.md). The cap sits between: losing any
// one rewrite fails the test. A change that legitimately costs more
// re-measures both and moves the cap with a note here.
func TestListPageAllocations(t *testing.T) {
	exec := leanExecutor(&memoPage{Store: leanStore(t)}, nil)
	resp := leanRun(exec, leanPage)
	if len(resp.Errors) > 0 {
		t.Fatal(resp.Errors)
	}
	var page struct {
		ReturnCases struct {
			Edges []struct {
				Node struct {
					Lines     []json.RawMessage
					Deadlines map[string]any
				}
			}
		}
	}
	if err := json.Unmarshal(resp.Data, &page); err != nil {
		t.Fatal(err)
	}
	if n := len(page.ReturnCases.Edges); n != 50 || len(page.ReturnCases.Edges[0].Node.Lines) == 0 || page.ReturnCases.Edges[0].Node.Deadlines == nil {
		t.Fatalf("the page has %d cases, or no lines or deadlines", n)
	}
	allocs := testing.AllocsPerRun(20, func() { leanRun(exec, leanPage) })
	t.Logf("%.0f allocations for the page", allocs)
	if allocs > leanPageAllocCap {
		t.Errorf("the list page allocates %.0f times, over the cap of %d: did a rewrite of graph/internal/lean stop applying?", allocs, leanPageAllocCap)
	}
}

// leanPageAllocCap: see TestListPageAllocations.
const leanPageAllocCap = 8900

// memoPage answers ListCases from memory after the first call, so the
// store's decoding does not count in the executor's allocations.
type memoPage struct {
	store.Store
	mu   sync.Mutex
	page *store.CasePage
}

func (m *memoPage) ListCases(ctx context.Context, org returns.OrgID, q store.ListQuery) (*store.CasePage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.page != nil {
		return m.page, nil
	}
	p, err := m.Store.ListCases(ctx, org, q)
	if err == nil {
		m.page = p
	}
	return p, err
}

// An object makes its @defer group only when a field is deferred (the
// rewrite "deferred set on first use"): a deferred fragment still arrives,
// once per object, labelled, after the initial result. (gqlgen defers only
// resolver fields; a struct field in a deferred fragment comes at once.)
func TestDeferredFieldsStillArrive(t *testing.T) {
	exec := leanExecutor(leanStore(t), nil)
	const q = `{ returnCases(first: 3) { edges { node { id ... @defer(label: "more") { allowedActions deadlines { respondBy } } } } } }`
	ctx := graphql.StartOperationTrace(WithOrg(context.Background(), leanOrg))
	now := graphql.Now()
	oc, errs := exec.CreateOperationContext(ctx, &graphql.RawParams{Query: q, ReadTime: graphql.TraceTiming{Start: now, End: now}})
	if errs != nil {
		t.Fatal(errs)
	}
	next, ctx := exec.DispatchOperation(ctx, oc)
	first := next(ctx)
	if len(first.Errors) > 0 || first.HasNext == nil || !*first.HasNext {
		t.Fatalf("initial result: errors %v, hasNext %v, data %s", first.Errors, first.HasNext, first.Data)
	}
	if !strings.Contains(string(first.Data), `"deadlines":null`) || strings.Contains(string(first.Data), "respondBy") {
		t.Fatalf("the deferred field came in the initial result: %s", first.Data)
	}
	var got int
	for resp := next(ctx); resp != nil; resp = next(ctx) {
		if resp.Label != "more" || !strings.Contains(string(resp.Data), `"allowedActions":`) || !strings.Contains(string(resp.Data), `"respondBy":`) {
			t.Fatalf("deferred result %d: label %q, data %s", got, resp.Label, resp.Data)
		}
		got++
	}
	if got != 3 {
		t.Fatalf("%d deferred results, want one per case (3)", got)
	}
}
