package graph

import (
	"testing"

	"github.com/returnsgw/returnsgw/returns"
)

// A client's amount beyond any return is refused before it can overflow a
// refund's total or an analytics sum.
func TestParseInputMoneyBounds(t *testing.T) {
	for _, tt := range []struct {
		amount, currency string
		ok               bool
	}{
		{"10000000000.00", "CNY", true},  // exactly the bound
		{"10000000000.01", "CNY", false}, // one minor unit over
		{"-10000000000.01", "USD", false},
		{"1000000000000", "JPY", true},
		{"1000000000001", "JPY", false},
		{"92233720368547758.07", "CNY", false}, // int64's limit, accepted by ParseMoney itself
		{"12.50", "CNY", true},
	} {
		_, err := parseInputMoney(tt.amount, tt.currency)
		if (err == nil) != tt.ok {
			t.Errorf("%s %s: error %v, want ok %v", tt.amount, tt.currency, err, tt.ok)
		}
		if err != nil && returns.ErrorCodeOf(err) != returns.CodeInvalid {
			t.Errorf("%s %s: code %s, want INVALID", tt.amount, tt.currency, returns.ErrorCodeOf(err))
		}
	}
}
