package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

var _ store.Access = (*Store)(nil)

// Organisations and keys are read once per key and then cached by the
// caller (auth), so these are plain statements, not prepared ones.

// CreateOrg records an organisation; see store.Access.
func (s *Store) CreateOrg(ctx context.Context, o store.Org) error {
	if err := checkOrg(o.ID); err != nil {
		return err
	}
	res, err := s.w.ExecContext(ctx, `INSERT INTO orgs (id, name, created_ns) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		string(o.ID), o.Name, o.CreatedAt.UnixNano())
	if err != nil {
		return fmt.Errorf("sqlite: create organisation: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return returns.Errorf(returns.CodeConflict, "organisation %q exists", o.ID)
	}
	return nil
}

// ListOrgs returns every organisation; see store.Access.
func (s *Store) ListOrgs(ctx context.Context) ([]store.Org, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, name, created_ns FROM orgs ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list organisations: %w", err)
	}
	defer rows.Close()
	var out []store.Org
	for rows.Next() {
		var (
			o  store.Org
			id string
			ns int64
		)
		if err := rows.Scan(&id, &o.Name, &ns); err != nil {
			return nil, fmt.Errorf("sqlite: list organisations: %w", err)
		}
		o.ID, o.CreatedAt = returns.OrgID(id), time.Unix(0, ns).UTC()
		out = append(out, o)
	}
	return out, rows.Err()
}

// GetOrg returns one organisation; see store.Access.
func (s *Store) GetOrg(ctx context.Context, id returns.OrgID) (*store.Org, error) {
	var (
		o  = store.Org{ID: id}
		ns int64
	)
	err := s.r.QueryRowContext(ctx, `SELECT name, created_ns FROM orgs WHERE id = ?`, string(id)).Scan(&o.Name, &ns)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, returns.Errorf(returns.CodeNotFound, "no organisation %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: get organisation: %w", err)
	}
	o.CreatedAt = time.Unix(0, ns).UTC()
	return &o, nil
}

// CreateAPIKey records a key; see store.Access.
func (s *Store) CreateAPIKey(ctx context.Context, k store.APIKey) error {
	if k.ID == "" || len(k.Hash) == 0 {
		return returns.Errorf(returns.CodeInvalid, "a key needs an id and a hash")
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer rollback(tx)
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM orgs WHERE id = ?`, string(k.Org)).Scan(&n); err != nil {
		return fmt.Errorf("sqlite: create key: %w", err)
	}
	if n == 0 {
		return returns.Errorf(returns.CodeNotFound, "no organisation %q", k.Org)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO api_keys (id, org, name, hash, scopes, created_ns) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, k.ID, string(k.Org), k.Name, k.Hash, strings.Join(k.Scopes, " "), k.CreatedAt.UnixNano())
	if err != nil {
		return fmt.Errorf("sqlite: create key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return returns.Errorf(returns.CodeConflict, "key id %q is taken", k.ID)
	}
	return tx.Commit()
}

const keyColumns = `id, org, name, hash, scopes, created_ns, last_used_ns, revoked_ns`

func scanKey(sc interface{ Scan(...any) error }) (*store.APIKey, error) {
	var (
		k             store.APIKey
		org, scopes   string
		created       int64
		used, revoked sql.NullInt64
	)
	if err := sc.Scan(&k.ID, &org, &k.Name, &k.Hash, &scopes, &created, &used, &revoked); err != nil {
		return nil, err
	}
	k.Org = returns.OrgID(org)
	k.Scopes = strings.Fields(scopes)
	k.CreatedAt = time.Unix(0, created).UTC()
	if used.Valid {
		t := time.Unix(0, used.Int64).UTC()
		k.LastUsedAt = &t
	}
	if revoked.Valid {
		t := time.Unix(0, revoked.Int64).UTC()
		k.RevokedAt = &t
	}
	return &k, nil
}

// APIKey returns the key with the id; see store.Access.
func (s *Store) APIKey(ctx context.Context, id string) (*store.APIKey, error) {
	k, err := scanKey(s.r.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, returns.Errorf(returns.CodeNotFound, "no such key")
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: get key: %w", err)
	}
	return k, nil
}

// ListAPIKeys returns the organisation's keys; see store.Access.
func (s *Store) ListAPIKeys(ctx context.Context, org returns.OrgID) ([]store.APIKey, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE org = ? ORDER BY created_ns DESC, id`, string(org))
	if err != nil {
		return nil, fmt.Errorf("sqlite: list keys: %w", err)
	}
	defer rows.Close()
	var out []store.APIKey
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list keys: %w", err)
		}
		out = append(out, *k)
	}
	return out, rows.Err()
}

// RevokeAPIKey revokes a key; see store.Access.
func (s *Store) RevokeAPIKey(ctx context.Context, org returns.OrgID, id string, at time.Time) error {
	if err := checkOrg(org); err != nil {
		return err
	}
	res, err := s.w.ExecContext(ctx, `UPDATE api_keys SET revoked_ns = coalesce(revoked_ns, ?) WHERE org = ? AND id = ?`,
		at.UnixNano(), string(org), id)
	if err != nil {
		return fmt.Errorf("sqlite: revoke key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return returns.Errorf(returns.CodeNotFound, "no key %q in organisation %q", id, org)
	}
	return nil
}

// TouchAPIKey records the key's last use; see store.Access.
func (s *Store) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	_, err := s.w.ExecContext(ctx, `UPDATE api_keys SET last_used_ns = ? WHERE id = ? AND coalesce(last_used_ns, 0) < ?`,
		at.UnixNano(), id, at.UnixNano())
	if err != nil {
		return fmt.Errorf("sqlite: touch key: %w", err)
	}
	return nil
}
