package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/graph"
	"github.com/returnsgw/returnsgw/returns"
)

func simulate(t *testing.T, m *Main, body string) (int, map[string]string) {
	t.Helper()
	resp, err := http.Post(m.URL()+"/sandbox/simulate", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]string
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("simulate answered %d %s", resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

// The "done when": a dashboard subscribed through graphql-ws sees a
// simulated buyer's new XHS request within a second of POST /sandbox/simulate
// (it arrives by the simulator's push, verified and fetched like the real
// platform's), then the seller's approval right after the mutation.
func TestSimulatedBuyerReachesTheDashboardByPush(t *testing.T) {
	node := requireNode(t)
	m := startGateway(t)
	// The deadline timer holds a subscription of its own: count the client's.
	base := m.Bus.Len()
	sub := startNodeSub(t, node, m, map[string]any{"filter": map[string]any{"platforms": []string{"XHS"}}})
	sub.waitConnected()
	waitSubscribers(t, m, base+1)

	sent := time.Now()
	code, out := simulate(t, m, `{"platform": "XHS", "action": "open"}`)
	if code != http.StatusOK || out["platformCaseId"] == "" || out["delivery"] != "PUSH" {
		t.Fatalf("simulate open: %d %v", code, out)
	}
	id := out["platformCaseId"]
	ev := sub.waitFor("the simulated buyer's request", 10*time.Second, func(e eventView) bool {
		return e.ReturnCase.PlatformCaseID == id
	})
	// The issue asks for under a second; that is measured, not asserted
	// here (a loaded CI machine must not fail the suite): see the log and
	// docs/benchmarks.md.
	t.Logf("simulate → push → store → graphql-ws client: %v", time.Since(sent))
	if ev.Source != "WEBHOOK" || ev.PreviousStatus != nil || ev.Status != "REQUESTED" {
		t.Errorf("event %+v: want a first sighting from the XHS push", ev)
	}

	// The seller approves through the gateway: the dashboard sees it next.
	key := returns.CaseKey{Platform: returns.XHS, PlatformCaseID: id}
	c := caseView{ID: graph.CaseID(key)}
	p := approve(t, m, map[string]any{"id": c.ID, "idempotencyKey": "dashboard-approve", "acknowledgeRules": acknowledgeAll(t, m, c, "returnApprove")})
	if len(p.UserErrors) > 0 {
		t.Fatalf("approve: %+v", p.UserErrors)
	}
	ev = sub.waitFor("the approval", 5*time.Second, func(e eventView) bool {
		return e.ReturnCase.PlatformCaseID == id && e.Source == "MUTATION"
	})
	if ev.Action == nil || *ev.Action != "returnApprove" || ev.Status != p.ReturnCase.Status {
		t.Errorf("approval event %+v", ev)
	}
	// The platform's push of the same change arrives too, and changes nothing: no second event.
	m.Sandbox.XHS.WaitPushes()
	waitPollRounds(t, m, 2)
	evs, _ := m.Store.EventsAfter(context.Background(), returns.OrgID(m.Config.Org), 0, 100000)
	n := 0
	for _, e := range evs {
		if e.Key == key {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d events for the case, want 2 (opened, approved): push and mutation of one change make one event", n)
	}
	sub.close()
}

func TestSimulateEndpointValidates(t *testing.T) {
	m := startGateway(t)
	var some caseView
	{
		var d struct {
			ReturnCases struct{ Nodes []caseView } `json:"returnCases"`
		}
		gql(t, m, `{ returnCases(first: 1, filter: {platforms: [ALIEXPRESS], statuses: [CANCELLED, CLOSED, REFUNDED]}) { nodes { `+caseFields+` } } }`, nil, &d)
		if len(d.ReturnCases.Nodes) > 0 {
			some = d.ReturnCases.Nodes[0]
		}
	}
	tests := []struct {
		name, body string
		code       int
	}{
		{"unknown platform", `{"platform": "EBAY", "action": "open"}`, 400},
		{"unknown action", `{"platform": "XHS", "action": "refund"}`, 400},
		{"open with an id", `{"platform": "XHS", "action": "open", "platformCaseId": "R1"}`, 400},
		{"ship without an id", `{"platform": "ALIBABA", "action": "ship"}`, 400},
		{"unknown case", `{"platform": "ALIEXPRESS", "action": "cancel", "platformCaseId": "999"}`, 404},
		{"unknown field", `{"platform": "XHS", "action": "open", "buyer": "x"}`, 400},
		{"malformed", `{"platform":`, 400},
	}
	if some.PlatformCaseID != "" {
		tests = append(tests, struct {
			name, body string
			code       int
		}{"wrong state", `{"platform": "ALIEXPRESS", "action": "ship", "platformCaseId": "` + some.PlatformCaseID + `"}`, 409})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := simulate(t, m, tt.body)
			if code != tt.code || out["error"] == "" {
				t.Errorf("%s: %d %v, want %d with an error", tt.body, code, out, tt.code)
			}
		})
	}
	resp, err := http.Get(m.URL() + "/sandbox/simulate")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /sandbox/simulate: %d", resp.StatusCode)
	}
}

// A push that fails verification gets 401 and changes nothing.
func TestForgedPushIsRefused(t *testing.T) {
	m := startGateway(t)
	before, _ := m.Store.EventsAfter(context.Background(), returns.OrgID(m.Config.Org), 0, 100000)
	body := `[{"msgTag":"msg_after_sale_create","sellerId":"5f8e2c1a9b3d4e0001a7c001","data":"{\"returnsId\":\"R1\",\"updateTime\":1}"}]`
	req, _ := http.NewRequest(http.MethodPost, m.URL()+"/webhooks/xhs", bytes.NewReader([]byte(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("app-key", "sandbox-xhs-app")
	req.Header.Set("timestamp", "1790000000")
	req.Header.Set("sign", "0123456789abcdef0123456789abcdef")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(raw), `"success":false`) {
		t.Errorf("forged push: %d %s", resp.StatusCode, raw)
	}
	after, _ := m.Store.EventsAfter(context.Background(), returns.OrgID(m.Config.Org), 0, 100000)
	if len(after) != len(before) {
		t.Errorf("a forged push wrote %d events", len(after)-len(before))
	}
}

// The platform may fail to deliver a push (XHS retries once, five minutes
// later): polling is the safety net. A request whose push is lost still
// arrives, by the poller, and only once.
func TestLostPushIsCaughtByPolling(t *testing.T) {
	m := startGateway(t)
	m.Sandbox.XHS.DropPushes(1)
	code, out := simulate(t, m, `{"platform": "XHS", "action": "open"}`)
	if code != http.StatusOK {
		t.Fatalf("simulate: %d %v", code, out)
	}
	key := returns.CaseKey{Platform: returns.XHS, PlatformCaseID: out["platformCaseId"]}
	org := returns.OrgID(m.Config.Org)
	eventually(t, 30*time.Second, "the request whose push was lost never arrived", func() bool {
		_, err := m.Store.GetCase(context.Background(), org, key)
		return err == nil
	})
	waitPollRounds(t, m, 2) // polls after the one that found it add nothing
	evs, _ := m.Store.EventsAfter(context.Background(), org, 0, 100000)
	var mine []returns.Event
	for _, e := range evs {
		if e.Key == key {
			mine = append(mine, e)
		}
	}
	if len(mine) != 1 || mine[0].Source != returns.SourcePoll {
		t.Errorf("events for the case = %+v, want one from POLL", mine)
	}
	if sent, failed := m.Sandbox.XHS.Pushes(); failed == 0 {
		t.Errorf("the simulator reports no failed delivery (sent %d)", sent)
	}
}
