package sqlite

import (
	"context"
	"fmt"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

var _ store.TemplateStore = (*Store)(nil)

// SaveTemplate stores a template, replacing the one for the same place.
func (s *Store) SaveTemplate(ctx context.Context, org returns.OrgID, t *returns.MessageTemplate) (*returns.MessageTemplate, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	if t == nil {
		return nil, returns.Errorf(returns.CodeInvalid, "no template given")
	}
	out := *t
	if out.ShopID == "" {
		out.Platform = ""
	}
	out.Builtin = false
	if e := returns.ValidateTemplate(&out); e != nil {
		return nil, e
	}
	out.UpdatedAt = s.now().UTC()
	if _, err := s.w.ExecContext(ctx, `INSERT INTO message_templates (org, platform, shop_id, reason, language, body, updated_ns)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (org, platform, shop_id, reason, language)
		DO UPDATE SET body = excluded.body, updated_ns = excluded.updated_ns`,
		string(org), string(out.Platform), out.ShopID, string(out.Reason), string(out.Language), out.Body, out.UpdatedAt.UnixNano()); err != nil {
		return nil, fmt.Errorf("sqlite: save template: %w", err)
	}
	return &out, nil
}

// DeleteTemplate removes a template.
func (s *Store) DeleteTemplate(ctx context.Context, org returns.OrgID, platform returns.PlatformID, shopID string, reason returns.Reason, lang returns.Language) error {
	if err := checkOrg(org); err != nil {
		return err
	}
	if shopID == "" {
		platform = ""
	}
	res, err := s.w.ExecContext(ctx, `DELETE FROM message_templates WHERE org = ? AND platform = ? AND shop_id = ? AND reason = ? AND language = ?`,
		string(org), string(platform), shopID, string(reason), string(lang))
	if err != nil {
		return fmt.Errorf("sqlite: delete template: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return returns.Errorf(returns.CodeNotFound, "no such template")
	}
	return nil
}

// ListTemplates returns the organisation's defaults and the selected shops' overrides.
func (s *Store) ListTemplates(ctx context.Context, org returns.OrgID, q store.TemplateQuery) ([]returns.MessageTemplate, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	all := 0
	if q.AllShops {
		all = 1
	}
	rows, err := s.r.QueryContext(ctx, `SELECT platform, shop_id, reason, language, body, updated_ns FROM message_templates
		WHERE org = ? AND (shop_id = '' OR ? = 1 OR (platform = ? AND shop_id = ?)) AND (? = '' OR language = ?)
		ORDER BY platform, shop_id, reason, language`,
		string(org), all, string(q.Platform), q.ShopID, string(q.Language), string(q.Language))
	if err != nil {
		return nil, fmt.Errorf("sqlite: list templates: %w", err)
	}
	defer rows.Close()
	out := []returns.MessageTemplate{}
	for rows.Next() {
		var t returns.MessageTemplate
		var platform, reason, lang string
		var updated int64
		if err := rows.Scan(&platform, &t.ShopID, &reason, &lang, &t.Body, &updated); err != nil {
			return nil, fmt.Errorf("sqlite: list templates: %w", err)
		}
		t.Platform, t.Reason, t.Language, t.UpdatedAt = returns.PlatformID(platform), returns.Reason(reason), returns.Language(lang), timeOf(updated)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list templates: %w", err)
	}
	return out, nil
}
