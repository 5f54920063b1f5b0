package returns

import (
	"testing"
	"time"
)

func exportCase() *Case {
	delivered := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) // 02:00 Pacific, 2 March
	return &Case{
		Platform: Alibaba, PlatformCaseID: "ali-x1", Kind: KindReturnAndRefund, Status: StatusRequested,
		Reason: ReasonChangedMind, Market: MarketCrossBorderDirect, DeliveredAt: &delivered,
		CreatedAt:       time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC),
		RequestedRefund: ptrMoney(MustParseMoney("1000.00", "USD")),
	}
}

func ptrMoney(m Money) *Money { return &m }

func exportStart() ExportStart {
	return ExportStart{ContractNo: "SC-2026-001", ContractReturnDays: 30, SalesContractIDs: []string{"ev-1"},
		InvoiceIDs: []string{"ev-2"}, LogisticsChannel: "DHL Express return", Carrier: "DHL", CarrierAcceptanceHours: 48}
}

func allChecks() []ExportCheck {
	return []ExportCheck{{Item: CheckQualityStandard, OK: true}, {Item: CheckNoObviousDefects, OK: true}, {Item: CheckOriginalPackage, OK: true}}
}

// Each step's deadline counts from the completion of the one before it, by
// the contract's, the carrier's or the gateway's period; a step past its
// deadline is OVERDUE until done.
func TestExportReturnDeadlines(t *testing.T) {
	t0 := time.Date(2026, 3, 20, 9, 0, 0, 0, time.UTC)
	x, e := StartExportReturn(exportCase(), exportStart(), t0)
	if e != nil {
		t.Fatal(e)
	}
	// The application: the contract's 30 days after delivery on 2 March
	// (Pacific) end at 00:00 Pacific on 2 April = 07:00 UTC (daylight time).
	if want := time.Date(2026, 4, 2, 7, 0, 0, 0, time.UTC); !x.Steps[0].DueBy.Equal(want) {
		t.Errorf("application due %v, want %v", x.Steps[0].DueBy, want)
	}
	type step struct {
		kind    ExportStepKind
		doneIn  time.Duration // after the previous completion
		wantDue time.Duration // the deadline after the previous completion
	}
	steps := []step{
		{ExportReview, 24 * time.Hour, ExportReviewPeriod},
		{ExportLogisticsChannel, 47 * time.Hour, 48 * time.Hour},
		// Handed over 23 March 08:00 UTC = 01:00 Pacific; 30 whole days
		// (from 24 March) end at 00:00 Pacific on 23 April = 07:00 UTC.
		{ExportReturnPeriod, 10 * 24 * time.Hour, 30*24*time.Hour + 23*time.Hour},
		{ExportCustomsChecklist, 2 * time.Hour, ExportChecklistPeriod},
		{ExportFreightInsurance, time.Hour, ExportSettlementPeriod},
	}
	prev := t0
	for _, st := range steps {
		s := x.Step(st.kind)
		if s.DueBy == nil {
			t.Fatalf("%s: no deadline after the step before it completed", st.kind)
		}
		if want := prev.Add(st.wantDue); !s.DueBy.Equal(want) {
			t.Errorf("%s due %v, want %v", st.kind, s.DueBy, want)
		}
		for _, c := range []struct {
			at   time.Time
			want ExportStepState
		}{
			{prev, ExportStepOpen},
			{s.DueBy.Add(-time.Nanosecond), ExportStepOpen},
			{*s.DueBy, ExportStepOverdue},
			{s.DueBy.Add(time.Hour), ExportStepOverdue},
		} {
			if got := s.State(c.at); got != c.want {
				t.Errorf("%s at %v: %s, want %s", st.kind, c.at, got, c.want)
			}
		}
		// The step after has no deadline yet.
		if i := st.kind.Index(); i+1 < len(x.Steps) && x.Steps[i+1].DueBy != nil {
			t.Errorf("%s has a deadline before %s is done", x.Steps[i+1].Kind, st.kind)
		}
		at := prev.Add(st.doneIn)
		in := ExportCompletion{Kind: st.kind}
		switch st.kind {
		case ExportCustomsChecklist:
			in.Checklist = allChecks()
		case ExportFreightInsurance:
			in.Freight, in.Insurance = ptrMoney(MustParseMoney("120.00", "USD")), ptrMoney(MustParseMoney("8.50", "USD"))
		}
		y, e := x.Complete(in, "USD", at)
		if e != nil {
			t.Fatalf("%s: %v", st.kind, e)
		}
		if s.CompletedAt != nil {
			t.Fatalf("Complete changed the workflow it was given")
		}
		if got := y.Step(st.kind).State(at.Add(1000 * time.Hour)); got != ExportStepDone {
			t.Errorf("%s after completion: %s", st.kind, got)
		}
		x, prev = y, at
	}
	if !x.Done() || x.Freight == nil || x.Insurance.String() != "8.50 USD" {
		t.Errorf("done %v freight %v insurance %v", x.Done(), x.Freight, x.Insurance)
	}
	if len(x.Step(ExportCustomsChecklist).Checklist) != 3 {
		t.Error("the checklist was not recorded")
	}
}

