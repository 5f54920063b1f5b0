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

var _ store.EvidenceStore = (*Store)(nil)

const evidenceColumns = `id, platform, case_id, kind, file_name, content_type, size, sha256, uploaded_ns`

// AddEvidence stores a file on a case and counts it against the quota, in
// one transaction on the one writer connection.
func (s *Store) AddEvidence(ctx context.Context, org returns.OrgID, e *store.Evidence, data []byte, quota int64) (*store.Evidence, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	if err := store.CheckEvidence(e, data); err != nil {
		return nil, err
	}
	out := *e
	if out.ID == "" {
		out.ID = store.NewEvidenceID()
	}
	out.Size = int64(len(data))
	out.UploadedAt = s.now().UTC()
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: add evidence: %w", err)
	}
	defer rollback(tx)
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM cases WHERE org = ? AND platform = ? AND case_id = ?`,
		string(org), string(out.Case.Platform), out.Case.PlatformCaseID).Scan(&n); err != nil {
		return nil, fmt.Errorf("sqlite: add evidence: %w", err)
	}
	if n == 0 {
		return nil, returns.Errorf(returns.CodeNotFound, "no such case")
	}
	// The usage row is updated first: the statement itself refuses to pass
	// the quota, so no read-then-write gap exists.
	res, err := tx.ExecContext(ctx, `INSERT INTO evidence_usage (org, bytes) SELECT ?, ? WHERE ? <= 0 OR ? <= ?
		ON CONFLICT (org) DO UPDATE SET bytes = bytes + excluded.bytes WHERE ? <= 0 OR bytes + excluded.bytes <= ?`,
		string(org), out.Size, quota, out.Size, quota, quota, quota)
	if err != nil {
		return nil, fmt.Errorf("sqlite: add evidence: %w", err)
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return nil, returns.Errorf(store.CodeQuotaExceeded, "the organisation's evidence quota of %d bytes would be exceeded", quota)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO evidence (org, `+evidenceColumns+`, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		string(org), out.ID, string(out.Case.Platform), out.Case.PlatformCaseID, string(out.Kind), out.FileName,
		out.ContentType, out.Size, out.SHA256, out.UploadedAt.UnixNano(), data); err != nil {
		return nil, fmt.Errorf("sqlite: add evidence: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: add evidence: %w", err)
	}
	return &out, nil
}

// scanEvidence reads evidenceColumns, then any extra columns into extra.
func scanEvidence(sc interface{ Scan(...any) error }, e *store.Evidence, extra ...any) error {
	var platform, kind string
	var ns int64
	dest := append([]any{&e.ID, &platform, &e.Case.PlatformCaseID, &kind, &e.FileName, &e.ContentType, &e.Size, &e.SHA256, &ns}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return err
	}
	e.Case.Platform, e.Kind, e.UploadedAt = returns.PlatformID(platform), store.EvidenceKind(kind), timeOf(ns)
	return nil
}

// ListEvidence returns a case's evidence, oldest first.
func (s *Store) ListEvidence(ctx context.Context, org returns.OrgID, key returns.CaseKey) ([]store.Evidence, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+evidenceColumns+` FROM evidence
		WHERE org = ? AND platform = ? AND case_id = ? ORDER BY uploaded_ns, id`, string(org), string(key.Platform), key.PlatformCaseID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list evidence: %w", err)
	}
	defer rows.Close()
	out := []store.Evidence{}
	for rows.Next() {
		var e store.Evidence
		if err := scanEvidence(rows, &e); err != nil {
			return nil, fmt.Errorf("sqlite: list evidence: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// GetEvidence returns one piece of evidence with its bytes.
func (s *Store) GetEvidence(ctx context.Context, org returns.OrgID, id string) (*store.Evidence, []byte, error) {
	if err := checkOrg(org); err != nil {
		return nil, nil, err
	}
	if !store.ValidEvidenceID(id) {
		return nil, nil, returns.Errorf(returns.CodeNotFound, "no such evidence")
	}
	var e store.Evidence
	var data []byte
	row := s.r.QueryRowContext(ctx, `SELECT `+evidenceColumns+`, data FROM evidence WHERE org = ? AND id = ?`, string(org), id)
	err := scanEvidence(row, &e, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, returns.Errorf(returns.CodeNotFound, "no such evidence")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite: get evidence: %w", err)
	}
	return &e, data, nil
}

// EvidenceExists checks that every id is evidence on the case.
func (s *Store) EvidenceExists(ctx context.Context, org returns.OrgID, key returns.CaseKey, ids []string) error {
	if err := checkOrg(org); err != nil {
		return err
	}
	if err := store.CheckEvidenceIDs(ids); err != nil {
		return err
	}
	for _, id := range ids {
		var n int
		if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM evidence WHERE org = ? AND id = ? AND platform = ? AND case_id = ?`,
			string(org), id, string(key.Platform), key.PlatformCaseID).Scan(&n); err != nil {
			return fmt.Errorf("sqlite: evidence exists: %w", err)
		}
		if n == 0 {
			return returns.Errorf(returns.CodeInvalid, "evidence %s is not on this case", id).WithField("evidenceIds")
		}
	}
	return nil
}

