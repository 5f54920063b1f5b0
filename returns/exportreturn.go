package returns

import (
	"time"
	"unicode"
	"unicode/utf8"
)

// An export return (XB-EXPORT-RETURN, seed 002) is a workflow the gateway
// keeps on an Alibaba.com B2B case: six steps in a fixed order, each with a
// deadline that counts from the completion of the step before it. The
// platform's API knows nothing of it; the gateway is its system of record.

// ExportStepKind names a step of an export return.
type ExportStepKind string

// The steps, in the order they must be completed.
const (
	ExportApplication      ExportStepKind = "APPLICATION"       // the application with the sales contract and invoice
	ExportReview           ExportStepKind = "REVIEW"            // the platform's review of the application
	ExportLogisticsChannel ExportStepKind = "LOGISTICS_CHANNEL" // the goods handed to the exporter's channel and accepted within the carrier's limit
	ExportReturnPeriod     ExportStepKind = "RETURN_PERIOD"     // the goods back within the contract's return period
	ExportCustomsChecklist ExportStepKind = "CUSTOMS_CHECKLIST" // quality and original packaging checked for customs, at inspection
	ExportFreightInsurance ExportStepKind = "FREIGHT_INSURANCE" // the exporter settles the return freight and insurance
)

// ExportStepKinds lists the steps in their order.
var ExportStepKinds = []ExportStepKind{ExportApplication, ExportReview, ExportLogisticsChannel,
	ExportReturnPeriod, ExportCustomsChecklist, ExportFreightInsurance}

// Index returns the step's place in ExportStepKinds, -1 for an unknown kind.
func (k ExportStepKind) Index() int {
	for i, x := range ExportStepKinds {
		if x == k {
			return i
		}
	}
	return -1
}

// ExportStepState is where a step stands against the clock.
type ExportStepState string

// The states of a step.
const (
	ExportStepOpen    ExportStepState = "OPEN"
	ExportStepDone    ExportStepState = "DONE"
	ExportStepOverdue ExportStepState = "OVERDUE"
)

// ExportCheckItem is one point of the customs checklist.
type ExportCheckItem string

// The points the customs checklist must record (seed 002's return
// requirements 2 and 3).
const (
	CheckQualityStandard  ExportCheckItem = "QUALITY_STANDARD"   // meets the contract's quality standard
	CheckNoObviousDefects ExportCheckItem = "NO_OBVIOUS_DEFECTS" // no obvious defects or damage
	CheckOriginalPackage  ExportCheckItem = "ORIGINAL_PACKAGING" // in its original packaging, for customs inspection
)

// ExportCheckItems lists every point the checklist must answer.
var ExportCheckItems = []ExportCheckItem{CheckQualityStandard, CheckNoObviousDefects, CheckOriginalPackage}

// ExportCheck is one answered point of the checklist.
type ExportCheck struct {
	Item ExportCheckItem
	OK   bool
	Note string
}

// ExportStep is one step's record.
type ExportStep struct {
	Kind ExportStepKind
	// DueBy is set once the step before it is complete (the application's
	// from the delivery, when known); nil until then.
	DueBy       *time.Time
	CompletedAt *time.Time
	Note        string
	// Checklist is the customs checklist, on CUSTOMS_CHECKLIST only.
	Checklist []ExportCheck
}

// State is the step's state at now: DONE once completed, OVERDUE when its
// deadline has passed without completion, OPEN otherwise.
func (s *ExportStep) State(now time.Time) ExportStepState {
	switch {
	case s.CompletedAt != nil:
		return ExportStepDone
	case s.DueBy != nil && !now.Before(*s.DueBy):
		return ExportStepOverdue
	}
	return ExportStepOpen
}

// ExportReturn is the export-return workflow of one case.
type ExportReturn struct {
	Key                CaseKey
	ContractNo         string
	ContractReturnDays int
	// SalesContractIDs and InvoiceIDs are evidence ids, stored as given.
	SalesContractIDs []string
	InvoiceIDs       []string
	// LogisticsChannel is the channel the exporter designates; Carrier the
	// company that runs it; CarrierAcceptanceHours the time it allows to
	// accept the goods.
	LogisticsChannel       string
	Carrier                string
	CarrierAcceptanceHours int
	// Freight and Insurance are the return costs the exporter bears, known
	// once FREIGHT_INSURANCE is complete.
	Freight   *Money
	Insurance *Money
	Steps     []ExportStep // one per kind, in ExportStepKinds order
	StartedAt time.Time
	Version   int64 // set by the store: one up with every save
}