func TestExportReturnOrder(t *testing.T) {
	t0 := time.Date(2026, 3, 20, 9, 0, 0, 0, time.UTC)
	x, _ := StartExportReturn(exportCase(), exportStart(), t0)
	cases := []struct {
		name string
		in   ExportCompletion
		code ErrorCode
	}{
		{"application again", ExportCompletion{Kind: ExportApplication}, CodeInvalidState},
		{"skips the review", ExportCompletion{Kind: ExportLogisticsChannel}, CodeInvalidState},
		{"last first", ExportCompletion{Kind: ExportFreightInsurance}, CodeInvalidState},
		{"unknown step", ExportCompletion{Kind: "CUSTOMS"}, CodeInvalid},
		{"checklist on the review", ExportCompletion{Kind: ExportReview, Checklist: allChecks()}, CodeInvalid},
		{"amounts on the review", ExportCompletion{Kind: ExportReview, Freight: ptrMoney(MustParseMoney("1", "USD"))}, CodeInvalid},
	}
	for _, c := range cases {
		if _, e := x.Complete(c.in, "USD", t0); e == nil || e.Code != c.code {
			t.Errorf("%s: %v, want %s", c.name, e, c.code)
		}
	}
	// The checklist and the amounts are checked when their step comes.
	for _, k := range []ExportStepKind{ExportReview, ExportLogisticsChannel, ExportReturnPeriod} {
		var e *Error
		if x, e = x.Complete(ExportCompletion{Kind: k}, "USD", t0); e != nil {
			t.Fatal(e)
		}
	}
	for name, list := range map[string][]ExportCheck{
		"missing":   allChecks()[:2],
		"twice":     append(allChecks(), ExportCheck{Item: CheckQualityStandard}),
		"unknown":   append(allChecks()[:2], ExportCheck{Item: "SMELL"}),
		"no answer": nil,
	} {
		if _, e := x.Complete(ExportCompletion{Kind: ExportCustomsChecklist, Checklist: list}, "USD", t0); e == nil || e.Code != CodeInvalid {
			t.Errorf("checklist %s: %v", name, e)
		}
	}
	x, _ = x.Complete(ExportCompletion{Kind: ExportCustomsChecklist, Checklist: allChecks()}, "USD", t0)
	usd, eur := MustParseMoney("10", "USD"), MustParseMoney("10", "EUR")
	neg := Money{Minor: -1, Currency: "USD"}
	for name, in := range map[string]ExportCompletion{
		"no insurance":   {Kind: ExportFreightInsurance, Freight: &usd},
		"other currency": {Kind: ExportFreightInsurance, Freight: &usd, Insurance: &eur},
		"negative":       {Kind: ExportFreightInsurance, Freight: &neg, Insurance: &usd},
	} {
		if _, e := x.Complete(in, "USD", t0); e == nil || e.Code != CodeInvalid {
			t.Errorf("%s: %v", name, e)
		}
	}
	done, e := x.Complete(ExportCompletion{Kind: ExportFreightInsurance, Freight: &usd, Insurance: &usd}, "USD", t0)
	if e != nil {
		t.Fatal(e)
	}
	if _, e := done.Complete(ExportCompletion{Kind: ExportFreightInsurance, Freight: &usd, Insurance: &usd}, "USD", t0); e == nil || e.Code != CodeInvalidState {
		t.Errorf("completing a finished workflow: %v", e)
	}
}

