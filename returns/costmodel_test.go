package returns

import "testing"

func TestCostModel(t *testing.T) {
	usd := func(s string) Money { return MustParseMoney(s, "USD") }
	for _, tc := range []struct {
		name string
		in   CostModelInput
		want CostModel
	}{{
		name: "seed 004's worked example",
		in:   CostModelInput{Orders: 100, ReturnRate: "0.12", Price: usd("30"), OutboundShipping: usd("2"), ProcessingCost: usd("4"), ResaleLoss: usd("10")},
		want: CostModel{Returns: "12", OutboundShippingLost: usd("24"), ProcessingCost: usd("48"), ResaleLoss: usd("120"),
			Total: usd("192"), CostPer100Orders: usd("192"), MarginPoints: "6.4"},
	}, {
		name: "fractional returns round once per component",
		in:   CostModelInput{Orders: 7, ReturnRate: "0.125", Price: usd("19.99"), OutboundShipping: usd("3.33"), ProcessingCost: usd("1"), ResaleLoss: usd("0.05")},
		// 0.875 returns: 2.91375 → 2.91, 0.875 → 0.88, 0.04375 → 0.04; total 3.83; per 100 orders 54.714 → 54.71;
		// margin 3.83 / 139.93 × 100 = 2.737… → 2.74.
		want: CostModel{Returns: "0.875", OutboundShippingLost: usd("2.91"), ProcessingCost: usd("0.88"), ResaleLoss: usd("0.04"),
			Total: usd("3.83"), CostPer100Orders: usd("54.71"), MarginPoints: "2.74"},
	}, {
		name: "no returns",
		in:   CostModelInput{Orders: 50, ReturnRate: "0", Price: usd("10"), OutboundShipping: usd("1"), ProcessingCost: usd("1"), ResaleLoss: usd("1")},
		want: CostModel{Returns: "0", OutboundShippingLost: usd("0"), ProcessingCost: usd("0"), ResaleLoss: usd("0"),
			Total: usd("0"), CostPer100Orders: usd("0"), MarginPoints: "0"},
	}, {
		name: "a free product has no margin to take a share of",
		in:   CostModelInput{Orders: 10, ReturnRate: "1", Price: usd("0"), OutboundShipping: usd("2"), ProcessingCost: usd("0"), ResaleLoss: usd("0")},
		want: CostModel{Returns: "10", OutboundShippingLost: usd("20"), ProcessingCost: usd("0"), ResaleLoss: usd("0"),
			Total: usd("20"), CostPer100Orders: usd("200")},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ComputeCostModel(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if *got != tc.want {
				t.Fatalf("got  %+v\nwant %+v", *got, tc.want)
			}
		})
	}
}

func TestCostModelRefusesBadInput(t *testing.T) {
	usd := func(s string) Money { return MustParseMoney(s, "USD") }
	ok := CostModelInput{Orders: 100, ReturnRate: "0.12", Price: usd("30"), OutboundShipping: usd("2"), ProcessingCost: usd("4"), ResaleLoss: usd("10")}
	for _, tc := range []struct {
		name  string
		edit  func(*CostModelInput)
		field string
	}{
		{"a return rate above 1", func(in *CostModelInput) { in.ReturnRate = "1.2" }, "returnRate"},
		{"a negative return rate", func(in *CostModelInput) { in.ReturnRate = "-0.1" }, "returnRate"},
		{"a percentage, not a share", func(in *CostModelInput) { in.ReturnRate = "12%" }, "returnRate"},
		{"an exponent", func(in *CostModelInput) { in.ReturnRate = "1e-1" }, "returnRate"},
		{"no orders", func(in *CostModelInput) { in.Orders = 0 }, "orders"},
		{"too many orders", func(in *CostModelInput) { in.Orders = maxOrders + 1 }, "orders"},
		{"a negative cost", func(in *CostModelInput) { in.ProcessingCost = MustParseMoney("-1", "USD") }, "processingCost"},
		{"two currencies", func(in *CostModelInput) { in.ResaleLoss = MustParseMoney("10", "EUR") }, "resaleLoss"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := ok
			tc.edit(&in)
			_, err := ComputeCostModel(in)
			e, ok := err.(*Error)
			if !ok || e.Code != CodeInvalid || len(e.Field) != 2 || e.Field[1] != tc.field {
				t.Fatalf("err = %v, want INVALID on input.%s", err, tc.field)
			}
		})
	}
}
