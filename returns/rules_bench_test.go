package returns

import (
	"testing"
)

// benchInputs is a realistic mix of the verdicts a list query asks for.
func benchInputs() []EligibilityInput {
	var ins []EligibilityInput
	for _, tc := range verdictCases() {
		if tc.policy == nil {
			ins = append(ins, tc.in)
		}
	}
	return ins
}

// BenchmarkEvaluate measures one verdict; the engine runs for every case of
// every list query, so it must stay well under a microsecond and allocate once.
func BenchmarkEvaluate(b *testing.B) {
	ins := benchInputs()
	p := DefaultRulePolicy()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		e := Evaluate(ins[i%len(ins)], p, fixedNow)
		if len(e.Rules) == 0 {
			b.Fatal("no rules cited")
		}
		i++
	}
}

// BenchmarkEvaluateCase includes building the input from a stored case.
func BenchmarkEvaluateCase(b *testing.B) {
	c := caseOf(func(c *Case) {
		c.Market, c.Reason = MarketCrossBorderBonded, ReasonQualityDefect
		c.Lines = append(c.Lines, Line{SKU: "SKU-2", Quantity: 2, UnitPrice: MustParseMoney("19.90", "CNY"), Category: CategoryHygiene})
	})
	p := DefaultRulePolicy()
	b.ReportAllocs()
	for b.Loop() {
		EvaluateCase(c, p, fixedNow)
	}
}

// TestEvaluateAllocations keeps Evaluate at one allocation per verdict: the
// rule list, the window and the refund period share it.
func TestEvaluateAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	ins := benchInputs()
	p := DefaultRulePolicy()
	i := 0
	allocs := testing.AllocsPerRun(200, func() {
		Evaluate(ins[i%len(ins)], p, fixedNow)
		i++
	})
	if allocs > 1 {
		t.Errorf("Evaluate makes %.1f allocations per call, want 1", allocs)
	}
}