func TestExportReturnStart(t *testing.T) {
	t0 := time.Date(2026, 3, 20, 9, 0, 0, 0, time.UTC)
	other := exportCase()
	other.Platform = AliExpress
	if _, e := StartExportReturn(other, exportStart(), t0); e == nil || e.Code != CodeUnsupported {
		t.Errorf("AliExpress case: %v", e)
	}
	late := time.Date(2026, 4, 2, 7, 0, 0, 0, time.UTC) // the contract's period has just ended
	if _, e := StartExportReturn(exportCase(), exportStart(), late); e == nil || e.Code != CodeRuleViolation || e.RuleID != RuleXBExportReturn {
		t.Errorf("after the contract's period: %v", e)
	}
	if _, e := StartExportReturn(exportCase(), exportStart(), late.Add(-time.Second)); e != nil {
		t.Errorf("just inside the contract's period: %v", e)
	}
	bad := []func(*ExportStart){
		func(s *ExportStart) { s.ContractNo = "" },
		func(s *ExportStart) { s.ContractReturnDays = 0 },
		func(s *ExportStart) { s.ContractReturnDays = 366 },
		func(s *ExportStart) { s.CarrierAcceptanceHours = 0 },
		func(s *ExportStart) { s.SalesContractIDs = nil },
		func(s *ExportStart) { s.InvoiceIDs = make([]string, 11) },
		func(s *ExportStart) { s.InvoiceIDs = []string{""} },
		func(s *ExportStart) { s.InvoiceIDs = []string{"ev 1"} },
		func(s *ExportStart) { s.SalesContractIDs = []string{"ev\x001"} },
		func(s *ExportStart) { s.Carrier = string(make([]byte, 300)) },
		func(s *ExportStart) { s.LogisticsChannel = "\xff" },
	}
	for i, f := range bad {
		in := exportStart()
		f(&in)
		if _, e := StartExportReturn(exportCase(), in, t0); e == nil || e.Code != CodeInvalid {
			t.Errorf("bad input %d: %v", i, e)
		}
	}
	// Without a delivery time the application has no deadline.
	c := exportCase()
	c.DeliveredAt = nil
	x, e := StartExportReturn(c, exportStart(), t0)
	if e != nil || x.Steps[0].DueBy != nil || x.Steps[0].State(t0) != ExportStepDone {
		t.Errorf("no delivery: %v %+v", e, x)
	}
}

// The contract's return period, not ALIBABA-7D's seven days, decides the
// window of an export return, and the verdict cites XB-EXPORT-RETURN.
func TestRulesUseContractDays(t *testing.T) {
	policy := DefaultRulePolicy()
	c := exportCase() // requested 18 days after delivery
	plain := EvaluateCase(c, policy, c.CreatedAt)
	if eff, ok := plain.Cites(RuleAlibaba7D); !ok || eff != EffectForbids || plain.NoReasonReturnAllowed {
		t.Fatalf("without a contract the 7 days apply: %+v", plain.Rules)
	}
	c.Export = &ExportTerms{ContractReturnDays: 30}
	e := EvaluateCase(c, policy, c.CreatedAt)
	if eff, ok := e.Cites(RuleXBExportReturn); !ok || eff != EffectAllows {
		t.Errorf("XB-EXPORT-RETURN not cited as allowing: %+v", e.Rules)
	}
	if _, ok := e.Cites(RuleAlibaba7D); ok {
		t.Errorf("ALIBABA-7D cited on an export return: %+v", e.Rules)
	}
	want := time.Date(2026, 4, 2, 7, 0, 0, 0, time.UTC)
	if !e.NoReasonReturnAllowed || !e.ReturnAllowed || e.WindowClosesAt == nil || !e.WindowClosesAt.Equal(want) {
		t.Errorf("verdict %+v, window %v want %v", e, e.WindowClosesAt, want)
	}
	if e.ReturnFreightPaidBy != PartySeller {
		t.Errorf("freight paid by %s, want the exporter", e.ReturnFreightPaidBy)
	}
	d := RuleDeadlines(c, CaseTimes{}, policy, c.CreatedAt)
	if d.WindowClosesAt == nil || !d.WindowClosesAt.Equal(want) {
		t.Errorf("deadlines' window %v, want %v", d.WindowClosesAt, want)
	}
	// Ten contract days have run out by day 18.
	c.Export.ContractReturnDays = 10
	e = EvaluateCase(c, policy, c.CreatedAt)
	if eff, _ := e.Cites(RuleXBExportReturn); eff != EffectForbids || e.NoReasonReturnAllowed {
		t.Errorf("10 contract days, day 18: %+v", e.Rules)
	}
	// A contract period off the engine's range is input it refuses.
	in := CaseInput(c)
	in.ContractReturnDays = 400
	if v := Evaluate(in, policy, c.CreatedAt); !cites(&v, RuleGWInput) {
		t.Error("400 contract days accepted")
	}
	in.ContractReturnDays, in.Platform = 30, XHS
	if v := Evaluate(in, policy, c.CreatedAt); !cites(&v, RuleGWInput) {
		t.Error("a contract period on XHS accepted")
	}
}

