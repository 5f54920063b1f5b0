package alibaba

import (
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabawire"
	"github.com/returnsgw/returnsgw/returns"
)

func TestParseMoney(t *testing.T) {
	tests := []struct {
		amount, currency string
		want             returns.Money
		rounded, fails   bool
	}{
		{"12.00", "USD", returns.Money{Minor: 1200, Currency: "USD"}, false, false},
		{"12.0000", "USD", returns.Money{Minor: 1200, Currency: "USD"}, false, false},
		{"0.1250", "USD", returns.Money{Minor: 13, Currency: "USD"}, true, false},
		{"0.1249", "USD", returns.Money{Minor: 12, Currency: "USD"}, true, false},
		{"-0.1250", "USD", returns.Money{Minor: -13, Currency: "USD"}, true, false},
		{"1500.0000", "JPY", returns.Money{Minor: 1500, Currency: "JPY"}, false, false},
		{"1500.5", "JPY", returns.Money{Minor: 1501, Currency: "JPY"}, true, false},
		{"3.1415", "KWD", returns.Money{Minor: 3142, Currency: "KWD"}, true, false},
		{"12.34", "usd", returns.Money{Minor: 1234, Currency: "USD"}, false, false},
		{"12.34", "XXX", returns.Money{}, false, true},
		{"1e3", "USD", returns.Money{}, false, true},
		{"", "USD", returns.Money{}, false, true},
		{"12.3x5", "USD", returns.Money{}, false, true},
	}
	for _, tt := range tests {
		got, rounded, err := parseMoney(alibabawire.Price{Amount: alibabawire.Text(tt.amount), Currency: tt.currency})
		if (err != nil) != tt.fails {
			t.Errorf("parseMoney(%q %s) error %v, want failure %v", tt.amount, tt.currency, err, tt.fails)
			continue
		}
		if got != tt.want || rounded != tt.rounded {
			t.Errorf("parseMoney(%q %s) = %v rounded %v, want %v rounded %v", tt.amount, tt.currency, got, rounded, tt.want, tt.rounded)
		}
	}
}

// TestParseQuantityOverflow: rounding a fractional quantity up must not wrap
// past the largest int into a negative count (found by FuzzNormalize).
func TestParseQuantityOverflow(t *testing.T) {
	if q, _, err := parseQuantity("9223372036854775807.5"); err == nil {
		t.Fatalf("parseQuantity = %d, want an error", q)
	}
	if q, w, err := parseQuantity("9223372036854775806.5"); err != nil || q != 9223372036854775807 || w == "" {
		t.Fatalf("parseQuantity = %d, %q, %v", q, w, err)
	}
}

func TestParseDate(t *testing.T) {
	utc := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		name string
		d    alibabawire.Date
		want time.Time
		warn bool
		fail bool
	}{
		{"timestamp is milliseconds", alibabawire.Date{Timestamp: "1794327300000"}, utc("2026-11-10T16:15:00Z"), false, false},
		{"PDT in the repeated hour", alibabawire.Date{FormatDate: "Nov. 1, 2026, 01:30:00 PDT."}, utc("2026-11-01T08:30:00Z"), false, false},
		{"PST in the repeated hour", alibabawire.Date{FormatDate: "Nov. 1, 2026, 01:30:00 PST."}, utc("2026-11-01T09:30:00Z"), false, false},
		{"spring forward, PDT", alibabawire.Date{FormatDate: "Mar. 8, 2026, 03:00:00 PDT."}, utc("2026-03-08T10:00:00Z"), false, false},
		{"May has no abbreviation dot in Go but the layout adds one", alibabawire.Date{FormatDate: "May. 4, 2026, 09:00:00 PDT."}, utc("2026-05-04T16:00:00Z"), false, false},
		{"without the final dot", alibabawire.Date{FormatDate: "Nov. 10, 2026, 08:15:00 PST"}, utc("2026-11-10T16:15:00Z"), false, false},
		{"both agree", alibabawire.Date{Timestamp: "1794327300000", FormatDate: "Nov. 10, 2026, 08:15:00 PST."}, utc("2026-11-10T16:15:00Z"), false, false},
		{"both disagree: timestamp wins", alibabawire.Date{Timestamp: "1794327300000", FormatDate: "Nov. 10, 2026, 09:15:00 PST."}, utc("2026-11-10T16:15:00Z"), true, false},
		{"unreadable format_date with a timestamp", alibabawire.Date{Timestamp: "1794327300000", FormatDate: "MMM. d, yyyy, HH:mm:ss z."}, utc("2026-11-10T16:15:00Z"), false, false},
		{"not Pacific", alibabawire.Date{FormatDate: "Nov. 10, 2026, 08:15:00 UTC."}, time.Time{}, false, true},
		{"garbage", alibabawire.Date{FormatDate: "yesterday"}, time.Time{}, false, true},
		{"bad timestamp", alibabawire.Date{Timestamp: "12.5"}, time.Time{}, false, true},
		// Found by FuzzNormalize: such a case cannot be stored as JSON.
		{"timestamp past year 9999", alibabawire.Date{Timestamp: "999999999999999999"}, time.Time{}, false, true},
		{"timestamp before 1970", alibabawire.Date{Timestamp: "-1"}, time.Time{}, false, true},
		{"format_date in year 9999", alibabawire.Date{FormatDate: "Dec. 31, 9999, 20:00:00 PST."}, time.Time{}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warn, err := parseDate(tt.d)
			if (err != nil) != tt.fail {
				t.Fatalf("error %v, want failure %v", err, tt.fail)
			}
			if tt.fail {
				return
			}
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("= %v, want %v in UTC", got, tt.want)
			}
			if (warn != "") != tt.warn {
				t.Errorf("warning %q, want one: %v", warn, tt.warn)
			}
		})
	}
}

