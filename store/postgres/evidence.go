package postgres

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

var _ store.EvidenceStore = (*Store)(nil)

const evidenceColumns = `id, platform, case_id, kind, file_name, content_type, size, sha256, uploaded_ns`

// AddEvidence stores a file on a case and counts it against the quota in one
// transaction. The usage row's upsert refuses to pass the quota by itself:
// a concurrent upload waits for the row lock and is judged against the
// usage the first one left.
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
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM cases WHERE org = $1 AND platform = $2 AND case_id = $3`,
			string(org), string(out.Case.Platform), out.Case.PlatformCaseID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return returns.Errorf(returns.CodeNotFound, "no such case")
		}
		tag, err := tx.Exec(ctx, `INSERT INTO evidence_usage (org, bytes) SELECT $1::text, $2::bigint WHERE $3::bigint <= 0 OR $2::bigint <= $3::bigint
			ON CONFLICT (org) DO UPDATE SET bytes = evidence_usage.bytes + excluded.bytes
			WHERE $3::bigint <= 0 OR evidence_usage.bytes + excluded.bytes <= $3::bigint`, string(org), out.Size, quota)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return returns.Errorf(store.CodeQuotaExceeded, "the organisation's evidence quota of %d bytes would be exceeded", quota)
		}
		_, err = tx.Exec(ctx, `INSERT INTO evidence (org, `+evidenceColumns+`, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			string(org), out.ID, string(out.Case.Platform), out.Case.PlatformCaseID, string(out.Kind), out.FileName,
			out.ContentType, out.Size, out.SHA256, out.UploadedAt.UnixNano(), data)
		return err
	})
	if err != nil {
		return nil, storeErr("add evidence", err)
	}
	return &out, nil
}

// scanEvidence reads evidenceColumns, then any extra columns into extra.
func scanEvidence(sc pgx.Row, e *store.Evidence, extra ...any) error {
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
	rows, err := s.pool.Query(ctx, `SELECT `+evidenceColumns+` FROM evidence
		WHERE org = $1 AND platform = $2 AND case_id = $3 ORDER BY uploaded_ns, id`, string(org), string(key.Platform), key.PlatformCaseID)
	if err != nil {
		return nil, storeErr("list evidence", err)
	}
	defer rows.Close()
	out := []store.Evidence{}
	for rows.Next() {
		var e store.Evidence
		if err := scanEvidence(rows, &e); err != nil {
			return nil, storeErr("list evidence", err)
		}
		out = append(out, e)
	}
	return out, storeErr("list evidence", rows.Err())
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
	err := scanEvidence(s.pool.QueryRow(ctx, `SELECT `+evidenceColumns+`, data FROM evidence WHERE org = $1 AND id = $2`, string(org), id), &e, &data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, returns.Errorf(returns.CodeNotFound, "no such evidence")
	}
	if err != nil {
		return nil, nil, storeErr("get evidence", err)
	}
	return &e, data, nil
}

// EvidenceExists checks that every id is evidence on the case, in one query.
func (s *Store) EvidenceExists(ctx context.Context, org returns.OrgID, key returns.CaseKey, ids []string) error {
	if err := checkOrg(org); err != nil {
		return err
	}
	if err := store.CheckEvidenceIDs(ids); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := s.pool.Query(ctx, `SELECT id FROM evidence WHERE org = $1 AND platform = $2 AND case_id = $3 AND id = ANY($4)`,
		string(org), string(key.Platform), key.PlatformCaseID, ids)
	if err != nil {
		return storeErr("evidence exists", err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return storeErr("evidence exists", err)
	}
	have := map[string]bool{}
	for _, id := range found {
		have[id] = true
	}
	for _, id := range ids {
		if !have[id] {
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
	err := s.pool.QueryRow(ctx, `SELECT bytes FROM evidence_usage WHERE org = $1`, string(org)).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return n, storeErr("evidence usage", err)
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
	if _, err := s.pool.Exec(ctx, `INSERT INTO escalations (org, platform, case_id, at_ns, statement, evidence_ids, uploaded_ids, via_api, url)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (org, platform, case_id) DO NOTHING`,
		string(org), string(key.Platform), key.PlatformCaseID, at.UnixNano(), e.Statement, string(ids), string(up), e.ViaAPI, e.URL); err != nil {
		return nil, storeErr("save escalation", err)
	}
	return s.GetEscalation(ctx, org, key)
}

// GetEscalation returns the case's escalation, or nil.
func (s *Store) GetEscalation(ctx context.Context, org returns.OrgID, key returns.CaseKey) (*store.Escalation, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	var e store.Escalation
	var ns int64
	var ids, up string
	err := s.pool.QueryRow(ctx, `SELECT at_ns, statement, evidence_ids, uploaded_ids, via_api, url FROM escalations
		WHERE org = $1 AND platform = $2 AND case_id = $3`, string(org), string(key.Platform), key.PlatformCaseID).
		Scan(&ns, &e.Statement, &ids, &up, &e.ViaAPI, &e.URL)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, storeErr("get escalation", err)
	}
	if err := json.Unmarshal([]byte(ids), &e.EvidenceIDs); err != nil {
		return nil, storeErr("get escalation", err)
	}
	if err := json.Unmarshal([]byte(up), &e.Uploaded); err != nil {
		return nil, storeErr("get escalation", err)
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
