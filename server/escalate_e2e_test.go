package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/returnsgw/returnsgw/auth"
)

const escalateMutation = `mutation($in: ReturnEscalateInput!) { returnEscalate(input: $in) {
	returnCase { ` + caseFields + ` pendingSteps { action note url }
		escalation { at statement evidenceIds uploadedEvidenceIds viaApi sellerCentreUrl } }
	userErrors { code field message } replayed } }`

type escalationView struct {
	ReturnCase *struct {
		caseView
		PendingSteps []struct{ Action, Note, URL string } `json:"pendingSteps"`
		Escalation   *struct {
			Statement           string   `json:"statement"`
			EvidenceIDs         []string `json:"evidenceIds"`
			UploadedEvidenceIDs []string `json:"uploadedEvidenceIds"`
			ViaAPI              bool     `json:"viaApi"`
			SellerCentreURL     *string  `json:"sellerCentreUrl"`
		} `json:"escalation"`
	} `json:"returnCase"`
	UserErrors []userErrorView `json:"userErrors"`
}

func escalate(t *testing.T, m *Main, in map[string]any) escalationView {
	t.Helper()
	return runMutation[escalationView](t, m, escalateMutation, "returnEscalate", in)
}

// casesAllowing returns cases of the platform whose available actions
// include the action, via the API or not.
func casesAllowing(t *testing.T, m *Main, platform, action string, viaAPI bool) []caseView {
	t.Helper()
	var d struct {
		ReturnCases struct {
			Nodes []struct {
				caseView
				RequestedRefund *struct{ Amount, CurrencyCode string } `json:"requestedRefund"`
				Available       []struct {
					Action string `json:"action"`
					ViaAPI bool   `json:"viaApi"`
				} `json:"availableActions"`
			}
		} `json:"returnCases"`
	}
	r := gql(t, m, `query($f: ReturnCaseFilter) { returnCases(first: 100, filter: $f) { nodes { `+caseFields+`
		requestedRefund { amount currencyCode } availableActions { action viaApi } } } }`,
		map[string]any{"f": map[string]any{"platforms": []string{platform}}}, &d)
	if len(r.Errors) > 0 {
		t.Fatalf("returnCases: %+v", r.Errors)
	}
	var out []caseView
	for _, c := range d.ReturnCases.Nodes {
		for _, a := range c.Available {
			if a.Action == action && a.ViaAPI == viaAPI {
				out = append(out, c.caseView)
			}
		}
	}
	return out
}

func TestEscalateThroughTheAPIWithEvidence(t *testing.T) {
	m := startGateway(t)
	// An AliExpress case where the buyer has the seller's counter-proposal.
	cases := casesAllowing(t, m, "ALIEXPRESS", "returnEscalate", true)
	if len(cases) == 0 {
		t.Fatal("no AliExpress case allows escalating through the API")
	}
	c := cases[0]
	photo := upload(t, m, "", c.ID, "PHOTO", "empty box.png", pngFile)
	invoice := upload(t, m, "", c.ID, "INVOICE", "invoice.pdf", pdfFile)
	other := someCase(t, m, "XHS")
	elsewhere := upload(t, m, "", other.ID, "PHOTO", "x.png", pngFile)
	for _, a := range []evidenceAnswer{photo, invoice, elsewhere} {
		if a.status != 201 {
			t.Fatalf("upload: %d %s", a.status, a.raw)
		}
	}
	// Evidence of another case: INVALID, nothing sent.
	calls := m.Sandbox.AliExpress.Calls("aliexpress.issue.redefining.sellersubmitarbi")
	bad := escalate(t, m, map[string]any{"id": c.ID, "statement": "x", "evidenceIds": []string{photo.id(), elsewhere.id()}})
	if len(bad.UserErrors) != 1 || bad.UserErrors[0].Code != "INVALID" || strings.Join(bad.UserErrors[0].Field, ".") != "input.evidenceIds" ||
		bad.ReturnCase == nil || bad.ReturnCase.Status == "ESCALATED" || bad.ReturnCase.Escalation != nil {
		t.Fatalf("evidence of another case: %+v", bad)
	}
	if m.Sandbox.AliExpress.Calls("aliexpress.issue.redefining.sellersubmitarbi") != calls {
		t.Fatal("a refused escalation reached the platform")
	}
	// The real one: the photo goes up through the image call, the PDF stays.
	got := escalate(t, m, map[string]any{"id": c.ID, "idempotencyKey": "esc-1",
		"statement": "The parcel came back empty; photo attached.", "evidenceIds": []string{photo.id(), invoice.id()}})
	if len(got.UserErrors) > 0 || got.ReturnCase == nil || got.ReturnCase.Status != "ESCALATED" {
		t.Fatalf("escalate: %+v", got)
	}
	e := got.ReturnCase.Escalation
	if e == nil || !e.ViaAPI || e.SellerCentreURL != nil || e.Statement != "The parcel came back empty; photo attached." ||
		len(e.EvidenceIDs) != 2 || len(e.UploadedEvidenceIDs) != 1 || e.UploadedEvidenceIDs[0] != photo.id() {
		t.Fatalf("escalation %+v", e)
	}
	arb, ok := m.Sandbox.AliExpress.ArbitrationOf(c.PlatformCaseID)
	if !ok || arb.Content != e.Statement || len(arb.Images) != 1 || arb.Images[0].Size != len(pngFile) {
		t.Fatalf("the platform got %+v", arb)
	}
}

