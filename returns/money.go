package returns

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Money is an amount in integer minor units of an ISO 4217 currency: fen for
// CNY, cents for USD. There are no floats anywhere on the way in or out.
type Money struct {
	Minor    int64  // amount in the currency's minor unit
	Currency string // ISO 4217 code, upper case
}

// currencyExponents lists the minor-unit exponent of the currencies the
// platforms settle in. A currency missing here is rejected rather than guessed.
var currencyExponents = map[string]int{
	"CNY": 2, "USD": 2, "EUR": 2, "GBP": 2, "HKD": 2, "AUD": 2, "CAD": 2, "NZD": 2,
	"SGD": 2, "CHF": 2, "SEK": 2, "NOK": 2, "DKK": 2, "PLN": 2, "CZK": 2, "HUF": 2,
	"RUB": 2, "BRL": 2, "MXN": 2, "ILS": 2, "TRY": 2, "SAR": 2, "AED": 2, "INR": 2,
	"THB": 2, "MYR": 2, "PHP": 2, "IDR": 2, "UAH": 2, "ZAR": 2, "TWD": 2, "MOP": 2,
	"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0,
	"KWD": 3, "BHD": 3, "OMR": 3, "JOD": 3,
}

// CurrencyExponent returns the number of decimal places of the currency's minor
// unit, and false if the currency is unknown.
func CurrencyExponent(currency string) (int, bool) {
	e, ok := currencyExponents[currency]
	return e, ok
}

// NewMoney returns an amount in minor units of a known currency.
func NewMoney(minor int64, currency string) (Money, error) {
	if _, ok := currencyExponents[currency]; !ok {
		return Money{}, Errorf(CodeInvalid, "unknown currency %q", currency)
	}
	return Money{Minor: minor, Currency: currency}, nil
}

// ParseMoney parses a plain decimal such as "129.9", "-3", "0.05" exactly into
// minor units of the currency. It rejects exponents, more decimals than the
// currency has (unless they are zeros), and amounts that do not fit in int64.
func ParseMoney(decimal, currency string) (Money, error) {
	exp, ok := currencyExponents[currency]
	if !ok {
		return Money{}, Errorf(CodeInvalid, "unknown currency %q", currency)
	}
	minor, err := parseDecimal(strings.TrimSpace(decimal), exp)
	if err != nil {
		return Money{}, Errorf(CodeInvalid, "amount %q in %s: %v", decimal, currency, err)
	}
	return Money{Minor: minor, Currency: currency}, nil
}

// MustParseMoney is ParseMoney for constants in tests and tables; it panics on error.
func MustParseMoney(decimal, currency string) Money {
	m, err := ParseMoney(decimal, currency)
	if err != nil {
		panic(err)
	}
	return m
}

func parseDecimal(s string, exp int) (int64, error) {
	if s == "" {
		return 0, fmt.Errorf("empty")
	}
	neg := false
	switch s[0] {
	case '-':
		neg, s = true, s[1:]
	case '+':
		s = s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || (hasDot && frac == "") {
		return 0, fmt.Errorf("not a plain decimal")
	}
	for _, part := range []string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return 0, fmt.Errorf("not a plain decimal")
			}
		}
	}
	// Extra decimals are accepted only when they are zeros: "12.300" is 12.30.
	if len(frac) > exp {
		if strings.Trim(frac[exp:], "0") != "" {
			return 0, fmt.Errorf("more than %d decimal places", exp)
		}
		frac = frac[:exp]
	}
	frac += strings.Repeat("0", exp-len(frac))
	digits := strings.TrimLeft(intPart+frac, "0")
	if digits == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("out of range")
	}
	if neg {
		v = -v
	}
	return v, nil
}

// Decimal formats the amount with exactly the currency's decimal places, e.g. "129.90".
func (m Money) Decimal() string {
	exp := currencyExponents[m.Currency]
	v := m.Minor
	sign := ""
	if v < 0 {
		sign = "-"
	}
	// Work on the unsigned magnitude so that the minimum int64 formats correctly.
	u := uint64(v)
	if v < 0 {
		u = uint64(-(v + 1)) + 1
	}
	s := strconv.FormatUint(u, 10)
	if exp == 0 {
		return sign + s
	}
	if len(s) <= exp {
		s = strings.Repeat("0", exp-len(s)+1) + s
	}
	return sign + s[:len(s)-exp] + "." + s[len(s)-exp:]
}

// String formats the amount with its currency, e.g. "129.90 CNY".
func (m Money) String() string { return m.Decimal() + " " + m.Currency }

// IsZero reports whether the amount is zero.
func (m Money) IsZero() bool { return m.Minor == 0 }

// Add returns m+o; both must be in the same currency.
func (m Money) Add(o Money) (Money, error) {
	if m.Currency != o.Currency {
		return Money{}, Errorf(CodeInvalid, "cannot add %s to %s", o.Currency, m.Currency)
	}
	s := m.Minor + o.Minor
	if (s > m.Minor) != (o.Minor > 0) {
		return Money{}, Errorf(CodeInvalid, "amount out of range")
	}
	return Money{Minor: s, Currency: m.Currency}, nil
}

// Mul returns m×n, failing on overflow.
func (m Money) Mul(n int64) (Money, error) {
	if n == 0 || m.Minor == 0 {
		return Money{Currency: m.Currency}, nil
	}
	p := m.Minor * n
	if p/n != m.Minor || (n == -1 && m.Minor == math.MinInt64) {
		return Money{}, Errorf(CodeInvalid, "amount out of range")
	}
	return Money{Minor: p, Currency: m.Currency}, nil
}

// Cmp compares two amounts of the same currency: -1, 0 or +1.
func (m Money) Cmp(o Money) (int, error) {
	if m.Currency != o.Currency {
		return 0, Errorf(CodeInvalid, "cannot compare %s with %s", m.Currency, o.Currency)
	}
	switch {
	case m.Minor < o.Minor:
		return -1, nil
	case m.Minor > o.Minor:
		return 1, nil
	}
	return 0, nil
}
