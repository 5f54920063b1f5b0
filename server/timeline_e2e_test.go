package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
)

// ReturnCase.events is the case's own history from the event log: every
// stored change in order, with the mutation and its acknowledged rules, paged
// by cursor; another organisation sees neither the case nor its events.
func TestCaseTimeline(t *testing.T) {
	m := startGateway(t)
	c := findCase(t, m, map[string]any{"platforms": []string{"XHS"}, "statuses": []string{"REQUESTED"}}, "returnApprove")
	var p struct{ ReturnApprove payloadView }
	gql(t, m, approveMutation, map[string]any{"in": map[string]any{"id": c.ID, "idempotencyKey": "timeline-1"}}, &p)
	if len(p.ReturnApprove.UserErrors) > 0 {
		t.Fatalf("approve: %+v", p.ReturnApprove.UserErrors)
	}
	type page struct {
		ReturnCase struct {
			Events struct {
				PageInfo struct {
					HasNextPage, HasPreviousPage bool
					EndCursor                    *string
				}
				Edges []struct{ Cursor string }
				Nodes []struct {
					ID, Source, Status string
					PreviousStatus     *string
					Action             *string
					ReturnCase         struct{ ID string }
				}
			}
		}
	}
	const q = `query($id: ID!, $first: Int, $after: String) { returnCase(id: $id) { events(first: $first, after: $after) {
		pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor }
		nodes { id source status previousStatus action returnCase { id } } } } }`
	var all page
	if r := gql(t, m, q, map[string]any{"id": c.ID}, &all); len(r.Errors) > 0 {
		t.Fatalf("events: %+v", r.Errors)
	}
	evs := all.ReturnCase.Events.Nodes
	if len(evs) < 2 || evs[0].PreviousStatus != nil || evs[0].Status != "REQUESTED" {
		t.Fatalf("events: %+v; want the first sighting, then the approval", evs)
	}
	last := evs[len(evs)-1]
	if last.Source != "MUTATION" || last.Action == nil || *last.Action != "returnApprove" || last.ReturnCase.ID != c.ID {
		t.Errorf("last event %+v, want the approval of %s", last, c.ID)
	}
	for i, e := range all.ReturnCase.Events.Edges {
		if e.Cursor != evs[i].ID {
			t.Errorf("edge %d: cursor %s, node %s", i, e.Cursor, evs[i].ID)
		}
	}
	// One at a time, by cursor: the same events in the same order.
	var after any
	var paged []string
	for range len(evs) + 1 {
		var one page
		if r := gql(t, m, q, map[string]any{"id": c.ID, "first": 1, "after": after}, &one); len(r.Errors) > 0 {
			t.Fatalf("events page: %+v", r.Errors)
		}
		for _, n := range one.ReturnCase.Events.Nodes {
			paged = append(paged, n.ID)
		}
		if !one.ReturnCase.Events.PageInfo.HasNextPage {
			break
		}
		after = *one.ReturnCase.Events.PageInfo.EndCursor
	}
	want := make([]string, len(evs))
	for i, e := range evs {
		want[i] = e.ID
	}
	if strings.Join(paged, ",") != strings.Join(want, ",") {
		t.Errorf("paged %v, want %v", paged, want)
	}
	for _, bad := range []map[string]any{{"first": 101}, {"first": -1}, {"after": "not-a-cursor"}, {"after": c.ID}} {
		bad["id"] = c.ID
		r := gql(t, m, q, bad, nil)
		if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "INVALID" {
			t.Errorf("events(%v): %s %+v, want INVALID", bad, r.Data, r.Errors)
		}
	}

	// Another organisation: the case is not there, so neither are its events.
	var key struct {
		APIKeyCreate struct{ Key string } `json:"apiKeyCreate"`
	}
	gql(t, m, `mutation { organisationCreate(input: {id: "rival", name: "Rival"}) { userErrors { code } } }`, nil, nil)
	gql(t, m, `mutation { apiKeyCreate(input: {name: "rival", scopes: [READ], organisation: "rival"}) { key } }`, nil, &key)
	_, r := gqlAs(t, m, "Bearer "+key.APIKeyCreate.Key, q, map[string]any{"id": c.ID})
	var d page
	json.Unmarshal(r.Data, &d)
	if !strings.Contains(string(r.Data), `"returnCase":null`) || len(d.ReturnCase.Events.Nodes) > 0 {
		t.Errorf("another organisation reads the timeline: %s %+v", r.Data, r.Errors)
	}
}