func TestNoReasonWindowCountsPacificCalendarDays(t *testing.T) {
	tests := []struct{ delivered, closes string }{
		// Signed on 5 Nov (Pacific): the window ends at 24:00 on 12 Nov PST.
		{"2026-11-05T21:20:00Z", "2026-11-13T08:00:00Z"},
		// 07:59 UTC on 9 Nov is still 8 Nov in Pacific time.
		{"2026-11-09T07:59:00Z", "2026-11-16T08:00:00Z"},
		// Across the autumn change: signed 30 Oct PDT, window ends 7 Nov 24:00 PST.
		{"2026-10-30T18:00:00Z", "2026-11-07T08:00:00Z"},
		// Across the spring change: signed 5 Mar PST, window ends 12 Mar 24:00 PDT.
		{"2026-03-05T18:00:00Z", "2026-03-13T07:00:00Z"},
	}
	for _, tt := range tests {
		d, _ := time.Parse(time.RFC3339, tt.delivered)
		want, _ := time.Parse(time.RFC3339, tt.closes)
		if got := noReasonWindowCloses(d); !got.Equal(want) {
			t.Errorf("window for %s closes %s, want %s", tt.delivered, got, tt.closes)
		}
	}
}

func TestReasonLabels(t *testing.T) {
	tests := []struct {
		label string
		want  returns.Reason
		known bool
	}{
		{"Product quality issues", returns.ReasonQualityDefect, true},
		{"Incorrect specifications or color differences", returns.ReasonNotAsDescribed, true},
		{"Damaged during shipping", returns.ReasonDamagedInTransit, true},
		{"Did not receive the goods", returns.ReasonNotReceived, true},
		{"Changed my mind", returns.ReasonChangedMind, true},
		{"Size does not fit", returns.ReasonSizeFit, true},
		{"Quantity shortage", returns.ReasonMissingParts, true},
		{"Wrong products received", returns.ReasonWrongItem, true},
		{"The box arrived damaged", returns.ReasonDamagedInTransit, true},
		{"Item is defective", returns.ReasonQualityDefect, true},
		{"包装破损", returns.ReasonDamagedInTransit, true},
		{"质量问题", returns.ReasonQualityDefect, true},
		{"Other", returns.ReasonOther, true},
		{"Supplier sent a pre-production sample", returns.ReasonOther, false},
	}
	for _, tt := range tests {
		got, known := reasonForLabel(tt.label)
		if got != tt.want || known != tt.known {
			t.Errorf("reasonForLabel(%q) = %s %v, want %s %v", tt.label, got, known, tt.want, tt.known)
		}
	}
}

