package graph

import (
	"github.com/returnsgw/returnsgw/returns"
)

// MaxInputMinor bounds an amount a client gives, in minor units: no return,
// refund, cost or recovered value comes near ten billion in any currency,
// and sums of millions of such amounts (analytics) still fit in int64.
const MaxInputMinor = 1_000_000_000_000

// parseInputMoney is returns.ParseMoney for a client's amount, refusing
// amounts beyond MaxInputMinor either way.
func parseInputMoney(decimal, currency string) (returns.Money, error) {
	m, err := returns.ParseMoney(decimal, currency)
	if err != nil {
		return m, err
	}
	if m.Minor > MaxInputMinor || m.Minor < -MaxInputMinor {
		return returns.Money{}, returns.Errorf(returns.CodeInvalid, "amount %q in %s is larger than any return", decimal, currency)
	}
	return m, nil
}
