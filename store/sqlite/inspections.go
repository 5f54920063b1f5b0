package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// writeInspection writes the case's inspection into the inspections table,
// inside the case's write transaction (see store.InspectionStore).
func writeInspection(ctx context.Context, tx *sql.Tx, org returns.OrgID, k *returns.Case) error {
	in := k.Inspection
	ids := in.EvidenceIDs
	if ids == nil {
		ids = []string{}
	}
	ev, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO inspections (org, platform, case_id, grade, disposition,
			recovered_minor, recovered_currency, notes, evidence_ids, inspected_ns)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org, platform, case_id) DO UPDATE SET grade = excluded.grade, disposition = excluded.disposition,
			recovered_minor = excluded.recovered_minor, recovered_currency = excluded.recovered_currency,
			notes = excluded.notes, evidence_ids = excluded.evidence_ids, inspected_ns = excluded.inspected_ns`,
		string(org), string(k.Platform), k.PlatformCaseID, string(in.Grade), string(in.Disposition),
		in.RecoveredValue.Minor, in.RecoveredValue.Currency, in.Notes, string(ev), in.InspectedAt.UnixNano())
	return err
}

const inspectionSQL = `SELECT grade, disposition, recovered_minor, recovered_currency, notes, evidence_ids, inspected_ns
	FROM inspections WHERE org = ? AND platform = ? AND case_id = ?`

// Inspection returns the case's stored inspection; see store.InspectionStore.
func (s *Store) Inspection(ctx context.Context, org returns.OrgID, key returns.CaseKey) (*returns.Inspection, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	in, err := scanInspection(s.r.QueryRowContext(ctx, inspectionSQL, string(org), string(key.Platform), key.PlatformCaseID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, returns.Errorf(returns.CodeNotFound, "no inspection of case %s/%s", key.Platform, key.PlatformCaseID)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: get inspection: %w", err)
	}
	return in, nil
}

func scanInspection(row *sql.Row) (*returns.Inspection, error) {
	var (
		in        returns.Inspection
		grade, dp string
		ev        string
		at        int64
	)
	if err := row.Scan(&grade, &dp, &in.RecoveredValue.Minor, &in.RecoveredValue.Currency, &in.Notes, &ev, &at); err != nil {
		return nil, err
	}
	in.Grade, in.Disposition, in.InspectedAt = returns.Grade(grade), returns.Disposition(dp), fromNS(at)
	if err := json.Unmarshal([]byte(ev), &in.EvidenceIDs); err != nil {
		return nil, fmt.Errorf("decode inspection evidence: %w", err)
	}
	if len(in.EvidenceIDs) == 0 {
		in.EvidenceIDs = nil
	}
	return &in, nil
}

// restoreInspection gives a write of a case without an inspection the one
// stored, if any, inside the write's transaction: re-encoding the document
// and its fingerprint, so that a view that differs only by it is unchanged.
func restoreInspection(ctx context.Context, tx *sql.Tx, p *pendingWrite) error {
	in, err := scanInspection(tx.QueryRowContext(ctx, inspectionSQL, p.key...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	p.k.Inspection = in
	p.doc, p.fp, err = store.Encode(&p.k)
	return err
}
