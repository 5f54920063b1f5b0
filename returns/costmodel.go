package returns

import (
	"math/big"
	"strings"
)

// CostModelInput is what a seller knows of a product line (seed 004's cost
// model): how many orders, what share comes back, and what each return costs.
type CostModelInput struct {
	Orders     int64
	ReturnRate string // a decimal share of orders, from 0 to 1, e.g. "0.12"
	// Price is what one order sells for; the others are costs per return:
	// the outbound shipping that is lost, handling the return, and the value
	// lost when the goods are resold. All in one currency.
	Price, OutboundShipping, ProcessingCost, ResaleLoss Money
}

// CostModel is what returns cost: per component, in all, per 100 orders, and
// as points of margin (the total as a share of revenue, in percent).
type CostModel struct {
	Returns              string // orders × return rate, exact
	OutboundShippingLost Money
	ProcessingCost       Money
	ResaleLoss           Money
	Total                Money
	CostPer100Orders     Money
	// MarginPoints is Total ÷ (Orders × Price) × 100, to two decimals; empty
	// when the price is zero (no revenue to take a share of).
	MarginPoints string
}

// maxOrders bounds a model's order count: beyond it the amounts leave int64.
const maxOrders = 1_000_000_000

// ComputeCostModel works the model exactly (rational arithmetic) and rounds
// each amount to the currency's minor unit once, half away from zero; the
// total is the sum of the rounded parts, so the parts add up. Returns INVALID,
// naming the field, for orders out of range, a return rate that is not a
// decimal from 0 to 1, a negative amount, or amounts in different currencies.
//
// Seed 004's example: 100 orders, 12 %, a 30 USD price, 2 USD outbound
// shipping, 4 USD processing and a 10 USD resale loss give 12 returns, 24 + 48
// + 120 = 192 USD, and 6.4 margin points.
func ComputeCostModel(in CostModelInput) (*CostModel, error) {
	if in.Orders < 1 || in.Orders > maxOrders {
		return nil, Errorf(CodeInvalid, "orders must be from 1 to %d", maxOrders).WithField("input", "orders")
	}
	rate, ok := decimalRat(in.ReturnRate)
	if !ok || rate.Sign() < 0 || rate.Cmp(big.NewRat(1, 1)) > 0 {
		return nil, Errorf(CodeInvalid, "returnRate must be a decimal from 0 to 1, e.g. \"0.12\" for 12%%").WithField("input", "returnRate")
	}
	cur := in.Price.Currency
	for _, f := range []struct {
		name string
		m    Money
	}{{"price", in.Price}, {"outboundShipping", in.OutboundShipping}, {"processingCost", in.ProcessingCost}, {"resaleLoss", in.ResaleLoss}} {
		if f.m.Minor < 0 {
			return nil, Errorf(CodeInvalid, "%s must not be negative", f.name).WithField("input", f.name)
		}
		if f.m.Currency != cur {
			return nil, Errorf(CodeInvalid, "%s is in %s, the price in %s: a cost model takes one currency", f.name, f.m.Currency, cur).WithField("input", f.name)
		}
	}
	returned := new(big.Rat).Mul(big.NewRat(in.Orders, 1), rate)
	per := func(unit Money) Money {
		return Money{Minor: roundHalfAway(new(big.Rat).Mul(returned, big.NewRat(unit.Minor, 1))), Currency: cur}
	}
	out := &CostModel{
		Returns:              ratDecimal(returned, 6),
		OutboundShippingLost: per(in.OutboundShipping),
		ProcessingCost:       per(in.ProcessingCost),
		ResaleLoss:           per(in.ResaleLoss),
	}
	total := out.OutboundShippingLost.Minor + out.ProcessingCost.Minor + out.ResaleLoss.Minor
	out.Total = Money{Minor: total, Currency: cur}
	out.CostPer100Orders = Money{Minor: roundHalfAway(big.NewRat(total*100, in.Orders)), Currency: cur}
	if in.Price.Minor > 0 {
		revenue := new(big.Rat).Mul(big.NewRat(in.Orders, 1), big.NewRat(in.Price.Minor, 1))
		points := new(big.Rat).Quo(big.NewRat(total*100, 1), revenue)
		out.MarginPoints = ratDecimal(points, 2)
	}
	return out, nil
}

// decimalRat reads a plain decimal ("0.12", "1", ".5" is not one) of at most
// 30 characters.
func decimalRat(s string) (*big.Rat, bool) {
	if s == "" || len(s) > 30 {
		return nil, false
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || (hasDot && frac == "") {
		return nil, false
	}
	for _, part := range []string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return nil, false
			}
		}
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

// roundHalfAway rounds a non-negative rational to an integer, halves up.
func roundHalfAway(r *big.Rat) int64 {
	twice := new(big.Int).Mul(r.Num(), big.NewInt(2))
	twice.Add(twice, r.Denom())
	q := new(big.Int).Quo(twice, new(big.Int).Mul(r.Denom(), big.NewInt(2)))
	return q.Int64()
}

// ratDecimal writes r with at most places decimals (rounded half up), without
// trailing zeros: 12 → "12", 6.40 → "6.4".
func ratDecimal(r *big.Rat, places int) string {
	s := r.FloatString(places)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