// ExportTerms are what the rules need of a case's export return; the case
// carries them (Case.Export) so every verdict, deadline and refund of the
// case follows the contract without another read.
type ExportTerms struct {
	ContractReturnDays int
	Freight            *Money `json:",omitempty"`
	Insurance          *Money `json:",omitempty"`
}

// Terms returns the terms the case carries for the rules.
func (x *ExportReturn) Terms() *ExportTerms {
	return &ExportTerms{ContractReturnDays: x.ContractReturnDays, Freight: x.Freight, Insurance: x.Insurance}
}

// Step returns the step of the kind.
func (x *ExportReturn) Step(k ExportStepKind) *ExportStep {
	if i := k.Index(); i >= 0 && i < len(x.Steps) {
		return &x.Steps[i]
	}
	return nil
}

// The periods of the steps that neither the contract nor the carrier sets.
// Seed 002 names none; these are the gateway's defaults (ASSUMED, see
// docs/platforms.md).
const (
	ExportReviewPeriod      = 3 * 24 * time.Hour // the platform reviews the application
	ExportChecklistPeriod   = 24 * time.Hour     // inspection within one business day of arrival (seed 004)
	ExportSettlementPeriod  = 7 * 24 * time.Hour // freight and insurance settled after the inspection
	MaxContractReturnDays   = 365
	MaxCarrierAcceptanceHrs = 30 * 24
	MaxExportDocuments      = 10
	maxExportText           = 200
)

// ExportStart is the application that starts an export return.
type ExportStart struct {
	ContractNo             string
	ContractReturnDays     int
	SalesContractIDs       []string
	InvoiceIDs             []string
	LogisticsChannel       string
	Carrier                string
	CarrierAcceptanceHours int
	Note                   string
}

// Validate checks an application: INVALID with the field at fault.
func (s *ExportStart) Validate() *Error {
	bad := func(field, format string, args ...any) *Error {
		return Errorf(CodeInvalid, format, args...).WithField("input", field)
	}
	text := func(field, v string, required bool) *Error {
		switch {
		case required && v == "":
			return bad(field, "%s is required", field)
		case !utf8.ValidString(v) || utf8.RuneCountInString(v) > maxExportText:
			return bad(field, "%s must be at most %d characters", field, maxExportText)
		}
		return nil
	}
	ids := func(field string, v []string) *Error {
		if len(v) == 0 || len(v) > MaxExportDocuments {
			return bad(field, "%s needs 1 to %d evidence ids", field, MaxExportDocuments)
		}
		for _, id := range v {
			if e := text(field, id, true); e != nil {
				return e
			}
			for _, r := range id {
				if unicode.IsSpace(r) || !unicode.IsPrint(r) {
					return bad(field, "an evidence id must be printable without spaces")
				}
			}
		}
		return nil
	}
	for _, e := range []*Error{
		text("contractNumber", s.ContractNo, true),
		text("logisticsChannel", s.LogisticsChannel, true),
		text("carrier", s.Carrier, true),
		ids("salesContractEvidenceIds", s.SalesContractIDs),
		ids("invoiceEvidenceIds", s.InvoiceIDs),
	} {
		if e != nil {
			return e
		}
	}
	if s.ContractReturnDays < 1 || s.ContractReturnDays > MaxContractReturnDays {
		return bad("contractReturnDays", "contractReturnDays must be between 1 and %d", MaxContractReturnDays)
	}
	if s.CarrierAcceptanceHours < 1 || s.CarrierAcceptanceHours > MaxCarrierAcceptanceHrs {
		return bad("carrierAcceptanceHours", "carrierAcceptanceHours must be between 1 and %d", MaxCarrierAcceptanceHrs)
	}
	if !utf8.ValidString(s.Note) || utf8.RuneCountInString(s.Note) > 1000 {
		return bad("note", "note must be at most 1000 characters")
	}
	return nil
}

