package returns

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// sameVerdict compares two verdicts field by field, instants by Equal.
func sameVerdict(a, b Eligibility) bool {
	eqTime := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	eqInt := func(x, y *int) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.NoReasonReturnAllowed == b.NoReasonReturnAllowed && a.ReturnAllowed == b.ReturnAllowed &&
		eqTime(a.WindowClosesAt, b.WindowClosesAt) && a.ReturnFreightPaidBy == b.ReturnFreightPaidBy &&
		a.TariffRefundable == b.TariffRefundable && eqInt(a.RefundDueDaysAfterReceipt, b.RefundDueDaysAfterReceipt) &&
		a.NeedsSellerAgreement == b.NeedsSellerAgreement && slices.Equal(a.Rules, b.Rules)
}

// inputGen makes eligibility inputs: mostly valid, sometimes not; times
// spread over 2025-2027 (the refund-only change and two daylight-saving
// changes inside) and written in assorted offsets.
type inputGen struct{ r *rand.Rand }

func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

var genZones = []*time.Location{
	time.UTC, Shanghai, Pacific, time.FixedZone("-07:00", -7*3600), time.FixedZone("+09:00", 9*3600),
	time.FixedZone("+05:45", 5*3600+45*60),
}

func (g inputGen) instant(base time.Time, spread time.Duration) time.Time {
	t := base.Add(time.Duration(g.r.Int64N(int64(spread))))
	return t.In(genZones[g.r.IntN(len(genZones))])
}

func (g inputGen) optBool() *bool {
	switch g.r.IntN(3) {
	case 0:
		return nil
	case 1:
		return bp(false)
	}
	return bp(true)
}

func (g inputGen) input() EligibilityInput {
	r := g.r
	in := EligibilityInput{
		Platform: pick(r, XHS, XHS, Alibaba, AliExpress, AliExpress, PlatformID("EBAY")),
		Market:   pick(r, MarketDomestic, MarketCrossBorderBonded, MarketCrossBorderDirect, Market("")),
		Kind:     pick(r, KindRefundOnly, KindReturnAndRefund, KindReturnAndRefund, KindExchange),
		Reason: pick(r, ReasonSizeFit, ReasonNotAsDescribed, ReasonQualityDefect, ReasonDamagedInTransit, ReasonWrongItem,
			ReasonMissingParts, ReasonNotReceived, ReasonChangedMind, ReasonOther),
		Category:                     pick(r, append(slices.Clone(Categories), "")...),
		ExemptionConfirmedAtCheckout: r.IntN(2) == 0,
		SellerAgreesToRefundOnly:     r.IntN(4) == 0,
		FreightPaidByOnPlatform:      pick(r, Party(""), Party(""), PartyBuyer, PartySeller, PartyPlatform),
		FreeReturnPromised:           r.IntN(5) == 0,
		CrossBorderCarveOutConfirmed: r.IntN(3) == 0,
		Condition:                    ItemCondition{g.optBool(), g.optBool(), g.optBool(), g.optBool()},
	}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if r.IntN(5) > 0 {
		d := g.instant(base, 2*365*24*time.Hour)
		in.DeliveredAt = &d
		in.RequestedAt = g.instant(d.Add(-24*time.Hour), 40*24*time.Hour)
	} else {
		in.RequestedAt = g.instant(base, 2*365*24*time.Hour)
	}
	if r.IntN(50) == 0 {
		in.RequestedAt = time.Time{}
	}
	if r.IntN(40) == 0 {
		in.Kind = "SWAP"
	}
	return in
}

func (g inputGen) policy() RulePolicy {
	if g.r.IntN(2) == 0 {
		return DefaultRulePolicy()
	}
	p := RulePolicy{FreeReturnFreight: g.r.IntN(2) == 0}
	p.Freight.Alibaba.SellerFault = pick(g.r, Party(""), PartyBuyer, PartySeller)
	p.Freight.AliExpress.NoReason = pick(g.r, Party(""), PartyBuyer, PartySeller)
	p.AliExpress = AliExpressPeriods{WindowDays: g.r.IntN(40), RespondDays: g.r.IntN(10), StepInDays: g.r.IntN(10)}
	return p
}