func TestEscalateRecordedWhereNoAPI(t *testing.T) {
	m := startGateway(t)
	var c caseView
	var contract evidenceAnswer
	for _, platform := range []string{"ALIBABA", "XHS"} {
		cases := casesAllowing(t, m, platform, "returnEscalate", false)
		if len(cases) == 0 {
			t.Fatalf("no %s case allows escalating in the seller centre", platform)
		}
		c = cases[0]
		contract = upload(t, m, "", c.ID, "CONTRACT", "contract.pdf", pdfFile)
		if contract.status != 201 {
			t.Fatalf("upload: %d %s", contract.status, contract.raw)
		}
		got := escalate(t, m, map[string]any{"id": c.ID, "statement": "The goods match the contract's quality standard.",
			"evidenceIds": []string{contract.id()}})
		if len(got.UserErrors) > 0 || got.ReturnCase == nil {
			t.Fatalf("%s escalate: %+v", platform, got)
		}
		e := got.ReturnCase.Escalation
		if e == nil || e.ViaAPI || e.SellerCentreURL == nil || !strings.HasPrefix(*e.SellerCentreURL, "https://") ||
			len(e.EvidenceIDs) != 1 || len(e.UploadedEvidenceIDs) != 0 {
			t.Fatalf("%s escalation %+v", platform, e)
		}
		found := false
		for _, st := range got.ReturnCase.PendingSteps {
			found = found || st.Action == "returnEscalate" && st.URL == *e.SellerCentreURL && st.Note == e.Statement
		}
		if !found {
			t.Errorf("%s: no pending seller-centre step: %+v", platform, got.ReturnCase.PendingSteps)
		}
		// A second request: the step is pending already, the record stays.
		again := escalate(t, m, map[string]any{"id": c.ID, "statement": "again"})
		if len(again.UserErrors) != 1 || again.UserErrors[0].Code != "INVALID_STATE" || again.ReturnCase.Escalation.Statement != e.Statement {
			t.Errorf("%s second escalation: %+v", platform, again)
		}
	}
	// Another organisation's key: the case is not found, and nothing changes.
	ctx := context.Background()
	if err := m.Auth.EnsureOrg(ctx, "rival", "Rival"); err != nil {
		t.Fatal(err)
	}
	rival, _, err := m.Auth.CreateKey(ctx, "rival", "rival", auth.AllScopes)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"query": escalateMutation, "variables": map[string]any{"in": map[string]any{
		"id": c.ID, "statement": "theirs", "evidenceIds": []string{contract.id()}}}})
	req, _ := http.NewRequest(http.MethodPost, m.URL()+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+rival)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var r struct {
		Data struct{ ReturnEscalate escalationView } `json:"data"`
	}
	if err := json.Unmarshal(raw, &r); err != nil || len(r.Data.ReturnEscalate.UserErrors) != 1 ||
		r.Data.ReturnEscalate.UserErrors[0].Code != "NOT_FOUND" || r.Data.ReturnEscalate.ReturnCase != nil {
		t.Errorf("another organisation's escalation: %s", raw)
	}
	var d struct {
		Node struct {
			Escalation struct{ Statement string } `json:"escalation"`
		} `json:"node"`
	}
	gql(t, m, `query($id: ID!) { node(id: $id) { ... on ReturnCase { escalation { statement } } } }`, map[string]any{"id": c.ID}, &d)
	if d.Node.Escalation.Statement == "theirs" {
		t.Error("another organisation's escalation was recorded")
	}
	// Too many ids, or malformed ones, are refused before anything.
	ids := make([]string, 11)
	for i := range ids {
		ids[i] = contract.id()
	}
	if bad := escalate(t, m, map[string]any{"id": c.ID, "evidenceIds": ids}); len(bad.UserErrors) == 0 || bad.UserErrors[0].Code != "INVALID" {
		t.Errorf("11 ids: %+v", bad.UserErrors)
	}
	if bad := escalate(t, m, map[string]any{"id": c.ID, "evidenceIds": []string{"../../etc/passwd"}}); len(bad.UserErrors) == 0 || bad.UserErrors[0].Code != "INVALID" {
		t.Errorf("malformed id: %+v", bad.UserErrors)
	}
}
