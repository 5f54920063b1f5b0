package main

import (
	"strings"
	"testing"

	"github.com/returnsgw/returnsgw/returns"
)

type factCase struct {
	Platform                 string
	PlatformCaseID           string
	Market                   string
	Status                   string
	Tariff                   *struct{ Amount string }
	TariffSource             string
	FreeReturnPromised       bool
	FreeReturnPromisedSource string
	DeliveredAt              *string
	DeliveredAtSource        string
	WindowClosesAt           *string
	WindowClosesAtSource     string
	ReturnFreightPaidBy      *string
	Fulfilment               string
	Lines                    []struct{ Category, CategorySource string }
	AvailableActions         []struct {
		Action     string
		Violations []struct{ RuleID, Message string }
	}
}

// allCases reads every case through the API, page by page.
func allCases(t *testing.T, m *Main) []factCase {
	t.Helper()
	var out []factCase
	after := ""
	for {
		var d struct {
			ReturnCases struct {
				Nodes    []factCase
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
			} `json:"returnCases"`
		}
		vars := map[string]any{}
		if after != "" {
			vars["after"] = after
		}
		r := gql(t, m, `query($after: String) { returnCases(first: 100, after: $after) {
			nodes { platform platformCaseId market status tariff { amount } tariffSource freeReturnPromised
				freeReturnPromisedSource deliveredAt deliveredAtSource windowClosesAt windowClosesAtSource
				returnFreightPaidBy fulfilment lines { category categorySource }
				availableActions { action violations { ruleId message } } }
			pageInfo { hasNextPage endCursor } } }`, vars, &d)
		if len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		out = append(out, d.ReturnCases.Nodes...)
		if !d.ReturnCases.PageInfo.HasNextPage {
			return out
		}
		after = d.ReturnCases.PageInfo.EndCursor
	}
}

// After the first sync in sandbox mode, real cases carry the facts the
// rules need, from the platforms' own order and product methods.
func TestSandboxCasesCarryTheirFacts(t *testing.T) {
	m := startGateway(t, "--sandbox-cases", "120")
	sb := m.Sandbox
	cases := allCases(t, m)
	if len(cases) == 0 {
		t.Fatal("no cases")
	}
	type tally struct{ delivered, withWindow int }
	deliveries := map[string]*tally{"XHS": {}, "ALIEXPRESS": {}}
	categories := map[string]map[string]bool{}
	for _, c := range cases {
		if categories[c.Platform] == nil {
			categories[c.Platform] = map[string]bool{}
		}
		for _, l := range c.Lines {
			categories[c.Platform][l.Category] = true
			if l.CategorySource == "" || l.CategorySource == "DEFAULT" {
				t.Errorf("%s %s: a line's category source is %q", c.Platform, c.PlatformCaseID, l.CategorySource)
			}
		}
		if c.ReturnFreightPaidBy == nil {
			t.Errorf("%s %s: no returnFreightPaidBy", c.Platform, c.PlatformCaseID)
		}
		if c.Fulfilment == "" {
			t.Errorf("%s %s: no fulfilment", c.Platform, c.PlatformCaseID)
		}
		var delivered bool
		switch c.Platform {
		case "XHS":
			signed, taxFen, insured, ok := sb.XHS.OrderFacts(c.PlatformCaseID)
			if !ok {
				t.Fatalf("XHS %s: the simulator has no order for it", c.PlatformCaseID)
			}
			delivered = signed
			if taxFen > 0 {
				want := returns.Money{Minor: taxFen, Currency: "CNY"}.Decimal()
				if c.Tariff == nil || c.Tariff.Amount != want {
					t.Errorf("XHS %s: the order's tariff is %s, the case shows %+v (%s)", c.PlatformCaseID, want, c.Tariff, c.TariffSource)
				}
			}
			if insured && (!c.FreeReturnPromised || c.FreeReturnPromisedSource != "PLATFORM") {
				t.Errorf("XHS %s: freight insurance on the case, freeReturnPromised %v from %s", c.PlatformCaseID, c.FreeReturnPromised, c.FreeReturnPromisedSource)
			}
			if c.WindowClosesAt != nil {
				for _, a := range c.AvailableActions {
					for _, v := range a.Violations {
						if a.Action == "returnReject" && strings.Contains(v.Message, "delivery time is not known") {
							t.Errorf("XHS %s: a reject inside a known window carries %s: %s", c.PlatformCaseID, v.RuleID, v.Message)
						}
					}
				}
			}
		case "ALIEXPRESS":
			d, ok := sb.AliExpress.Delivered(c.PlatformCaseID)
			if !ok {
				t.Fatalf("AliExpress %s: unknown to the simulator", c.PlatformCaseID)
			}
			delivered = d
		default:
			continue
		}
		if !delivered {
			if c.DeliveredAt != nil {
				t.Errorf("%s %s: never delivered, yet deliveredAt %s", c.Platform, c.PlatformCaseID, *c.DeliveredAt)
			}
			if c.DeliveredAtSource != "MISSING" {
				t.Errorf("%s %s: no delivery, deliveredAtSource %s, want MISSING", c.Platform, c.PlatformCaseID, c.DeliveredAtSource)
			}
			continue
		}
		tl := deliveries[c.Platform]
		tl.delivered++
		if c.DeliveredAt != nil && c.WindowClosesAt != nil {
			tl.withWindow++
		}
	}
	for p, tl := range deliveries {
		if tl.delivered == 0 {
			t.Errorf("%s: no delivered cases", p)
			continue
		}
		if share := float64(tl.withWindow) / float64(tl.delivered); share < 0.95 {
			t.Errorf("%s: %d of %d delivered cases have deliveredAt and windowClosesAt (%.0f%%, want >= 95%%)", p, tl.withWindow, tl.delivered, share*100)
		}
		t.Logf("%s: %d of %d delivered cases have deliveredAt and windowClosesAt", p, tl.withWindow, tl.delivered)
	}
	for _, p := range []string{"XHS", "ALIEXPRESS", "ALIBABA"} {
		if n := len(categories[p]); n < 4 {
			t.Errorf("%s: cases span %d categories (%v), want >= 4", p, n, categories[p])
		} else {
			t.Logf("%s: %d categories", p, n)
		}
	}
}
