package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/returnsgw/returnsgw/returns"
)

// inspectionWrite is the statement that stores k's inspection (see
// store.InspectionStore), and its arguments: queued with the case's write.
func inspectionWrite(org returns.OrgID, k *returns.Case) (string, []any, error) {
	in := k.Inspection
	ids := in.EvidenceIDs
	if ids == nil {
		ids = []string{}
	}
	ev, err := json.Marshal(ids)
	if err != nil {
		return "", nil, err
	}
	return `INSERT INTO inspections (org, platform, case_id, grade, disposition,
			recovered_minor, recovered_currency, notes, evidence_ids, inspected_ns)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (org, platform, case_id) DO UPDATE SET grade = excluded.grade, disposition = excluded.disposition,
			recovered_minor = excluded.recovered_minor, recovered_currency = excluded.recovered_currency,
			notes = excluded.notes, evidence_ids = excluded.evidence_ids, inspected_ns = excluded.inspected_ns`,
		[]any{string(org), string(k.Platform), k.PlatformCaseID, string(in.Grade), string(in.Disposition),
			in.RecoveredValue.Minor, in.RecoveredValue.Currency, in.Notes, string(ev), in.InspectedAt.UnixNano()}, nil
}

const inspectionSQL = `SELECT grade, disposition, recovered_minor, recovered_currency, notes, evidence_ids, inspected_ns
	FROM inspections WHERE org = $1 AND platform = $2 AND case_id = $3`

// Inspection returns the case's stored inspection; see store.InspectionStore.
func (s *Store) Inspection(ctx context.Context, org returns.OrgID, key returns.CaseKey) (*returns.Inspection, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	in, err := scanInspection(s.pool.QueryRow(ctx, inspectionSQL, string(org), string(key.Platform), key.PlatformCaseID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, returns.Errorf(returns.CodeNotFound, "no inspection of case %s/%s", key.Platform, key.PlatformCaseID)
	}
	if err != nil {
		return nil, storeErr("get inspection", err)
	}
	return in, nil
}

func scanInspection(row pgx.Row) (*returns.Inspection, error) {
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
		return nil, fmt.Errorf("postgres: decode inspection evidence: %w", err)
	}
	if len(in.EvidenceIDs) == 0 {
		in.EvidenceIDs = nil
	}
	return &in, nil
}
