package main

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/feed"
	"github.com/returnsgw/returnsgw/graph"
	"github.com/returnsgw/returnsgw/returns"
)

const inspectMutation = `mutation($in: ReturnRecordInspectionInput!) { returnRecordInspection(input: $in) {
	returnCase { id status gradeBy inspection { grade disposition notes recoveredValue { amount currencyCode } evidenceIds inspectedAt } }
	userErrors { code field message } replayed } }`

type inspectionPayload struct {
	ReturnCase *struct {
		ID         string  `json:"id"`
		Status     string  `json:"status"`
		GradeBy    *string `json:"gradeBy"`
		Inspection *struct {
			Grade          string  `json:"grade"`
			Disposition    string  `json:"disposition"`
			Notes          *string `json:"notes"`
			RecoveredValue struct{ Amount, CurrencyCode string }
			EvidenceIDs    []string `json:"evidenceIds"`
			InspectedAt    string   `json:"inspectedAt"`
		} `json:"inspection"`
	} `json:"returnCase"`
	UserErrors []userErrorView `json:"userErrors"`
	Replayed   bool            `json:"replayed"`
}

func recordInspection(t *testing.T, m *Main, authorization string, in map[string]any) inspectionPayload {
	t.Helper()
	var d struct {
		P inspectionPayload `json:"returnRecordInspection"`
	}
	var r gqlResponse
	if authorization == "" {
		r = gql(t, m, inspectMutation, map[string]any{"in": in}, &d)
	} else {
		var status int
		status, r = gqlAs(t, m, authorization, inspectMutation, map[string]any{"in": in})
		if status != http.StatusOK {
			t.Fatalf("HTTP %d", status)
		}
		if len(r.Data) > 0 {
			if err := json.Unmarshal(r.Data, &d); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(r.Errors) > 0 {
		t.Fatalf("returnRecordInspection: %+v", r.Errors)
	}
	return d.P
}

func wantInspectionError(t *testing.T, p inspectionPayload, code string) {
	t.Helper()
	if len(p.UserErrors) != 1 || p.UserErrors[0].Code != code {
		t.Fatalf("user errors %+v, want one %s", p.UserErrors, code)
	}
}

// A seller's week, for one return, through the real server and the XHS
// simulator: the buyer asks (push), the seller approves, the buyer ships
// (push), the seller confirms receipt, then grades the goods. Grading before
// the goods are back, with a negative value or in another currency, or on
// another organisation's case, is a typed error that stores nothing; the
// grading is on the case, in its event log and in the inspections table, and
// the rules cite it.
func TestInspectionEndToEnd(t *testing.T) {
	m := startGateway(t)
	ctx := context.Background()
	org := returns.OrgID(m.Config.Org)
	sub := m.Bus.Subscribe(org, returns.Filter{Platforms: []returns.PlatformID{returns.XHS}}, feed.SubscribeOptions{Buffer: 4096})
	defer sub.Close()
	waitChange := func(what string, ok func(*feed.Change) bool) *feed.Change {
		t.Helper()
		timeout := time.After(20 * time.Second)
		for {
			select {
			case ch, open := <-sub.C():
				if !open {
					t.Fatalf("bus subscription ended waiting for %s: %v", what, sub.Err())
				}
				if ok(ch) {
					return ch
				}
			case <-timeout:
				t.Fatalf("no %s within 20 s", what)
			}
		}
	}

	code, out := simulate(t, m, `{"platform": "XHS", "action": "open"}`)
	if code != http.StatusOK {
		t.Fatalf("simulate open: %d %v", code, out)
	}
	pid := out["platformCaseId"]
	key := returns.CaseKey{Platform: returns.XHS, PlatformCaseID: pid}
	waitChange("the buyer's request", func(ch *feed.Change) bool { return ch.Case.PlatformCaseID == pid })
	c := caseView{ID: graph.CaseID(key)}
	grade := func(extra map[string]any) map[string]any {
		in := map[string]any{"id": c.ID, "grade": "C", "recoveredValue": map[string]any{"amount": "12.50", "currencyCode": "CNY"}}
		for k, v := range extra {
			in[k] = v
		}
		return in
	}

	if p := approve(t, m, map[string]any{"id": c.ID, "acknowledgeRules": acknowledgeAll(t, m, c, "returnApprove")}); len(p.UserErrors) > 0 {
		t.Fatalf("approve: %+v", p.UserErrors)
	}
	p := recordInspection(t, m, "", grade(nil))
	wantInspectionError(t, p, "INVALID_STATE")
	if p.ReturnCase == nil || p.ReturnCase.Inspection != nil || p.ReturnCase.GradeBy != nil {
		t.Errorf("before the goods are back: %+v", p.ReturnCase)
	}

	if code, out := simulate(t, m, `{"platform": "XHS", "action": "ship", "platformCaseId": "`+pid+`"}`); code != http.StatusOK {
		t.Fatalf("simulate ship: %d %v", code, out)
	}
	waitChange("the buyer's parcel", func(ch *feed.Change) bool {
		return ch.Case.PlatformCaseID == pid && ch.Case.Status == returns.StatusInTransit
	})
	wantInspectionError(t, recordInspection(t, m, "", grade(nil)), "INVALID_STATE")

	var rc struct {
		P payloadView `json:"returnConfirmReceipt"`
	}
	if r := gql(t, m, `mutation($id: ID!) { returnConfirmReceipt(input: {id: $id, idempotencyKey: "receive-1"}) { returnCase { `+caseFields+` } userErrors { code message } } }`,
		map[string]any{"id": c.ID}, &rc); len(r.Errors) > 0 || len(rc.P.UserErrors) > 0 {
		t.Fatalf("confirm receipt: %+v %+v", r.Errors, rc.P.UserErrors)
	}
	if rc.P.ReturnCase == nil || !slices.Contains(rc.P.ReturnCase.AllowedActions, string(returns.ActionRecordInspection)) {
		t.Errorf("after receipt the case does not offer the grading: %+v", rc.P.ReturnCase)
	}
	// Nothing was stored by the refused gradings.
	if _, err := m.db.Inspection(ctx, org, key); returns.ErrorCodeOf(err) != returns.CodeNotFound {
		t.Fatalf("an inspection row before any grading succeeded: %v", err)
	}

	// Bad values: typed, and nothing changes.
	neg := recordInspection(t, m, "", grade(map[string]any{"recoveredValue": map[string]any{"amount": "-1", "currencyCode": "CNY"}}))
	wantInspectionError(t, neg, "INVALID")
	usd := recordInspection(t, m, "", grade(map[string]any{"recoveredValue": map[string]any{"amount": "1", "currencyCode": "USD"}}))
	wantInspectionError(t, usd, "INVALID")
	if neg.ReturnCase.Inspection != nil || usd.ReturnCase.Inspection != nil {
		t.Error("a refused grading shows on the case")
	}
	// Another organisation's key cannot grade the case, nor learn it exists.
	rival := recordInspection(t, m, rivalKey(t, m), grade(nil))
	wantInspectionError(t, rival, "NOT_FOUND")
	if rival.ReturnCase != nil {
		t.Errorf("the rival sees the case: %+v", rival.ReturnCase)
	}

	// The photo is the case's stored evidence; an id that is not is refused.
	photo := upload(t, m, "", c.ID, "PHOTO", "cracked.png", pngFile)
	if photo.status != http.StatusCreated {
		t.Fatalf("upload the photo: HTTP %d %s", photo.status, photo.raw)
	}
	photoID, _ := photo.body["id"].(string)
	unknown := recordInspection(t, m, "", grade(map[string]any{"evidenceIds": []string{"ev_not_on_this_case"}}))
	wantInspectionError(t, unknown, "INVALID")
	in := grade(map[string]any{"idempotencyKey": "grade-1", "notes": "shell cracked", "evidenceIds": []string{photoID}})
	sent := time.Now()
	first := recordInspection(t, m, "", in)
	t.Logf("returnRecordInspection over HTTP, stored with its event: %v", time.Since(sent))
	if len(first.UserErrors) > 0 {
		t.Fatalf("grading: %+v", first.UserErrors)
	}
	ins := first.ReturnCase.Inspection
	if ins == nil || ins.Grade != "C" || ins.Disposition != "LIQUIDATE" || ins.Notes == nil || *ins.Notes != "shell cracked" ||
		ins.RecoveredValue.Amount != "12.50" || ins.RecoveredValue.CurrencyCode != "CNY" || len(ins.EvidenceIDs) != 1 {
		t.Fatalf("the case shows %+v", ins)
	}
	if first.ReturnCase.GradeBy == nil {
		t.Error("no gradeBy on a case whose goods are back")
	}
	ev := waitChange("the grading's event", func(ch *feed.Change) bool {
		return ch.Case.PlatformCaseID == pid && ch.Event.Detail["action"] == string(returns.ActionRecordInspection)
	})
	if ev.Event.Source != returns.SourceMutation || ev.Case.Inspection == nil || ev.Event.Detail["grade"] != "C" {
		t.Errorf("event %+v with case inspection %+v", ev.Event, ev.Case.Inspection)
	}
	again := recordInspection(t, m, "", in)
	if !again.Replayed || again.ReturnCase.Inspection == nil || again.ReturnCase.Inspection.InspectedAt != ins.InspectedAt {
		t.Errorf("retry with the same key: replayed %v, %+v", again.Replayed, again.ReturnCase)
	}
	row, err := m.db.Inspection(ctx, org, key)
	if err != nil || row.Grade != returns.GradeC || row.RecoveredValue.Minor != 1250 {
		t.Errorf("inspections row %+v, %v", row, err)
	}

	// The case, read afresh, shows the grading, and the rules cite it.
	var q struct {
		ReturnCase struct {
			Inspection  *struct{ Grade string }
			GradeBy     *string
			Eligibility struct {
				NoReasonReturnAllowed bool
				Rules                 []struct {
					RuleID string `json:"ruleId"`
					Effect string
				}
			}
		} `json:"returnCase"`
	}
	if r := gql(t, m, `query($id: ID!) { returnCase(id: $id) { inspection { grade } gradeBy eligibility { noReasonReturnAllowed rules { ruleId effect } } } }`,
		map[string]any{"id": c.ID}, &q); len(r.Errors) > 0 {
		t.Fatalf("returnCase: %+v", r.Errors)
	}
	if q.ReturnCase.Inspection == nil || q.ReturnCase.Inspection.Grade != "C" || q.ReturnCase.GradeBy == nil {
		t.Errorf("the case shows %+v", q.ReturnCase)
	}
	cited := false
	for _, a := range q.ReturnCase.Eligibility.Rules {
		cited = cited || a.RuleID == returns.RuleOPSGrades
	}
	if !cited {
		t.Errorf("the verdict does not cite OPS-GRADES: %+v", q.ReturnCase.Eligibility.Rules)
	}
}
