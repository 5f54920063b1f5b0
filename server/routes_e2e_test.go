package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters/xhs/xhssim"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/returns"
)

type routeView struct {
	ID                string   `json:"id"`
	Kind              string   `json:"kind"`
	Name              string   `json:"name"`
	ShopID            string   `json:"shopId"`
	TransitDaysMax    int      `json:"transitDaysMax"`
	Markets           []string `json:"markets"`
	PlatformAddressID *string  `json:"platformAddressId"`
}

const routeFields = `id kind name shopId transitDaysMax markets platformAddressId`

type routedCase struct {
	ID                string     `json:"id"`
	Status            string     `json:"status"`
	PlatformCaseID    string     `json:"platformCaseId"`
	Route             *routeView `json:"route"`
	ExpectedArrivalBy *time.Time `json:"expectedArrivalBy"`
}

// sellerMessage is what the XHS simulator recorded as the seller's message
// to the buyer on the case (商家留言), and the address it was told.
func sellerMessage(t *testing.T, m *Main, id string) (msg, addressName string) {
	t.Helper()
	snap, ok := m.Sandbox.XHS.Snapshot(id)
	if !ok {
		t.Fatalf("simulator has no case %s", id)
	}
	for _, r := range snap.NegotiateRecords {
		for _, a := range r.Attributes {
			if a.Key == "商家留言" {
				msg = a.Desc
			}
		}
	}
	if ra := snap.AfterSaleInfo.ReturnAddress; ra != nil {
		addressName = ra.Name
	}
	return msg, addressName
}

