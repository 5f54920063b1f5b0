package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
)

// startGateway runs the whole program in sandbox mode on :0 with a fresh
// database, and waits until it is ready.
func startGateway(t *testing.T, args ...string) *Main {
	t.Helper()
	m := NewMain()
	m.Stdout = io.Discard
	base := []string{"--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "gw.db"), "--sandbox", "true",
		"--poll-interval", "200ms", "--log-level", "error", "--sandbox-cases", "40", "--demo-key", testKey, "--rate-limit", "0"}
	if err := m.ParseFlags(append(base, args...), func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(m.URL() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("gateway not ready after 60 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func gql(t *testing.T, m *Main, query string, vars map[string]any, into any) gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, m.URL()+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 500 {
		t.Fatalf("HTTP %d: %s", resp.StatusCode, raw)
	}
	var r gqlResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("response is not JSON: %s", raw)
	}
	if into != nil && len(r.Data) > 0 && string(r.Data) != "null" {
		if err := json.Unmarshal(r.Data, into); err != nil {
			t.Fatalf("decode data: %v: %s", err, r.Data)
		}
	}
	return r
}

type caseView struct {
	ID             string   `json:"id"`
	Platform       string   `json:"platform"`
	PlatformCaseID string   `json:"platformCaseId"`
	Kind           string   `json:"kind"`
	Status         string   `json:"status"`
	AllowedActions []string `json:"allowedActions"`
	PlatformStatus struct {
		Code string `json:"code"`
	} `json:"platformStatus"`
}

type payloadView struct {
	ReturnCase *caseView       `json:"returnCase"`
	UserErrors []userErrorView `json:"userErrors"`
	Replayed   bool            `json:"replayed"`
}

// userErrorView is one of a mutation payload's userErrors.
type userErrorView struct {
	Code    string   `json:"code"`
	Field   []string `json:"field"`
	Message string   `json:"message"`
	RuleID  string   `json:"ruleId"`
}

// runMutation runs a mutation that takes one input, $in, and returns its payload
// (data.<field>); a GraphQL error fails the test.
func runMutation[P any](t *testing.T, m *Main, mutation, field string, in map[string]any) P {
	t.Helper()
	var d map[string]json.RawMessage
	r := gql(t, m, mutation, map[string]any{"in": in}, &d)
	if len(r.Errors) > 0 {
		t.Fatalf("%s: %+v", field, r.Errors)
	}
	var p P
	if err := json.Unmarshal(d[field], &p); err != nil {
		t.Fatalf("%s: %v: %s", field, err, d[field])
	}
	return p
}

const caseFields = `id platform platformCaseId kind status allowedActions platformStatus { code }`

// findCase returns the first case that passes the filter and allows the action.
func findCase(t *testing.T, m *Main, filter map[string]any, action string) caseView {
	t.Helper()
	var d struct {
		ReturnCases struct{ Nodes []caseView } `json:"returnCases"`
	}
	r := gql(t, m, `query($f: ReturnCaseFilter) { returnCases(first: 100, filter: $f) { nodes { `+caseFields+` } } }`,
		map[string]any{"f": filter}, &d)
	if len(r.Errors) > 0 {
		t.Fatalf("returnCases: %+v", r.Errors)
	}
	for _, c := range d.ReturnCases.Nodes {
		for _, a := range c.AllowedActions {
			if a == action {
				return c
			}
		}
	}
	t.Fatalf("no case with filter %v allows %s", filter, action)
	return caseView{}
}

const approveMutation = `mutation($in: ReturnApproveInput!) { returnApprove(input: $in) {
	returnCase { ` + caseFields + ` } userErrors { code field message } replayed } }`

func approve(t *testing.T, m *Main, in map[string]any) payloadView {
	t.Helper()
	return runMutation[payloadView](t, m, approveMutation, "returnApprove", in)
}

func TestSandboxListsAllPlatforms(t *testing.T) {
	m := startGateway(t)
	sb := m.Sandbox
	xhsCases := len(sb.XHS.CaseIDs("xhs-domestic")) + len(sb.XHS.CaseIDs("xhs-crossborder"))
	all := xhsCases + len(sb.AliExpress.CaseIDs()) + len(sb.Alibaba.CaseIDs())

	var total struct {
		ReturnCases struct{ TotalCount int } `json:"returnCases"`
	}
	gql(t, m, `{ returnCases(first: 1) { totalCount } }`, nil, &total)
	if total.ReturnCases.TotalCount != all {
		t.Errorf("totalCount = %d, the three simulators hold %d", total.ReturnCases.TotalCount, all)
	}

	var d struct {
		ReturnCases struct {
			TotalCount int
			Nodes      []struct {
				caseView
				Lines []struct {
					UnitPrice struct{ Amount, CurrencyCode string }
					Category  string
				}
				Deadlines struct{ RespondBy *string }
			}
			PageInfo struct {
				HasNextPage bool
				EndCursor   string
			}
		} `json:"returnCases"`
	}
	r := gql(t, m, `{ returnCases(first: 15, filter: {platforms: [XHS]}) { totalCount nodes { `+caseFields+`
		lines { unitPrice { amount currencyCode } category } deadlines { respondBy } }
		pageInfo { hasNextPage endCursor } } }`, nil, &d)
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	if d.ReturnCases.TotalCount != xhsCases {
		t.Errorf("XHS totalCount = %d, the simulator holds %d", d.ReturnCases.TotalCount, xhsCases)
	}
	if len(d.ReturnCases.Nodes) != 15 || !d.ReturnCases.PageInfo.HasNextPage {
		t.Errorf("a page of 15 with more to come: got %d, hasNextPage %v", len(d.ReturnCases.Nodes), d.ReturnCases.PageInfo.HasNextPage)
	}
	for _, n := range d.ReturnCases.Nodes {
		if n.Platform != "XHS" || n.PlatformStatus.Code == "" {
			t.Errorf("case %s: platform %s, raw status %q", n.PlatformCaseID, n.Platform, n.PlatformStatus.Code)
		}
		for _, l := range n.Lines {
			if l.UnitPrice.CurrencyCode != "CNY" || !strings.Contains(l.UnitPrice.Amount, ".") {
				t.Errorf("case %s: unit price %+v", n.PlatformCaseID, l.UnitPrice)
			}
		}
	}
	// The next page continues without overlap.
	var d2 struct {
		ReturnCases struct{ Nodes []caseView } `json:"returnCases"`
	}
	gql(t, m, `query($a: String) { returnCases(first: 15, after: $a, filter: {platforms: [XHS]}) { nodes { id } } }`,
		map[string]any{"a": d.ReturnCases.PageInfo.EndCursor}, &d2)
	seen := map[string]bool{}
	for _, n := range d.ReturnCases.Nodes {
		seen[n.ID] = true
	}
	if len(d2.ReturnCases.Nodes) == 0 {
		t.Error("the second page is empty")
	}
	for _, n := range d2.ReturnCases.Nodes {
		if seen[n.ID] {
			t.Errorf("case %s on both pages", n.ID)
		}
	}
	// node(id) resolves a case.
	var nd struct {
		Node *struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"node"`
	}
	id := d.ReturnCases.Nodes[0].ID
	gql(t, m, `query($id: ID!) { node(id: $id) { id ... on ReturnCase { status } } }`, map[string]any{"id": id}, &nd)
	if nd.Node == nil || nd.Node.ID != id {
		t.Errorf("node(%s) = %+v", id, nd.Node)
	}
}

func TestApproveActsOnceAndReplays(t *testing.T) {
	m := startGateway(t)
	sim := m.Sandbox.XHS
	c := findCase(t, m, map[string]any{"platforms": []string{"XHS"}, "statuses": []string{"REQUESTED"}, "kinds": []string{"RETURN_AND_REFUND"}}, "returnApprove")
	before := sim.Calls(xhswire.MethodAuditReturns)

	first := approve(t, m, map[string]any{"id": c.ID, "idempotencyKey": "approve-" + c.PlatformCaseID})
	if len(first.UserErrors) > 0 || first.Replayed {
		t.Fatalf("approve: %+v", first)
	}
	if first.ReturnCase.Status != "AWAITING_BUYER_SHIPMENT" {
		t.Errorf("status after approval = %s, want AWAITING_BUYER_SHIPMENT", first.ReturnCase.Status)
	}
	snap, _ := sim.Snapshot(c.PlatformCaseID)
	if snap.AfterSaleInfo.Status != xhswire.StatusAwaitingReturn {
		t.Errorf("the simulator's status = %d, want %d (waiting for the buyer to send it back)", snap.AfterSaleInfo.Status, xhswire.StatusAwaitingReturn)
	}
	if got := sim.Calls(xhswire.MethodAuditReturns) - before; got != 1 {
		t.Errorf("auditReturns called %d times, want 1", got)
	}

	// The same key and input: the first answer again, and no second call.
	again := approve(t, m, map[string]any{"id": c.ID, "idempotencyKey": "approve-" + c.PlatformCaseID})
	if !again.Replayed || len(again.UserErrors) > 0 || again.ReturnCase.Status != first.ReturnCase.Status {
		t.Errorf("replay = %+v", again)
	}
	if got := sim.Calls(xhswire.MethodAuditReturns) - before; got != 1 {
		t.Errorf("after the retry auditReturns was called %d times, want 1", got)
	}

	// The same key with another input is a conflict, and acts not.
	other := approve(t, m, map[string]any{"id": c.ID, "idempotencyKey": "approve-" + c.PlatformCaseID, "message": "hi"})
	if len(other.UserErrors) != 1 || other.UserErrors[0].Code != "CONFLICT" {
		t.Errorf("reused key with other input: %+v", other)
	}

	// A new key in the wrong status: INVALID_STATE without calling the platform.
	wrong := approve(t, m, map[string]any{"id": c.ID, "idempotencyKey": "approve-again-" + c.PlatformCaseID})
	if len(wrong.UserErrors) != 1 || wrong.UserErrors[0].Code != "INVALID_STATE" {
		t.Errorf("approve in the wrong status: %+v", wrong)
	}
	if got := sim.Calls(xhswire.MethodAuditReturns) - before; got != 1 {
		t.Errorf("a refused approval still called the platform: %d calls", got)
	}
}

func TestPlatformDownChangesNothing(t *testing.T) {
	m := startGateway(t)
	sim := m.Sandbox.XHS
	c := findCase(t, m, map[string]any{"platforms": []string{"XHS"}, "statuses": []string{"REQUESTED"}, "kinds": []string{"RETURN_AND_REFUND"}}, "returnApprove")
	sim.SetDown(true)
	in := map[string]any{"id": c.ID, "idempotencyKey": "down-" + c.PlatformCaseID}
	p := approve(t, m, in)
	if len(p.UserErrors) != 1 || p.UserErrors[0].Code != "PLATFORM_UNAVAILABLE" {
		t.Fatalf("approve while XHS is down: %+v", p)
	}
	if p.ReturnCase == nil || p.ReturnCase.Status != "REQUESTED" {
		t.Errorf("the case changed although the platform was down: %+v", p.ReturnCase)
	}
	snap, _ := sim.Snapshot(c.PlatformCaseID)
	if snap.AfterSaleInfo.Status != xhswire.StatusPendingReview {
		t.Errorf("the simulator's case changed: status %d", snap.AfterSaleInfo.Status)
	}
	// Nothing was remembered for the key: once XHS is back, the same request works.
	sim.SetDown(false)
	p = approve(t, m, in)
	if len(p.UserErrors) > 0 || p.Replayed || p.ReturnCase.Status != "AWAITING_BUYER_SHIPMENT" {
		t.Errorf("retry after the outage: %+v", p)
	}
}

func TestBadInputIsTypedNever500(t *testing.T) {
	m := startGateway(t)
	foreign := base64.RawURLEncoding.EncodeToString([]byte("Invoice:42"))
	missing := base64.RawURLEncoding.EncodeToString([]byte("ReturnCase:XHS:R000000"))
	tests := []struct {
		name     string
		query    string
		vars     map[string]any
		wantCode string // "" means: no error, null data
	}{
		{"malformed node id", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": "%%%"}, "INVALID"},
		{"foreign node id", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": foreign}, ""},
		{"unknown case id", `query($id: ID!) { returnCase(id: $id) { id } }`, map[string]any{"id": missing}, ""},
		{"bad cursor", `{ returnCases(first: 5, after: "bm9wZQ") { totalCount } }`, nil, "INVALID"},
		{"page too large", `{ returnCases(first: 1000) { totalCount } }`, nil, "INVALID"},
		{"first and last", `{ returnCases(first: 5, last: 5) { totalCount } }`, nil, "INVALID"},
		{"bad datetime", `{ returnCases(filter: {updatedAfter: "yesterday"}) { totalCount } }`, nil, "INVALID"},
		{"datetime without offset", `query($t: DateTime) { returnCases(filter: {updatedAfter: $t}) { totalCount } }`, map[string]any{"t": "2026-11-20T09:30:00"}, "INVALID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := gql(t, m, tt.query, tt.vars, nil)
			if tt.wantCode == "" {
				if len(r.Errors) > 0 {
					t.Errorf("errors: %+v", r.Errors)
				}
				return
			}
			if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != tt.wantCode {
				t.Errorf("errors = %+v, want code %s", r.Errors, tt.wantCode)
			}
		})
	}
	// Mutations answer with userErrors.
	for _, tt := range []struct {
		name string
		in   map[string]any
		code string
	}{
		{"malformed id", map[string]any{"id": "???"}, "INVALID"},
		{"unknown case", map[string]any{"id": missing}, "NOT_FOUND"},
		{"foreign id", map[string]any{"id": foreign}, "NOT_FOUND"},
		{"key too long", map[string]any{"id": missing, "idempotencyKey": strings.Repeat("k", 300)}, "INVALID"},
	} {
		t.Run("mutation "+tt.name, func(t *testing.T) {
			p := approve(t, m, tt.in)
			if len(p.UserErrors) != 1 || p.UserErrors[0].Code != tt.code {
				t.Errorf("userErrors = %+v, want %s", p.UserErrors, tt.code)
			}
		})
	}
	var d struct {
		ReturnRefund payloadView `json:"returnRefund"`
	}
	// Input is checked before anything else: any case will do.
	var first struct {
		ReturnCases struct{ Nodes []caseView } `json:"returnCases"`
	}
	gql(t, m, `{ returnCases(first: 1, filter: {platforms: [XHS]}) { nodes { id } } }`, nil, &first)
	c := first.ReturnCases.Nodes[0]
	gql(t, m, `mutation($in: ReturnRefundInput!) { returnRefund(input: $in) { userErrors { code field } } }`,
		map[string]any{"in": map[string]any{"id": c.ID, "amount": map[string]any{"amount": "1.005", "currencyCode": "CNY"}}}, &d)
	if len(d.ReturnRefund.UserErrors) != 1 || d.ReturnRefund.UserErrors[0].Code != "INVALID" ||
		strings.Join(d.ReturnRefund.UserErrors[0].Field, ".") != "input.amount" {
		t.Errorf("a refund of 1.005 CNY: %+v", d.ReturnRefund.UserErrors)
	}
}

func TestRoutes(t *testing.T) {
	m := startGateway(t)
	for _, tt := range []struct {
		path, contains string
		status         int
	}{
		{"/healthz", `"ok"`, 200},
		{"/readyz", `"ready"`, 200},
		{"/graphiql/", "graphiql.min.js", 200},
		{"/graphiql/assets/graphiql.min.js", "GraphiQL", 200},
		{"/graphiql/app.js", "createFetcher", 200},
		{"/graphql?query=%7B__typename%7D", `"Query"`, 200},
	} {
		resp, err := http.Get(m.URL() + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !bytes.Contains(b, []byte(tt.contains)) {
			t.Errorf("GET %s: %d %.200s", tt.path, resp.StatusCode, b)
		}
	}
	resp, _ := http.Get(m.URL() + "/graphql?query=" + "mutation%7B__typename%7D")
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("a mutation over GET: HTTP %d, want 405", resp.StatusCode)
	}
}

// TestGraphQLOverHTTPAudit runs graphql-http's server audit suite (the npm
// package, pinned in e2e/package.json) against the running gateway: every
// audit must be ok, with no warnings or notices.
func TestGraphQLOverHTTPAudit(t *testing.T) {
	node := requireNode(t)
	m := startGateway(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "audit.mjs", m.URL()+"/graphql")
	cmd.Env = append(os.Environ(), "RETURNSGW_KEY="+testKey)
	cmd.Dir = filepath.Join("..", "e2e")
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("graphql-http audit failed: %v", err)
	}
	if !bytes.Contains(out, []byte("61 of 61 ok")) {
		t.Errorf("expected all 61 audits ok")
	}
}

// requireNode finds node and the e2e clients, or skips — unless the test
// command requires them (RETURNSGW_REQUIRE_NODE=1, as test.sh and CI set).
func requireNode(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join("..", "e2e", "node_modules", "graphql-http"))
	}
	if err != nil {
		skipOrFail(t, "RETURNSGW_REQUIRE_NODE", fmt.Sprintf("node or e2e/node_modules missing (run npm ci in e2e/): %v", err))
	}
	return node
}

// skipOrFail skips a test whose tools are missing, or fails it when the
// environment variable require is set: there the tools must be present.
func skipOrFail(t *testing.T, require, msg string) {
	t.Helper()
	if os.Getenv(require) != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}
