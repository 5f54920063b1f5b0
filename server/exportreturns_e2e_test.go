package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabasim"
	"github.com/returnsgw/returnsgw/store/postgres/pgtest"
)

const exportReturnFields = `id platform platformCaseId status
	eligibility { windowClosesAt returnFreightPaidBy rules { ruleId effect } }
	deliveredAt
	refundDue { amount { amount currencyCode } breakdown { kind amount { amount currencyCode } paidBy ruleId } }
	exportReturn { contractReturnDays contractNumber freightAndInsurancePaidBy nextStep carrierAcceptanceHours
		salesContractEvidenceIds invoiceEvidenceIds freight { amount } insurance { amount }
		steps { kind state dueBy completedAt note checklist { item ok note } } }`

type exportReturnView struct {
	ID          string
	Platform    string
	Status      string
	DeliveredAt *time.Time
	Eligibility struct {
		WindowClosesAt      *time.Time
		ReturnFreightPaidBy string
		Rules               []struct{ RuleID, Effect string }
	}
	RefundDue *struct {
		Amount    struct{ Amount, CurrencyCode string }
		Breakdown []struct {
			Kind   string
			Amount struct{ Amount, CurrencyCode string }
			PaidBy string
			RuleID string
		}
	}
	ExportReturn *struct {
		ContractReturnDays        int
		ContractNumber            string
		FreightAndInsurancePaidBy string
		NextStep                  *string
		CarrierAcceptanceHours    int
		SalesContractEvidenceIds  []string
		InvoiceEvidenceIds        []string
		Freight, Insurance        *struct{ Amount string }
		Steps                     []struct {
			Kind        string
			State       string
			DueBy       *time.Time
			CompletedAt *time.Time
			Note        *string
			Checklist   []struct {
				Item string
				OK   bool
				Note *string
			}
		}
	}
}

type exportPayload struct {
	ReturnCase *exportReturnView
	UserErrors []userErrorView
	Replayed   bool
}

const exportStartMutation = `mutation($in: ExportReturnStartInput!) { exportReturnStart(input: $in) {
	returnCase { ` + exportReturnFields + ` } userErrors { code field message ruleId } replayed } }`

const exportStepMutation = `mutation($in: ExportReturnCompleteStepInput!) { exportReturnCompleteStep(input: $in) {
	returnCase { ` + exportReturnFields + ` } userErrors { code field message ruleId } replayed } }`