// A seller's week starts here: the sandbox shop has seed 004's routes; an
// approval without a route takes the one for the case's market, sends its
// address and the built-in message, and the case shows the route and when
// the goods are due; a route the seller saves and names is used as named; an
// unknown route changes nothing; templates are previewed and sent.
func TestApproveWithRoutes(t *testing.T) {
	m := startGateway(t)

	// The sandbox's default routes, and the platform's address book.
	var rs struct {
		ReturnRoutes []routeView `json:"returnRoutes"`
	}
	if r := gql(t, m, `{ returnRoutes(shopId: "xhs-domestic") { `+routeFields+` } }`, nil, &rs); len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	kinds := map[string]routeView{}
	for _, r := range rs.ReturnRoutes {
		kinds[r.Kind] = r
	}
	if len(rs.ReturnRoutes) != 3 || kinds["LOCAL"].TransitDaysMax != 5 || kinds["OVERSEAS_WAREHOUSE"].TransitDaysMax != 10 ||
		kinds["RETURN_TO_ORIGIN"].TransitDaysMax != 30 {
		t.Fatalf("sandbox routes: %+v", rs.ReturnRoutes)
	}
	var as struct {
		PlatformReturnAddresses []struct {
			ID        string  `json:"id"`
			Contact   *string `json:"contact"`
			IsDefault bool    `json:"isDefault"`
		} `json:"platformReturnAddresses"`
	}
	if r := gql(t, m, `{ platformReturnAddresses(platform: XHS, shopId: "xhs-domestic") { id contact isDefault address } }`, nil, &as); len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	if len(as.PlatformReturnAddresses) != 2 || !as.PlatformReturnAddresses[0].IsDefault || as.PlatformReturnAddresses[1].IsDefault {
		t.Fatalf("addresses: %+v", as.PlatformReturnAddresses)
	}
	def, other := as.PlatformReturnAddresses[0], as.PlatformReturnAddresses[1]
	if p := kinds["LOCAL"].PlatformAddressID; p != nil {
		t.Fatalf("the local route's address %v, want none (the shop's default)", *p)
	}
	if r := gql(t, m, `{ platformReturnAddresses(platform: ALIBABA, shopId: "alibaba-store") { id } }`, nil, nil); code(r) != "UNSUPPORTED_ON_PLATFORM" {
		t.Errorf("Alibaba.com addresses: %s %+v", r.Data, r.Errors)
	}
	if r := gql(t, m, `{ platformReturnAddresses(platform: XHS, shopId: "nope") { id } }`, nil, nil); code(r) != "NOT_FOUND" {
		t.Errorf("unknown shop's addresses: %s %+v", r.Data, r.Errors)
	}

	// Fresh return requests on the domestic shop, for a product without exemptions.
	var sku string
	for s, cat := range m.Sandbox.XHS.Catalog() {
		if cat == returns.CategoryGeneral {
			sku = s
			break
		}
	}
	open := func(reason string) caseView {
		id, err := m.Sandbox.XHS.Open("xhs-domestic", xhssim.OpenRequest{ReturnType: xhswire.ReturnTypeReturn, ReasonNameZh: reason, SKUID: sku})
		if err != nil {
			t.Fatal(err)
		}
		key := returns.CaseKey{Platform: returns.XHS, PlatformCaseID: id}
		arrive(t, m, key)
		return caseView{ID: caseGlobalID(key), PlatformCaseID: id}
	}
	const routed = `id status platformCaseId route { ` + routeFields + ` } expectedArrivalBy`
	approve := `mutation($in: ReturnApproveInput!) { returnApprove(input: $in) { returnCase { ` + routed + ` } userErrors { code field message ruleId } } }`
	type approveAnswer struct {
		ReturnApprove struct {
			ReturnCase routedCase
			UserErrors []struct {
				Code    string
				Field   []string
				Message string
				RuleID  string
			}
		} `json:"returnApprove"`
	}

	// The sandbox's orders were delivered long ago: approve as goodwill returns.
	ack := []string{"CN-7D-WINDOW"}

	// 1. No route named: the local route, its address, the built-in Chinese message.
	first := open("尺码不合适")
	var preview struct {
		BuyerMessagePreview string `json:"buyerMessagePreview"`
	}
	if r := gql(t, m, `query($id: ID!) { buyerMessagePreview(caseId: $id) }`, map[string]any{"id": first.ID}, &preview); len(r.Errors) > 0 || preview.BuyerMessagePreview == "" {
		t.Fatalf("preview: %+v %+v", preview, r.Errors)
	}
	before := time.Now()
	var a approveAnswer
	if r := gql(t, m, approve, map[string]any{"in": map[string]any{"id": first.ID, "acknowledgeRules": ack}}, &a); len(r.Errors) > 0 || len(a.ReturnApprove.UserErrors) > 0 {
		t.Fatalf("approve: %+v %+v", r.Errors, a.ReturnApprove.UserErrors)
	}
	after := time.Now()
	got := a.ReturnApprove.ReturnCase
	if got.Route == nil || got.Route.Kind != "LOCAL" || got.ExpectedArrivalBy == nil {
		t.Fatalf("approved case: %+v", got)
	}
	if e := got.ExpectedArrivalBy; e.Before(before.Add(5*24*time.Hour).Truncate(time.Second)) || e.After(after.Add(5*24*time.Hour)) {
		t.Errorf("expected arrival %v, want approval + 5 days (%v..%v)", e, before, after)
	}
	msg, addr := sellerMessage(t, m, got.PlatformCaseID)
	if msg != preview.BuyerMessagePreview {
		t.Errorf("the platform's message %q, the preview %q", msg, preview.BuyerMessagePreview)
	}
	if def.Contact == nil || addr != *def.Contact {
		t.Errorf("the platform's return address %q, want the default's %v", addr, def.Contact)
	}

	// 2. An unknown route: NOT_FOUND, and nothing reaches the platform or the case.
	second := open("七天无理由退货")
	audits := m.Sandbox.XHS.Calls(xhswire.MethodAuditReturns)
	a = approveAnswer{}
	gql(t, m, approve, map[string]any{"in": map[string]any{"id": second.ID, "routeId": "rt_nope", "acknowledgeRules": ack}}, &a)
	if ue := a.ReturnApprove.UserErrors; len(ue) != 1 || ue[0].Code != "NOT_FOUND" || strings.Join(ue[0].Field, ".") != "input.routeId" {
		t.Fatalf("unknown route: %+v", a.ReturnApprove.UserErrors)
	}
	if n := m.Sandbox.XHS.Calls(xhswire.MethodAuditReturns); n != audits || a.ReturnApprove.ReturnCase.Status != "REQUESTED" || a.ReturnApprove.ReturnCase.Route != nil {
		t.Fatalf("an unknown route changed something: %d audits (was %d), case %+v", n, audits, a.ReturnApprove.ReturnCase)
	}

	// 3. A route the seller saves, to the other address, named in the approval;
	// and a shop template for the case's reason.
	var saved struct {
		ReturnRouteSave struct {
			Route      *routeView
			UserErrors []struct{ Code string }
		} `json:"returnRouteSave"`
	}
	save := `mutation($in: ReturnRouteSaveInput!) { returnRouteSave(input: $in) { route { ` + routeFields + ` } userErrors { code field message ruleId } } }`
	in := map[string]any{"platform": "XHS", "shopId": "xhs-domestic", "kind": "OVERSEAS_WAREHOUSE", "name": "Hangzhou returns centre",
		"costPerReturn": map[string]any{"amount": "12", "currencyCode": "CNY"}, "transitDaysMin": 2, "transitDaysMax": 4,
		"markets": []string{"DOMESTIC"}, "platformAddressId": other.ID}
	if r := gql(t, m, save, map[string]any{"in": in}, &saved); len(r.Errors) > 0 || saved.ReturnRouteSave.Route == nil {
		t.Fatalf("save route: %+v %+v", r.Errors, saved.ReturnRouteSave.UserErrors)
	}
	good := saved.ReturnRouteSave.Route
	bad := map[string]any{}
	for k, v := range in {
		bad[k] = v
	}
	bad["transitDaysMax"] = 1
	saved.ReturnRouteSave.Route = nil
	gql(t, m, save, map[string]any{"in": bad}, &saved)
	if ue := saved.ReturnRouteSave.UserErrors; len(ue) != 1 || ue[0].Code != "INVALID" || saved.ReturnRouteSave.Route != nil {
		t.Errorf("a bad route: %+v", saved.ReturnRouteSave)
	}
	var secondCase struct {
		ReturnCase struct{ Reason string } `json:"returnCase"`
	}
	gql(t, m, `query($id: ID!) { returnCase(id: $id) { reason } }`, map[string]any{"id": second.ID}, &secondCase)
	tpl := `mutation($in: BuyerMessageTemplateSaveInput!) { buyerMessageTemplateSave(input: $in) { template { id body builtin } userErrors { code field } } }`
	var ts struct {
		BuyerMessageTemplateSave struct {
			Template   *struct{ Body string }
			UserErrors []struct{ Code string }
		} `json:"buyerMessageTemplateSave"`
	}
	gql(t, m, tpl, map[string]any{"in": map[string]any{"shopId": "xhs-domestic", "reason": secondCase.ReturnCase.Reason, "language": "ZH",
		"body": "您好 {buyer}"}}, &ts)
	if ue := ts.BuyerMessageTemplateSave.UserErrors; len(ue) != 1 || ue[0].Code != "INVALID" {
		t.Errorf("unknown placeholder: %+v", ts.BuyerMessageTemplateSave)
	}
	if r := gql(t, m, tpl, map[string]any{"in": map[string]any{"shopId": "xhs-domestic", "reason": secondCase.ReturnCase.Reason, "language": "ZH",
		"body": "订单{orderId}已同意退货，请寄回杭州退货中心"}}, &ts); len(r.Errors) > 0 || len(ts.BuyerMessageTemplateSave.UserErrors) > 0 {
		t.Fatalf("save template: %+v %+v", r.Errors, ts.BuyerMessageTemplateSave.UserErrors)
	}
	a = approveAnswer{}
	if r := gql(t, m, approve, map[string]any{"in": map[string]any{"id": second.ID, "routeId": good.ID, "acknowledgeRules": ack}}, &a); len(r.Errors) > 0 || len(a.ReturnApprove.UserErrors) > 0 {
		t.Fatalf("approve with a route: %+v %+v", r.Errors, a.ReturnApprove.UserErrors)
	}
	got = a.ReturnApprove.ReturnCase
	if got.Route == nil || got.Route.Name != "Hangzhou returns centre" || got.ExpectedArrivalBy == nil {
		t.Fatalf("case with a named route: %+v", got)
	}
	msg, addr = sellerMessage(t, m, got.PlatformCaseID)
	if other.Contact == nil || addr != *other.Contact {
		t.Errorf("the platform's return address %q, want the route's (%s, %v)", addr, other.ID, other.Contact)
	}
	if !strings.HasPrefix(msg, "订单") || !strings.HasSuffix(msg, "已同意退货，请寄回杭州退货中心") || strings.Contains(msg, "{") {
		t.Errorf("the platform's message %q, want the shop's template filled", msg)
	}
	// Deleting the route leaves the case's copy.
	if r := gql(t, m, `mutation($id: ID!) { returnRouteDelete(input: {id: $id}) { route { id } userErrors { code } } }`,
		map[string]any{"id": good.ID}, nil); len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	var again struct{ ReturnCase routedCase }
	gql(t, m, `query($id: ID!) { returnCase(id: $id) { `+routed+` } }`, map[string]any{"id": second.ID}, &again)
	if again.ReturnCase.Route == nil || again.ReturnCase.Route.Name != "Hangzhou returns centre" {
		t.Errorf("after the route's deletion the case shows %+v", again.ReturnCase.Route)
	}
}

