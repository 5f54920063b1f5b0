package aliexpress

import (
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
	"github.com/returnsgw/returnsgw/returns"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Times of the issue APIs are US Pacific wall times; both sides of both
// daylight-saving changes of 2026 (8 March, 1 November) resolve to the
// right UTC instant, and the two impossible cases resolve deterministically.
func TestParsePacificAcrossDaylightSavingChanges(t *testing.T) {
	tests := []struct {
		name, wall       string
		earliest, latest string
	}{
		{"WinterBeforeSpring", "2026-03-07 12:00:00", "2026-03-07T20:00:00Z", "2026-03-07T20:00:00Z"},
		{"JustBeforeSpringGap", "2026-03-08 01:59:59", "2026-03-08T09:59:59Z", "2026-03-08T09:59:59Z"},
		{"InSpringGapMovesForward", "2026-03-08 02:30:00", "2026-03-08T10:30:00Z", "2026-03-08T10:30:00Z"},
		{"JustAfterSpringGap", "2026-03-08 03:00:00", "2026-03-08T10:00:00Z", "2026-03-08T10:00:00Z"},
		{"SummerAfterSpring", "2026-03-09 12:00:00", "2026-03-09T19:00:00Z", "2026-03-09T19:00:00Z"},
		{"SummerBeforeAutumn", "2026-10-31 12:00:00", "2026-10-31T19:00:00Z", "2026-10-31T19:00:00Z"},
		{"JustBeforeAutumnRepeat", "2026-11-01 00:59:59", "2026-11-01T07:59:59Z", "2026-11-01T07:59:59Z"},
		{"AutumnRepeatIsEarlierPDT", "2026-11-01 01:30:00", "2026-11-01T08:30:00Z", "2026-11-01T09:30:00Z"},
		{"JustAfterAutumnRepeat", "2026-11-01 02:00:00", "2026-11-01T10:00:00Z", "2026-11-01T10:00:00Z"},
		{"WinterAfterAutumn", "2026-11-02 12:00:00", "2026-11-02T20:00:00Z", "2026-11-02T20:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok, err := parsePacific(tt.wall)
			if err != nil || !ok {
				t.Fatalf("parsePacific(%q) = %v, %v", tt.wall, ok, err)
			}
			if !p.Earliest.Equal(utc(tt.earliest)) || !p.Latest.Equal(utc(tt.latest)) {
				t.Errorf("parsePacific(%q) = %v..%v, want %s..%s", tt.wall, p.Earliest, p.Latest, tt.earliest, tt.latest)
			}
			if p.Earliest.Location() != time.UTC {
				t.Errorf("not UTC: %v", p.Earliest.Location())
			}
		})
	}
	if _, ok, err := parsePacific(""); ok || err != nil {
		t.Errorf(`parsePacific("") = %v, %v; want no time, no error`, ok, err)
	}
	if _, _, err := parsePacific("2026/11/01 01:30"); err == nil {
		t.Error("a time in another layout was accepted")
	}
}

// Deadlines on either side of each change land on the right UTC instant:
// the seller's respond-by is the timeout's trigger time.
func TestDeadlinesAcrossDaylightSavingChanges(t *testing.T) {
	tests := []struct {
		name, trigger, timeoutType, rds string
		status                          returns.Status
		respondBy, shipBy, refundBy     string
		auto                            string
	}{
		{"MarchBeforeChangePST", "2026-03-07 23:00:00", aliexpresswire.TimeoutWaitSolution, aliexpresswire.RDWaitSellerResponse, returns.StatusRequested,
			"2026-03-08T07:00:00Z", "", "", AutoBuyerSolution},
		{"MarchAfterChangePDT", "2026-03-08 23:00:00", aliexpresswire.TimeoutWaitSolution, aliexpresswire.RDWaitSellerResponse, returns.StatusRequested,
			"2026-03-09T06:00:00Z", "", "", AutoBuyerSolution},
		{"MarchAddressInGap", "2026-03-08 02:15:00", aliexpresswire.TimeoutWaitSellerFillAddress, aliexpresswire.RDWaitSellerSetAddress, returns.StatusRequested,
			"2026-03-08T10:15:00Z", "", "", AutoRefundNoReturn},
		{"NovemberBeforeChangePDT", "2026-10-31 23:00:00", aliexpresswire.TimeoutWaitSolution, aliexpresswire.RDWaitSellerResponse, returns.StatusRequested,
			"2026-11-01T06:00:00Z", "", "", AutoBuyerSolution},
		{"NovemberRepeatedHourEarlier", "2026-11-01 01:45:00", aliexpresswire.TimeoutWaitSolution, aliexpresswire.RDWaitSellerResponse, returns.StatusRequested,
			"2026-11-01T08:45:00Z", "", "", AutoBuyerSolution},
		{"NovemberAfterChangePST", "2026-11-01 23:00:00", aliexpresswire.TimeoutWaitSolution, aliexpresswire.RDWaitSellerResponse, returns.StatusRequested,
			"2026-11-02T07:00:00Z", "", "", AutoBuyerSolution},
		{"ReceiveTimeoutIsRefundDue", "2026-11-02 08:00:00", aliexpresswire.TimeoutWaitReceiveItem, aliexpresswire.RDWaitSellerConfirmation, returns.StatusInTransit,
			"", "", "2026-11-02T16:00:00Z", AutoReceiptAssumed},
		{"BuyerReturnClock", "2026-03-10 08:00:00", aliexpresswire.TimeoutWaitSolution, aliexpresswire.RDWaitBuyerReturn, returns.StatusAwaitingBuyerShipment,
			"", "2026-03-10T15:00:00Z", "", AutoReturnLapses},
		{"BuyerAnswerClockIsNotTheSellers", "2026-11-05 08:00:00", aliexpresswire.TimeoutWaitSolution, aliexpresswire.RDWaitBuyerResponse, returns.StatusNegotiating,
			"", "", "", AutoPlatformSteps},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at, err := utcOf(tt.trigger)
			if err != nil {
				t.Fatal(err)
			}
			d, unk := Deadlines(tt.status, tt.rds, tt.timeoutType, at)
			if unk != nil {
				t.Errorf("unexpected unknown %+v", unk)
			}
			check := func(what string, got *time.Time, want string) {
				switch {
				case want == "" && got != nil:
					t.Errorf("%s = %v, want none", what, got)
				case want != "" && (got == nil || !got.Equal(utc(want))):
					t.Errorf("%s = %v, want %s", what, got, want)
				}
			}
			check("RespondBy", d.RespondBy, tt.respondBy)
			check("BuyerShipBy", d.BuyerShipBy, tt.shipBy)
			check("RefundBy", d.RefundBy, tt.refundBy)
			if d.AutoActionAt == nil || !d.AutoActionAt.Equal(at) || d.AutoAction != tt.auto {
				t.Errorf("auto action %v %q, want %v %q", d.AutoActionAt, d.AutoAction, at, tt.auto)
			}
		})
	}
}

