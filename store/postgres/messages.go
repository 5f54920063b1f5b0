package postgres

import (
	"context"

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
	if _, err := s.pool.Exec(ctx, `INSERT INTO message_templates (org, platform, shop_id, reason, language, body, updated_ns)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (org, platform, shop_id, reason, language)
		DO UPDATE SET body = excluded.body, updated_ns = excluded.updated_ns`,
		string(org), string(out.Platform), out.ShopID, string(out.Reason), string(out.Language), out.Body, out.UpdatedAt.UnixNano()); err != nil {
		return nil, storeErr("save template", err)
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
	res, err := s.pool.Exec(ctx, `DELETE FROM message_templates WHERE org = $1 AND platform = $2 AND shop_id = $3 AND reason = $4 AND language = $5`,
		string(org), string(platform), shopID, string(reason), string(lang))
	if err != nil {
		return storeErr("delete template", err)
	}
	if res.RowsAffected() == 0 {
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
	rows, err := s.pool.Query(ctx, `SELECT platform, shop_id, reason, language, body, updated_ns FROM message_templates
		WHERE org = $1 AND (shop_id = '' OR $2 = 1 OR (platform = $3 AND shop_id = $4)) AND ($5 = '' OR language = $6)
		ORDER BY platform, shop_id, reason, language`,
		string(org), all, string(q.Platform), q.ShopID, string(q.Language), string(q.Language))
	if err != nil {
		return nil, storeErr("list templates", err)
	}
	defer rows.Close()
	out := []returns.MessageTemplate{}
	for rows.Next() {
		var t returns.MessageTemplate
		var platform, reason, lang string
		var updated int64
		if err := rows.Scan(&platform, &t.ShopID, &reason, &lang, &t.Body, &updated); err != nil {
			return nil, storeErr("list templates", err)
		}
		t.Platform, t.Reason, t.Language, t.UpdatedAt = returns.PlatformID(platform), returns.Reason(reason), returns.Language(lang), timeOf(updated)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr("list templates", err)
	}
	return out, nil
}
