package postgres

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// CreateOrg records an organisation; see store.Access.
func (s *Store) CreateOrg(ctx context.Context, o store.Org) error {
	if err := checkOrg(o.ID); err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO orgs (id, name, created_ns) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		string(o.ID), o.Name, o.CreatedAt.UnixNano())
	if err != nil {
		return storeErr("create organisation", err)
	}
	if tag.RowsAffected() == 0 {
		return returns.Errorf(returns.CodeConflict, "organisation %q exists", o.ID)
	}
	return nil
}

// ListOrgs returns every organisation; see store.Access.
func (s *Store) ListOrgs(ctx context.Context) ([]store.Org, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name, created_ns FROM orgs ORDER BY id`)
	if err != nil {
		return nil, storeErr("list organisations", err)
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
			return nil, storeErr("list organisations", err)
		}
		o.ID, o.CreatedAt = returns.OrgID(id), fromNS(ns)
		out = append(out, o)
	}
	return out, rows.Err()
}

// GetOrg returns one organisation; see store.Access.
func (s *Store) GetOrg(ctx context.Context, id returns.OrgID) (*store.Org, error) {
	o := store.Org{ID: id}
	var ns int64
	err := s.pool.QueryRow(ctx, `SELECT name, created_ns FROM orgs WHERE id = $1`, string(id)).Scan(&o.Name, &ns)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, returns.Errorf(returns.CodeNotFound, "no organisation %q", id)
	}
	if err != nil {
		return nil, storeErr("get organisation", err)
	}
	o.CreatedAt = fromNS(ns)
	return &o, nil
}

// CreateAPIKey records a key; see store.Access.
func (s *Store) CreateAPIKey(ctx context.Context, k store.APIKey) error {
	if k.ID == "" || len(k.Hash) == 0 {
		return returns.Errorf(returns.CodeInvalid, "a key needs an id and a hash")
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM orgs WHERE id = $1`, string(k.Org)).Scan(&n); err != nil {
			return storeErr("create key", err)
		}
		if n == 0 {
			return returns.Errorf(returns.CodeNotFound, "no organisation %q", k.Org)
		}
		tag, err := tx.Exec(ctx, `INSERT INTO api_keys (id, org, name, hash, scopes, created_ns) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT DO NOTHING`, k.ID, string(k.Org), k.Name, k.Hash, strings.Join(k.Scopes, " "), k.CreatedAt.UnixNano())
		if err != nil {
			return storeErr("create key", err)
		}
		if tag.RowsAffected() == 0 {
			return returns.Errorf(returns.CodeConflict, "key id %q is taken", k.ID)
		}
		return nil
	})
}

const keyColumns = `id, org, name, hash, scopes, created_ns, last_used_ns, revoked_ns`

func scanKey(row pgx.Row) (*store.APIKey, error) {
	var (
		k             store.APIKey
		org, scopes   string
		created       int64
		used, revoked *int64
	)
	if err := row.Scan(&k.ID, &org, &k.Name, &k.Hash, &scopes, &created, &used, &revoked); err != nil {
		return nil, err
	}
	k.Org, k.Scopes, k.CreatedAt = returns.OrgID(org), strings.Fields(scopes), fromNS(created)
	if used != nil {
		t := fromNS(*used)
		k.LastUsedAt = &t
	}
	if revoked != nil {
		t := fromNS(*revoked)
		k.RevokedAt = &t
	}
	return &k, nil
}

// APIKey returns the key with the id; see store.Access.
func (s *Store) APIKey(ctx context.Context, id string) (*store.APIKey, error) {
	k, err := scanKey(s.pool.QueryRow(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, returns.Errorf(returns.CodeNotFound, "no such key")
	}
	if err != nil {
		return nil, storeErr("get key", err)
	}
	return k, nil
}

// ListAPIKeys returns the organisation's keys, newest first; see store.Access.
func (s *Store) ListAPIKeys(ctx context.Context, org returns.OrgID) ([]store.APIKey, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE org = $1 ORDER BY created_ns DESC, id`, string(org))
	if err != nil {
		return nil, storeErr("list keys", err)
	}
	defer rows.Close()
	var out []store.APIKey
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, storeErr("list keys", err)
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
	tag, err := s.pool.Exec(ctx, `UPDATE api_keys SET revoked_ns = coalesce(revoked_ns, $1) WHERE org = $2 AND id = $3`,
		at.UnixNano(), string(org), id)
	if err != nil {
		return storeErr("revoke key", err)
	}
	if tag.RowsAffected() == 0 {
		return returns.Errorf(returns.CodeNotFound, "no key %q in organisation %q", id, org)
	}
	return nil
}

// TouchAPIKey records the key's last use; see store.Access.
func (s *Store) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE api_keys SET last_used_ns = $1 WHERE id = $2 AND coalesce(last_used_ns, 0) < $1`,
		at.UnixNano(), id)
	if err != nil {
		return storeErr("touch key", err)
	}
	return nil
}
