package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

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
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: save connection: %w", err)
	}
	defer rollback(tx)
	var stored int64
	err = tx.QueryRowContext(ctx, `SELECT version FROM connections WHERE org = ? AND platform = ? AND shop_id = ?`,
		string(org), string(c.Platform), c.ShopID).Scan(&stored)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		stored = 0
	case err != nil:
		return nil, fmt.Errorf("sqlite: save connection: %w", err)
	}
	if c.Version != 0 && c.Version != stored {
		return nil, returns.Errorf(returns.CodeConflict, "connection %s/%s changed meanwhile (version %d, not %d)", c.Platform, c.ShopID, stored, c.Version)
	}
	out := *c
	out.Version = stored + 1
	out.UpdatedAt = s.now().UTC()
	if _, err := tx.ExecContext(ctx, `INSERT INTO connections (org, `+connectionColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org, platform, shop_id) DO UPDATE SET app_id = excluded.app_id, seller_id = excluded.seller_id,
			seller_name = excluded.seller_name, app_secret = excluded.app_secret, access_token = excluded.access_token,
			refresh_token = excluded.refresh_token, access_expires_ns = excluded.access_expires_ns,
			refresh_expires_ns = excluded.refresh_expires_ns, state = excluded.state, last_error = excluded.last_error,
			updated_ns = excluded.updated_ns, version = excluded.version`,
		string(org), string(out.Platform), out.ShopID, out.AppID, out.SellerID, out.SellerName, out.AppSecret,
		out.AccessToken, out.RefreshToken, nsOf(out.AccessExpiresAt), nsOf(out.RefreshExpiresAt), string(out.State),
		out.LastError, out.UpdatedAt.UnixNano(), out.Version); err != nil {
		return nil, fmt.Errorf("sqlite: save connection: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: save connection: %w", err)
	}
	out.AccessExpiresAt, out.RefreshExpiresAt = timeOf(nsOf(out.AccessExpiresAt)), timeOf(nsOf(out.RefreshExpiresAt))
	return &out, nil
}

type rowScanner interface{ Scan(...any) error }

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
	c, err := scanConnection(s.r.QueryRowContext(ctx, `SELECT `+connectionColumns+` FROM connections
		WHERE org = ? AND platform = ? AND shop_id = ?`, string(org), string(platform), shopID), nil)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, returns.Errorf(returns.CodeNotFound, "no connection for shop %s/%s", platform, shopID)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: get connection: %w", err)
	}
	return c, nil
}

// ListConnections returns the organisation's connections by platform and shop.
func (s *Store) ListConnections(ctx context.Context, org returns.OrgID) ([]*store.Connection, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+connectionColumns+` FROM connections WHERE org = ?
		ORDER BY platform, shop_id`, string(org))
	if err != nil {
		return nil, fmt.Errorf("sqlite: list connections: %w", err)
	}
	defer rows.Close()
	var out []*store.Connection
	for rows.Next() {
		c, err := scanConnection(rows, nil)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list connections: %w", err)
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
	if _, err := s.w.ExecContext(ctx, `DELETE FROM connections WHERE org = ? AND platform = ? AND shop_id = ?`,
		string(org), string(platform), shopID); err != nil {
		return fmt.Errorf("sqlite: delete connection: %w", err)
	}
	return nil
}

// ResealConnections rewrites every connection's sealed fields in one transaction.
func (s *Store) ResealConnections(ctx context.Context, reseal func(org returns.OrgID, c *store.Connection) error) (int, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("sqlite: reseal connections: %w", err)
	}
	defer rollback(tx)
	rows, err := tx.QueryContext(ctx, `SELECT org, `+connectionColumns+` FROM connections ORDER BY org, platform, shop_id`)
	if err != nil {
		return 0, fmt.Errorf("sqlite: reseal connections: %w", err)
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
			return 0, fmt.Errorf("sqlite: reseal connections: %w", err)
		}
		items = append(items, item{returns.OrgID(org), c})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("sqlite: reseal connections: %w", err)
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
		if _, err := tx.ExecContext(ctx, `UPDATE connections SET app_secret = ?, access_token = ?, refresh_token = ?,
			version = version + 1, updated_ns = ? WHERE org = ? AND platform = ? AND shop_id = ?`,
			it.c.AppSecret, it.c.AccessToken, it.c.RefreshToken, s.now().UnixNano(),
			string(it.org), string(before.Platform), before.ShopID); err != nil {
			return 0, fmt.Errorf("sqlite: reseal connections: %w", err)
		}
		n++
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlite: reseal connections: %w", err)
	}
	return n, nil
}
