package store

import (
	"context"

	"github.com/returnsgw/returnsgw/returns"
)

// InspectionStore is the inspections part of the contract. An inspection is
// written with its case: UpsertCase of a case whose Inspection is set writes
// the inspections row (org, platform, case_id) in the same transaction as the
// case and its event, replacing an earlier grading; a write that fails leaves
// neither. Analytics reads that table with SQL; a write never deletes a row
// (the gateway has no way to take an inspection back), and
// ResetOrganisation deletes the organisation's rows.
//
// A write of a case whose goods are back but which carries no inspection (a
// platform view read before the grading was stored, on another replica) gets
// the stored one inside its transaction: the grading is never dropped from
// the case, and a view that differs only by it is unchanged.
type InspectionStore interface {
	// Inspection returns the case's stored inspection: NOT_FOUND when the
	// case was not inspected, or is not the organisation's.
	Inspection(ctx context.Context, org returns.OrgID, key returns.CaseKey) (*returns.Inspection, error)
}
