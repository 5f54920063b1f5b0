package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabasim"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhssim"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/graph"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// eventually polls cond until it holds or the time is up.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitPollRounds waits until every poller has finished n more walks, so that
// a test can say what polling did not do without guessing at time.
func waitPollRounds(t *testing.T, m *Main, n int) {
	t.Helper()
	for range n {
		since := time.Now()
		eventually(t, 60*time.Second, "the pollers stopped walking", func() bool {
			for _, p := range m.Pollers {
				if h := p.Health(); !h.LastSyncAt.After(since) && !h.Standby {
					return false
				}
			}
			return true
		})
	}
}

type healthView struct {
	Platform string
	Health   struct {
		State               string
		Circuit             string
		ConsecutiveFailures int
		LastError           *string
	}
}

func platformHealth(t *testing.T, m *Main, platform string) healthView {
	t.Helper()
	var d struct{ Platforms []healthView }
	r := gql(t, m, `{ platforms { platform health { state circuit consecutiveFailures lastError } } }`, nil, &d)
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	for _, p := range d.Platforms {
		if p.Platform == platform {
			return p
		}
	}
	t.Fatalf("no platform %s in %+v", platform, d.Platforms)
	return healthView{}
}

// One platform down: its health says so, its mutations answer
// PLATFORM_UNAVAILABLE and change nothing, and the others keep syncing and
// answering. When it comes back, the circuit probes and closes.
func TestOnePlatformDownLeavesTheOthersWorking(t *testing.T) {
	m := startGateway(t)
	sb := m.Sandbox
	ae := findCase(t, m, map[string]any{"platforms": []string{"ALIEXPRESS"}}, "returnApprove")
	sb.AliExpress.SetDown(true)

	eventually(t, 30*time.Second, "AliExpress not reported DOWN", func() bool {
		return platformHealth(t, m, "ALIEXPRESS").Health.State == "DOWN"
	})
	eventually(t, 30*time.Second, "the AliExpress circuit never opened", func() bool {
		return platformHealth(t, m, "ALIEXPRESS").Health.Circuit == "OPEN"
	})
	h := platformHealth(t, m, "ALIEXPRESS")
	if h.Health.LastError == nil || h.Health.ConsecutiveFailures == 0 {
		t.Errorf("a DOWN platform without its error: %+v", h)
	}
	if x := platformHealth(t, m, "XHS"); x.Health.State != "HEALTHY" {
		t.Errorf("XHS is %s while only AliExpress is down", x.Health.State)
	}

	// Alibaba.com keeps syncing: a buyer's new request there reaches the gateway.
	id, err := sb.Alibaba.Open(alibabasim.OpenRequest{ReturnGoods: true, Description: "opened while AliExpress is down"})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "a new Alibaba.com case never reached the gateway while AliExpress was down", func() bool {
		_, err := m.Store.GetCase(context.Background(), returns.OrgID(m.Config.Org), returns.CaseKey{Platform: returns.Alibaba, PlatformCaseID: id})
		return err == nil
	})

	// A mutation on AliExpress changes nothing.
	agrees := sb.AliExpress.Calls("aliexpress.issue.solution.agree")
	p := approve(t, m, map[string]any{"id": ae.ID, "idempotencyKey": "ae-down"})
	if len(p.UserErrors) != 1 || p.UserErrors[0].Code != "PLATFORM_UNAVAILABLE" {
		t.Errorf("approve on a platform that is down: %+v", p.UserErrors)
	}
	if p.ReturnCase == nil || p.ReturnCase.Status != ae.Status {
		t.Errorf("the case changed: %+v", p.ReturnCase)
	}
	if sb.AliExpress.Calls("aliexpress.issue.solution.agree") != agrees {
		t.Error("the agreement reached AliExpress although it is down")
	}

	// Queries about the others answer in full.
	var d struct {
		ReturnCases struct{ TotalCount int } `json:"returnCases"`
	}
	if r := gql(t, m, `{ returnCases(filter: {platforms: [XHS, ALIBABA]}) { totalCount } }`, nil, &d); len(r.Errors) > 0 || d.ReturnCases.TotalCount == 0 {
		t.Errorf("query about the other platforms: %+v %+v", r.Errors, d)
	}

	// Back up: the breaker probes after its cooldown and the platform is healthy again.
	sb.AliExpress.SetDown(false)
	eventually(t, 40*time.Second, "AliExpress did not recover", func() bool {
		return platformHealth(t, m, "ALIEXPRESS").Health.State == "HEALTHY"
	})
	if h := platformHealth(t, m, "ALIEXPRESS"); h.Health.Circuit != "CLOSED" {
		t.Errorf("circuit after recovery: %s", h.Health.Circuit)
	}
}

