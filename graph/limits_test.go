package graph

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/returnsgw/returnsgw/actions"
	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/graph/transport"
	"github.com/returnsgw/returnsgw/store/sqlite"
)

// Hostile documents, each sent to the real handler over HTTP: while the
// attack runs and after it, a plain query is answered within a second, and
// the heap stays under heapBound.

const heapBound = 256 << 20

// fragmentBomb is the 1.6 KB document of 39 fragments each spreading the one
// before twice, which pinned a core for hours in gqlgen's complexity walk.
func fragmentBomb(n int) string {
	var b strings.Builder
	b.WriteString("query { ...F" + fmt.Sprint(n-1) + " }\nfragment F0 on Query { __typename }\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i-1, i-1)
	}
	return b.String()
}

// fragments returns a query spreading n fragments, each of which is body(i).
func fragments(n int, spread string, body func(i int) string) string {
	var b strings.Builder
	b.WriteString("{ " + spread + " }")
	for i := range n {
		fmt.Fprintf(&b, " fragment F%d on Query { %s }", i, body(i))
	}
	return b.String()
}

func spreads(from, to int) string {
	var b strings.Builder
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, " ...F%d", i)
	}
	return b.String()
}

func nestedList(depth int) string {
	return `{ returnCases(filter: { shopIds: ` + strings.Repeat("[", depth) + `"s"` + strings.Repeat("]", depth) + ` }) { totalCount } }`
}

func manyAliases(n int, field string) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, " a%d: %s", i, field)
	}
	b.WriteString(" }")
	return b.String()
}

type gqlAnswer struct {
	status int
	Data   json.RawMessage
	Errors []struct {
		Message    string
		Extensions struct{ Code string }
	}
	raw []byte
}

func (a gqlAnswer) code() string {
	if len(a.Errors) == 0 {
		return ""
	}
	return a.Errors[0].Extensions.Code
}

func postRaw(t *testing.T, url, accept string, body []byte) gqlAnswer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := gqlAnswer{status: resp.StatusCode, raw: raw}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		if err := json.Unmarshal(raw, &a); err != nil {
			t.Fatalf("HTTP %d, not JSON: %.200s", resp.StatusCode, raw)
		}
	}
	return a
}

func queryBody(query string) []byte {
	b, _ := json.Marshal(map[string]string{"query": query})
	return b
}

// plainQueryAnswered asserts that a well-behaved client is answered in a second.
func plainQueryAnswered(t *testing.T, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(queryBody(`{ returnCases(first: 5) { totalCount } }`)))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("a plain query was not answered within a second: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(raw, []byte(`"totalCount":0`)) {
		t.Fatalf("a plain query: HTTP %d %s", resp.StatusCode, raw)
	}
}

func heapUnder(t *testing.T, bound uint64) {
	t.Helper()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if ms.HeapInuse > bound {
		t.Errorf("heap in use %d MB, over the bound of %d MB", ms.HeapInuse>>20, bound>>20)
	}
}

// underAttack runs attack while checking that a plain query is answered,
// then checks again after it and the heap.
func underAttack(t *testing.T, url string, attack func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		attack()
	}()
	plainQueryAnswered(t, url)
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the attack's request was not answered in 20 s")
	}
	plainQueryAnswered(t, url)
	heapUnder(t, heapBound)
}

