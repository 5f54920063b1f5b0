package returns

import (
	"testing"
	"time"
)

func TestDefaultDisposition(t *testing.T) {
	for _, tc := range []struct {
		g    Grade
		want Disposition
	}{
		{GradeA, DispositionRestock},
		{GradeB, DispositionOutlet},
		{GradeC, DispositionLiquidate},
		{"D", ""},
		{"", ""},
	} {
		if got := DefaultDisposition(tc.g); got != tc.want {
			t.Errorf("DefaultDisposition(%q) = %q, want %q", tc.g, got, tc.want)
		}
		if tc.want != "" && (!tc.g.Valid() || !tc.want.Valid()) {
			t.Errorf("%q or %q not valid", tc.g, tc.want)
		}
	}
	if Grade("a").Valid() || Disposition("restock").Valid() {
		t.Error("lower case accepted")
	}
}

// TestBusinessDayAfter pins OPS-GRADES' deadline: one business day in China
// time (4 December 2026 is a Friday).
func TestBusinessDayAfter(t *testing.T) {
	for _, tc := range []struct{ name, at, want string }{
		{"monday to tuesday", "2026-11-30T10:00:00+08:00", "2026-12-01T10:00:00+08:00"},
		{"thursday to friday", "2026-12-03T10:00:00+08:00", "2026-12-04T10:00:00+08:00"},
		{"friday to monday", "2026-12-04T15:00:00+08:00", "2026-12-07T15:00:00+08:00"},
		{"friday late to monday late", "2026-12-04T23:59:00+08:00", "2026-12-07T23:59:00+08:00"},
		{"saturday counts from monday", "2026-12-05T10:00:00+08:00", "2026-12-08T00:00:00+08:00"},
		{"sunday counts from monday", "2026-12-06T23:00:00+08:00", "2026-12-08T00:00:00+08:00"},
		// Sunday 20:00 UTC is Monday 04:00 in China: a business day already.
		{"the zone decides the weekday", "2026-12-06T20:00:00Z", "2026-12-08T04:00:00+08:00"},
		// Friday 20:00 UTC is Saturday 04:00 in China.
		{"friday in UTC is saturday in China", "2026-12-04T20:00:00Z", "2026-12-08T00:00:00+08:00"},
		{"across a month end", "2026-12-31T09:00:00+08:00", "2027-01-01T09:00:00+08:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := BusinessDayAfter(ts(tc.at), Shanghai)
			if !got.Equal(ts(tc.want)) || got.Location() != time.UTC {
				t.Errorf("BusinessDayAfter(%s) = %s, want %s (UTC)", tc.at, got.In(Shanghai), tc.want)
			}
		})
	}
}

func TestGradeByAndGradeDue(t *testing.T) {
	received := func(c *Case) { c.Status, c.ReceivedAt = StatusReceived, tp("2026-12-04T15:00:00+08:00") }
	for _, tc := range []struct {
		name string
		c    *Case
		want string // "" for none
		due  bool
	}{
		{"requested: nothing back", caseOf(nil), "", false},
		{"received on friday: monday", caseOf(received), "2026-12-07T15:00:00+08:00", true},
		{"signed for, status moved on", caseOf(func(c *Case) {
			c.Status = StatusRefundPending
			c.ReturnShipment = &Shipment{SignedAt: tp("2026-12-03T09:00:00+08:00")}
		}), "2026-12-04T09:00:00+08:00", true},
		{"inspected: a deadline still, no longer due", caseOf(func(c *Case) {
			received(c)
			c.Inspection = &Inspection{Grade: GradeA}
		}), "2026-12-07T15:00:00+08:00", false},
		{"refunded: closed, not due", caseOf(func(c *Case) { received(c); c.Status = StatusRefunded }), "2026-12-07T15:00:00+08:00", false},
		{"refund only: nothing comes back", caseOf(func(c *Case) { received(c); c.Kind = KindRefundOnly }), "", false},
		{"refund pending after a parcel, arrival unknown: gradable, no deadline", caseOf(func(c *Case) {
			c.Status, c.ReturnShipment = StatusRefundPending, &Shipment{TrackingNo: "SF1"}
		}), "", false},
		{"parcel on its way: not back", caseOf(func(c *Case) {
			c.Status, c.ReturnShipment = StatusInTransit, &Shipment{TrackingNo: "SF1"}
		}), "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := GradeBy(tc.c)
			switch {
			case tc.want == "" && got != nil:
				t.Errorf("GradeBy = %s, want none", got)
			case tc.want != "" && (got == nil || !got.Equal(ts(tc.want))):
				t.Errorf("GradeBy = %v, want %s", got, tc.want)
			}
			if d := GradeDue(tc.c); d != tc.due {
				t.Errorf("GradeDue = %v, want %v", d, tc.due)
			}
		})
	}
}

