package returns

import (
	"time"
	"unicode"
	"unicode/utf8"
)

// Grade is the seller's grading of returned goods on arrival (OPS-GRADES).
type Grade string

// The grades.
const (
	GradeA Grade = "A" // resellable as new
	GradeB Grade = "B" // open box or minor flaws
	GradeC Grade = "C" // damaged
)

// Valid reports whether g is a known grade.
func (g Grade) Valid() bool { return g == GradeA || g == GradeB || g == GradeC }

// Disposition is what becomes of graded goods.
type Disposition string

// The dispositions.
const (
	DispositionRestock   Disposition = "RESTOCK"   // back into sellable stock
	DispositionOutlet    Disposition = "OUTLET"    // sold through an outlet channel
	DispositionLiquidate Disposition = "LIQUIDATE" // sold off in bulk
	DispositionDispose   Disposition = "DISPOSE"   // written off
)

// Valid reports whether d is a known disposition.
func (d Disposition) Valid() bool {
	switch d {
	case DispositionRestock, DispositionOutlet, DispositionLiquidate, DispositionDispose:
		return true
	}
	return false
}

// DefaultDisposition is OPS-GRADES' disposition for a grade: A→RESTOCK,
// B→OUTLET, C→LIQUIDATE (C may be disposed of instead, by the seller's choice).
func DefaultDisposition(g Grade) Disposition {
	switch g {
	case GradeA:
		return DispositionRestock
	case GradeB:
		return DispositionOutlet
	case GradeC:
		return DispositionLiquidate
	}
	return ""
}

// Inspection is the seller's record of returned goods on arrival: the
// gateway's own, never sent to a platform. A case has at most one; grading
// again replaces it (the event log keeps the history).
type Inspection struct {
	Grade          Grade
	Disposition    Disposition
	Notes          string
	RecoveredValue Money // what the goods are expected to bring back, >= 0, in the case's currency
	// EvidenceIDs are the gateway's evidence ids (photos), stored as given.
	EvidenceIDs []string
	InspectedAt time.Time // UTC
}

// Limits on an inspection's free-form parts.
const (
	MaxInspectionNotes    = 2000 // characters
	MaxInspectionEvidence = 20
	MaxEvidenceID         = 128 // bytes
)

// Validate checks an inspection of the case: a known grade and disposition,
// bounded notes and evidence ids, and a recovered value that is not negative
// and in the case's currency (when the case states one). Every problem is an
// INVALID error naming its input field.
func (in *Inspection) Validate(c *Case) *Error {
	bad := func(field, format string, args ...any) *Error {
		return Errorf(CodeInvalid, format, args...).WithField("input", field)
	}
	switch {
	case !in.Grade.Valid():
		return bad("grade", "unknown grade %q", in.Grade)
	case !in.Disposition.Valid():
		return bad("disposition", "unknown disposition %q", in.Disposition)
	case !utf8.ValidString(in.Notes) || utf8.RuneCountInString(in.Notes) > MaxInspectionNotes:
		return bad("notes", "notes must be at most %d characters", MaxInspectionNotes)
	case in.RecoveredValue.Minor < 0:
		return bad("recoveredValue", "the recovered value must not be negative")
	case len(in.EvidenceIDs) > MaxInspectionEvidence:
		return bad("evidenceIds", "at most %d evidence ids", MaxInspectionEvidence)
	}
	if _, ok := CurrencyExponent(in.RecoveredValue.Currency); !ok {
		return bad("recoveredValue", "unknown currency %q", in.RecoveredValue.Currency)
	}
	if cur := CaseCurrency(c); cur != "" && in.RecoveredValue.Currency != cur {
		return bad("recoveredValue", "the recovered value is in %s but the case is in %s", in.RecoveredValue.Currency, cur)
	}
	seen := make(map[string]bool, len(in.EvidenceIDs))
	for _, id := range in.EvidenceIDs {
		if id == "" || len(id) > MaxEvidenceID || !printable(id) {
			return bad("evidenceIds", "an evidence id must be 1 to %d printable bytes without spaces", MaxEvidenceID)
		}
		if seen[id] {
			return bad("evidenceIds", "evidence id %q given twice", id)
		}
		seen[id] = true
	}
	return nil
}

func printable(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return false
		}
	}
	return utf8.ValidString(s)
}

// CaseCurrency is the currency of the case's order: its requested refund's,
// else its first priced line's; "" when the case states none.
func CaseCurrency(c *Case) string {
	if c.RequestedRefund != nil && c.RequestedRefund.Currency != "" {
		return c.RequestedRefund.Currency
	}
	for _, l := range c.Lines {
		if l.UnitPrice.Currency != "" {
			return l.UnitPrice.Currency
		}
	}
	return ""
}

// GoodsBack reports whether the returned goods have reached the seller, so
// that they can be inspected: the case was received (ReceivedAt, or status
// RECEIVED), the return parcel was signed for, or a return parcel was sent
// and the case has gone on past receipt (XHS confirms receipt and refunds in
// one step: its cases go from IN_TRANSIT to REFUND_PENDING).
func GoodsBack(c *Case) bool {
	if c.Kind == KindRefundOnly {
		return false // nothing comes back
	}
	if c.ReceivedAt != nil || c.Status == StatusReceived {
		return true
	}
	if c.ReturnShipment == nil {
		return false
	}
	switch c.Status {
	case StatusRefundPending, StatusRefunded, StatusExchangeShipped, StatusCompleted:
		return true
	}
	return c.ReturnShipment.SignedAt != nil
}

// GradeBy is the grading deadline of OPS-GRADES: one business day after the
// goods arrived, counted in China time (the sellers' warehouses): the same
// wall-clock time on the next weekday, so Friday's arrival is due on Monday;
// goods that arrive on a weekend count from Monday 00:00 and are due by
// Tuesday 00:00. Public holidays are not modelled. Nil when the goods are
// not back or their arrival time is unknown.
func GradeBy(c *Case) *time.Time {
	at := receivedAt(c)
	if at == nil || !GoodsBack(c) {
		return nil
	}
	t := BusinessDayAfter(*at, Shanghai)
	return &t
}

// receivedAt is when the goods arrived: ReceivedAt, else the parcel's signature.
func receivedAt(c *Case) *time.Time {
	if c.ReceivedAt != nil {
		return c.ReceivedAt
	}
	if c.ReturnShipment != nil {
		return c.ReturnShipment.SignedAt
	}
	return nil
}

// GradeDue reports whether the case waits for grading: its goods are back,
// not yet inspected, and the case is still open.
func GradeDue(c *Case) bool {
	return c.Inspection == nil && c.Status.Open() && GoodsBack(c) && receivedAt(c) != nil
}

// BusinessDayAfter is t plus one business day in loc (Monday to Friday; no
// holidays): an instant on a weekend first moves to the next Monday 00:00.
// The result is in UTC.
func BusinessDayAfter(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	if weekend(l.Weekday()) {
		y, m, d := l.Date()
		for l = time.Date(y, m, d+1, 0, 0, 0, 0, loc); weekend(l.Weekday()); l = l.AddDate(0, 0, 1) {
		}
	}
	l = l.AddDate(0, 0, 1)
	for weekend(l.Weekday()) {
		l = l.AddDate(0, 0, 1)
	}
	return l.UTC()
}

func weekend(d time.Weekday) bool { return d == time.Saturday || d == time.Sunday }