// EvidenceUsage is the bytes the organisation's evidence takes.
func (s *Store) EvidenceUsage(ctx context.Context, org returns.OrgID) (int64, error) {
	if err := checkOrg(org); err != nil {
		return 0, err
	}
	var n int64
	err := s.r.QueryRowContext(ctx, `SELECT bytes FROM evidence_usage WHERE org = ?`, string(org)).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: evidence usage: %w", err)
	}
	return n, nil
}

// SaveEscalation records a case's escalation unless one is recorded.
func (s *Store) SaveEscalation(ctx context.Context, org returns.OrgID, key returns.CaseKey, e *store.Escalation) (*store.Escalation, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	if e == nil || !key.Platform.Valid() || key.PlatformCaseID == "" {
		return nil, returns.Errorf(returns.CodeInvalid, "an escalation needs a case")
	}
	ids, _ := json.Marshal(nonNil(e.EvidenceIDs))
	up, _ := json.Marshal(nonNil(e.Uploaded))
	at := e.At
	if at.IsZero() {
		at = s.now()
	}
	if _, err := s.w.ExecContext(ctx, `INSERT INTO escalations (org, platform, case_id, at_ns, statement, evidence_ids, uploaded_ids, via_api, url)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (org, platform, case_id) DO NOTHING`,
		string(org), string(key.Platform), key.PlatformCaseID, at.UnixNano(), e.Statement, string(ids), string(up), e.ViaAPI, e.URL); err != nil {
		return nil, fmt.Errorf("sqlite: save escalation: %w", err)
	}
	got, err := s.getEscalation(ctx, s.w, org, key)
	if err != nil {
		return nil, err
	}
	return got, nil
}

// GetEscalation returns the case's escalation, or nil.
func (s *Store) GetEscalation(ctx context.Context, org returns.OrgID, key returns.CaseKey) (*store.Escalation, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	return s.getEscalation(ctx, s.r, org, key)
}

func (s *Store) getEscalation(ctx context.Context, db *sql.DB, org returns.OrgID, key returns.CaseKey) (*store.Escalation, error) {
	var e store.Escalation
	var ns int64
	var ids, up string
	err := db.QueryRowContext(ctx, `SELECT at_ns, statement, evidence_ids, uploaded_ids, via_api, url FROM escalations
		WHERE org = ? AND platform = ? AND case_id = ?`, string(org), string(key.Platform), key.PlatformCaseID).
		Scan(&ns, &e.Statement, &ids, &up, &e.ViaAPI, &e.URL)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: get escalation: %w", err)
	}
	if err := json.Unmarshal([]byte(ids), &e.EvidenceIDs); err != nil {
		return nil, fmt.Errorf("sqlite: get escalation: %w", err)
	}
	if err := json.Unmarshal([]byte(up), &e.Uploaded); err != nil {
		return nil, fmt.Errorf("sqlite: get escalation: %w", err)
	}
	e.At = timeOf(ns)
	return &e, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