// ExportWindowCloses is the end of the contract's return period for a case
// delivered at delivered: whole days in Alibaba.com's zone, counted as
// ALIBABA-7D counts its seven.
func ExportWindowCloses(delivered time.Time, days int) time.Time {
	return dayEnd(delivered, days, Pacific)
}

// StartExportReturn opens the workflow on c at now: the application is its
// first step, complete at once; the review's deadline runs from it. Only an
// Alibaba.com case may have one (UNSUPPORTED_ON_PLATFORM); an application
// after the contract's return period is a RULE_VIOLATION of XB-EXPORT-RETURN.
func StartExportReturn(c *Case, in ExportStart, now time.Time) (*ExportReturn, *Error) {
	if c.Platform != Alibaba {
		return nil, Errorf(CodeUnsupported, "export returns are for Alibaba.com B2B orders, not %s", c.Platform)
	}
	if e := in.Validate(); e != nil {
		return nil, e
	}
	if c.Kind == KindExchange {
		return nil, Errorf(CodeInvalidState, "an exchange is not an export return")
	}
	if !c.Status.Open() {
		return nil, Errorf(CodeInvalidState, "the case is %s", c.Status)
	}
	now = now.UTC()
	x := &ExportReturn{
		Key: c.Key(), ContractNo: in.ContractNo, ContractReturnDays: in.ContractReturnDays,
		SalesContractIDs: in.SalesContractIDs, InvoiceIDs: in.InvoiceIDs,
		LogisticsChannel: in.LogisticsChannel, Carrier: in.Carrier, CarrierAcceptanceHours: in.CarrierAcceptanceHours,
		StartedAt: now,
	}
	for _, k := range ExportStepKinds {
		x.Steps = append(x.Steps, ExportStep{Kind: k})
	}
	app := &x.Steps[0]
	if c.DeliveredAt != nil {
		due := ExportWindowCloses(*c.DeliveredAt, in.ContractReturnDays)
		app.DueBy = &due
		if !now.Before(due) {
			return nil, &Error{Code: CodeRuleViolation, RuleID: RuleXBExportReturn,
				Message: "the contract's return period of " + itoa(in.ContractReturnDays) + " days after delivery has ended (XB-EXPORT-RETURN)"}
		}
	}
	app.CompletedAt, app.Note = &now, in.Note
	x.setNextDue(0)
	return x, nil
}

// ExportCompletion is what completing one step records.
type ExportCompletion struct {
	Kind      ExportStepKind
	Note      string
	Checklist []ExportCheck // CUSTOMS_CHECKLIST: every item of ExportCheckItems, once
	Freight   *Money        // FREIGHT_INSURANCE: both, in the order's currency
	Insurance *Money
}

// Complete completes the next step of the workflow at now and returns the
// workflow as it then stands; x is not changed. A step out of order, or one
// already complete, is INVALID_STATE; a checklist or amounts that do not fit
// the step are INVALID. currency is the order's ("" when the case states no
// amount).
func (x *ExportReturn) Complete(in ExportCompletion, currency string, now time.Time) (*ExportReturn, *Error) {
	i := in.Kind.Index()
	if i < 0 {
		return nil, Errorf(CodeInvalid, "unknown step %q", in.Kind).WithField("input", "step")
	}
	next := x.next()
	switch {
	case next < 0 || i < next:
		return nil, Errorf(CodeInvalidState, "step %s is already complete", in.Kind)
	case i > next:
		return nil, Errorf(CodeInvalidState, "step %s comes before %s", ExportStepKinds[next], in.Kind)
	}
	if !utf8.ValidString(in.Note) || utf8.RuneCountInString(in.Note) > 1000 {
		return nil, Errorf(CodeInvalid, "note must be at most 1000 characters").WithField("input", "note")
	}
	if in.Kind != ExportCustomsChecklist && len(in.Checklist) > 0 {
		return nil, Errorf(CodeInvalid, "a checklist belongs to %s only", ExportCustomsChecklist).WithField("input", "checklist")
	}
	if in.Kind != ExportFreightInsurance && (in.Freight != nil || in.Insurance != nil) {
		return nil, Errorf(CodeInvalid, "freight and insurance belong to %s only", ExportFreightInsurance).WithField("input", "freight")
	}
	y := x.clone()
	now = now.UTC()
	st := &y.Steps[i]
	switch in.Kind {
	case ExportCustomsChecklist:
		if e := checkList(in.Checklist); e != nil {
			return nil, e
		}
		st.Checklist = append([]ExportCheck(nil), in.Checklist...)
	case ExportFreightInsurance:
		for _, f := range []struct {
			name string
			m    *Money
		}{{"freight", in.Freight}, {"insurance", in.Insurance}} {
			switch {
			case f.m == nil:
				return nil, Errorf(CodeInvalid, "%s is required: the exporter bears it (XB-EXPORT-RETURN)", f.name).WithField("input", f.name)
			case f.m.Minor < 0:
				return nil, Errorf(CodeInvalid, "%s must not be negative", f.name).WithField("input", f.name)
			case currency != "" && f.m.Currency != currency:
				return nil, &Error{Code: CodeInvalid, RuleID: RuleGWRefundCurrency, Field: []string{"input", f.name},
					Message: f.name + " is in " + f.m.Currency + " but the order is in " + currency}
			}
		}
		fr, ins := *in.Freight, *in.Insurance
		y.Freight, y.Insurance = &fr, &ins
	}
	st.CompletedAt, st.Note = &now, in.Note
	y.setNextDue(i)
	return y, nil
}