func TestInspectionValidate(t *testing.T) {
	ok := func() *Inspection {
		return &Inspection{Grade: GradeB, Disposition: DispositionOutlet, Notes: "box dented",
			RecoveredValue: MustParseMoney("80", "CNY"), EvidenceIDs: []string{"ev_1", "ev_2"}}
	}
	long := make([]rune, MaxInspectionNotes+1)
	for i := range long {
		long[i] = '好'
	}
	for _, tc := range []struct {
		name  string
		c     *Case
		mod   func(*Inspection)
		field string // "" when valid
	}{
		{"valid", caseOf(nil), nil, ""},
		{"zero value recovered", caseOf(nil), func(i *Inspection) { i.RecoveredValue.Minor = 0 }, ""},
		{"no currency on the case: any known one", caseOf(func(c *Case) { c.Lines, c.RequestedRefund = nil, nil }),
			func(i *Inspection) { i.RecoveredValue = MustParseMoney("3", "USD") }, ""},
		{"negative value", caseOf(nil), func(i *Inspection) { i.RecoveredValue.Minor = -1 }, "recoveredValue"},
		{"another currency", caseOf(nil), func(i *Inspection) { i.RecoveredValue = MustParseMoney("3", "USD") }, "recoveredValue"},
		{"unknown currency", caseOf(func(c *Case) { c.Lines, c.RequestedRefund = nil, nil }),
			func(i *Inspection) { i.RecoveredValue.Currency = "XXX" }, "recoveredValue"},
		{"unknown grade", caseOf(nil), func(i *Inspection) { i.Grade = "D" }, "grade"},
		{"unknown disposition", caseOf(nil), func(i *Inspection) { i.Disposition = "BURN" }, "disposition"},
		{"notes too long", caseOf(nil), func(i *Inspection) { i.Notes = string(long) }, "notes"},
		{"notes not utf-8", caseOf(nil), func(i *Inspection) { i.Notes = "\xff" }, "notes"},
		{"too much evidence", caseOf(nil), func(i *Inspection) { i.EvidenceIDs = make([]string, MaxInspectionEvidence+1) }, "evidenceIds"},
		{"empty evidence id", caseOf(nil), func(i *Inspection) { i.EvidenceIDs = []string{""} }, "evidenceIds"},
		{"evidence id with a space", caseOf(nil), func(i *Inspection) { i.EvidenceIDs = []string{"a b"} }, "evidenceIds"},
		{"evidence id twice", caseOf(nil), func(i *Inspection) { i.EvidenceIDs = []string{"a", "a"} }, "evidenceIds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := ok()
			if tc.mod != nil {
				tc.mod(in)
			}
			err := in.Validate(tc.c)
			switch {
			case tc.field == "" && err != nil:
				t.Errorf("Validate = %v, want valid", err)
			case tc.field != "" && (err == nil || err.Code != CodeInvalid || len(err.Field) != 2 || err.Field[1] != tc.field):
				t.Errorf("Validate = %#v, want INVALID on %s", err, tc.field)
			}
		})
	}
}

// The rules tables' rows for inspected goods, appended to the shared tables
// so that TestEveryRuleIsExercised counts them.

