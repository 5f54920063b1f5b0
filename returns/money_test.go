package returns

import (
	"math"
	"testing"
)

func TestParseMoney(t *testing.T) {
	tests := []struct {
		in       string
		currency string
		want     int64
		wantErr  bool
	}{
		{"129.9", "CNY", 12990, false},
		{"129.90", "CNY", 12990, false},
		{"0.01", "CNY", 1, false},
		{"0.1", "CNY", 10, false},
		{"1999", "CNY", 199900, false},
		{"12.300", "CNY", 1230, false}, // extra zeros are exact
		{"-3.5", "USD", -350, false},
		{"+7", "EUR", 700, false},
		{"0", "CNY", 0, false},
		{"000.50", "CNY", 50, false},
		{"1500", "JPY", 1500, false},
		{"1.234", "KWD", 1234, false},
		{"92233720368547758.07", "USD", math.MaxInt64, false},
		{"92233720368547758.08", "USD", 0, true}, // overflows int64
		{"12.345", "CNY", 0, true},               // more decimals than fen
		{"1.5", "JPY", 0, true},                  // yen has no minor unit
		{"1e3", "CNY", 0, true},                  // no exponents
		{"1,000.00", "CNY", 0, true},
		{"", "CNY", 0, true},
		{".5", "CNY", 0, true},
		{"5.", "CNY", 0, true},
		{"-", "CNY", 0, true},
		{"NaN", "USD", 0, true},
		{"12", "XXX", 0, true}, // unknown currency
		{" 12.5 ", "CNY", 1250, false},
	}
	for _, tt := range tests {
		got, err := ParseMoney(tt.in, tt.currency)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseMoney(%q, %s) error = %v, want error %v", tt.in, tt.currency, err, tt.wantErr)
			continue
		}
		if err != nil {
			if ErrorCodeOf(err) != CodeInvalid {
				t.Errorf("ParseMoney(%q) error code = %s, want INVALID", tt.in, ErrorCodeOf(err))
			}
			continue
		}
		if got.Minor != tt.want || got.Currency != tt.currency {
			t.Errorf("ParseMoney(%q, %s) = %+v, want %d %s", tt.in, tt.currency, got, tt.want, tt.currency)
		}
	}
}

func TestMoneyDecimalRoundTrip(t *testing.T) {
	tests := []struct {
		m    Money
		want string
	}{
		{Money{12990, "CNY"}, "129.90"},
		{Money{1, "CNY"}, "0.01"},
		{Money{10, "USD"}, "0.10"},
		{Money{0, "EUR"}, "0.00"},
		{Money{-5, "USD"}, "-0.05"},
		{Money{-12345, "USD"}, "-123.45"},
		{Money{1500, "JPY"}, "1500"},
		{Money{1234, "KWD"}, "1.234"},
		{Money{math.MinInt64, "USD"}, "-92233720368547758.08"},
		{Money{math.MaxInt64, "USD"}, "92233720368547758.07"},
	}
	for _, tt := range tests {
		if got := tt.m.Decimal(); got != tt.want {
			t.Errorf("%+v.Decimal() = %q, want %q", tt.m, got, tt.want)
		}
		if tt.m.Minor == math.MinInt64 {
			continue // its magnitude does not parse back into int64, by design
		}
		back, err := ParseMoney(tt.want, tt.m.Currency)
		if err != nil || back != tt.m {
			t.Errorf("ParseMoney(%q) = %+v, %v; want %+v", tt.want, back, err, tt.m)
		}
	}
}

func TestMoneyArithmetic(t *testing.T) {
	a, b := MustParseMoney("10.50", "CNY"), MustParseMoney("0.55", "CNY")
	if s, err := a.Add(b); err != nil || s.Decimal() != "11.05" {
		t.Errorf("Add = %v, %v", s, err)
	}
	if _, err := a.Add(MustParseMoney("1", "USD")); err == nil {
		t.Error("adding CNY to USD succeeded")
	}
	if _, err := (Money{math.MaxInt64, "USD"}).Add(Money{1, "USD"}); err == nil {
		t.Error("overflowing Add succeeded")
	}
	if p, err := b.Mul(3); err != nil || p.Decimal() != "1.65" {
		t.Errorf("Mul = %v, %v", p, err)
	}
	if _, err := (Money{math.MaxInt64 / 2, "USD"}).Mul(3); err == nil {
		t.Error("overflowing Mul succeeded")
	}
	if c, err := a.Cmp(b); err != nil || c != 1 {
		t.Errorf("Cmp = %d, %v", c, err)
	}
	if _, err := a.Cmp(MustParseMoney("1", "USD")); err == nil {
		t.Error("comparing CNY with USD succeeded")
	}
}
