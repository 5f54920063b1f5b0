package main

import (
	"encoding/csv"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// weekCase is what the test reads of a case through the API.
type weekCase struct {
	ID                string
	Platform          string
	PlatformCaseID    string
	Status            string
	ShopID            string
	Reason            string
	CreatedAt         time.Time
	Lines             []struct{ SKU string }
	RequestedRefund   *struct{ Amount, CurrencyCode string }
	RefundedAmount    *struct{ Amount, CurrencyCode string }
	ExpectedArrivalBy *time.Time
	Route             *struct {
		ID             string
		Kind           string
		TransitDaysMax int
	}
	AvailableActions []struct {
		Action string
		ViaAPI bool `json:"viaApi"`
	}
}

const weekCaseFields = `id platform platformCaseId status shopId reason createdAt lines { sku }
	requestedRefund { amount currencyCode } refundedAmount { amount currencyCode }
	expectedArrivalBy route { id kind transitDaysMax } availableActions { action viaApi }`

func readWeekCase(t *testing.T, m *Main, id string) weekCase {
	t.Helper()
	var d struct{ ReturnCase *weekCase }
	if r := gql(t, m, `query($id: ID!) { returnCase(id: $id) { `+weekCaseFields+` } }`, map[string]any{"id": id}, &d); len(r.Errors) > 0 || d.ReturnCase == nil {
		t.Fatalf("returnCase %s: %s %+v", id, r.Data, r.Errors)
	}
	return *d.ReturnCase
}

// openSimulated has the simulated buyer open a case and waits until the
// gateway lists it (by push or by poll), through the API only.
func openSimulated(t *testing.T, m *Main, body, platform string) weekCase {
	t.Helper()
	status, out := simulate(t, m, body)
	if status != http.StatusOK || out["platformCaseId"] == "" {
		t.Fatalf("simulate %s: %d %v", body, status, out)
	}
	var gid string
	eventually(t, 60*time.Second, "the gateway never listed the new "+platform+" case", func() bool {
		var d struct {
			ReturnCases struct{ Nodes []caseView } `json:"returnCases"`
		}
		gql(t, m, `query($f: ReturnCaseFilter) { returnCases(first: 100, orderBy: CREATED_AT_DESC, filter: $f) { nodes { `+caseFields+` } } }`,
			map[string]any{"f": map[string]any{"platforms": []string{platform}}}, &d)
		for _, c := range d.ReturnCases.Nodes {
			if c.PlatformCaseID == out["platformCaseId"] {
				gid = c.ID
			}
		}
		return gid != ""
	})
	c := readWeekCase(t, m, gid)
	if len(c.Lines) == 0 || c.Lines[0].SKU == "" || c.RequestedRefund == nil {
		t.Fatalf("the new %s case has no SKU or no requested refund: %+v", platform, c)
	}
	return c
}

func (c weekCase) allows(action string, viaAPI bool) bool {
	for _, a := range c.AvailableActions {
		if a.Action == action && a.ViaAPI == viaAPI {
			return true
		}
	}
	return false
}

// minor parses an amount of the API into minor units, failing the test on
// a malformed one.
func minor(t *testing.T, amount, currency string) int64 {
	t.Helper()
	m, err := returns.ParseMoney(amount, currency)
	if err != nil {
		t.Fatalf("amount %q %s: %v", amount, currency, err)
	}
	return m.Minor
}

// show prints what a nullable field holds.
func show[T any](p *T) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

func deref(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}

// rat parses a decimal of the API exactly.
func rat(t *testing.T, s string) *big.Rat {
	t.Helper()
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Errorf("not a decimal: %q", s)
		return new(big.Rat)
	}
	return r
}