// Alibaba.com has no action API: the gateway records the seller's decision
// as a step for the seller centre, visible on the case, and never pretends.
func TestAlibabaActionsAreRecordedForTheSellerCentre(t *testing.T) {
	m := startGateway(t)
	c := findCase(t, m, map[string]any{"platforms": []string{"ALIBABA"}, "statuses": []string{"REQUESTED"}}, "returnApprove")
	var d struct {
		ReturnApprove struct {
			ReturnCase struct {
				Status       string
				PendingSteps []struct{ Action, URL string }
				Available    []struct {
					Action string
					ViaAPI bool
				} `json:"availableActions"`
			}
			UserErrors []struct{ Code string }
		} `json:"returnApprove"`
	}
	r := gql(t, m, `mutation($in: ReturnApproveInput!) { returnApprove(input: $in) {
		returnCase { status pendingSteps { action url } availableActions { action viaApi } } userErrors { code } } }`,
		map[string]any{"in": map[string]any{"id": c.ID, "idempotencyKey": "alibaba-approve", "acknowledgeRules": acknowledgeAll(t, m, c, "returnApprove")}}, &d)
	if len(r.Errors) > 0 || len(d.ReturnApprove.UserErrors) > 0 {
		t.Fatalf("approve on Alibaba.com: %+v %+v", r.Errors, d.ReturnApprove.UserErrors)
	}
	rc := d.ReturnApprove.ReturnCase
	if rc.Status != c.Status {
		t.Errorf("the status moved to %s, but Alibaba.com has not been told", rc.Status)
	}
	if len(rc.PendingSteps) != 1 || rc.PendingSteps[0].Action != "returnApprove" || !strings.Contains(rc.PendingSteps[0].URL, "alibaba.com") {
		t.Errorf("pending steps = %+v", rc.PendingSteps)
	}
	for _, a := range rc.Available {
		if a.Action == "returnApprove" {
			t.Error("approve is still offered although it waits in the seller centre")
		}
		if a.ViaAPI {
			t.Errorf("%s offered via an API Alibaba.com does not have", a.Action)
		}
	}
	// The step is in the event log.
	evs, err := m.Store.EventsAfter(context.Background(), returns.OrgID(m.Config.Org), 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range evs {
		if e.Key.PlatformCaseID == c.PlatformCaseID && e.Source == returns.SourceMutation && e.Detail["completeIn"] == "SELLER_CENTRE" {
			found = true
		}
	}
	if !found {
		t.Error("no MUTATION event records the seller-centre step")
	}
}

// acknowledgeAll returns the acknowledgeable rules the action breaks on the
// case as it stands, so a test about something else can proceed.
func acknowledgeAll(t *testing.T, m *Main, c caseView, action string) []string {
	t.Helper()
	var d struct {
		ReturnCase struct {
			AvailableActions []struct {
				Action     string
				Violations []struct {
					RuleID          string `json:"ruleId"`
					Acknowledgeable bool
				}
			}
		} `json:"returnCase"`
	}
	gql(t, m, `query($id: ID!) { returnCase(id: $id) { availableActions { action violations { ruleId acknowledgeable } } } }`, map[string]any{"id": c.ID}, &d)
	ids := []string{}
	for _, a := range d.ReturnCase.AvailableActions {
		if a.Action == action {
			for _, v := range a.Violations {
				ids = append(ids, v.RuleID)
			}
		}
	}
	return ids
}

// The rules are visible (a verdict for a hypothetical order, the catalogue,
// each case's eligibility) and enforced: refusing a no-reason return only
// because the packaging was opened is a RULE_VIOLATION that reaches no
// platform, and acknowledging the rule lets the seller proceed, on record.
func TestRulesAreExplainedAndEnforced(t *testing.T) {
	m := startGateway(t)

	var v struct {
		ReturnEligibility struct {
			NoReasonReturnAllowed bool
			WindowClosesAt        string
			ReturnFreightPaidBy   string
			Rules                 []struct{ RuleID, Effect, Explanation string } `json:"rules"`
		} `json:"returnEligibility"`
	}
	r := gql(t, m, `{ returnEligibility(input: {platform: XHS, kind: RETURN_AND_REFUND, reason: CHANGED_MIND,
		deliveredAt: "2026-03-01T10:00:00+08:00", requestedAt: "2026-03-05T09:00:00-07:00"}) {
		noReasonReturnAllowed windowClosesAt returnFreightPaidBy rules { ruleId effect explanation } } }`, nil, &v)
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	e := v.ReturnEligibility
	if !e.NoReasonReturnAllowed || e.WindowClosesAt != "2026-03-08T16:00:00Z" || e.ReturnFreightPaidBy != "BUYER" {
		t.Errorf("verdict = %+v", e)
	}
	cited := map[string]bool{}
	for _, a := range e.Rules {
		cited[a.RuleID] = true
		if a.Explanation == "" {
			t.Errorf("rule %s without an explanation", a.RuleID)
		}
	}
	if !cited["CN-7D-WINDOW"] || !cited["CN-FREIGHT"] {
		t.Errorf("the verdict does not cite CN-7D-WINDOW and CN-FREIGHT: %v", cited)
	}

	var cat struct {
		ReturnRules []struct{ ID, Source string } `json:"returnRules"`
	}
	gql(t, m, `{ returnRules(platform: XHS) { id source } }`, nil, &cat)
	if len(cat.ReturnRules) < 10 || !containsRule(cat.ReturnRules, "CN-7D-INTACT") || containsRule(cat.ReturnRules, "AE-WINDOW") {
		t.Errorf("XHS catalogue: %+v", cat.ReturnRules)
	}

	// A fresh no-reason request on XHS, for a product without exemptions.
	sb := m.Sandbox
	shop := xhssim.DefaultShops()[0].ShopID
	var sku string
	for s, cat := range sb.XHS.Catalog() {
		if cat == returns.CategoryGeneral {
			sku = s
			break
		}
	}
	id, err := sb.XHS.Open(shop, xhssim.OpenRequest{ReturnType: xhswire.ReturnTypeReturn, ReasonNameZh: "七天无理由退货", SKUID: sku})
	if err != nil {
		t.Fatal(err)
	}
	key := returns.CaseKey{Platform: returns.XHS, PlatformCaseID: id}
	arrive(t, m, key)
	gid := caseGlobalID(key)

	rejects := sb.XHS.Calls(xhswire.MethodAuditReturns)
	reject := func(in map[string]any) payloadView {
		var d struct {
			ReturnReject payloadView `json:"returnReject"`
		}
		in["id"] = gid
		r := gql(t, m, `mutation($in: ReturnRejectInput!) { returnReject(input: $in) {
			returnCase { `+caseFields+` } userErrors { code field message ruleId } replayed } }`, map[string]any{"in": in}, &d)
		if len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		return d.ReturnReject
	}
	p := reject(map[string]any{"idempotencyKey": "reject-packaging", "grounds": []string{"PACKAGING_OPENED"}, "note": "box opened"})
	ruleIDs := map[string]bool{}
	for _, e := range p.UserErrors {
		if e.Code != "RULE_VIOLATION" {
			t.Errorf("user error %+v, want RULE_VIOLATION", e)
		}
		ruleIDs[e.RuleID] = true
	}
	if !ruleIDs["CN-7D-INTACT"] {
		t.Errorf("refusing for an opened box did not cite CN-7D-INTACT: %+v", p.UserErrors)
	}
	if sb.XHS.Calls(xhswire.MethodAuditReturns) != rejects {
		t.Error("a refusal the rules forbid reached XHS")
	}

	var ack []string
	for id := range ruleIDs {
		ack = append(ack, id)
	}
	p = reject(map[string]any{"idempotencyKey": "reject-acknowledged", "grounds": []string{"PACKAGING_OPENED"}, "note": "box opened",
		"acknowledgeRules": ack})
	if len(p.UserErrors) > 0 || p.ReturnCase.Status != "REJECTED" {
		t.Fatalf("acknowledged refusal: %+v", p)
	}
	evs, _ := m.Store.EventsAfter(context.Background(), returns.OrgID(m.Config.Org), 0, 100000)
	recorded := false
	for _, e := range evs {
		if e.Key == key && e.Source == returns.SourceMutation && strings.Contains(e.Detail["acknowledgedRules"], "CN-7D-INTACT") {
			recorded = true
		}
	}
	if !recorded {
		t.Error("the acknowledgement is not in the case's event log")
	}
}

func containsRule(rules []struct{ ID, Source string }, id string) bool {
	for _, r := range rules {
		if r.ID == id {
			return r.Source != ""
		}
	}
	return false
}

func caseGlobalID(k returns.CaseKey) string { return graph.CaseID(k) }

// The negotiation history is live data: one request for a page that mixes
// platforms fetches it from each, and answers in one go.
func TestNegotiationIsLive(t *testing.T) {
	m := startGateway(t)
	var d struct {
		ReturnCases struct {
			Nodes []struct {
				Platform    string
				Negotiation []struct {
					At, Party, Kind string
				}
			}
		} `json:"returnCases"`
	}
	r := gql(t, m, `{ returnCases(first: 60, filter: {platforms: [XHS, ALIEXPRESS]}) { nodes { platform negotiation { at party kind } } } }`, nil, &d)
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	with := map[string]int{}
	for _, n := range d.ReturnCases.Nodes {
		if len(n.Negotiation) > 0 {
			with[n.Platform]++
		}
	}
	if with["XHS"] == 0 || with["ALIEXPRESS"] == 0 {
		t.Errorf("cases with a negotiation history by platform: %v", with)
	}
}

// arrive brings a case the simulator just created into the gateway the way a
// push does (fetch it, store it), without waiting for the poller, which stays
// behind XHS's update index by design.
func arrive(t *testing.T, m *Main, key returns.CaseKey) {
	t.Helper()
	for _, p := range m.Platforms.OnPlatform(key.Platform) {
		if _, err := m.Ingester.Fetch(context.Background(), p, key.PlatformCaseID, returns.SourceWebhook); err == nil {
			return
		}
	}
	t.Fatalf("no %s connection has case %s", key.Platform, key.PlatformCaseID)
}

// The simulators start afresh with every run, so a restarted sandbox clears
// what the last run stored instead of contradicting the new simulators; a
// database with an organisation that sandbox mode did not write is refused.
func TestSandboxRestartStartsClean(t *testing.T) {
	db := filepath.Join(t.TempDir(), "gw.db")
	m := startGateway(t, "--db", db)
	c := findCase(t, m, map[string]any{"platforms": []string{"XHS"}, "statuses": []string{"REQUESTED"}, "kinds": []string{"RETURN_AND_REFUND"}}, "returnApprove")
	if p := approve(t, m, map[string]any{"id": c.ID, "idempotencyKey": "before-restart", "acknowledgeRules": acknowledgeAll(t, m, c, "returnApprove")}); len(p.UserErrors) > 0 {
		t.Fatal(p.UserErrors)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m2 := startGateway(t, "--db", db)
	got, err := m2.Store.GetCase(context.Background(), returns.OrgID(m2.Config.Org), returns.CaseKey{Platform: returns.XHS, PlatformCaseID: c.PlatformCaseID})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != returns.StatusRequested {
		t.Errorf("after a restart the case is %s, but the new simulator has it REQUESTED", got.Status)
	}
	// The same key acts again: the last run's answer is gone with its simulator.
	if p := approve(t, m2, map[string]any{"id": c.ID, "idempotencyKey": "before-restart", "acknowledgeRules": acknowledgeAll(t, m2, c, "returnApprove")}); len(p.UserErrors) > 0 || p.Replayed {
		t.Errorf("approve after restart: %+v", p)
	}

	// A database holding another organisation's own data is not wiped.
	other := NewMain()
	other.Stdout = io.Discard
	if err := other.ParseFlags([]string{"--addr", "127.0.0.1:0", "--db", db, "--sandbox", "true", "--org", "acme"}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	st := m2.Store
	fx := &returns.Case{Platform: returns.XHS, PlatformCaseID: "LIVE-1", ShopID: "s", OrderID: "o", Kind: returns.KindRefundOnly,
		Status: returns.StatusRequested, Reason: returns.ReasonOther, Market: returns.MarketDomestic, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if _, err := st.UpsertCase(context.Background(), "acme", fx, store.Change{Source: returns.SourcePoll}); err != nil {
		t.Fatal(err)
	}
	err = other.Run(context.Background())
	other.Close()
	if err == nil || !strings.Contains(err.Error(), "did not write") {
		t.Errorf("sandbox mode over another organisation's data: %v", err)
	}
}