// Each shop's connection says how far its sync lags and where its token
// stands: ACTIVE while refreshed, NEEDS_REAUTHORIZATION (with the
// platform's reason) once the platform refuses the refresh.
func TestShopLagAndToken(t *testing.T) {
	r := startTokenGateway(t, "3s")
	type shops struct {
		Platforms []struct {
			Shops []struct {
				ID             string
				SyncLagSeconds *int
				Token          struct {
					State           string
					AccessExpiresAt *string
					LastError       *string
				}
			}
		}
	}
	const q = `{ platforms { shops { id syncLagSeconds token { state accessExpiresAt lastError } } } }`
	var d shops
	r.query(t, q, nil, &d)
	n := 0
	for _, p := range d.Platforms {
		for _, s := range p.Shops {
			n++
			if s.SyncLagSeconds == nil || *s.SyncLagSeconds < 0 || *s.SyncLagSeconds > 60 {
				t.Errorf("shop %s: lag %v after the first sync", s.ID, s.SyncLagSeconds)
			}
			if s.Token.State != "ACTIVE" || s.Token.AccessExpiresAt == nil {
				t.Errorf("shop %s: token %+v, want ACTIVE with its expiry", s.ID, s.Token)
			}
		}
	}
	if n < 4 {
		t.Errorf("%d shops, want the sandbox's four", n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	alerts := r.m.Connections.Alerts(ctx, returns.OrgID(r.m.Config.Org))
	r.m.Sandbox.XHS.Tokens().Revoke("xhs-domestic")
	select {
	case <-alerts:
	case <-time.After(30 * time.Second):
		t.Fatal("no alert after the platform revoked the refresh token")
	}
	r.query(t, q, nil, &d)
	for _, p := range d.Platforms {
		for _, s := range p.Shops {
			want := "ACTIVE"
			if s.ID == "xhs-domestic" {
				want = "NEEDS_REAUTHORIZATION"
				if s.Token.LastError == nil || *s.Token.LastError == "" {
					t.Errorf("shop %s: no reason for the lost authorization", s.ID)
				}
			}
			if s.Token.State != want {
				t.Errorf("shop %s: token %s, want %s", s.ID, s.Token.State, want)
			}
		}
	}
}

// ReturnCase.amounts agrees with refundDue: the components the refund
// includes add up to it, for every case whose refund the rules can compute.
func TestCaseAmountsAddUpToRefundDue(t *testing.T) {
	m := startGateway(t)
	type money struct{ Amount, CurrencyCode string }
	var d struct {
		ReturnCases struct {
			Nodes []struct {
				ID             string
				RefundedAmount *money
				RefundDue      *struct{ Amount money }
				Amounts        []struct {
					Kind     string
					Amount   *money
					PaidBy   string
					InRefund bool
					RuleID   *string
				}
			}
		}
	}
	if r := gql(t, m, `{ returnCases(first: 100) { nodes { id refundedAmount { amount currencyCode } refundDue { amount { amount currencyCode } }
		amounts { kind amount { amount currencyCode } paidBy inRefund ruleId } } } }`, nil, &d); len(r.Errors) > 0 {
		t.Fatalf("amounts: %+v", r.Errors)
	}
	minor := func(s string) int64 {
		whole, frac, _ := strings.Cut(s, ".")
		frac = (frac + "00")[:2]
		var n int64
		fmt.Sscan(whole+frac, &n)
		return n
	}
	checked, parts := 0, map[string]int{}
	for _, c := range d.ReturnCases.Nodes {
		if len(c.Amounts) != 4 || c.Amounts[0].Kind != "GOODS" || c.Amounts[3].Kind != "TARIFF" {
			t.Fatalf("case %s: amounts %+v", c.ID, c.Amounts)
		}
		if c.RefundDue == nil || c.RefundedAmount != nil {
			continue
		}
		var sum int64
		for _, a := range c.Amounts {
			if a.InRefund {
				if a.Amount == nil || a.Amount.CurrencyCode != c.RefundDue.Amount.CurrencyCode || a.PaidBy != "SELLER" {
					t.Errorf("case %s: %+v is in the refund", c.ID, a)
					continue
				}
				sum += minor(a.Amount.Amount)
				parts[a.Kind]++
			}
		}
		if sum != minor(c.RefundDue.Amount.Amount) {
			t.Errorf("case %s: components in the refund add up to %d, refundDue is %s: %+v", c.ID, sum, c.RefundDue.Amount.Amount, c.Amounts)
		}
		checked++
	}
	t.Logf("%d cases checked; components in their refunds: %v", checked, parts)
	if checked < 20 || parts["RETURN_FREIGHT"] == 0 && parts["TARIFF"] == 0 {
		t.Errorf("only %d cases checked", checked)
	}
}