// On AliExpress a counter-offer without a note carries the English template
// for the case's reason as solution_context, which the simulator records on
// the seller's solution.
func TestOfferCarriesTemplateOnAliExpress(t *testing.T) {
	m := startGateway(t)
	c := findCase(t, m, map[string]any{"platforms": []string{"ALIEXPRESS"}, "statuses": []string{"REQUESTED", "NEGOTIATING"}}, "returnOffer")
	var d struct {
		ReturnCase struct {
			Reason          string
			RequestedRefund struct{ Amount, CurrencyCode string }
		} `json:"returnCase"`
	}
	gql(t, m, `query($id: ID!) { returnCase(id: $id) { reason requestedRefund { amount currencyCode } } }`, map[string]any{"id": c.ID}, &d)
	body := "Sorry about order {orderId}: we offer a partial refund (" + d.ReturnCase.Reason + ")."
	if r := gql(t, m, `mutation($in: BuyerMessageTemplateSaveInput!) { buyerMessageTemplateSave(input: $in) { userErrors { code } } }`,
		map[string]any{"in": map[string]any{"reason": d.ReturnCase.Reason, "language": "EN", "body": body}}, nil); len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	var p struct {
		BuyerMessagePreview string `json:"buyerMessagePreview"`
	}
	gql(t, m, `query($id: ID!) { buyerMessagePreview(caseId: $id) }`, map[string]any{"id": c.ID}, &p)
	if !strings.HasPrefix(p.BuyerMessagePreview, "Sorry about order ") || strings.Contains(p.BuyerMessagePreview, "{") {
		t.Fatalf("preview %q", p.BuyerMessagePreview)
	}
	var o struct {
		ReturnOffer payloadView `json:"returnOffer"`
	}
	r := gql(t, m, `mutation($in: ReturnOfferInput!) { returnOffer(input: $in) { returnCase { `+caseFields+` } userErrors { code field message ruleId } replayed } }`,
		map[string]any{"in": map[string]any{"id": c.ID, "kind": "REFUND_ONLY",
			"amount": map[string]any{"amount": "1.00", "currencyCode": d.ReturnCase.RequestedRefund.CurrencyCode}}}, &o)
	if len(r.Errors) > 0 || len(o.ReturnOffer.UserErrors) > 0 {
		t.Fatalf("offer: %+v %+v", r.Errors, o.ReturnOffer.UserErrors)
	}
	det, ok := m.Sandbox.AliExpress.Detail(c.PlatformCaseID)
	if !ok {
		t.Fatal("the simulator lost the issue")
	}
	found := false
	for _, s := range det.SellerSolutionList {
		found = found || s.Content == p.BuyerMessagePreview
	}
	if !found {
		t.Errorf("no seller solution carries %q: %+v", p.BuyerMessagePreview, det.SellerSolutionList)
	}
	// Saving without a body removes the organisation's template: the built-in one is back.
	var del struct {
		BuyerMessageTemplateSave struct {
			Template *struct {
				Builtin bool
				Body    string
			}
			UserErrors []struct{ Code string }
		} `json:"buyerMessageTemplateSave"`
	}
	gql(t, m, `mutation($in: BuyerMessageTemplateSaveInput!) { buyerMessageTemplateSave(input: $in) { template { builtin body } userErrors { code } } }`,
		map[string]any{"in": map[string]any{"reason": d.ReturnCase.Reason, "language": "EN"}}, &del)
	if tp := del.BuyerMessageTemplateSave.Template; tp == nil || !tp.Builtin || len(del.BuyerMessageTemplateSave.UserErrors) > 0 {
		t.Errorf("after removing the template: %+v", del.BuyerMessageTemplateSave)
	}
	var list struct {
		BuyerMessageTemplates []struct {
			ID      string
			Builtin bool
		} `json:"buyerMessageTemplates"`
	}
	gql(t, m, `{ buyerMessageTemplates(language: EN) { id builtin } }`, nil, &list)
	if len(list.BuyerMessageTemplates) != 9 {
		t.Errorf("%d English templates, want one per reason (9)", len(list.BuyerMessageTemplates))
	}
}