// The "done when": a seller runs a week of returns through the
// gateway's public API alone (GraphQL, /evidence, /sandbox/simulate,
// /analytics.csv): an XHS return routed, shipped back, received (XHS
// refunds on receipt) and graded C with a photo; an AliExpress claim
// countered and escalated with a statement and evidence, another approved
// (the platform refunds a refund-only request on approval); an Alibaba.com
// export return walked through its steps with its contract and invoice.
// Then one returnAnalytics query by platform, SKU and reason shows what each
// cost, with a cost model per 100 orders, checked against figures the test
// works out from what it did; the CSV carries the same groups.
func TestAWeekOfReturns(t *testing.T) {
	m := startGateway(t)
	// Everything the test does happens after this instant. Platforms stamp
	// their times to the second (AliExpress), hence the margin; the sandbox
	// seeds its cases minutes in the past, and the test checks below that
	// this filter selects its cases and no other.
	start := time.Now().Add(-2 * time.Second).Truncate(time.Second)

	// Monday: three buyers ask.
	xhs := openSimulated(t, m, `{"platform": "XHS", "action": "open", "shopId": "xhs-domestic"}`, "XHS")
	ae := openSimulated(t, m, `{"platform": "ALIEXPRESS", "action": "open"}`, "ALIEXPRESS")
	ae2 := openSimulated(t, m, `{"platform": "ALIEXPRESS", "action": "open"}`, "ALIEXPRESS")
	ali := openSimulated(t, m, `{"platform": "ALIBABA", "action": "open"}`, "ALIBABA")

	// XHS: approve; the gateway picks the shop's route for the case's market
	// and value, and the case shows it with the expected arrival.
	if !xhs.allows("returnApprove", true) {
		t.Fatalf("the new XHS case cannot be approved: %+v", xhs.AvailableActions)
	}
	before := time.Now()
	if p := approve(t, m, map[string]any{"id": xhs.ID, "idempotencyKey": "week-approve",
		"acknowledgeRules": acknowledgeAll(t, m, caseView{ID: xhs.ID}, "returnApprove")}); len(p.UserErrors) > 0 {
		t.Fatalf("approve: %+v", p.UserErrors)
	}
	after := time.Now()
	got := readWeekCase(t, m, xhs.ID)
	if got.Route == nil || got.Route.ID == "" || got.Route.TransitDaysMax <= 0 || got.ExpectedArrivalBy == nil {
		t.Fatalf("approved without a route: %+v", got)
	}
	span := time.Duration(got.Route.TransitDaysMax) * 24 * time.Hour
	if e := *got.ExpectedArrivalBy; e.Before(before.Add(span).Add(-time.Second)) || e.After(after.Add(span).Add(time.Second)) {
		t.Errorf("expectedArrivalBy %v, not the approval (%v..%v) plus %d days", e, before, after, got.Route.TransitDaysMax)
	}

	// Tuesday: the buyer ships; the parcel reaches the gateway by push.
	if code, out := simulate(t, m, `{"platform": "XHS", "action": "ship", "platformCaseId": "`+xhs.PlatformCaseID+`"}`); code != http.StatusOK {
		t.Fatalf("simulate ship: %d %v", code, out)
	}
	eventually(t, 60*time.Second, "the buyer's parcel never showed on the XHS case", func() bool {
		return readWeekCase(t, m, xhs.ID).allows("returnConfirmReceipt", true)
	})

	// Wednesday: the goods are back. On XHS confirming receipt is the refund.
	var rc struct {
		P payloadView `json:"returnConfirmReceipt"`
	}
	if r := gql(t, m, `mutation($id: ID!) { returnConfirmReceipt(input: {id: $id, idempotencyKey: "week-receive"}) { returnCase { `+caseFields+` } userErrors { code message } } }`,
		map[string]any{"id": xhs.ID}, &rc); len(r.Errors) > 0 || len(rc.P.UserErrors) > 0 {
		t.Fatalf("confirm receipt: %+v %+v", r.Errors, rc.P.UserErrors)
	}
	eventually(t, 60*time.Second, "the XHS refund never showed on the case", func() bool {
		c := readWeekCase(t, m, xhs.ID)
		return c.Status == "REFUNDED" && c.RefundedAmount != nil
	})
	if got := readWeekCase(t, m, xhs.ID); *got.RefundedAmount != *xhs.RequestedRefund {
		t.Errorf("XHS refunded %+v, the buyer asked %+v", got.RefundedAmount, xhs.RequestedRefund)
	}
	// The grading: C, with the photo uploaded as evidence; 12.50 recovered.
	photo := upload(t, m, "", xhs.ID, "PHOTO", "cracked.png", pngFile)
	if photo.status != http.StatusCreated {
		t.Fatalf("upload the photo: HTTP %d %s", photo.status, photo.raw)
	}
	xhsCur := xhs.RequestedRefund.CurrencyCode
	p := recordInspection(t, m, "", map[string]any{"id": xhs.ID, "idempotencyKey": "week-grade", "grade": "C", "notes": "shell cracked",
		"evidenceIds": []string{photo.id()}, "recoveredValue": map[string]any{"amount": "12.50", "currencyCode": xhsCur}})
	if len(p.UserErrors) > 0 || p.ReturnCase == nil || p.ReturnCase.Inspection == nil ||
		p.ReturnCase.Inspection.Disposition != "LIQUIDATE" || len(p.ReturnCase.Inspection.EvidenceIDs) != 1 {
		t.Fatalf("grading: %+v", p)
	}

	// Thursday: the AliExpress buyer wants a refund; the seller counters
	// with 1.00, and when the buyer does not take it, escalates.
	aeCur := ae.RequestedRefund.CurrencyCode
	var off struct {
		P payloadView `json:"returnOffer"`
	}
	if r := gql(t, m, `mutation($in: ReturnOfferInput!) { returnOffer(input: $in) { returnCase { `+caseFields+` } userErrors { code field message } } }`,
		map[string]any{"in": map[string]any{"id": ae.ID, "idempotencyKey": "week-offer", "kind": "REFUND_ONLY",
			"amount": map[string]any{"amount": "1.00", "currencyCode": aeCur}, "note": "A partial refund for the scratch."}}, &off); len(r.Errors) > 0 || len(off.P.UserErrors) > 0 {
		t.Fatalf("offer: %+v %+v", r.Errors, off.P.UserErrors)
	}
	eventually(t, 60*time.Second, "the AliExpress case never allowed escalating through the API", func() bool {
		return readWeekCase(t, m, ae.ID).allows("returnEscalate", true)
	})
	shot := upload(t, m, "", ae.ID, "CHAT_EXCERPT", "chat.png", pngFile)
	if shot.status != http.StatusCreated {
		t.Fatalf("upload the chat: HTTP %d %s", shot.status, shot.raw)
	}
	esc := escalate(t, m, map[string]any{"id": ae.ID, "idempotencyKey": "week-escalate",
		"statement": "The buyer's photo shows a scratch the listing disclosed; chat attached.", "evidenceIds": []string{shot.id()}})
	if len(esc.UserErrors) > 0 || esc.ReturnCase == nil || esc.ReturnCase.Status != "ESCALATED" || esc.ReturnCase.Escalation == nil ||
		!esc.ReturnCase.Escalation.ViaAPI || len(esc.ReturnCase.Escalation.EvidenceIDs) != 1 {
		t.Fatalf("escalate: %+v", esc)
	}

	// Another AliExpress buyer asks for a refund without return: approved,
	// the platform refunds what was asked (seen by the next poll).
	if p := approve(t, m, map[string]any{"id": ae2.ID, "idempotencyKey": "week-approve-ae",
		"acknowledgeRules": acknowledgeAll(t, m, caseView{ID: ae2.ID}, "returnApprove")}); len(p.UserErrors) > 0 {
		t.Fatalf("approve on AliExpress: %+v", p.UserErrors)
	}
	eventually(t, 60*time.Second, "the AliExpress refund never showed on the case", func() bool {
		c := readWeekCase(t, m, ae2.ID)
		return c.Status == "REFUNDED" && c.RefundedAmount != nil
	})
	if got := readWeekCase(t, m, ae2.ID); *got.RefundedAmount != *ae2.RequestedRefund {
		t.Errorf("AliExpress refunded %+v, the buyer asked %+v", got.RefundedAmount, ae2.RequestedRefund)
	}

	// Friday: the Alibaba.com export return, with its contract and invoice.
	contract := upload(t, m, "", ali.ID, "CONTRACT", "contract.pdf", pdfFile)
	invoice := upload(t, m, "", ali.ID, "INVOICE", "invoice.pdf", pdfFile)
	if contract.status != http.StatusCreated || invoice.status != http.StatusCreated {
		t.Fatalf("upload contract %d %s, invoice %d %s", contract.status, contract.raw, invoice.status, invoice.raw)
	}
	aliCur := ali.RequestedRefund.CurrencyCode
	ep := exportStart(t, m, "Bearer "+testKey, map[string]any{"id": ali.ID, "idempotencyKey": "week-export", "contractNumber": "SC-2026-118",
		"contractReturnDays": 90, "salesContractEvidenceIds": []string{contract.id()}, "invoiceEvidenceIds": []string{invoice.id()},
		"logisticsChannel": "exporter's DHL account", "carrier": "DHL", "carrierAcceptanceHours": 48})
	if len(ep.UserErrors) > 0 || ep.ReturnCase == nil || ep.ReturnCase.ExportReturn == nil {
		t.Fatalf("exportReturnStart: %+v", ep)
	}
	for _, in := range []map[string]any{
		{"step": "REVIEW", "note": "approved"},
		{"step": "LOGISTICS_CHANNEL", "note": "DHL accepted"},
		{"step": "RETURN_PERIOD", "note": "back within the contract's 90 days"},
		{"step": "CUSTOMS_CHECKLIST", "checklist": []map[string]any{
			{"item": "QUALITY_STANDARD", "ok": true}, {"item": "NO_OBVIOUS_DEFECTS", "ok": true}, {"item": "ORIGINAL_PACKAGING", "ok": true}}},
		{"step": "FREIGHT_INSURANCE", "freight": map[string]any{"amount": "35.00", "currencyCode": aliCur},
			"insurance": map[string]any{"amount": "2.50", "currencyCode": aliCur}},
	} {
		in["id"], in["idempotencyKey"] = ali.ID, "week-"+in["step"].(string)
		if p := exportStep(t, m, in); len(p.UserErrors) > 0 {
			t.Fatalf("%s: %+v", in["step"], p.UserErrors)
		}
		ep = exportStep(t, m, in) // a retry replays
	}
	if x := ep.ReturnCase.ExportReturn; x.NextStep != nil || len(x.SalesContractEvidenceIds) != 1 || len(x.InvoiceEvidenceIds) != 1 {
		t.Fatalf("the export return did not finish: %+v", x)
	}

	// The cases as they stand. Each platform's shop gets its order count for
	// the week and SKU of its cases (XHS and AliExpress have no order count
	// in their APIs): orders chosen so that any rate here is exact.
	week := []weekCase{xhs, ae, ae2, ali}
	orders := map[string]int{"XHS": 40, "ALIEXPRESS": 50, "ALIBABA": 80}
	var shops []string
	counted := map[string]bool{}
	for i, c := range week {
		week[i] = readWeekCase(t, m, c.ID)
		c = week[i]
		shops = append(shops, c.ShopID)
		k := c.Platform + "/" + c.ShopID + "/" + store.ISOWeek(c.CreatedAt) + "/" + c.Lines[0].SKU
		if counted[k] {
			continue
		}
		counted[k] = true
		var d struct {
			S struct {
				Counts     []struct{ Orders int }
				UserErrors []struct{ Code string }
			} `json:"shopOrderCountsSet"`
		}
		r := gql(t, m, `mutation($in: ShopOrderCountsInput!) { shopOrderCountsSet(input: $in) { counts { orders } userErrors { code } } }`,
			map[string]any{"in": map[string]any{"platform": c.Platform, "shopId": c.ShopID, "counts": []map[string]any{
				{"week": store.ISOWeek(c.CreatedAt), "sku": c.Lines[0].SKU, "orders": orders[c.Platform]},
				{"week": store.ISOWeek(c.CreatedAt), "orders": 10 * orders[c.Platform]}}}}, &d)
		if len(r.Errors) > 0 || len(d.S.UserErrors) > 0 || len(d.S.Counts) != 2 {
			t.Fatalf("shopOrderCountsSet %s: %s %+v", c.Platform, r.Data, r.Errors)
		}
	}

	// What the test did, worked out by hand per (platform, SKU, reason):
	// the refunds it made (XHS's on receipt, AliExpress's approval) at the
	// amounts the buyers asked, its one grade C and its 12.50 recovered.
	// Costs per return 2 + 4 + 10 = 16 USD on a 30 USD price: a group of n
	// returns in o orders costs 16n USD, 1600n ÷ o per 100 orders, and
	// 16n ÷ 30o × 100 margin points.
	type want struct {
		cases, gradeC int
		refunded      map[string]int64 // minor units by currency
		recovered     map[string]int64
		weeks         map[string]bool
		platform, sku string
	}
	wants := map[string]*want{}
	wantOf := func(c weekCase) *want {
		k := c.Platform + "|" + c.Lines[0].SKU + "|" + c.Reason
		if wants[k] == nil {
			wants[k] = &want{refunded: map[string]int64{}, recovered: map[string]int64{}, weeks: map[string]bool{}, platform: c.Platform, sku: c.Lines[0].SKU}
		}
		w := wants[k]
		w.cases++
		w.weeks[store.ISOWeek(c.CreatedAt)] = true
		return w
	}
	for _, c := range week {
		wantOf(c)
	}
	for _, c := range []weekCase{xhs, ae2} { // refunded in full, as asked
		w := wantOf(c)
		w.cases--
		w.refunded[c.RequestedRefund.CurrencyCode] += minor(t, c.RequestedRefund.Amount, c.RequestedRefund.CurrencyCode)
	}
	wx := wantOf(xhs)
	wx.cases--
	wx.gradeC++
	wx.recovered[xhsCur] += 1250

	filter := map[string]any{"updatedAfter": start.UTC().Format(time.RFC3339Nano), "shopIds": shops}
	// Only the test's cases pass the filter.
	var list struct {
		ReturnCases struct{ Nodes []struct{ ID string } } `json:"returnCases"`
	}
	gql(t, m, `query($f: ReturnCaseFilter) { returnCases(first: 100, filter: $f) { nodes { id } } }`, map[string]any{"f": filter}, &list)
	if len(list.ReturnCases.Nodes) != len(week) {
		t.Fatalf("the filter selects %d cases, not the week's %d: %+v", len(list.ReturnCases.Nodes), len(week), list.ReturnCases.Nodes)
	}

	in := map[string]any{"filter": filter, "groupBy": []string{"PLATFORM", "SKU", "REASON"}, "costs": map[string]any{
		"price":            map[string]any{"amount": "30", "currencyCode": "USD"},
		"outboundShipping": map[string]any{"amount": "2", "currencyCode": "USD"},
		"processingCost":   map[string]any{"amount": "4", "currencyCode": "USD"},
		"resaleLoss":       map[string]any{"amount": "10", "currencyCode": "USD"},
	}}
	type money struct{ Amount, CurrencyCode string }
	var an struct {
		ReturnAnalytics struct {
			CSVURL string `json:"csvUrl"`
			Groups []struct {
				Key         struct{ Platform, Sku, Reason string }
				Cases       int
				Refunded    []money
				ReasonShare *float64
				Grades      struct{ A, B, C int }
				Recovered   []money
				Orders      *int
				ReturnRate  *float64
				CostModel   *struct {
					Returns          string
					Total            money
					CostPer100Orders money
					MarginPoints     *string
				}
			}
		} `json:"returnAnalytics"`
	}
	r := gql(t, m, `query($in: ReturnAnalyticsInput!) { returnAnalytics(input: $in) { csvUrl groups {
		key { platform sku reason } cases refunded { amount currencyCode } reasonShare grades { a b c }
		recovered { amount currencyCode } orders returnRate
		costModel { returns total { amount currencyCode } costPer100Orders { amount currencyCode } marginPoints } } } }`,
		map[string]any{"in": in}, &an)
	if len(r.Errors) > 0 {
		t.Fatalf("returnAnalytics: %+v", r.Errors)
	}
	groups := an.ReturnAnalytics.Groups
	if len(groups) != len(wants) {
		t.Fatalf("%d groups, want %d: %s", len(groups), len(wants), r.Data)
	}
	moneyCell := func(ms []money) string {
		var s []string
		for _, x := range ms {
			s = append(s, x.Amount+" "+x.CurrencyCode)
		}
		return strings.Join(s, "; ")
	}
	// Amounts are compared in minor units, not as the answer spells them.
	sameMoney := func(got []money, want map[string]int64) bool {
		if len(got) != len(want) {
			return false
		}
		for _, x := range got {
			if n, ok := want[x.CurrencyCode]; !ok || minor(t, x.Amount, x.CurrencyCode) != n {
				return false
			}
		}
		return true
	}
	// The costliest group per 100 orders on each platform, by hand and as answered.
	wantMost, gotMost := map[string]*big.Rat{}, map[string]*big.Rat{}
	for _, g := range groups {
		name := g.Key.Platform + "|" + g.Key.Sku + "|" + g.Key.Reason
		if g.CostModel != nil {
			t.Logf("%s: %d cases, refunded %s, grades %+v, recovered %s, %s per 100 orders", name, g.Cases,
				moneyCell(g.Refunded), g.Grades, moneyCell(g.Recovered), g.CostModel.CostPer100Orders.Amount+" "+g.CostModel.CostPer100Orders.CurrencyCode)
		}
		w := wants[name]
		if w == nil {
			t.Errorf("group %s is none of the week's", name)
			continue
		}
		sameSKU := 0
		for _, o := range wants {
			if o.platform == w.platform && o.sku == w.sku {
				sameSKU += o.cases
			}
		}
		if g.Cases != w.cases || g.ReasonShare == nil || *g.ReasonShare != float64(w.cases)/float64(sameSKU) {
			t.Errorf("%s: %d cases, reason share %s; want %d of %d", name, g.Cases, show(g.ReasonShare), w.cases, sameSKU)
		}
		if !sameMoney(g.Refunded, w.refunded) {
			t.Errorf("%s refunded %v, want %v (minor units)", name, g.Refunded, w.refunded)
		}
		if g.Grades.A != 0 || g.Grades.B != 0 || g.Grades.C != w.gradeC {
			t.Errorf("%s grades %+v, want %d C", name, g.Grades, w.gradeC)
		}
		if !sameMoney(g.Recovered, w.recovered) {
			t.Errorf("%s recovered %v, want %v (minor units)", name, g.Recovered, w.recovered)
		}
		o := orders[g.Key.Platform] * len(w.weeks)
		if g.Orders == nil || *g.Orders != o || g.ReturnRate == nil || *g.ReturnRate != float64(w.cases)/float64(o) {
			t.Errorf("%s orders %s rate %s, want %d and %d/%d", name, show(g.Orders), show(g.ReturnRate), o, w.cases, o)
		}
		cm := g.CostModel
		if cm == nil {
			t.Errorf("%s: no cost model", name)
			continue
		}
		n := int64(w.cases)
		per100 := big.NewRat(1600*n, int64(o)) // USD
		margin := big.NewRat(16*n*100, 30*int64(o))
		off := new(big.Rat).Sub(rat(t, deref(cm.MarginPoints)), margin)
		if rat(t, cm.Returns).Cmp(big.NewRat(n, 1)) != 0 || cm.Total.CurrencyCode != "USD" || minor(t, cm.Total.Amount, "USD") != 1600*n ||
			cm.CostPer100Orders.CurrencyCode != "USD" || rat(t, cm.CostPer100Orders.Amount).Cmp(per100) != 0 ||
			off.Abs(off).Cmp(big.NewRat(1, 200)) > 0 { // two decimals
			t.Errorf("%s cost model %+v (margin %s), want %d returns, %d.00 USD, %s USD per 100 orders, %s points",
				name, *cm, deref(cm.MarginPoints), n, 16*n, per100.FloatString(2), margin.FloatString(4))
		}
		if m := wantMost[g.Key.Platform]; m == nil || per100.Cmp(m) > 0 {
			wantMost[g.Key.Platform] = per100
		}
		got := rat(t, cm.CostPer100Orders.Amount)
		if m := gotMost[g.Key.Platform]; m == nil || got.Cmp(m) > 0 {
			gotMost[g.Key.Platform] = got
		}
	}
	for _, pl := range []string{"XHS", "ALIEXPRESS", "ALIBABA"} {
		if wantMost[pl] == nil || gotMost[pl] == nil || wantMost[pl].Cmp(gotMost[pl]) != 0 {
			t.Errorf("%s: the costliest group costs %v per 100 orders, want %v", pl, gotMost[pl], wantMost[pl])
		}
	}

	// The CSV export carries the same groups, with the same key.
	resp, body := getAs(t, m, "Bearer "+testKey, an.ReturnAnalytics.CSVURL)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("CSV: HTTP %d %s", resp.StatusCode, body)
	}
	rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil || len(rows) != len(groups)+1 {
		t.Fatalf("CSV rows %q, %v", rows, err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, name := range []string{"platform", "sku", "reason", "cases", "refunded", "gradeC", "recovered", "orders", "costPer100Orders"} {
		if _, ok := col[name]; !ok {
			t.Fatalf("no column %s in %v", name, rows[0])
		}
	}
	for i, g := range groups {
		row := rows[i+1]
		cell := func(name string) string { return row[col[name]] }
		if cell("platform") != g.Key.Platform || cell("sku") != g.Key.Sku || cell("reason") != g.Key.Reason ||
			cell("cases") != strconv.Itoa(g.Cases) || cell("refunded") != moneyCell(g.Refunded) || cell("gradeC") != strconv.Itoa(g.Grades.C) ||
			cell("recovered") != moneyCell(g.Recovered) || g.Orders == nil || cell("orders") != strconv.Itoa(*g.Orders) || g.CostModel == nil ||
			!strings.HasPrefix(cell("costPer100Orders"), g.CostModel.CostPer100Orders.Amount) {
			t.Errorf("CSV row %q for group %+v", row, g)
		}
	}
}
