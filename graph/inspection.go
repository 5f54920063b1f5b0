package graph

import (
	"strings"

	"github.com/returnsgw/returnsgw/graph/model"
	"github.com/returnsgw/returnsgw/returns"
)

// recordInspectionMutation reads returnRecordInspection's input. The checks
// that need the case (receipt, currency, a negative value) are the actions
// service's, so that every caller gets them.
func recordInspectionMutation(in model.ReturnRecordInspectionInput) *mutation {
	m := &mutation{action: returns.ActionRecordInspection, id: in.ID, key: in.IdempotencyKey}
	ins := &returns.Inspection{Grade: in.Grade, EvidenceIDs: in.EvidenceIds}
	if in.Disposition != nil {
		ins.Disposition = *in.Disposition
	}
	ins.Notes = m.text("notes", in.Notes, returns.MaxInspectionNotes)
	m.check(len(in.EvidenceIds) <= returns.MaxInspectionEvidence, returns.Errorf(returns.CodeInvalid,
		"at most %d evidence ids", returns.MaxInspectionEvidence).WithField("input", "evidenceIds"))
	if v := in.RecoveredValue; v != nil {
		money, err := parseInputMoney(v.Amount, strings.ToUpper(strings.TrimSpace(v.CurrencyCode)))
		if err != nil {
			m.errs = append(m.errs, returns.Errorf(returns.CodeInvalid, "%s", returns.ErrorMessage(err)).WithField("input", "recoveredValue"))
		}
		ins.RecoveredValue = money
	}
	m.inspection = ins
	in.IdempotencyKey = nil
	m.input = in
	return m
}