func TestHostileDocuments(t *testing.T) {
	srv := testServer(t)
	big := strings.Repeat("x", 2<<20)
	tests := []struct {
		name   string
		accept string
		body   []byte
		// status and code of the refusal ("" code: answered with data).
		status int
		code   string
	}{
		// Each fragment counts once: the executor merges the second spread.
		{"fragment bomb", "", queryBody(fragmentBomb(39)), 200, ""},
		{"195 KiB of nested list literals", "", queryBody(nestedList(100000)), 413, "TOKEN_LIMIT_EXCEEDED"},
		{"nested list literals under the token limit", "", queryBody(nestedList(7000)), 200, "GRAPHQL_VALIDATION_FAILED"},
		{"nested list literals, SSE", "text/event-stream", queryBody(nestedList(100000)), 413, "TOKEN_LIMIT_EXCEEDED"},
		// What the validator compares pairwise: bounded before it runs.
		{"4000 fields under one response key", "", queryBody("{" + strings.Repeat(" x: __typename", 4000) + " }"), 200, CodeQueryTooComplex},
		{"1500 fragments in a chain", "", queryBody(fragments(1500, "...F0", func(i int) string { return fmt.Sprintf("...F%d", i+1) })), 200, CodeQueryTooComplex},
		// Counted as the validator merges them: with the set's inline
		// fragments and the fragments it spreads, each once.
		{"350 inline fragments of 6 fields under one key", "", queryBody(inlineConflicts(350)), 200, CodeQueryTooComplex},
		{"400 inline fragments of 10 fields under one key", "", queryBody("{" + strings.Repeat(" ... on Query {"+strings.Repeat(" x: __typename", 10)+" }", 400) + " }"), 200, CodeQueryTooComplex},
		{"10 inline fragments naming one key once", "", queryBody("{" + strings.Repeat(" ... on Query { x: __typename }", 10) + " }"), 200, ""},
		{"10 fragments naming one key once, spread twice", "", queryBody(fragments(10, spreads(0, 10)+spreads(0, 10), func(int) string { return "x: __typename" })), 200, ""},
		{"50 fragments of 10 fields under one key", "", queryBody(fragments(50, spreads(0, 50), func(int) string { return strings.Repeat(" x: __typename", 10) })), 200, CodeQueryTooComplex},
		{"50 fragments each spreading every later one", "", queryBody(fragments(50, "...F0", func(i int) string { return "x: __typename" + spreads(i+1, 50) })), 200, ""},
		// The id or __typename each of a client's fragments asks for: one
		// leaf under one key, which never conflicts.
		{"40 fragments asking for one leaf", "", queryBody(fragments(40, spreads(0, 40), func(int) string { return "__typename x: __typename" })), 200, ""},
		{"60 inline fragments asking for one leaf", "", queryBody("{" + strings.Repeat(" ... on Query { x: __typename }", 60) + " }"), 200, CodeQueryTooComplex},
		{"11 fragments naming one key for two fields", "", queryBody(fragments(11, spreads(0, 11), func(i int) string {
			return []string{"x: __typename", "x: node(id: 1) { id }"}[i%2]
		})), 200, CodeQueryTooComplex},
		{"50 fragments each spreading every later one, distinct keys", "", queryBody(fragments(50, "...F0", func(i int) string { return fmt.Sprintf("x%d: __typename", i) + spreads(i+1, 50) })), 200, ""},
		{"50 fragments of conflicting arguments", "", queryBody(fragments(50, spreads(0, 50), func(i int) string {
			return strings.Repeat(fmt.Sprintf(" x: returnCases(first: %d) { totalCount }", i%7+1), 3)
		})), 200, CodeQueryTooComplex},
		{"3 fragments of conflicting arguments", "", queryBody(fragments(3, spreads(0, 3), func(i int) string {
			return strings.Repeat(fmt.Sprintf(" x: returnCases(first: %d) { totalCount }", i+1), 3)
		})), 200, "GRAPHQL_VALIDATION_FAILED"},
		{"2,100 fields in one set", "", queryBody(manyAliases(2100, "__typename")), 200, CodeQueryTooComplex},
		{"3 fragments of 700 fields spread together", "", queryBody(fragments(3, spreads(0, 3), func(i int) string {
			return strings.ReplaceAll(strings.Trim(manyAliases(700, "__typename"), "{}"), " a", fmt.Sprintf(" f%d_", i))
		})), 200, CodeQueryTooComplex},
		{"1300 aliased lists", "", queryBody(manyAliases(1300, "returnCases(first: 20) { totalCount }")), 200, CodeComplexityLimit},
		{"1300 aliased lists, SSE", "text/event-stream", queryBody(manyAliases(1300, "returnCases(first: 20) { totalCount }")), 400, CodeComplexityLimit},
		{"50,000 aliases", "", queryBody(manyAliases(50000, "__typename")), 413, "TOKEN_LIMIT_EXCEEDED"},
		{"2 MiB body", "", []byte(`{"query":"` + big + `"}`), 413, "REQUEST_TOO_LARGE"},
		{"2 MiB body, SSE", "text/event-stream", []byte(`{"query":"` + big + `"}`), 413, "REQUEST_TOO_LARGE"},
		{"huge variables", "", []byte(`{"query":"{ returnCases(first: 1) { totalCount } }","variables":{` +
			strings.TrimSuffix(strings.Repeat(`"v":"`+strings.Repeat("y", 1000)+`",`, 900), ",") + `}}`), 200, ""},
		{"deep nesting in variables", "", []byte(`{"query":"query($f: ReturnCaseFilter) { returnCases(filter: $f) { totalCount } }","variables":{"f":` +
			strings.Repeat(`{"shopIds":`, 50000) + `null` + strings.Repeat("}", 50000) + `}}`), 400, "BAD_REQUEST"},
		{"deep list in a variable", "", []byte(`{"query":"query($s: [String!]) { returnCases(filter: {shopIds: $s}) { totalCount } }","variables":{"s":` +
			strings.Repeat(`[`, 5000) + strings.Repeat("]", 5000) + `}}`), 200, "GRAPHQL_VALIDATION_FAILED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got gqlAnswer
			start := time.Now()
			underAttack(t, srv.URL, func() { got = postRaw(t, srv.URL, tt.accept, tt.body) })
			took := time.Since(start)
			if took > 2*time.Second {
				t.Errorf("took %v", took)
			}
			if got.status != tt.status || got.code() != tt.code {
				t.Fatalf("HTTP %d code %q, want %d %q: %.300s", got.status, got.code(), tt.status, tt.code, got.raw)
			}
			if tt.code == "" && len(got.Data) == 0 {
				t.Errorf("no data: %.300s", got.raw)
			}
			t.Logf("%d bytes answered in %v", len(tt.body), took)
		})
	}
}