func TestExportRefundBreakdown(t *testing.T) {
	policy := DefaultRulePolicy()
	c := exportCase()
	c.ReturnFreight = ptrMoney(MustParseMoney("99.00", "USD")) // the platform's figure: not the export return's
	c.RefundedAmount = ptrMoney(MustParseMoney("100.00", "USD"))
	c.Export = &ExportTerms{ContractReturnDays: 30}
	r, err := RefundBreakdown(c, policy, RefundBasis{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Total.String() != "900.00 USD" || len(r.Parts) != 2 || r.Parts[0].Kind != RefundGoods || r.Parts[1].Kind != RefundAlreadyRefunded {
		t.Errorf("before the amounts are known: %s %+v", r.Total, r.Parts)
	}
	c.Export.Freight = ptrMoney(MustParseMoney("120.00", "USD"))
	c.Export.Insurance = ptrMoney(MustParseMoney("8.50", "USD"))
	r, err = RefundBreakdown(c, policy, RefundBasis{})
	if err != nil {
		t.Fatal(err)
	}
	want := []RefundPart{
		{Kind: RefundGoods, Amount: MustParseMoney("1000.00", "USD"), PaidBy: PartySeller, RuleID: RuleGWRefundCap},
		{Kind: RefundReturnFreight, Amount: MustParseMoney("120.00", "USD"), PaidBy: PartySeller, RuleID: RuleXBExportReturn},
		{Kind: RefundReturnInsurance, Amount: MustParseMoney("8.50", "USD"), PaidBy: PartySeller, RuleID: RuleXBExportReturn},
		{Kind: RefundAlreadyRefunded, Amount: MustParseMoney("100.00", "USD"), PaidBy: PartySeller, RuleID: RuleGWRefundCap},
	}
	if r.Total.String() != "1028.50 USD" || len(r.Parts) != len(want) {
		t.Fatalf("total %s parts %+v", r.Total, r.Parts)
	}
	for i := range want {
		if r.Parts[i] != want[i] {
			t.Errorf("part %d: %+v, want %+v", i, r.Parts[i], want[i])
		}
	}
	amount, apps, _ := DefaultRefund(c, policy, RefundBasis{})
	if amount != r.Total || len(apps) != len(r.Rules) {
		t.Errorf("DefaultRefund %s differs from the breakdown %s", amount, r.Total)
	}
	// The sum of the parts is the total.
	sum := int64(0)
	for _, p := range r.Parts {
		if p.Kind == RefundAlreadyRefunded {
			sum -= p.Amount.Minor
		} else {
			sum += p.Amount.Minor
		}
	}
	if sum != r.Total.Minor {
		t.Errorf("parts add to %d, total %d", sum, r.Total.Minor)
	}
	// Amounts in another currency than the order's are refused.
	c.Export.Insurance = ptrMoney(MustParseMoney("8.50", "EUR"))
	if _, err := RefundBreakdown(c, policy, RefundBasis{}); ErrorCodeOf(err) != CodeInvalid {
		t.Errorf("insurance in EUR: %v", err)
	}
}

func cites(e *Eligibility, id string) bool { _, ok := e.Cites(id); return ok }