// Another organisation sees none of our routes or templates, cannot touch
// them, cannot approve with them, and sees neither our shops' addresses nor
// our cases' messages.
func TestRoutesAreIsolated(t *testing.T) {
	m := startGateway(t)
	gql(t, m, `mutation { organisationCreate(input: {id: "rival", name: "Rival"}) { organisation { id } } }`, nil, nil)
	var key struct {
		APIKeyCreate struct{ Key string } `json:"apiKeyCreate"`
	}
	gql(t, m, `mutation { apiKeyCreate(input: {name: "rival", scopes: [READ, WRITE], organisation: "rival"}) { key } }`, nil, &key)
	if key.APIKeyCreate.Key == "" {
		t.Fatal("no key for the rival organisation")
	}
	rival := "Bearer " + key.APIKeyCreate.Key

	var ours struct {
		ReturnRoutes []routeView `json:"returnRoutes"`
	}
	gql(t, m, `{ returnRoutes { `+routeFields+` } }`, nil, &ours)
	if len(ours.ReturnRoutes) == 0 {
		t.Fatal("the sandbox organisation has no routes")
	}
	// The rival cannot keep routes for shops it has not connected…
	_, r := gqlAs(t, m, rival, `mutation { returnRouteSave(input: {platform: XHS, shopId: "xhs-domestic", kind: LOCAL, name: "theirs",
		costPerReturn: {amount: "0", currencyCode: "CNY"}, transitDaysMin: 0, transitDaysMax: 1, markets: [DOMESTIC]}) {
		route { id } userErrors { code } } }`, nil)
	if !strings.Contains(string(r.Data), `"NOT_FOUND"`) || strings.Contains(string(r.Data), `"route":{`) {
		t.Errorf("the rival saving a route for our shop: %s %+v", r.Data, r.Errors)
	}
	// …but one it has in the store is its own, not ours.
	var theirs struct {
		ReturnRouteSave struct{ Route struct{ ID string } }
	}
	theirs.ReturnRouteSave.Route.ID = "rt_rival"
	if _, err := m.db.CreateRoute(context.Background(), "rival", &returns.Route{ID: "rt_rival", Platform: returns.XHS, ShopID: "xhs-domestic",
		Kind: returns.RouteLocal, Name: "theirs", Cost: returns.Money{Currency: "CNY"}, TransitDaysMax: 1,
		Markets: []returns.Market{returns.MarketDomestic}}); err != nil {
		t.Fatal(err)
	}
	_, r = gqlAs(t, m, rival, `{ returnRoutes { id } }`, nil)
	if !strings.Contains(string(r.Data), theirs.ReturnRouteSave.Route.ID) || strings.Contains(string(r.Data), ours.ReturnRoutes[0].ID) {
		t.Errorf("the rival lists %s", r.Data)
	}
	var again struct {
		ReturnRoutes []routeView `json:"returnRoutes"`
	}
	gql(t, m, `{ returnRoutes { `+routeFields+` } }`, nil, &again)
	if len(again.ReturnRoutes) != len(ours.ReturnRoutes) {
		t.Errorf("our routes changed: %d, was %d", len(again.ReturnRoutes), len(ours.ReturnRoutes))
	}
	_, r = gqlAs(t, m, rival, `mutation($id: ID!) { returnRouteDelete(input: {id: $id}) { route { id } userErrors { code } } }`,
		map[string]any{"id": ours.ReturnRoutes[0].ID})
	if !strings.Contains(string(r.Data), `"NOT_FOUND"`) {
		t.Errorf("the rival deleting our route: %s %+v", r.Data, r.Errors)
	}
	if _, r = gqlAs(t, m, rival, `{ platformReturnAddresses(platform: XHS, shopId: "xhs-domestic") { id } }`, nil); code(r) != "NOT_FOUND" {
		t.Errorf("the rival reading our shop's addresses: %s %+v", r.Data, r.Errors)
	}

	c := findCase(t, m, map[string]any{"platforms": []string{"XHS"}, "statuses": []string{"REQUESTED"}, "kinds": []string{"RETURN_AND_REFUND"}}, "returnApprove")
	if _, r = gqlAs(t, m, rival, `query($id: ID!) { buyerMessagePreview(caseId: $id) }`, map[string]any{"id": c.ID}); code(r) != "NOT_FOUND" {
		t.Errorf("the rival previewing our case: %s %+v", r.Data, r.Errors)
	}
	audits := m.Sandbox.XHS.Calls(xhswire.MethodAuditReturns)
	var a struct {
		ReturnApprove payloadView `json:"returnApprove"`
	}
	gql(t, m, approveMutation, map[string]any{"in": map[string]any{"id": c.ID, "routeId": theirs.ReturnRouteSave.Route.ID,
		"acknowledgeRules": []string{"CN-7D-WINDOW"}}}, &a)
	if ue := a.ReturnApprove.UserErrors; len(ue) != 1 || ue[0].Code != "NOT_FOUND" || m.Sandbox.XHS.Calls(xhswire.MethodAuditReturns) != audits {
		t.Errorf("approving with the rival's route: %+v", a.ReturnApprove)
	}
}
