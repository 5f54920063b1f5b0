package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

var _ store.ConnectionStore = (*Store)(nil)

const connectionColumns = `platform, shop_id, app_id, seller_id, seller_name, app_secret, access_token, refresh_token,
	access_expires_ns, refresh_expires_ns, state, last_error, updated_ns, version`

func checkConnection(c *store.Connection) error {
	switch {
	case c == nil:
		return returns.Errorf(returns.CodeInvalid, "no connection given")
	case !c.Platform.Valid():
		return returns.Errorf(returns.CodeInvalid, "unknown platform %q", c.Platform).WithField("platform")
	case c.ShopID == "":
		return returns.Errorf(returns.CodeInvalid, "a shop id is required").WithField("shopId")
	case c.State != store.ConnectionActive && c.State != store.ConnectionNeedsReauthorization:
		return returns.Errorf(returns.CodeInvalid, "unknown connection state %q", c.State).WithField("state")
	}
	return nil
}

func nsOf(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func timeOf(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}

// SaveConnection creates, replaces or (with a Version) updates a connection.
func (s *Store) SaveConnection(ctx context.Context, org returns.OrgID, c *store.Connection) (*store.Connection, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	if err := checkConnection(c); err != nil {
		return nil, err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, storeErr("save connection", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var stored int64
	err = tx.QueryRow(ctx, `SELECT version FROM connections WHERE org = $1 AND platform = $2 AND shop_id = $3 FOR UPDATE`,
		string(org), string(c.Platform), c.ShopID).Scan(&stored)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		stored = 0
	case err != nil:
		return nil, storeErr("save connection", err)
	}
	if c.Version != 0 && c.Version != stored {
		return nil, returns.Errorf(returns.CodeConflict, "connection %s/%s changed meanwhile (version %d, not %d)", c.Platform, c.ShopID, stored, c.Version)
	}
	out := *c
	out.Version = stored + 1
	out.UpdatedAt = s.now().UTC()
	if _, err := tx.Exec(ctx, `INSERT INTO connections (org, `+connectionColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (org, platform, shop_id) DO UPDATE SET app_id = excluded.app_id, seller_id = excluded.seller_id,
			seller_name = excluded.seller_name, app_secret = excluded.app_secret, access_token = excluded.access_token,
			refresh_token = excluded.refresh_token, access_expires_ns = excluded.access_expires_ns,
			refresh_expires_ns = excluded.refresh_expires_ns, state = excluded.state, last_error = excluded.last_error,
			updated_ns = excluded.updated_ns, version = excluded.version`,
		string(org), string(out.Platform), out.ShopID, out.AppID, out.SellerID, out.SellerName, out.AppSecret,
		out.AccessToken, out.RefreshToken, nsOf(out.AccessExpiresAt), nsOf(out.RefreshExpiresAt), string(out.State),
		out.LastError, out.UpdatedAt.UnixNano(), out.Version); err != nil {
		return nil, storeErr("save connection", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, storeErr("save connection", err)
	}
	out.AccessExpiresAt, out.RefreshExpiresAt = timeOf(nsOf(out.AccessExpiresAt)), timeOf(nsOf(out.RefreshExpiresAt))
	return &out, nil
}

type rowScanner interface{ Scan(...any) error }

// Kept in step with store/sqlite/connections.go: the two backends share the
// contract and its conformance suite, not code.

// scanConnection reads a connection row (connectionColumns), preceded by its
// organisation when org is given.
func scanConnection(r rowScanner, org *string) (*store.Connection, error) {
	var c store.Connection
	var platform, state string
	var access, refresh, updated int64
	dest := []any{&platform, &c.ShopID, &c.AppID, &c.SellerID, &c.SellerName, &c.AppSecret, &c.AccessToken,
		&c.RefreshToken, &access, &refresh, &state, &c.LastError, &updated, &c.Version}
	if org != nil {
		dest = append([]any{org}, dest...)
	}
	if err := r.Scan(dest...); err != nil {
		return nil, err
	}
	c.Platform, c.State = returns.PlatformID(platform), store.ConnectionState(state)
	c.AccessExpiresAt, c.RefreshExpiresAt, c.UpdatedAt = timeOf(access), timeOf(refresh), timeOf(updated)
	return &c, nil
}

// GetConnection returns one connection, or NOT_FOUND.
func (s *Store) GetConnection(ctx context.Context, org returns.OrgID, platform returns.PlatformID, shopID string) (*store.Connection, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	c, err := scanConnection(s.pool.QueryRow(ctx, `SELECT `+connectionColumns+` FROM connections
		WHERE org = $1 AND platform = $2 AND shop_id = $3`, string(org), string(platform), shopID), nil)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, returns.Errorf(returns.CodeNotFound, "no connection for shop %s/%s", platform, shopID)
	}
	if err != nil {
		return nil, storeErr("get connection", err)
	}
	return c, nil
}

// ListConnections returns the organisation's connections by platform and shop.
func (s *Store) ListConnections(ctx context.Context, org returns.OrgID) ([]*store.Connection, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT `+connectionColumns+` FROM connections WHERE org = $1
		ORDER BY platform, shop_id`, string(org))
	if err != nil {
		return nil, storeErr("list connections", err)
	}
	defer rows.Close()
	var out []*store.Connection
	for rows.Next() {
		c, err := scanConnection(rows, nil)
		if err != nil {
			return nil, storeErr("list connections", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// DeleteConnection removes a connection.
func (s *Store) DeleteConnection(ctx context.Context, org returns.OrgID, platform returns.PlatformID, shopID string) error {
	if err := checkOrg(org); err != nil {
		return err
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM connections WHERE org = $1 AND platform = $2 AND shop_id = $3`,
		string(org), string(platform), shopID); err != nil {
		return storeErr("delete connection", err)
	}
	return nil
}

// ResealConnections rewrites every connection's sealed fields in one transaction.
func (s *Store) ResealConnections(ctx context.Context, reseal func(org returns.OrgID, c *store.Connection) error) (int, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, storeErr("reseal connections", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	rows, err := tx.Query(ctx, `SELECT org, `+connectionColumns+` FROM connections ORDER BY org, platform, shop_id FOR UPDATE`)
	if err != nil {
		return 0, storeErr("reseal connections", err)
	}
	type item struct {
		org returns.OrgID
		c   *store.Connection
	}
	var items []item
	for rows.Next() {
		var org string
		c, err := scanConnection(rows, &org)
		if err != nil {
			rows.Close()
			return 0, storeErr("reseal connections", err)
		}
		items = append(items, item{returns.OrgID(org), c})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, storeErr("reseal connections", err)
	}
	n := 0
	for _, it := range items {
		before := *it.c
		if err := reseal(it.org, it.c); err != nil {
			return 0, err
		}
		if it.c.AppSecret == before.AppSecret && it.c.AccessToken == before.AccessToken && it.c.RefreshToken == before.RefreshToken {
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE connections SET app_secret = $1, access_token = $2, refresh_token = $3,
			version = version + 1, updated_ns = $4 WHERE org = $5 AND platform = $6 AND shop_id = $7`,
			it.c.AppSecret, it.c.AccessToken, it.c.RefreshToken, s.now().UnixNano(),
			string(it.org), string(before.Platform), before.ShopID); err != nil {
			return 0, storeErr("reseal connections", err)
		}
		n++
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, storeErr("reseal connections", err)
	}
	return n, nil
}