// limitsSchema is recursive, so that depth and cost can grow without bound.
var limitsSchema = gqlparser.MustLoadSchema(&ast.Source{Input: `
	type Query { node: Node, nodes(first: Int): [Node!]!, leaf: String }
	interface Named { name: String, parent: Node }
	type Node implements Named { name: String, parent: Node, children(first: Int): [Node!]!, tags: [String!] }
`})

func limitsExec() graphql.ExecutableSchema {
	return &graphql.ExecutableSchemaMock{
		SchemaFunc: func() *ast.Schema { return limitsSchema },
		ComplexityFunc: func(_ context.Context, typeName, field string, child int, args map[string]any) (int, bool) {
			if field == "children" || field == "nodes" {
				n, _ := args["first"].(int64)
				return satAdd(1, satMul(max(int(n), 1), child)), true
			}
			return 0, false
		},
	}
}

// measureDoc parses, validates and measures a document with its variables
// as the executor would.
func measureDoc(ctx context.Context, doc string, l QueryLimits, vars ...map[string]any) (int, int, string, error) {
	qd, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: doc}, 15000)
	if err != nil {
		return 0, 0, "", err
	}
	if gerr := checkShape(qd, l.withDefaults()); gerr != nil {
		return 0, 0, gerr.Extensions["code"].(string), nil
	}
	if errs := validator.ValidateWithRules(limitsSchema, qd, rules.NewDefaultRules()); len(errs) > 0 {
		return 0, 0, "", errs
	}
	if len(qd.Operations) == 0 {
		return 0, 0, "", fmt.Errorf("no operation")
	}
	var raw map[string]any
	if len(vars) > 0 {
		raw = vars[0]
	}
	coerced, verr := validator.VariableValues(limitsSchema, qd.Operations[0], raw)
	if verr != nil {
		return 0, 0, "", verr
	}
	cost, depth, gerr := measure(ctx, limitsExec(), qd.Operations[0], coerced, l)
	if gerr != nil {
		return cost, depth, gerr.Extensions["code"].(string), nil
	}
	return cost, depth, "", nil
}