func TestClassifyErrorResponses(t *testing.T) {
	tests := []struct {
		code, msg, sub, subMsg string
		want                   adapters.ErrorKind
	}{
		{"IncompleteSignature", "The request signature does not conform to platform standards", "", "", adapters.KindAuth},
		{"IllegalAccessToken", "The specified access token is invalid or expired", "", "", adapters.KindAuth},
		{"InvalidTimestamp", "timestamp", "", "", adapters.KindAuth},
		{"25", "Invalid signature", "", "", adapters.KindAuth},
		{"27", "Invalid session", "", "", adapters.KindAuth},
		{"ApiCallLimit", "The request has failed due to api call limit", "", "This ban will last 1 more seconds", adapters.KindRateLimited},
		{"7", "App Call Limited", "accesscontrol.limited-by-app-access-count", "", adapters.KindRateLimited},
		{"15", "Remote service error", "isv.api-frequency-limit", "", adapters.KindRateLimited},
		{"MissingParameter", "The input parameter issue_id is not supplied", "", "", adapters.KindInvalid},
		{"InvalidParameter", "page_size", "", "", adapters.KindInvalid},
		{"15", "Remote service error", "isv.invalid-parameter", "", adapters.KindInvalid},
		{"15", "Remote service error", "isv.issue_not_exist", "The issue does not exist", adapters.KindNotFound},
		{"15", "Remote service error", "isv.issue_status_not_allowed", "", adapters.KindState},
		{"15", "Remote service error", "isp.unknown-error", "", adapters.KindUnavailable},
		{"isp.system-error", "System error", "", "", adapters.KindUnavailable},
		{"UnknownRuntimeException", "", "", "", adapters.KindUnavailable},
		{"SomethingNew", "Something we never saw", "", "", adapters.KindInvalid},
	}
	for _, tt := range tests {
		e := &aliexpresswire.ErrorResponse{Code: aliexpresswire.Text(tt.code), Msg: aliexpresswire.Text(tt.msg), SubCode: aliexpresswire.Text(tt.sub), SubMsg: aliexpresswire.Text(tt.subMsg)}
		if got := classify(e); got != tt.want {
			t.Errorf("classify(%s/%s %q) = %s, want %s", tt.code, tt.sub, tt.msg, got, tt.want)
		}
	}
	pe := platformError(&aliexpresswire.ErrorResponse{Code: "ApiCallLimit", Msg: "limit", SubMsg: "This ban will last 3 more seconds"})
	if pe.RetryAfter != 3*time.Second {
		t.Errorf("ban length %v, want 3s", pe.RetryAfter)
	}
}

// TestParsePacificRejectsYear9999: in UTC, or with a deadline added, such a
// time has no JSON form, so a case holding it could not be stored (found by
// FuzzNormalize).
func TestParsePacificRejectsYear9999(t *testing.T) {
	if p, ok, err := parsePacific("9999-12-31 23:20:56"); err == nil || ok {
		t.Fatalf("parsePacific = %+v, %v, %v; want an error", p, ok, err)
	}
	if _, ok, err := parsePacific("9998-12-31 23:20:56"); err != nil || !ok {
		t.Fatalf("parsePacific(9998) = %v, %v", ok, err)
	}
}