// TestEvaluateProperties checks, over many generated inputs, what every verdict
// promises: it cites at least one rule, every application is explained and
// cites a rule of the platform's catalogue that decides verdicts, every field
// is explained, instants are UTC, and the offset the input's instants are
// written in changes nothing.
func TestEvaluateProperties(t *testing.T) {
	g := inputGen{rand.New(rand.NewPCG(20260301, 7))}
	catalogue := map[PlatformID]map[string]Rule{}
	for _, p := range PlatformIDs {
		catalogue[p] = map[string]Rule{}
		for _, r := range RuleCatalogue(p) {
			catalogue[p][r.ID] = r
		}
	}
	const n = 20000
	for i := range n {
		in, policy := g.input(), g.policy()
		e := Evaluate(in, policy, fixedNow)
		fail := func(format string, args ...any) {
			t.Helper()
			t.Errorf("input %d %+v: "+format, append([]any{i, in}, args...)...)
		}
		if len(e.Rules) == 0 || len(e.Rules) > maxApplications {
			fail("%d rule applications, want 1..%d", len(e.Rules), maxApplications)
		}
		var explained VerdictField
		seen := map[RuleApplication]bool{}
		for _, a := range e.Rules {
			explained |= a.Explains
			if a.Explanation == "" {
				fail("%s applied without explanation", a.RuleID)
			}
			if a.Effect != EffectAllows && a.Effect != EffectForbids && a.Effect != EffectInfo {
				fail("%s has effect %q", a.RuleID, a.Effect)
			}
			if seen[a] {
				fail("%s applied twice with the same explanation", a.RuleID)
			}
			seen[a] = true
			if !in.Platform.Valid() {
				if a.RuleID != RuleGWInput {
					fail("unknown platform cites %s", a.RuleID)
				}
				continue
			}
			r, ok := catalogue[in.Platform][a.RuleID]
			if !ok {
				fail("cites %s, which is not in the %s catalogue", a.RuleID, in.Platform)
			}
			if r.CatalogueOnly {
				fail("cites catalogue-only rule %s", a.RuleID)
			}
		}
		if explained != AllVerdictFields {
			fail("fields %v are not explained by any application (cites %s)", (AllVerdictFields &^ explained).Names(), citesOf(e))
		}
		if e.WindowClosesAt != nil && e.WindowClosesAt.Location() != time.UTC {
			fail("WindowClosesAt %v is not UTC", e.WindowClosesAt)
		}
		if e.ReturnFreightPaidBy != PartyBuyer && e.ReturnFreightPaidBy != PartySeller && e.ReturnFreightPaidBy != PartyPlatform {
			fail("ReturnFreightPaidBy = %q", e.ReturnFreightPaidBy)
		}
		if in.Validate() == nil {
			if !e.NeedsSellerAgreement && !e.ReturnAllowed {
				fail("the buyer needs nobody's agreement, yet the request is not allowed")
			}
			if e.NoReasonReturnAllowed && in.Kind != KindRefundOnly && !e.ReturnAllowed {
				fail("a no-reason return is allowed but the return is not")
			}
			if _, bad := e.Cites(RuleGWInput); bad {
				fail("valid input cites GW-INPUT")
			}
		}

		// The same instants written in another offset give the same verdict.
		moved := in
		loc := genZones[i%len(genZones)]
		if in.DeliveredAt != nil {
			d := in.DeliveredAt.In(loc)
			moved.DeliveredAt = &d
		}
		moved.RequestedAt = in.RequestedAt.In(loc)
		if m := Evaluate(moved, policy, fixedNow.In(loc)); !sameVerdict(e, m) {
			fail("written in %s the verdict changes: %s vs %s", loc, citesOf(e), citesOf(m))
		}
	}
}

func TestVerdictFieldNames(t *testing.T) {
	want := []string{"noReasonReturnAllowed", "returnAllowed", "windowClosesAt", "returnFreightPaidBy",
		"tariffRefundable", "refundDueDaysAfterReceipt", "needsSellerAgreement"}
	if got := AllVerdictFields.Names(); !slices.Equal(got, want) {
		t.Errorf("Names() = %v", got)
	}
	if got := (FieldFreight | FieldWindow).Names(); !slices.Equal(got, []string{"windowClosesAt", "returnFreightPaidBy"}) {
		t.Errorf("Names() = %v", got)
	}
}

// TestMostApplications pins the largest verdict: every note an XHS
// cross-border case can collect fits the verdict's largest store.
func TestMostApplications(t *testing.T) {
	in := xhsIn(KindReturnAndRefund, ReasonQualityDefect, inWindowCN)
	in.Market, in.Category, in.Inspected = MarketCrossBorderDirect, CategoryHygiene, GradeC
	e := Evaluate(in, DefaultRulePolicy(), fixedNow)
	if len(e.Rules) != maxApplications {
		t.Errorf("the fullest verdict cites %d rules, want maxApplications = %d: %s", len(e.Rules), maxApplications, citesOf(e))
	}
}