// checkList requires every item exactly once.
func checkList(items []ExportCheck) *Error {
	seen := map[ExportCheckItem]bool{}
	for _, it := range items {
		switch {
		case !validItem(it.Item):
			return Errorf(CodeInvalid, "unknown checklist item %q", it.Item).WithField("input", "checklist")
		case seen[it.Item]:
			return Errorf(CodeInvalid, "checklist item %s given twice", it.Item).WithField("input", "checklist")
		case !utf8.ValidString(it.Note) || utf8.RuneCountInString(it.Note) > maxExportText:
			return Errorf(CodeInvalid, "a checklist note must be at most %d characters", maxExportText).WithField("input", "checklist")
		}
		seen[it.Item] = true
	}
	if len(seen) != len(ExportCheckItems) {
		return Errorf(CodeInvalid, "the customs checklist must answer each of %v", ExportCheckItems).WithField("input", "checklist")
	}
	return nil
}

func validItem(it ExportCheckItem) bool {
	for _, x := range ExportCheckItems {
		if x == it {
			return true
		}
	}
	return false
}

// next is the index of the first step not complete, -1 when all are.
func (x *ExportReturn) next() int {
	for i := range x.Steps {
		if x.Steps[i].CompletedAt == nil {
			return i
		}
	}
	return -1
}

// Done reports whether every step is complete.
func (x *ExportReturn) Done() bool { return x.next() < 0 }

// setNextDue sets the deadline of the step after i from i's completion:
// the review's fixed period, the carrier's acceptance limit, the contract's
// return period, the inspection's day, the settlement period.
func (x *ExportReturn) setNextDue(i int) {
	if i+1 >= len(x.Steps) || x.Steps[i].CompletedAt == nil {
		return
	}
	from := *x.Steps[i].CompletedAt
	var due time.Time
	switch x.Steps[i+1].Kind {
	case ExportReview:
		due = from.Add(ExportReviewPeriod)
	case ExportLogisticsChannel:
		due = from.Add(time.Duration(x.CarrierAcceptanceHours) * time.Hour)
	case ExportReturnPeriod:
		due = ExportWindowCloses(from, x.ContractReturnDays)
	case ExportCustomsChecklist:
		due = from.Add(ExportChecklistPeriod)
	case ExportFreightInsurance:
		due = from.Add(ExportSettlementPeriod)
	}
	due = due.UTC()
	x.Steps[i+1].DueBy = &due
}

// clone is a deep copy, so a completion never changes the stored value.
func (x *ExportReturn) clone() *ExportReturn {
	y := *x
	y.SalesContractIDs = append([]string(nil), x.SalesContractIDs...)
	y.InvoiceIDs = append([]string(nil), x.InvoiceIDs...)
	y.Steps = make([]ExportStep, len(x.Steps))
	for i, s := range x.Steps {
		s.Checklist = append([]ExportCheck(nil), s.Checklist...)
		y.Steps[i] = s
	}
	return &y
}