func inspectedVerdictCases() []verdictCase {
	rr := KindReturnAndRefund
	xhsOK := xhsIn(rr, ReasonChangedMind, inWindowCN)
	damaged := func(in *EligibilityInput) { in.Inspected, in.Condition.DamagedByBuyer = GradeC, bp(true) }
	ali := EligibilityInput{Platform: Alibaba, Kind: rr, Reason: ReasonChangedMind, DeliveredAt: tp(deliveredPT), RequestedAt: ts(inWindowPT)}
	return []verdictCase{
		{"xhs graded A: intact", with(xhsOK, func(in *EligibilityInput) {
			in.Inspected, in.Condition = GradeA, ItemCondition{TagsIntact: bp(true), Used: bp(false), DamagedByBuyer: bp(false)}
		}), nil, want{noReason: true, ret: true, freight: PartyBuyer, window: closesCN, refundDue: 7,
			cites: []cite{allows(RuleCN7DIntact), info(RuleOPSGrades).saying("graded the goods A")}}},
		{"xhs graded C on a change of mind: refusal grounded", with(xhsOK, damaged), nil,
			want{agreement: true, freight: PartyBuyer, window: closesCN, refundDue: 7,
				cites: []cite{forbids(RuleCN7DIntact), info(RuleOPSGrades).saying("grounds a refusal or a partial refund"), info(RuleXHSMediation)}}},
		{"xhs graded C on a defect claim: the claim stands", with(xhsIn(rr, ReasonQualityDefect, inWindowCN), func(in *EligibilityInput) { in.Inspected = GradeC }), nil,
			want{noReason: true, ret: true, freight: PartySeller, window: closesCN, refundDue: 7,
				cites: []cite{allows(RuleCNSellerFault), info(RuleOPSGrades).saying("does not limit")}}},
		{"alibaba export graded C: the contract's standard", with(ali, func(in *EligibilityInput) {
			damaged(in)
			in.Market = MarketCrossBorderDirect
		}), nil, want{agreement: true, freight: PartyBuyer, window: closesAli, refundDue: -1,
			cites: []cite{forbids(RuleAlibaba7D), forbids(RuleXBExportReturn), info(RuleOPSGrades)}}},
	}
}

func inspectedCheckCases() []checkCase {
	graded := func(g Grade) func(*Case) {
		return func(c *Case) {
			c.Status, c.ReceivedAt = StatusReceived, tp("2026-03-09T10:00:00+08:00")
			c.Inspection = &Inspection{Grade: g, Disposition: DefaultDisposition(g), RecoveredValue: MustParseMoney("20", "CNY")}
		}
	}
	return []checkCase{
		{"refuse an intact no-reason return, not inspected", caseOf(nil), reject(GroundOther), []string{RuleCN7DWindow}},
		{"refuse goods graded C on a change of mind", caseOf(graded(GradeC)), reject(GroundOther), nil},
		{"refuse goods graded B as opened only", caseOf(graded(GradeB)), reject(GroundPackagingOpened), []string{RuleCN7DIntact, RuleCN7DWindow}},
		{"refuse goods graded A as used: contradicts the grade", caseOf(graded(GradeA)), reject(GroundUsed),
			[]string{RuleCN7DIntact, RuleCN7DWindow}},
		{"refuse goods graded C on a defect claim", caseOf(func(c *Case) { graded(GradeC)(c); c.Reason = ReasonQualityDefect }),
			reject(GroundOther), []string{RuleCN7DWindow}},
		{"a partial refund of goods graded C", caseOf(graded(GradeC)), ActionCheck{Action: ActionRefund, Amount: mp("60", "CNY")}, nil},
	}
}

func inspectedRefundCases() []refundCase {
	graded := func(g Grade) func(*Case) {
		return func(c *Case) {
			c.Status, c.ReceivedAt = StatusReceived, tp("2026-03-09T10:00:00+08:00")
			c.Inspection = &Inspection{Grade: g, Disposition: DefaultDisposition(g)}
		}
	}
	return []refundCase{
		{name: "xhs graded C: full by default, less allowed", c: caseOf(graded(GradeC)), want: "129.90 CNY",
			cites: []cite{allows(RuleCN7DIntact)}},
		{name: "ae graded C", c: caseOf(func(c *Case) {
			graded(GradeC)(c)
			c.Platform, c.DeliveredAt, c.CreatedAt = AliExpress, tp(deliveredPT), ts(inWindowPT)
		}), want: "129.90 CNY", cites: []cite{allows(RuleAEFlow)}},
	}
}