func TestQueryLimits(t *testing.T) {
	deep := func(n int) string {
		return "{ node { " + strings.Repeat("parent { ", n) + "name" + strings.Repeat(" }", n) + " } }"
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name   string
		ctx    context.Context
		doc    string
		limits QueryLimits
		code   string
		cost   int
		depth  int
	}{
		{"plain", nil, "{ node { name } leaf }", QueryLimits{}, "", 3, 2},
		{"aliases count", nil, "{ a: leaf b: leaf c: leaf }", QueryLimits{}, "", 3, 1},
		{"lists multiply", nil, "{ nodes(first: 10) { children(first: 10) { name } } }", QueryLimits{}, "", 1 + 10*(1+10*1), 3},
		{"a fragment spread twice counts once", nil, "{ ...A ...A } fragment A on Query { leaf }", QueryLimits{}, "", 1, 1},
		{"fragment bomb", nil, fragmentBombOn(39), QueryLimits{}, "", 1, 1},
		{"aliased fragment bomb", nil, aliasedBombOn(39), QueryLimits{MaxDepth: 100}, CodeComplexityLimit, -1, -1},
		{"depth", nil, deep(30), QueryLimits{}, CodeDepthLimit, -1, -1},
		{"depth at the limit", nil, deep(18), QueryLimits{}, "", 20, 20},
		{"depth through fragments", nil, "{ node { ...P } } fragment P on Node { parent { parent { name } } }", QueryLimits{MaxDepth: 3}, CodeDepthLimit, -1, -1},
		{"interface fields cost their worst", nil, "{ node { ... on Named { parent { children(first: 5) { name } } } } }", QueryLimits{}, "", 1 + 1 + (1 + 5*1), 4},
		{"node budget", nil, manyAliases(500, "leaf"), QueryLimits{MaxNodes: 100}, CodeQueryTooComplex, -1, -1},
		{"client gone", cancelled, manyAliases(600, "leaf"), QueryLimits{}, "CANCELLED", -1, -1},
		{"huge page size saturates", nil, "{ nodes(first: 2147483647) { children(first: 2147483647) { children(first: 2147483647) { name } } } }", QueryLimits{}, CodeComplexityLimit, -1, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			start := time.Now()
			cost, depth, code, err := measureDoc(ctx, tt.doc, tt.limits)
			if err != nil {
				t.Fatal(err)
			}
			if time.Since(start) > time.Second {
				t.Errorf("measured in %v", time.Since(start))
			}
			if code != tt.code || tt.cost >= 0 && (cost != tt.cost || depth != tt.depth) {
				t.Errorf("cost %d depth %d code %q, want %d %d %q", cost, depth, code, tt.cost, tt.depth, tt.code)
			}
		})
	}
}

func fragmentBombOn(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "query { ...F%d }\nfragment F0 on Query { leaf }\n", n-1)
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i-1, i-1)
	}
	return b.String()
}

func aliasedBombOn(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "query { node { ...F%d } }\nfragment F0 on Node { name }\n", n-1)
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "fragment F%d on Node { a: parent { ...F%d } b: parent { ...F%d } }\n", i, i-1, i-1)
	}
	return b.String()
}