func exportStart(t *testing.T, m *Main, auth string, in map[string]any) exportPayload {
	t.Helper()
	var d struct{ ExportReturnStart exportPayload }
	_, r := gqlAs(t, m, auth, exportStartMutation, map[string]any{"in": in})
	if len(r.Errors) > 0 {
		t.Fatalf("exportReturnStart: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, &d); err != nil {
		t.Fatal(err)
	}
	return d.ExportReturnStart
}

func exportStep(t *testing.T, m *Main, in map[string]any) exportPayload {
	t.Helper()
	return runMutation[exportPayload](t, m, exportStepMutation, "exportReturnCompleteStep", in)
}

func wantUserError(t *testing.T, what string, p exportPayload, code string) {
	t.Helper()
	if len(p.UserErrors) != 1 || p.UserErrors[0].Code != code {
		t.Fatalf("%s: %+v, want %s", what, p.UserErrors, code)
	}
}

// A seller walks a sandbox Alibaba.com case through the whole export return:
// each step a mutation, in order, idempotent, with its event on the case's
// log for subscribers; the rules count the window from the contract and the
// refund shows the exporter's freight and insurance.
func TestExportReturnWorkflow(t *testing.T) {
	testExportReturnWorkflow(t, startGateway(t))
}

// The same on PostgreSQL, where events reach subscribers through the relay.
func TestExportReturnWorkflowPostgres(t *testing.T) {
	// A database URL has no directory for the sandbox's sealing key: give one.
	var k [32]byte
	rand.Read(k[:])
	keyFile := filepath.Join(t.TempDir(), "secret.key")
	if err := os.WriteFile(keyFile, []byte(base64.StdEncoding.EncodeToString(k[:])), 0o600); err != nil {
		t.Fatal(err)
	}
	testExportReturnWorkflow(t, startGateway(t, "--db", pgtest.FreshURL(t, ""), "--secret-key-file", keyFile))
}

func testExportReturnWorkflow(t *testing.T, m *Main) {
	id, err := m.Sandbox.Alibaba.Open(alibabasim.OpenRequest{ReturnGoods: true, Reason: "No longer needed", Description: "export return"})
	if err != nil {
		t.Fatal(err)
	}
	var gid string
	eventually(t, 30*time.Second, "the new Alibaba.com case was never polled", func() bool {
		var d struct {
			ReturnCases struct{ Nodes []caseView } `json:"returnCases"`
		}
		gql(t, m, `{ returnCases(first: 100, filter: {platforms: [ALIBABA]}) { nodes { `+caseFields+` } } }`, nil, &d)
		for _, c := range d.ReturnCases.Nodes {
			if c.PlatformCaseID == id {
				gid = c.ID
			}
		}
		return gid != ""
	})
	var xhsPage struct {
		ReturnCases struct{ Nodes []caseView } `json:"returnCases"`
	}
	gql(t, m, `{ returnCases(first: 1, filter: {platforms: [XHS]}) { nodes { `+caseFields+` } } }`, nil, &xhsPage)
	if len(xhsPage.ReturnCases.Nodes) == 0 {
		t.Fatal("no XHS case in the sandbox")
	}
	other := xhsPage.ReturnCases.Nodes[0]

	// Subscribers see every step (SSE here; the other transports share the bus).
	base := m.Bus.Len()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	body, _ := json.Marshal(map[string]any{"query": changedSubscription, "variables": map[string]any{"filter": map[string]any{"platforms": []string{"ALIBABA"}}}})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, m.URL()+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	results := make(chan json.RawMessage, 100)
	go sseEvents(t, resp.Body, results)
	waitSubscribers(t, m, base+1)
	nextMutationEvent := func(what string) eventView {
		t.Helper()
		timeout := time.After(30 * time.Second)
		for {
			select {
			case raw, ok := <-results:
				if !ok {
					t.Fatal("the event stream ended")
				}
				var res struct {
					Data struct {
						ReturnCaseChanged eventView `json:"returnCaseChanged"`
					} `json:"data"`
				}
				if err := json.Unmarshal(raw, &res); err != nil {
					t.Fatalf("result %s (%v)", raw, err)
				}
				if ev := res.Data.ReturnCaseChanged; ev.ReturnCase.ID == gid && ev.Source == "MUTATION" {
					return ev
				}
			case <-timeout:
				t.Fatalf("no event for %s", what)
			}
		}
	}

	// The sales contract and the invoice are the case's stored evidence.
	var docs []string
	for _, d := range []struct{ kind, name string }{{"CONTRACT", "sales-contract.pdf"}, {"INVOICE", "invoice.pdf"}} {
		up := upload(t, m, "", gid, d.kind, d.name, pdfFile)
		if up.status != http.StatusCreated {
			t.Fatalf("upload the %s: HTTP %d %s", d.kind, up.status, up.raw)
		}
		id, _ := up.body["id"].(string)
		docs = append(docs, id)
	}
	start := map[string]any{"id": gid, "idempotencyKey": "er-start-1", "contractNumber": "SC-2026-0815",
		"contractReturnDays": 365, "salesContractEvidenceIds": []string{docs[0]}, "invoiceEvidenceIds": []string{docs[1]},
		"logisticsChannel": "DHL Express import return", "carrier": "DHL", "carrierAcceptanceHours": 48, "note": "application filed"}

	// Only Alibaba.com cases; another organisation's case is NOT_FOUND; bad input is INVALID.
	xhs := map[string]any{}
	for k, v := range start {
		xhs[k] = v
	}
	xhs["id"], xhs["idempotencyKey"] = other.ID, "er-xhs"
	wantUserError(t, "an XHS case", exportStart(t, m, "Bearer "+testKey, xhs), "UNSUPPORTED_ON_PLATFORM")
	bad := map[string]any{}
	for k, v := range start {
		bad[k] = v
	}
	bad["idempotencyKey"], bad["contractReturnDays"] = "er-bad", 0
	wantUserError(t, "0 contract days", exportStart(t, m, "Bearer "+testKey, bad), "INVALID")
	bad["contractReturnDays"], bad["salesContractEvidenceIds"] = 30, []string{}
	wantUserError(t, "no sales contract", exportStart(t, m, "Bearer "+testKey, bad), "INVALID")
	if r := gql(t, m, `mutation { organisationCreate(input: {id: "rival-er", name: "Rival"}) { organisation { id } } }`, nil, nil); len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	var key struct {
		APIKeyCreate struct{ Key string } `json:"apiKeyCreate"`
	}
	gql(t, m, `mutation { apiKeyCreate(input: {name: "rival", scopes: [READ, WRITE], organisation: "rival-er"}) { key } }`, nil, &key)
	rival := exportStart(t, m, "Bearer "+key.APIKeyCreate.Key, start)
	if wantUserError(t, "another organisation's case", rival, "NOT_FOUND"); rival.ReturnCase != nil {
		t.Fatalf("another organisation sees the case: %+v", rival.ReturnCase)
	}
	// A step before the workflow exists.
	wantUserError(t, "a step before the start", exportStep(t, m, map[string]any{"id": gid, "step": "REVIEW"}), "INVALID_STATE")

	// The application.
	before := time.Now()
	p := exportStart(t, m, "Bearer "+testKey, start)
	if len(p.UserErrors) > 0 || p.Replayed || p.ReturnCase == nil || p.ReturnCase.ExportReturn == nil {
		t.Fatalf("exportReturnStart: %+v", p)
	}
	if ev := nextMutationEvent("the application"); ev.Action == nil || *ev.Action != "EXPORT_RETURN_START" {
		t.Errorf("application event %+v", ev)
	}
	x := p.ReturnCase.ExportReturn
	if x.ContractReturnDays != 365 || x.FreightAndInsurancePaidBy != "SELLER" || x.NextStep == nil || *x.NextStep != "REVIEW" ||
		len(x.Steps) != 6 || x.Steps[0].State != "DONE" || x.Steps[1].State != "OPEN" || x.Steps[2].DueBy != nil {
		t.Fatalf("after the application: %+v", x)
	}
	if due := x.Steps[1].DueBy; due == nil || !due.Equal(x.Steps[0].CompletedAt.Add(72*time.Hour)) || x.Steps[0].CompletedAt.Before(before.Add(-time.Second)) {
		t.Errorf("review due %v, application done %v", due, x.Steps[0].CompletedAt)
	}
	// The rules: the contract's 365 days, cited as XB-EXPORT-RETURN, and the exporter bears the freight.
	el := p.ReturnCase.Eligibility
	cited := false
	for _, r := range el.Rules {
		cited = cited || (r.RuleID == "XB-EXPORT-RETURN" && r.Effect == "ALLOWS")
		if r.RuleID == "ALIBABA-7D" {
			t.Errorf("ALIBABA-7D cited on an export return: %+v", el.Rules)
		}
	}
	if !cited || el.ReturnFreightPaidBy != "SELLER" {
		t.Errorf("verdict %+v", el)
	}
	if d := p.ReturnCase.DeliveredAt; d != nil && (el.WindowClosesAt == nil || el.WindowClosesAt.Sub(*d) < 365*24*time.Hour) {
		t.Errorf("window closes %v for a delivery at %v: not the contract's 365 days", el.WindowClosesAt, d)
	}
	// The same key replays; a second start is INVALID_STATE.
	if again := exportStart(t, m, "Bearer "+testKey, start); !again.Replayed || len(again.UserErrors) > 0 {
		t.Errorf("replay: %+v", again)
	}
	start["idempotencyKey"] = "er-start-2"
	wantUserError(t, "a second start", exportStart(t, m, "Bearer "+testKey, start), "INVALID_STATE")

	// Out of order.
	wantUserError(t, "the channel before the review", exportStep(t, m, map[string]any{"id": gid, "step": "LOGISTICS_CHANNEL"}), "INVALID_STATE")
	wantUserError(t, "the application again", exportStep(t, m, map[string]any{"id": gid, "step": "APPLICATION"}), "INVALID_STATE")

	steps := []map[string]any{
		{"step": "REVIEW", "note": "approved by the platform"},
		{"step": "LOGISTICS_CHANNEL", "note": "DHL 1234567890 accepted"},
		{"step": "RETURN_PERIOD", "note": "back at the warehouse"},
		{"step": "CUSTOMS_CHECKLIST", "note": "inspected", "checklist": []map[string]any{
			{"item": "QUALITY_STANDARD", "ok": true}, {"item": "NO_OBVIOUS_DEFECTS", "ok": true},
			{"item": "ORIGINAL_PACKAGING", "ok": false, "note": "outer carton replaced"}}},
		{"step": "FREIGHT_INSURANCE", "freight": map[string]any{"amount": "35.00", "currencyCode": "USD"},
			"insurance": map[string]any{"amount": "2.50", "currencyCode": "USD"}},
	}
	var last exportPayload
	for i, in := range steps {
		in["id"], in["idempotencyKey"] = gid, "er-step-"+in["step"].(string)
		if in["step"] == "CUSTOMS_CHECKLIST" {
			// An incomplete checklist is INVALID and changes nothing.
			short := map[string]any{"id": gid, "step": "CUSTOMS_CHECKLIST", "checklist": in["checklist"].([]map[string]any)[:2]}
			wantUserError(t, "a short checklist", exportStep(t, m, short), "INVALID")
		}
		if in["step"] == "FREIGHT_INSURANCE" {
			eur := map[string]any{"id": gid, "step": "FREIGHT_INSURANCE", "freight": in["freight"],
				"insurance": map[string]any{"amount": "2.50", "currencyCode": "EUR"}}
			if p := exportStep(t, m, eur); len(p.UserErrors) != 1 || p.UserErrors[0].Code != "INVALID" {
				t.Fatalf("insurance in another currency: %+v", p.UserErrors)
			}
		}
		p := exportStep(t, m, in)
		if len(p.UserErrors) > 0 {
			t.Fatalf("%s: %+v", in["step"], p.UserErrors)
		}
		if ev := nextMutationEvent(in["step"].(string)); ev.Action == nil || *ev.Action != "EXPORT_RETURN_STEP" {
			t.Errorf("%s event %+v", in["step"], ev)
		}
		x := p.ReturnCase.ExportReturn
		st := x.Steps[i+1]
		if st.Kind != in["step"] || st.State != "DONE" || st.CompletedAt == nil {
			t.Fatalf("%s: %+v", in["step"], st)
		}
		if i+2 < len(x.Steps) {
			nx := x.Steps[i+2]
			if nx.State != "OPEN" || nx.DueBy == nil || !nx.DueBy.After(*st.CompletedAt) {
				t.Errorf("the step after %s: %+v", in["step"], nx)
			}
			if nx.Kind == "LOGISTICS_CHANNEL" && !nx.DueBy.Equal(st.CompletedAt.Add(48*time.Hour)) {
				t.Errorf("the channel is due %v, not the carrier's 48 hours after %v", nx.DueBy, st.CompletedAt)
			}
		}
		// A retry with the key replays.
		if again := exportStep(t, m, in); !again.Replayed {
			t.Errorf("%s retried: %+v", in["step"], again)
		}
		last = p
	}
	x = last.ReturnCase.ExportReturn
	if x.NextStep != nil || x.Freight == nil || x.Freight.Amount != "35.00" || x.Insurance.Amount != "2.50" {
		t.Errorf("finished: %+v", x)
	}
	if cl := x.Steps[4].Checklist; len(cl) != 3 || cl[2].OK || cl[2].Note == nil || *cl[2].Note != "outer carton replaced" {
		t.Errorf("checklist %+v", cl)
	}
	// The refund shows the exporter's freight and insurance.
	rd := last.ReturnCase.RefundDue
	if rd == nil {
		t.Fatal("no refundDue")
	}
	var kinds []string
	for _, b := range rd.Breakdown {
		kinds = append(kinds, b.Kind+"="+b.Amount.Amount+"/"+b.RuleID)
	}
	got := strings.Join(kinds, " ")
	if !strings.Contains(got, "RETURN_FREIGHT=35.00/XB-EXPORT-RETURN") || !strings.Contains(got, "RETURN_INSURANCE=2.50/XB-EXPORT-RETURN") {
		t.Errorf("breakdown %s", got)
	}
	// The rules answer the same for a hypothetical order under a contract.
	const elq = `query($in: ReturnEligibilityInput!) { returnEligibility(input: $in) { noReasonReturnAllowed windowClosesAt rules { ruleId effect } } }`
	var el2 struct {
		ReturnEligibility struct {
			NoReasonReturnAllowed bool
			WindowClosesAt        time.Time
			Rules                 []struct{ RuleID, Effect string }
		}
	}
	hyp := map[string]any{"platform": "ALIBABA", "kind": "RETURN_AND_REFUND", "reason": "CHANGED_MIND", "market": "CROSS_BORDER_DIRECT",
		"deliveredAt": "2026-03-02T10:00:00Z", "requestedAt": "2026-03-22T10:00:00Z", "contractReturnDays": 30}
	if r := gql(t, m, elq, map[string]any{"in": hyp}, &el2); len(r.Errors) > 0 || !el2.ReturnEligibility.NoReasonReturnAllowed ||
		!el2.ReturnEligibility.WindowClosesAt.Equal(time.Date(2026, 4, 2, 7, 0, 0, 0, time.UTC)) {
		t.Errorf("hypothetical export return, day 20 of 30: %+v %+v", el2, r.Errors)
	}
	hyp["platform"] = "XHS"
	if r := gql(t, m, elq, map[string]any{"in": hyp}, nil); code(r) != "INVALID" {
		t.Errorf("contract days on XHS: %+v", r.Errors)
	}
	// Every step done, nothing more to complete.
	wantUserError(t, "a step after the last", exportStep(t, m, map[string]any{"id": gid, "step": "FREIGHT_INSURANCE",
		"freight": map[string]any{"amount": "1", "currencyCode": "USD"}, "insurance": map[string]any{"amount": "1", "currencyCode": "USD"}}), "INVALID_STATE")
	// The workflow survives the poller's next look at the case.
	waitPollRounds(t, m, 2)
	var d struct{ Node *exportReturnView }
	gql(t, m, `query($id: ID!) { node(id: $id) { ... on ReturnCase { `+exportReturnFields+` } } }`, map[string]any{"id": gid}, &d)
	if d.Node == nil || d.Node.ExportReturn == nil || d.Node.ExportReturn.ContractReturnDays != 365 || len(d.Node.RefundDue.Breakdown) != len(rd.Breakdown) {
		t.Errorf("after polling: %+v", d.Node)
	}
}
