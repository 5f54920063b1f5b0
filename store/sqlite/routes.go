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

var _ store.RouteStore = (*Store)(nil)

const routeColumns = `id, platform, shop_id, kind, name, cost_minor, cost_currency, transit_min, transit_max,
	markets, platform_address_id, min_value_minor, min_value_currency, updated_ns`

// routeArgs are a route's values in routeColumns' order.
func routeArgs(r *returns.Route) ([]any, error) {
	markets, err := json.Marshal(r.Markets)
	if err != nil {
		return nil, err
	}
	var minMinor, minCur any
	if r.MinValue != nil {
		minMinor, minCur = r.MinValue.Minor, r.MinValue.Currency
	}
	return []any{r.ID, string(r.Platform), r.ShopID, string(r.Kind), r.Name, r.Cost.Minor, r.Cost.Currency,
		r.TransitDaysMin, r.TransitDaysMax, string(markets), r.PlatformAddressID, minMinor, minCur, r.UpdatedAt.UnixNano()}, nil
}

func scanRoute(row rowScanner) (*returns.Route, error) {
	var r returns.Route
	var platform, kind, markets string
	var minMinor sql.NullInt64
	var minCur sql.NullString
	var updated int64
	if err := row.Scan(&r.ID, &platform, &r.ShopID, &kind, &r.Name, &r.Cost.Minor, &r.Cost.Currency,
		&r.TransitDaysMin, &r.TransitDaysMax, &markets, &r.PlatformAddressID, &minMinor, &minCur, &updated); err != nil {
		return nil, err
	}
	r.Platform, r.Kind, r.UpdatedAt = returns.PlatformID(platform), returns.RouteKind(kind), timeOf(updated)
	if err := json.Unmarshal([]byte(markets), &r.Markets); err != nil {
		return nil, fmt.Errorf("route %s: markets: %w", r.ID, err)
	}
	if minMinor.Valid {
		r.MinValue = &returns.Money{Minor: minMinor.Int64, Currency: minCur.String}
	}
	return &r, nil
}

// routeToWrite checks a route about to be written and stamps it with the
// store's clock; args are its column values after org.
func (s *Store) routeToWrite(org returns.OrgID, r *returns.Route) (*returns.Route, []any, error) {
	if err := checkOrg(org); err != nil {
		return nil, nil, err
	}
	if err := store.CheckRoute(r); err != nil {
		return nil, nil, err
	}
	out := *r
	out.UpdatedAt = s.now().UTC()
	args, err := routeArgs(&out)
	if err != nil {
		return nil, nil, err
	}
	return &out, args, nil
}

// CreateRoute stores a new route.
func (s *Store) CreateRoute(ctx context.Context, org returns.OrgID, r *returns.Route) (*returns.Route, error) {
	out, args, err := s.routeToWrite(org, r)
	if err != nil {
		return nil, err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: create route: %w", err)
	}
	defer rollback(tx)
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM return_routes WHERE org = ? AND platform = ? AND shop_id = ?`,
		string(org), string(r.Platform), r.ShopID).Scan(&n); err != nil {
		return nil, fmt.Errorf("sqlite: create route: %w", err)
	}
	if n >= returns.MaxRoutesPerShop {
		return nil, returns.Errorf(returns.CodeInvalid, "a shop has at most %d routes", returns.MaxRoutesPerShop).WithField("input", "shopId")
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO return_routes (org, `+routeColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (org, id) DO NOTHING`, append([]any{string(org)}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: create route: %w", err)
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return nil, returns.Errorf(returns.CodeConflict, "a route with id %q exists", r.ID).WithField("input", "id")
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: create route: %w", err)
	}
	return out, nil
}

// UpdateRoute replaces a route.
func (s *Store) UpdateRoute(ctx context.Context, org returns.OrgID, r *returns.Route) (*returns.Route, error) {
	out, args, err := s.routeToWrite(org, r)
	if err != nil {
		return nil, err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: update route: %w", err)
	}
	defer rollback(tx)
	var platform, shop string
	err = tx.QueryRowContext(ctx, `SELECT platform, shop_id FROM return_routes WHERE org = ? AND id = ?`, string(org), r.ID).Scan(&platform, &shop)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, returns.Errorf(returns.CodeNotFound, "no such route").WithField("input", "id")
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: update route: %w", err)
	}
	if platform != string(r.Platform) || shop != r.ShopID {
		return nil, returns.Errorf(returns.CodeInvalid, "a route's platform and shop cannot change; create another route").WithField("input", "shopId")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE return_routes SET kind = ?, name = ?, cost_minor = ?, cost_currency = ?,
		transit_min = ?, transit_max = ?, markets = ?, platform_address_id = ?, min_value_minor = ?, min_value_currency = ?,
		updated_ns = ? WHERE org = ? AND id = ?`, append(args[3:], string(org), r.ID)...); err != nil {
		return nil, fmt.Errorf("sqlite: update route: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: update route: %w", err)
	}
	return out, nil
}

