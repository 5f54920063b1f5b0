// Package scalar marshals the API's custom scalars: DateTime (RFC 3339, always
// answered in UTC) and Decimal (exact decimal strings).
package scalar

import (
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/returnsgw/returnsgw/returns"
)

// invalid is a caller's mistake: coded INVALID so that the API shows it.
func invalid(format string, args ...any) error {
	return returns.Errorf(returns.CodeInvalid, format, args...)
}

// MarshalDateTime writes an instant as RFC 3339 in UTC, with fractional
// seconds only when there are any.
func MarshalDateTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		var buf [40]byte
		b := append(buf[:0], '"')
		b = t.UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
		w.Write(b)
	})
}

// UnmarshalDateTime reads an RFC 3339 instant; the offset is required.
func UnmarshalDateTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, invalid("DateTime must be an RFC 3339 string, e.g. \"2026-11-20T09:30:00Z\"")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, invalid("DateTime %q is not RFC 3339 with an offset, e.g. \"2026-11-20T09:30:00+08:00\"", s)
	}
	return t.UTC(), nil
}

// MarshalDecimal writes a decimal as a JSON string, never as a number, so no
// client parses it into a float by accident.
func MarshalDecimal(s string) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		io.WriteString(w, strconv.Quote(s))
	})
}

// UnmarshalDecimal reads a decimal given as a string (or, leniently, as a JSON
// number literal, kept exactly as written). Its precision is checked against
// the currency where it is used.
func UnmarshalDecimal(v any) (string, error) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case json.Number:
		s = x.String()
	case int64:
		s = strconv.FormatInt(x, 10)
	case int:
		s = strconv.Itoa(x)
	default:
		return "", invalid("Decimal must be a string such as \"129.90\"")
	}
	s = strings.TrimSpace(s)
	if !plainDecimal(s) {
		return "", invalid("Decimal %q is not a plain decimal such as \"129.90\"", s)
	}
	return s, nil
}

func plainDecimal(s string) bool {
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	i, f, dot := strings.Cut(s, ".")
	if i == "" || (dot && f == "") {
		return false
	}
	for _, part := range []string{i, f} {
		for j := 0; j < len(part); j++ {
			if part[j] < '0' || part[j] > '9' {
				return false
			}
		}
	}
	return true
}
