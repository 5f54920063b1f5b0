package returns

import (
	"math"
	"math/big"
	"sort"
	"strings"
	"testing"
)

// fuzzCurrencies are the known currencies in a fixed order, so that a fuzzed
// byte picks one, plus one the gateway does not know.
func fuzzCurrencies() []string {
	cs := make([]string, 0, len(currencyExponents)+1)
	for c := range currencyExponents {
		cs = append(cs, c)
	}
	sort.Strings(cs)
	return append(cs, "XXX")
}

// FuzzParseMoney: a platform's amount never panics the parser; what it
// rejects is INVALID, and what it accepts is exact: it formats to a decimal
// that parses back to the same amount, and that decimal equals the input's
// value. Any amount but the minimum int64 (whose magnitude does not fit, see
// TestMoneyDecimalRoundTrip) formats to a decimal that parses back to itself.
func FuzzParseMoney(f *testing.F) {
	// Amounts as the platforms send them (golden files of the adapters).
	for _, s := range []string{"129.9", "129.90", "0.01", "12.300", "-3.5", "+7", "000.50", "1500.0000",
		"66.65", "0.00", "3000", "1.234", " 12.5 ", "92233720368547758.07", "1e3", ".5", "5.", ""} {
		f.Add(s, int64(0), uint8(0))
	}
	f.Add("1", int64(math.MaxInt64), uint8(3))
	f.Add("-1", int64(math.MinInt64+1), uint8(200))
	cs := fuzzCurrencies()
	f.Fuzz(func(t *testing.T, s string, minor int64, pick uint8) {
		cur := cs[int(pick)%len(cs)]
		m, err := ParseMoney(s, cur)
		if err != nil {
			if ErrorCodeOf(err) != CodeInvalid || m != (Money{}) {
				t.Fatalf("ParseMoney(%q, %s) = %+v, %v; want zero, INVALID", s, cur, m, err)
			}
		} else {
			if m.Currency != cur {
				t.Fatalf("ParseMoney(%q, %s) currency %q", s, cur, m.Currency)
			}
			back, err := ParseMoney(m.Decimal(), cur)
			if err != nil || back != m {
				t.Fatalf("ParseMoney(%q) = %+v; its decimal %q parses to %+v, %v", s, m, m.Decimal(), back, err)
			}
			// The value is the input's, exactly: compare as rationals.
			in, ok := new(big.Rat).SetString(strings.TrimSpace(s))
			out, _ := new(big.Rat).SetString(m.Decimal())
			if !ok || in.Cmp(out) != 0 {
				t.Fatalf("ParseMoney(%q, %s) = %s", s, cur, m.Decimal())
			}
		}
		if _, known := CurrencyExponent(cur); known && minor != math.MinInt64 {
			x := Money{Minor: minor, Currency: cur}
			back, err := ParseMoney(x.Decimal(), cur)
			if err != nil || back != x {
				t.Fatalf("%+v formats to %q, which parses to %+v, %v", x, x.Decimal(), back, err)
			}
		}
	})
}

// FuzzMoneyArithmetic: Add and Mul are exact or fail; they never wrap.
func FuzzMoneyArithmetic(f *testing.F) {
	f.Add(int64(1050), int64(55), int64(3))
	f.Add(int64(math.MaxInt64), int64(1), int64(-1))
	f.Add(int64(math.MinInt64), int64(-1), int64(-1))
	f.Add(int64(math.MinInt64), int64(0), int64(2))
	f.Fuzz(func(t *testing.T, a, b, n int64) {
		ma, mb := Money{a, "CNY"}, Money{b, "CNY"}
		sum, err := ma.Add(mb)
		want := new(big.Int).Add(big.NewInt(a), big.NewInt(b))
		if fits := want.IsInt64(); fits != (err == nil) || (fits && sum.Minor != want.Int64()) {
			t.Fatalf("%d + %d = %+v, %v", a, b, sum, err)
		}
		p, err := ma.Mul(n)
		want = new(big.Int).Mul(big.NewInt(a), big.NewInt(n))
		if fits := want.IsInt64(); fits != (err == nil) || (fits && (p.Minor != want.Int64() || p.Currency != "CNY")) {
			t.Fatalf("%d × %d = %+v, %v", a, n, p, err)
		}
	})
}
