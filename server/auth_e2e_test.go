package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/returnsgw/returnsgw/auth"
	"github.com/returnsgw/returnsgw/graph"
)

// gqlAs posts a query with the given Authorization header ("" for none) and
// returns the HTTP status and the decoded answer.
func gqlAs(t *testing.T, m *Main, authorization, query string, vars map[string]any) (int, gqlResponse) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, m.URL()+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	// Set explicitly (even empty) so the tests' transport does not add the demo key.
	req.Header["Authorization"] = []string{authorization}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r gqlResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("HTTP %d, not JSON: %s", resp.StatusCode, raw)
	}
	return resp.StatusCode, r
}

func code(r gqlResponse) string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// Without a key, with a wrong one, or with a revoked one, /graphql answers
// 401 on every transport; the health probes need none.
func TestGraphQLNeedsAKey(t *testing.T) {
	m := startGateway(t)
	other, _ := auth.NewKey()
	for _, h := range []string{"", "Bearer ", "Bearer " + other, "Basic " + testKey, "Bearer " + strings.Repeat("x", 10000)} {
		status, r := gqlAs(t, m, h, `{ __typename }`, nil)
		if status != http.StatusUnauthorized || code(r) != "UNAUTHORIZED" {
			t.Errorf("Authorization %.30q: HTTP %d %s, want 401 UNAUTHORIZED", h, status, code(r))
		}
	}
	if status, r := gqlAs(t, m, "Bearer "+testKey, `{ __typename }`, nil); status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("the demo key: HTTP %d %+v", status, r.Errors)
	}
	// SSE takes the header too.
	req, _ := http.NewRequest(http.MethodPost, m.URL()+"/graphql", strings.NewReader(`{"query":"subscription { returnCaseChanged { id } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header["Authorization"] = []string{""}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("SSE without a key: HTTP %d", resp.StatusCode)
	}
	// WebSocket: connection_init without a key is closed 4403.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, wsURL(m), &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"},
		HTTPClient: &http.Client{}, HTTPHeader: http.Header{}})
	if err != nil {
		t.Fatal(err)
	}
	conn.Write(ctx, websocket.MessageText, []byte(`{"type":"connection_init","payload":{"Authorization":"Bearer `+other+`"}}`))
	_, _, err = conn.Read(ctx)
	if websocket.CloseStatus(err) != 4403 {
		t.Fatalf("WebSocket with a wrong key: %v, want close 4403", err)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		req, _ := http.NewRequest(http.MethodGet, m.URL()+path, nil)
		req.Header["Authorization"] = []string{""}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s without a key: %v %v", path, resp, err)
		}
		resp.Body.Close()
	}
}

// Keys made through the API carry only their scopes; a revoked key stops
// working at once, and its open subscription is closed.
func TestScopesAndRevocation(t *testing.T) {
	m := startGateway(t)
	create := func(scopes string) (key, id string) {
		t.Helper()
		var out struct {
			APIKeyCreate struct {
				Key    string
				APIKey struct{ ID string }
			} `json:"apiKeyCreate"`
		}
		r := gql(t, m, `mutation($s: [ApiKeyScope!]!) { apiKeyCreate(input: {name: "t", scopes: $s}) { key apiKey { id } userErrors { code message } } }`,
			map[string]any{"s": strings.Split(scopes, ",")}, &out)
		if len(r.Errors) > 0 || out.APIKeyCreate.Key == "" {
			t.Fatalf("apiKeyCreate: %+v %s", r.Errors, r.Data)
		}
		return out.APIKeyCreate.Key, out.APIKeyCreate.APIKey.ID
	}
	reader, _ := create("READ")
	writer, _ := create("WRITE")
	watcher, watcherID := create("SUBSCRIBE")

	if status, r := gqlAs(t, m, "Bearer "+reader, `{ returnCases(first: 1) { totalCount } }`, nil); status != 200 || len(r.Errors) > 0 {
		t.Fatalf("a read key reading: %d %+v", status, r.Errors)
	}
	for _, tc := range []struct{ key, query, what string }{
		{reader, `mutation { returnApprove(input: {id: "x"}) { replayed } }`, "a read key writing"},
		{writer, `{ returnCases(first: 1) { totalCount } }`, "a write key reading"},
		{reader, `mutation { apiKeyCreate(input: {name: "x", scopes: [ADMIN]}) { key } }`, "a read key making keys"},
		{writer, `mutation { apiKeyCreate(input: {name: "x", scopes: [ADMIN]}) { key } }`, "a write key making keys"},
		{reader, `{ apiKeys { id } }`, "a read key listing keys"},
	} {
		_, r := gqlAs(t, m, "Bearer "+tc.key, tc.query, nil)
		if code(r) != "UNAUTHORIZED" {
			t.Errorf("%s: %s %+v, want UNAUTHORIZED", tc.what, r.Data, r.Errors)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := dialInit(t, ctx, m, watcher)
	c.send(t, ctx, map[string]any{"type": "subscribe", "id": "1", "payload": map[string]any{"query": changedSubscription}})
	var out struct {
		APIKeyRevoke struct {
			APIKey struct{ RevokedAt *string }
		} `json:"apiKeyRevoke"`
	}
	if r := gql(t, m, `mutation($id: ID!) { apiKeyRevoke(input: {id: $id}) { apiKey { revokedAt } userErrors { code } } }`,
		map[string]any{"id": watcherID}, &out); len(r.Errors) > 0 || out.APIKeyRevoke.APIKey.RevokedAt == nil {
		t.Fatalf("apiKeyRevoke: %+v %s", r.Errors, r.Data)
	}
	for {
		_, _, err := c.conn.Read(ctx)
		if err == nil {
			continue // an event that was on its way
		}
		if websocket.CloseStatus(err) != 4403 {
			t.Fatalf("the revoked key's subscription ended with %v, want close 4403", err)
		}
		break
	}
	if status, _ := gqlAs(t, m, "Bearer "+watcher, `{ __typename }`, nil); status != http.StatusUnauthorized {
		t.Fatalf("a revoked key: HTTP %d", status)
	}
}

// A second organisation sees nothing of the first: no case in lists, null for
// another organisation's case id, NOT_FOUND for a mutation on it.
func TestOrganisationsAreIsolated(t *testing.T) {
	m := startGateway(t)
	var org struct {
		OrganisationCreate struct {
			Organisation struct{ ID string }
			UserErrors   []struct{ Code string }
		} `json:"organisationCreate"`
	}
	if r := gql(t, m, `mutation { organisationCreate(input: {id: "rival", name: "Rival"}) { organisation { id } userErrors { code } } }`,
		nil, &org); len(r.Errors) > 0 || org.OrganisationCreate.Organisation.ID != "rival" {
		t.Fatalf("organisationCreate: %+v %s", r.Errors, r.Data)
	}
	var key struct {
		APIKeyCreate struct{ Key string } `json:"apiKeyCreate"`
	}
	gql(t, m, `mutation { apiKeyCreate(input: {name: "rival", scopes: [READ, WRITE, SUBSCRIBE, ADMIN], organisation: "rival"}) { key } }`, nil, &key)
	rival := "Bearer " + key.APIKeyCreate.Key
	if key.APIKeyCreate.Key == "" {
		t.Fatal("no key for the rival organisation")
	}

	var page struct {
		ReturnCases struct {
			TotalCount int
			Nodes      []struct{ ID string }
		} `json:"returnCases"`
	}
	gql(t, m, `{ returnCases(first: 1) { totalCount nodes { id } } }`, nil, &page)
	if page.ReturnCases.TotalCount == 0 {
		t.Fatal("the demo organisation has no cases to hide")
	}
	demoCase := page.ReturnCases.Nodes[0].ID

	_, r := gqlAs(t, m, rival, `{ returnCases(first: 5) { totalCount nodes { id } } }`, nil)
	if !strings.Contains(string(r.Data), `"totalCount":0`) {
		t.Errorf("the rival lists %s", r.Data)
	}
	_, r = gqlAs(t, m, rival, `query($id: ID!) { node(id: $id) { id } returnCase(id: $id) { id } }`, map[string]any{"id": demoCase})
	if !strings.Contains(string(r.Data), `"node":null`) {
		t.Errorf("node() of another organisation's case: %s %+v", r.Data, r.Errors)
	}
	_, r = gqlAs(t, m, rival, `mutation($id: ID!) { returnApprove(input: {id: $id}) { userErrors { code } } }`, map[string]any{"id": demoCase})
	if !strings.Contains(string(r.Data), `"NOT_FOUND"`) {
		t.Errorf("a mutation on another organisation's case: %s %+v", r.Data, r.Errors)
	}
	_, r = gqlAs(t, m, rival, `{ apiKeys { id } }`, nil)
	if strings.Contains(string(r.Data), "0123456789abcdef") {
		t.Errorf("the rival lists the demo organisation's keys: %s", r.Data)
	}
	_, r = gqlAs(t, m, rival, `{ organisations { id } }`, nil)
	if code(r) != "UNAUTHORIZED" {
		t.Errorf("a non-operator listing organisations: %s %+v", r.Data, r.Errors)
	}
}

// A Host the gateway does not serve is refused (DNS rebinding); the probes
// answer any Host.
func TestUnknownHostIsRefused(t *testing.T) {
	m := startGateway(t)
	for path, want := range map[string]int{"/graphql": http.StatusMisdirectedRequest, "/graphiql/": http.StatusMisdirectedRequest, "/healthz": http.StatusOK} {
		req, _ := http.NewRequest(http.MethodGet, m.URL()+path+"?query=%7B__typename%7D", nil)
		req.Host = "attacker.example"
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s with Host attacker.example: HTTP %d, want %d", path, resp.StatusCode, want)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, m.URL()+"/graphql?query=%7B__typename%7D", nil)
	req.Host = "localhost"
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("Host localhost: %v %v", resp, err)
	}
	resp.Body.Close()
}

// A key over its rate gets 429 with Retry-After; another key is not held
// back by it.
func TestRateLimitPerKey(t *testing.T) {
	m := startGateway(t, "--rate-limit", "1")
	var got []int
	for range 4 {
		req, _ := http.NewRequest(http.MethodGet, m.URL()+"/graphql?query=%7B__typename%7D", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got = append(got, resp.StatusCode)
		if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	}
	if got[0] != 200 || got[3] != http.StatusTooManyRequests {
		t.Fatalf("statuses %v: want the burst answered, then 429", got)
	}
	// The demo key is spent; another key has its own bucket.
	key, _, err := m.Auth.CreateKey(t.Context(), "demo", "other", []auth.Scope{auth.ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	if status, r := gqlAs(t, m, "Bearer "+key, `{ __typename }`, nil); status != http.StatusOK {
		t.Fatalf("another key: HTTP %d %+v", status, r.Errors)
	}
}

// The key's rate limit holds over WebSocket too: a connection authenticates
// once, at connection_init, and each operation it starts then takes a token
// of the key's bucket, as an HTTP request does. One past the allowance is
// answered RATE_LIMITED for its id, and the connection stays open.
func TestRateLimitPerKeyOverWebSocket(t *testing.T) {
	m := startGateway(t, "--rate-limit", "1") // bursts of 2
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := dialInit(t, ctx, m, testKey)
	query := func(id string) {
		c.send(t, ctx, map[string]any{"type": "subscribe", "id": id, "payload": map[string]any{"query": "{ __typename }"}})
	}
	// The answers to n operations: how many came with data, how many refused.
	tally := func(n int) (answered, limited int) {
		for ended := 0; ended < n; {
			msg := c.read(t, ctx)
			switch msg["type"] {
			case "next":
				answered++
			case "complete":
				ended++
			case "error":
				errs, _ := msg["payload"].([]any)
				e, _ := errs[0].(map[string]any)
				ext, _ := e["extensions"].(map[string]any)
				if ext["code"] != "RATE_LIMITED" {
					t.Fatalf("an operation refused with %v, want RATE_LIMITED", msg)
				}
				limited++
				ended++
			}
		}
		return answered, limited
	}
	const n = 20
	for i := range n {
		query(fmt.Sprint(i))
	}
	answered, limited := tally(n)
	// connection_init took one token of the burst's two; the bucket refills
	// one a second.
	if answered > 2 || answered+limited != n {
		t.Fatalf("%d operations at --rate-limit 1 on one connection: %d answered, %d RATE_LIMITED", n, answered, limited)
	}
	t.Logf("%d operations at --rate-limit 1 on one connection: %d answered, %d RATE_LIMITED", n, answered, limited)
	// The bucket is the key's: HTTP with the same key is refused too.
	if status, _ := gqlAs(t, m, "Bearer "+testKey, `{ __typename }`, nil); status != http.StatusTooManyRequests {
		t.Errorf("HTTP after the WebSocket operations spent the bucket: %d, want 429", status)
	}
	// The connection is still open, and a token comes back a second later.
	time.Sleep(1100 * time.Millisecond)
	query("later")
	if answered, _ := tally(1); answered != 1 {
		t.Errorf("an operation a second later was not answered")
	}
}

// Outside sandbox mode introspection is off unless --introspection says so;
// in sandbox mode it is on (GraphiQL documents the schema).
func TestIntrospectionInSandbox(t *testing.T) {
	m := startGateway(t)
	_, r := gqlAs(t, m, "Bearer "+testKey, `{ __schema { queryType { name } } }`, nil)
	if len(r.Errors) > 0 {
		t.Fatalf("sandbox introspection: %+v", r.Errors)
	}
}

// A subscription of another organisation gets none of this organisation's
// changes, live or replayed from the log.
func TestSubscriptionsAreIsolated(t *testing.T) {
	m := startGateway(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := m.Auth.CreateOrg(ctx, "rival", "Rival"); err != nil {
		t.Fatal(err)
	}
	rivalKey, _, err := m.Auth.CreateKey(ctx, "rival", "dash", []auth.Scope{auth.ScopeSubscribe})
	if err != nil {
		t.Fatal(err)
	}
	base := m.Bus.Len()
	// The demo organisation's own dashboard, and the rival's, resuming from
	// the very start of the log.
	own := dialSubscription(t, ctx, m, changedSubscription, nil)
	rival := dialInit(t, ctx, m, rivalKey)
	rival.send(t, ctx, map[string]any{"type": "subscribe", "id": "1", "payload": map[string]any{
		"query": changedSubscription, "variables": map[string]any{"after": graph.EventID(0)}}})
	waitSubscribers(t, m, base+2)

	// A demo change: once the demo's own subscriber has it, the bus has
	// offered it to every subscriber, the rival's included.
	code, out := simulate(t, m, `{"platform": "XHS", "action": "open"}`)
	if code != http.StatusOK {
		t.Fatalf("simulate: %d %v", code, out)
	}
	for {
		msg := own.read(t, ctx)
		if strings.Contains(fmt.Sprint(msg), out["platformCaseId"]) {
			break
		}
	}
	short, cancelShort := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancelShort()
	if _, raw, err := rival.conn.Read(short); err == nil {
		t.Fatalf("the rival's subscription got %s", raw)
	}
}