// ALIBABA-FREIGHT: the default reads as CN-FREIGHT does; the seed's literal
// (self-contradictory) reading is only an option.
func TestFreightDefaultsToCNReading(t *testing.T) {
	tests := []struct {
		rule   FreightRule
		reason returns.Reason
		want   returns.Party
	}{
		{FreightCNReading, returns.ReasonQualityDefect, returns.PartySeller},
		{FreightCNReading, returns.ReasonWrongItem, returns.PartySeller},
		{FreightCNReading, returns.ReasonChangedMind, returns.PartyBuyer},
		{FreightCNReading, returns.ReasonSizeFit, returns.PartyBuyer},
		{FreightSeedLiteral, returns.ReasonChangedMind, returns.PartySeller},
		{FreightSeedLiteral, returns.ReasonWrongItem, returns.PartyBuyer},
	}
	for _, tt := range tests {
		if got := freightPayer(tt.rule, tt.reason); got != tt.want {
			t.Errorf("freightPayer(%s, %s) = %s, want %s", tt.rule, tt.reason, got, tt.want)
		}
	}
}

func TestErrorKinds(t *testing.T) {
	tests := []struct {
		code, sub string
		want      adapters.ErrorKind
	}{
		{"7", "accesscontrol.limited-by-app-api-access-count", adapters.KindRateLimited},
		{"7", "", adapters.KindRateLimited},
		{"27", "invalid-sessionkey", adapters.KindAuth},
		{"25", "", adapters.KindAuth},
		{"11", "", adapters.KindAuth},
		{"15", "isv.trade-not-exist", adapters.KindNotFound},
		{"15", "isv.order_not_found", adapters.KindNotFound},
		{"15", "isv.invalid-parameter", adapters.KindInvalid},
		{"15", "isp.remote-service-error", adapters.KindUnavailable},
		{"10", "", adapters.KindUnavailable},
		{"41", "isv.invalid-parameter", adapters.KindInvalid},
		{"40", "isv.missing-parameter", adapters.KindInvalid},
		{"31", "", adapters.KindInvalid},
		{"999", "", adapters.KindUnavailable},
	}
	for _, tt := range tests {
		if got := errorKind(tt.code, tt.sub); got != tt.want {
			t.Errorf("errorKind(%s, %s) = %s, want %s", tt.code, tt.sub, got, tt.want)
		}
	}
}

func TestDecodeResponseReadsTheEnvelopeWhateverTheStatus(t *testing.T) {
	const method = alibabawire.MethodOrderGet
	tests := []struct {
		name   string
		status int
		body   string
		kind   adapters.ErrorKind // "" for success
		plain  bool               // an error that is not a PlatformError: the status decides
	}{
		{"success", 200, `{"alibaba_seller_order_get_response":{"value":{"trade_id":"1"}}}`, "", false},
		{"error with HTTP 200", 200, `{"error_response":{"code":27,"msg":"Invalid session","sub_code":"invalid-sessionkey"}}`, adapters.KindAuth, false},
		{"error with HTTP 500", 500, `{"error_response":{"code":"7","msg":"App Call Limited","sub_msg":"This ban will last for 3 more seconds"}}`, adapters.KindRateLimited, false},
		{"not JSON with HTTP 200", 200, `<html>oops</html>`, adapters.KindMalformed, false},
		{"truncated JSON", 200, `{"alibaba_seller_order_get_response":{"value":{"trade_id":`, adapters.KindMalformed, false},
		{"another method's envelope", 200, `{"alibaba_seller_order_list_response":{}}`, adapters.KindMalformed, false},
		{"wrong types", 200, `{"alibaba_seller_order_get_response":{"value":{"trade_id":{"x":1}}}}`, adapters.KindMalformed, false},
		{"HTML with HTTP 502", 502, `<html>bad gateway</html>`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out alibabawire.OrderGetResponse
			err := decodeResponse(method, tt.status, []byte(tt.body), &out)
			if tt.plain {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if tt.kind == "" {
				if err != nil || out.Value.TradeID != "1" {
					t.Fatalf("err %v, trade %q", err, out.Value.TradeID)
				}
				return
			}
			pe, ok := err.(*adapters.PlatformError)
			if !ok || pe.Kind != tt.kind {
				t.Fatalf("err %v, want kind %s", err, tt.kind)
			}
			if tt.kind == adapters.KindRateLimited && pe.RetryAfter != 3*time.Second {
				t.Errorf("RetryAfter %v, want the 3 s the ban message gives", pe.RetryAfter)
			}
		})
	}
}