// FuzzQueryLimits: whatever the document and variables, measuring never
// panics, ends within the walk's deadline, and what it accepts is within the
// limits.
func FuzzQueryLimits(f *testing.F) {
	for _, s := range []string{"{ leaf }", fragmentBombOn(12), aliasedBombOn(12), "{ nodes(first: 3) { children(first: 4) { tags } } }",
		"{ node { ... on Named { name } } }", manyAliases(50, "leaf")} {
		f.Add(s, "")
	}
	f.Add("query($n: Int) { nodes(first: $n) { children(first: $n) { name } } }", `{"n": 2147483647}`)
	f.Add("query($n: Int) { nodes(first: $n) { name } }", `{"n": -5}`)
	l := QueryLimits{MaxComplexity: 1000, MaxDepth: 8, MaxNodes: 2000, MaxWalk: 100 * time.Millisecond}
	f.Fuzz(func(t *testing.T, doc, vars string) {
		var v map[string]any
		if vars != "" {
			dec := json.NewDecoder(strings.NewReader(vars))
			dec.UseNumber()
			if dec.Decode(&v) != nil {
				return
			}
		}
		start := time.Now()
		cost, depth, code, err := measureDoc(context.Background(), doc, l, v)
		if err != nil {
			return // refused by the parser or the validator
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("%v to measure %q", took, doc)
		}
		if code == "" && (cost > l.MaxComplexity || depth > l.MaxDepth) {
			t.Errorf("accepted cost %d depth %d over the limits: %q %s", cost, depth, doc, vars)
		}
	})
}

func serverWith(t *testing.T, o HandlerOptions) string {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "g.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	quiet := slog.New(slog.DiscardHandler)
	reg := adapters.NewRegistry()
	r := NewResolver(Deps{Store: st, Platforms: reg, Actions: actions.New(actions.Options{Store: st, Platforms: reg, Log: quiet}), Log: quiet})
	o.Authenticate = func(ctx context.Context, _ transport.Credentials) (context.Context, error) {
		return WithOrg(ctx, "test"), nil
	}
	srv := httptest.NewServer(NewHandler(r, o))
	t.Cleanup(srv.Close)
	return srv.URL
}

// Introspection and the validator's suggestions (which reveal the schema
// as well) are off unless asked for; persisted queries work either way.
func TestIntrospectionAndSuggestions(t *testing.T) {
	for _, on := range []bool{false, true} {
		t.Run(fmt.Sprint("introspection ", on), func(t *testing.T) {
			url := serverWith(t, HandlerOptions{Introspection: on})
			for _, q := range []string{`{ __schema { queryType { name } } }`, `{ __type(name: "Query") { name } }`} {
				got := postRaw(t, url, "", queryBody(q))
				if on && (got.code() != "" || !bytes.Contains(got.Data, []byte(`"Query"`))) || !on && got.code() != CodeIntrospectionDisabled {
					t.Errorf("%s: %s", q, got.raw)
				}
			}
			got := postRaw(t, url, "", queryBody(`{ returnCasez { id } }`))
			if suggests := bytes.Contains(got.raw, []byte("Did you mean")); suggests != on || got.code() != "GRAPHQL_VALIDATION_FAILED" {
				t.Errorf("a misspelt field: %s", got.raw)
			}
			// Automatic persisted queries: the hash alone, then with the document, then the hash alone.
			q := `{ returnCases(first: 1) { totalCount } }`
			sum := sha256.Sum256([]byte(q))
			ext := `"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + hex.EncodeToString(sum[:]) + `"}}`
			if got := postRaw(t, url, "", []byte(`{`+ext+`}`)); got.code() != "PERSISTED_QUERY_NOT_FOUND" {
				t.Errorf("an unknown hash: %s", got.raw)
			}
			for _, body := range []string{`{"query":"` + q + `",` + ext + `}`, `{` + ext + `}`} {
				if got := postRaw(t, url, "", []byte(body)); got.code() != "" || !bytes.Contains(got.Data, []byte("totalCount")) {
					t.Errorf("%s: %s", body, got.raw)
				}
			}
		})
	}
}

// inlineConflicts is n inline fragments, each naming x five times as a
// scalar and once as an object: the validator merges the fragments and
// reports every conflicting pair (614,250 of them for 350, a 159 MB answer).
func inlineConflicts(n int) string {
	var b strings.Builder
	b.WriteString("{")
	for range n {
		b.WriteString(" ... on Query {" + strings.Repeat(" x: __typename", 5) + " x: node(id: 1) { id } }")
	}
	b.WriteString(" }")
	return b.String()
}