// TestInspectionFeedsTheRules runs real cases through CaseInput: the
// inspection on record changes the verdict, the refund's notes and the check
// of a refusal; a grade A case refused as damaged names the contradiction.
func TestInspectionFeedsTheRules(t *testing.T) {
	policy := DefaultRulePolicy()
	plain := caseOf(func(c *Case) { c.Status = StatusReceived })
	if e := EvaluateCase(plain, policy, fixedNow); !e.NoReasonReturnAllowed {
		t.Fatalf("not inspected: no-reason return not allowed: %s", citesOf(e))
	}
	damaged := caseOf(func(c *Case) {
		c.Status = StatusReceived
		c.Inspection = &Inspection{Grade: GradeC, Disposition: DispositionDispose}
	})
	e := EvaluateCase(damaged, policy, fixedNow)
	if e.NoReasonReturnAllowed || !e.NeedsSellerAgreement {
		t.Errorf("graded C: verdict still allows the no-reason return: %s", citesOf(e))
	}
	if eff, ok := e.Cites(RuleOPSGrades); !ok || eff != EffectInfo {
		t.Errorf("graded C: OPS-GRADES not cited: %s", citesOf(e))
	}
	_, apps, err := DefaultRefund(damaged, policy, RefundBasis{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range apps {
		found = found || (a.RuleID == RuleCN7DIntact && a.Effect == EffectAllows)
	}
	if !found {
		t.Errorf("refund of goods graded C does not cite CN-7D-INTACT: %+v", apps)
	}
	if vs := CheckAction(damaged, reject(GroundOther), policy, fixedNow); len(vs) != 0 {
		t.Errorf("refusing goods graded C: %+v", vs)
	}
	if vs := CheckAction(plain, reject(GroundOther), policy, fixedNow); len(vs) == 0 {
		t.Error("refusing goods not inspected: allowed")
	}
	// What the seller reports at refusal wins over the record.
	req := reject(GroundOther)
	req.Condition.DamagedByBuyer = bp(false)
	if vs := CheckAction(damaged, req, policy, fixedNow); len(vs) == 0 {
		t.Error("the seller's own report of no damage was overridden by the record")
	}
}

func TestGoodsBack(t *testing.T) {
	parcel := &Shipment{TrackingNo: "SF1"}
	signed := &Shipment{TrackingNo: "SF1", SignedAt: tp("2026-12-04T10:00:00+08:00")}
	for _, tc := range []struct {
		status Status
		kind   Kind
		ship   *Shipment
		recv   bool
		want   bool
	}{
		{StatusRequested, KindReturnAndRefund, nil, false, false},
		{StatusAwaitingBuyerShipment, KindReturnAndRefund, nil, false, false},
		{StatusInTransit, KindReturnAndRefund, parcel, false, false},
		{StatusInTransit, KindReturnAndRefund, signed, false, true},
		{StatusReceived, KindReturnAndRefund, nil, false, true},
		{StatusRefundPending, KindReturnAndRefund, parcel, false, true},
		{StatusRefundPending, KindReturnAndRefund, nil, false, false}, // refunded without goods
		{StatusRefunded, KindReturnAndRefund, nil, true, true},
		{StatusExchangeShipped, KindExchange, parcel, false, true},
		{StatusRejected, KindReturnAndRefund, parcel, false, false},
		{StatusReceived, KindRefundOnly, nil, true, false},
	} {
		c := caseOf(func(c *Case) { c.Status, c.Kind, c.ReturnShipment = tc.status, tc.kind, tc.ship })
		if tc.recv {
			c.ReceivedAt = tp("2026-12-04T10:00:00+08:00")
		}
		if got := GoodsBack(c); got != tc.want {
			t.Errorf("%s %s shipment %+v received %v: GoodsBack = %v, want %v", tc.status, tc.kind, tc.ship, tc.recv, got, tc.want)
		}
	}
}
