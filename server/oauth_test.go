package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters/simkit"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// syncBuffer is a log sink that tests read while the gateway writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// tokenRig is a sandbox gateway with short-lived tokens, its whole log at
// debug level, and every GraphQL answer it gave.
type tokenRig struct {
	m       *Main
	log     *syncBuffer
	mu      sync.Mutex
	answers []string
	dir     string
}

func startTokenGateway(t *testing.T, ttl string) *tokenRig {
	t.Helper()
	r := &tokenRig{m: NewMain(), log: &syncBuffer{}, dir: t.TempDir()}
	r.m.Stdout = io.Discard
	args := []string{"--addr", "127.0.0.1:0", "--db", filepath.Join(r.dir, "gw.db"), "--sandbox", "true", "--demo-key", testKey, "--rate-limit", "0",
		"--poll-interval", "200ms", "--sandbox-cases", "20", "--sandbox-token-ttl", ttl, "--metrics-addr", "127.0.0.1:0"}
	if err := r.m.ParseFlags(args, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	r.m.Log = slog.New(slog.NewTextHandler(r.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if err := r.m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.m.Close() })
	waitFor(t, 60*time.Second, "the gateway is ready", func() bool {
		resp, err := http.Get(r.m.URL() + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return r
}

// waitFor waits for a condition (an event the gateway causes), failing after
// the limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s did not happen", limit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *tokenRig) query(t *testing.T, q string, vars map[string]any, into any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	resp, err := http.Post(r.m.URL()+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	r.mu.Lock()
	r.answers = append(r.answers, string(raw))
	r.mu.Unlock()
	var env struct {
		Data   json.RawMessage `json:"data"`
		Errors []any           `json:"errors"`
	}
	if err := json.Unmarshal(raw, &env); err != nil || len(env.Errors) > 0 {
		t.Fatalf("GraphQL answered %s", raw)
	}
	if into != nil {
		if err := json.Unmarshal(env.Data, into); err != nil {
			t.Fatal(err)
		}
	}
}

// shopStates returns each shop's health state, by "PLATFORM/shop".
func (r *tokenRig) shopStates(t *testing.T) map[string]string {
	var d struct {
		Platforms []struct {
			Platform string
			Shops    []struct {
				ID     string
				Health struct{ State, LastError string }
			}
		}
	}
	r.query(t, `{ platforms { platform shops { id health { state lastError } } } }`, nil, &d)
	out := map[string]string{}
	for _, p := range d.Platforms {
		for _, s := range p.Shops {
			out[p.Platform+"/"+s.ID] = s.Health.State
		}
	}
	return out
}

func (r *tokenRig) sims() []*simkit.Tokens {
	sb := r.m.Sandbox
	return []*simkit.Tokens{sb.XHS.Tokens(), sb.AliExpress.Tokens(), sb.Alibaba.Tokens()}
}

// TestTokensRefreshAndShopsKeepSyncing: with 3-second tokens, every shop's
// token is refreshed before it expires, again and again, and every shop keeps
// syncing after its first token has expired.
func TestTokensRefreshAndShopsKeepSyncing(t *testing.T) {
	r := startTokenGateway(t, "3s")
	start := time.Now()
	waitFor(t, 30*time.Second, "two refreshes on every platform", func() bool {
		for _, tk := range r.sims() {
			if _, n, _ := tk.Calls(); n < 2*2-1 { // XHS has two shops
				return false
			}
		}
		_, n, _ := r.sims()[0].Calls()
		return n >= 4
	})
	if time.Since(start) < 3*time.Second {
		t.Fatal("the first tokens had not expired yet")
	}
	for _, tk := range r.sims() {
		if _, _, refused := tk.Calls(); refused != 0 {
			t.Fatalf("%d refreshes were refused", refused)
		}
	}
	after := time.Now()
	waitFor(t, 20*time.Second, "every shop syncing after its first token expired", func() bool {
		for _, p := range r.m.Pollers {
			h := p.Health()
			if h.LastSyncAt.Before(after) {
				return false
			}
		}
		return true
	})
	for k, s := range r.shopStates(t) {
		if s == "NEEDS_REAUTHORIZATION" || s == "DOWN" {
			t.Errorf("%s is %s", k, s)
		}
	}
}

// TestRefusedRefreshNeedsReauthorizationThenReconnect: a seller revokes the
// app on XHS; the next refresh is refused once, the shop shows
// NEEDS_REAUTHORIZATION and an alert is raised, the refresh is never tried
// again, and shopConnect's link (followed over real HTTP through the
// simulator's page and the callback) brings the shop back. Nothing secret is
// in the log, the GraphQL answers or the database file.
func TestRefusedRefreshNeedsReauthorizationThenReconnect(t *testing.T) {
	r := startTokenGateway(t, "3s")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	alerts := r.m.Connections.Alerts(ctx, returns.OrgID(r.m.Config.Org))
	// A dashboard subscribes to the alerts over SSE.
	body, _ := json.Marshal(map[string]any{"query": `subscription { shopConnectionAlert { platform shopId state reason occurredAt } }`})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, r.m.URL()+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	sse, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer sse.Body.Close()
	events := make(chan json.RawMessage, 10)
	go sseEvents(t, sse.Body, events)
	waitFor(t, 10*time.Second, "the SSE subscription", func() bool { return r.m.Connections.alerts.len() == 2 })

	xhsTokens := r.m.Sandbox.XHS.Tokens()
	xhsTokens.Revoke("xhs-domestic")

	a := <-alerts
	if a.Platform != returns.XHS || a.ShopID != "xhs-domestic" || a.State != store.ConnectionNeedsReauthorization {
		t.Fatalf("alert %+v", a)
	}
	if s := r.shopStates(t)["XHS/xhs-domestic"]; s != "NEEDS_REAUTHORIZATION" {
		t.Fatalf("XHS/xhs-domestic is %s, want NEEDS_REAUTHORIZATION", s)
	}
	select {
	case raw := <-events:
		r.mu.Lock()
		r.answers = append(r.answers, string(raw))
		r.mu.Unlock()
		var ev struct {
			Data struct {
				ShopConnectionAlert struct{ Platform, ShopID, State, Reason string }
			}
		}
		if err := json.Unmarshal(raw, &ev); err != nil || ev.Data.ShopConnectionAlert.ShopID != "xhs-domestic" ||
			ev.Data.ShopConnectionAlert.State != "NEEDS_REAUTHORIZATION" || ev.Data.ShopConnectionAlert.Reason == "" {
			t.Fatalf("SSE alert %s", raw)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no alert over SSE")
	}
	_, _, refused := xhsTokens.Calls()
	if refused != 1 {
		t.Fatalf("%d refused refreshes, want 1", refused)
	}
	// Let the other shops refresh twice more: time passes for the refresher.
	_, before, _ := r.m.Sandbox.AliExpress.Tokens().Calls()
	waitFor(t, 20*time.Second, "two more AliExpress refreshes", func() bool {
		_, n, _ := r.m.Sandbox.AliExpress.Tokens().Calls()
		return n >= before+2
	})
	if _, _, n := xhsTokens.Calls(); n != 1 {
		t.Fatalf("the refused refresh was tried again: %d refusals", n)
	}
	if s := r.shopStates(t)["XHS/xhs-domestic"]; s != "NEEDS_REAUTHORIZATION" {
		t.Fatalf("XHS/xhs-domestic is %s while waiting", s)
	}

	// The seller authorizes again.
	var d struct {
		ShopConnect struct {
			AuthorizationURL string
			UserErrors       []any
		}
	}
	r.query(t, `mutation($in: ShopConnectInput!) { shopConnect(input: $in) { authorizationUrl expiresAt userErrors { code message } } }`,
		map[string]any{"in": map[string]any{"platform": "XHS", "shopId": "xhs-domestic"}}, &d)
	if d.ShopConnect.AuthorizationURL == "" || len(d.ShopConnect.UserErrors) > 0 {
		t.Fatalf("shopConnect: %+v", d.ShopConnect)
	}
	resp, err := http.Get(d.ShopConnect.AuthorizationURL) // the page redirects to our callback
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "is connected") {
		t.Fatalf("callback answered %d: %s", resp.StatusCode, page)
	}
	waitFor(t, 20*time.Second, "the reconnected shop syncing", func() bool {
		return r.shopStates(t)["XHS/xhs-domestic"] == "HEALTHY"
	})

	// A forged or replayed callback is refused without echoing anything.
	for _, u := range []string{"/oauth/callback/xhs?code=abc&state=forged.sig", "/oauth/callback/aliexpress?code=abc&state=" + stateOf(d.ShopConnect.AuthorizationURL)} {
		resp, err := http.Get(r.m.URL() + u)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || strings.Contains(string(body), "abc") {
			t.Errorf("%s: %d %s", u, resp.StatusCode, body)
		}
	}
	r.assertNoSecrets(t)
}

func stateOf(authURL string) string {
	i := strings.Index(authURL, "state=")
	s := authURL[i+len("state="):]
	if j := strings.IndexByte(s, '&'); j >= 0 {
		s = s[:j]
	}
	return s
}

// assertNoSecrets greps the log, every GraphQL answer and the database files
// for every code and token the simulators issued, the apps' secrets and the
// sealing key.
func (r *tokenRig) assertNoSecrets(t *testing.T) {
	t.Helper()
	var secretsList []string
	for _, tk := range r.sims() {
		secretsList = append(secretsList, tk.Issued()...)
	}
	secretsList = append(secretsList, sandboxXHSSecret, sandboxAESecret, sandboxAliSecret)
	if key, err := os.ReadFile(filepath.Join(r.dir, "secret.key")); err == nil {
		secretsList = append(secretsList, strings.TrimSpace(string(key)))
	} else {
		t.Fatalf("the sandbox key file: %v", err)
	}
	if len(secretsList) < 20 {
		t.Fatalf("only %d secrets to look for", len(secretsList))
	}
	places := map[string]string{"log": r.log.String()}
	if resp, err := http.Get("http://" + r.m.metricsLn.Addr().String() + "/metrics"); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), "returnsgw_platform_call_duration_seconds") {
			t.Fatalf("the metrics were not read: %.200s", b)
		}
		places["metrics"] = string(b)
	} else {
		t.Fatal(err)
	}
	r.mu.Lock()
	places["GraphQL answers"] = strings.Join(r.answers, "\n")
	r.mu.Unlock()
	files, _ := filepath.Glob(filepath.Join(r.dir, "gw.db*"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		places[filepath.Base(f)] = string(b)
	}
	if !strings.Contains(places["log"], "token refreshed") {
		t.Fatal("the log was not captured")
	}
	for where, text := range places {
		for _, s := range secretsList {
			if strings.Contains(text, s) {
				t.Errorf("%s shows a secret (%.12s...)", where, s)
			}
		}
	}
}