// DeleteRoute removes a route.
func (s *Store) DeleteRoute(ctx context.Context, org returns.OrgID, id string) (*returns.Route, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	r, err := scanRoute(s.w.QueryRowContext(ctx, `DELETE FROM return_routes WHERE org = ? AND id = ? RETURNING `+routeColumns, string(org), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, returns.Errorf(returns.CodeNotFound, "no such route").WithField("input", "id")
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: delete route: %w", err)
	}
	return r, nil
}

// GetRoute returns one route.
func (s *Store) GetRoute(ctx context.Context, org returns.OrgID, id string) (*returns.Route, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	r, err := scanRoute(s.r.QueryRowContext(ctx, `SELECT `+routeColumns+` FROM return_routes WHERE org = ? AND id = ?`, string(org), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, returns.Errorf(returns.CodeNotFound, "no such route")
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: get route: %w", err)
	}
	return r, nil
}

// ListRoutes returns the organisation's routes, of one shop when given.
func (s *Store) ListRoutes(ctx context.Context, org returns.OrgID, platform returns.PlatformID, shopID string) ([]returns.Route, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+routeColumns+` FROM return_routes
		WHERE org = ? AND (? = '' OR platform = ?) AND (? = '' OR shop_id = ?)
		ORDER BY platform, shop_id, kind, id`, string(org), string(platform), string(platform), shopID, shopID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list routes: %w", err)
	}
	defer rows.Close()
	out := []returns.Route{}
	for rows.Next() {
		r, err := scanRoute(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list routes: %w", err)
		}
		out = append(out, *r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list routes: %w", err)
	}
	return out, nil
}

// SetCaseRoute records a case's route.
func (s *Store) SetCaseRoute(ctx context.Context, org returns.OrgID, key returns.CaseKey, cr *returns.CaseRoute) error {
	if err := checkOrg(org); err != nil {
		return err
	}
	if cr == nil || cr.Route.ID == "" {
		return returns.Errorf(returns.CodeInvalid, "no route given")
	}
	b, err := json.Marshal(cr.Route)
	if err != nil {
		return err
	}
	if _, err := s.w.ExecContext(ctx, `INSERT INTO case_routes (org, platform, case_id, route_id, route_json, chosen, approved_ns, expected_ns)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (org, platform, case_id) DO UPDATE SET route_id = excluded.route_id,
		route_json = excluded.route_json, chosen = excluded.chosen, approved_ns = excluded.approved_ns, expected_ns = excluded.expected_ns`,
		string(org), string(key.Platform), key.PlatformCaseID, cr.Route.ID, string(b), cr.Chosen,
		cr.ApprovedAt.UnixNano(), cr.ExpectedArrivalBy.UnixNano()); err != nil {
		return fmt.Errorf("sqlite: set case route: %w", err)
	}
	return nil
}

// GetCaseRoute returns a case's route, or nil.
func (s *Store) GetCaseRoute(ctx context.Context, org returns.OrgID, key returns.CaseKey) (*returns.CaseRoute, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	var js string
	var approved, expected int64
	var cr returns.CaseRoute
	err := s.r.QueryRowContext(ctx, `SELECT route_json, chosen, approved_ns, expected_ns FROM case_routes
		WHERE org = ? AND platform = ? AND case_id = ?`, string(org), string(key.Platform), key.PlatformCaseID).Scan(&js, &cr.Chosen, &approved, &expected)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: get case route: %w", err)
	}
	if err := json.Unmarshal([]byte(js), &cr.Route); err != nil {
		return nil, fmt.Errorf("sqlite: case route: %w", err)
	}
	cr.ApprovedAt, cr.ExpectedArrivalBy = timeOf(approved).UTC(), timeOf(expected).UTC()
	cr.Route.UpdatedAt = cr.Route.UpdatedAt.UTC()
	return &cr, nil
}

// ResetRoutes removes the organisation's routes and case routes.
func (s *Store) ResetRoutes(ctx context.Context, org returns.OrgID) error {
	if err := checkOrg(org); err != nil {
		return err
	}
	for _, table := range []string{"return_routes", "case_routes"} {
		if _, err := s.w.ExecContext(ctx, `DELETE FROM `+table+` WHERE org = ?`, string(org)); err != nil {
			return fmt.Errorf("sqlite: reset routes: %w", err)
		}
	}
	return nil
}