// The same-key bound counts across inline fragments, which the validator
// merges: refused before validation, with a small answer, quickly.
func TestInlineFragmentsCountTowardsTheSameKeyBound(t *testing.T) {
	srv := testServer(t)
	doc := inlineConflicts(350)
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				peak.Store(max(peak.Load(), ms.HeapInuse))
			}
		}
	}()
	start := time.Now()
	got := postRaw(t, srv.URL, "", queryBody(doc))
	took := time.Since(start)
	close(stop)
	<-sampled
	t.Logf("%d-byte document: HTTP %d, code %q, %d errors, %d-byte answer, %v, peak heap %d MB",
		len(doc), got.status, got.code(), len(got.Errors), len(got.raw), took, peak.Load()>>20)
	if got.status != 200 || got.code() != CodeQueryTooComplex {
		t.Errorf("HTTP %d code %q, want 200 %s: %.300s", got.status, got.code(), CodeQueryTooComplex, got.raw)
	}
	if len(got.raw) > 1<<20 {
		t.Errorf("a %d-byte document got a %d-byte answer", len(doc), len(got.raw))
	}
	if took > time.Second {
		t.Errorf("took %v", took)
	}
}

// A refused document's answer lists at most maxRefusalErrors errors, then
// how many more there were.
func TestRefusalErrorsAreCapped(t *testing.T) {
	srv := testServer(t)
	for _, accept := range []string{"", "text/event-stream"} {
		got := postRaw(t, srv.URL, accept, queryBody(manyAliases(500, "nope")))
		if got.code() != "GRAPHQL_VALIDATION_FAILED" || len(got.Errors) != maxRefusalErrors+1 ||
			got.Errors[maxRefusalErrors].Message != "400 more errors not shown" {
			t.Errorf("accept %q: HTTP %d, %d errors: %.300s", accept, got.status, len(got.Errors), got.raw)
		}
	}
}

// The caches keep no document over maxCachedQuery: a few tokens padded to
// 1 MiB with a comment (not a token), 150 times over, are each answered and
// none is kept (before, 1,000 of them pinned 1.7 GB).
func TestQueryCacheIsBoundedInBytes(t *testing.T) {
	srv := testServer(t)
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapInuse
	}
	before := heap()
	pad := strings.Repeat("x", 1<<20-300)
	const n = 150
	for i := range n {
		doc := fmt.Sprintf("{ returnCases(first: 1) { totalCount } } # %d %s", i, pad)
		if got := postRaw(t, srv.URL, "", queryBody(doc)); got.status != 200 || got.code() != "" {
			t.Fatalf("HTTP %d %q", got.status, got.code())
		}
	}
	grew := int64(heap()) - int64(before)
	t.Logf("%d distinct 1 MiB documents: the heap grew by %d MiB", n, grew>>20)
	if grew > 64<<20 {
		t.Errorf("the heap kept %d MiB after %d requests of 1 MiB", grew>>20, n)
	}
}

// A persisted query over maxCachedQuery is answered but not kept: the hash
// alone is then not found, and the client sends the document again.
func TestLongPersistedQueryIsNotKept(t *testing.T) {
	srv := testServer(t)
	for _, q := range []string{`{ returnCases(first: 1) { totalCount } }`, `{ returnCases(first: 1) { totalCount } } # ` + strings.Repeat("x", maxCachedQuery)} {
		sum := sha256.Sum256([]byte(q))
		ext := `"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + hex.EncodeToString(sum[:]) + `"}}`
		body, _ := json.Marshal(q)
		if got := postRaw(t, srv.URL, "", []byte(`{"query":`+string(body)+`,`+ext+`}`)); got.code() != "" {
			t.Fatalf("%d bytes with the hash: %.300s", len(q), got.raw)
		}
		want := ""
		if len(q) > maxCachedQuery {
			want = "PERSISTED_QUERY_NOT_FOUND"
		}
		if got := postRaw(t, srv.URL, "", []byte(`{`+ext+`}`)); got.code() != want {
			t.Errorf("%d bytes, the hash alone: %.300s", len(q), got.raw)
		}
	}
}
