package store

import (
	"context"

	"github.com/returnsgw/returnsgw/returns"
)

// TemplateStore keeps the organisations' buyer message templates: each
// organisation's defaults and its shops' overrides (the built-in templates
// are code, in package returns).
type TemplateStore interface {
	// SaveTemplate stores t, replacing the template of the same shop (or
	// organisation default), reason and language, and returns it as stored
	// (UpdatedAt the store's clock). t is checked with returns.ValidateTemplate.
	SaveTemplate(ctx context.Context, org returns.OrgID, t *returns.MessageTemplate) (*returns.MessageTemplate, error)
	// DeleteTemplate removes a template, so the next one down applies (the
	// organisation's default, then the built-in one); NOT_FOUND when none.
	DeleteTemplate(ctx context.Context, org returns.OrgID, platform returns.PlatformID, shopID string, reason returns.Reason, lang returns.Language) error
	// ListTemplates returns the organisation's defaults and, when shopID is
	// given, that shop's overrides (all shops' when platform and shopID are
	// empty and all is set), in one language when lang is given; ordered by
	// shop, reason and language.
	ListTemplates(ctx context.Context, org returns.OrgID, q TemplateQuery) ([]returns.MessageTemplate, error)
}

// TemplateQuery selects templates.
type TemplateQuery struct {
	Platform returns.PlatformID // with ShopID: that shop's overrides too
	ShopID   string
	AllShops bool             // every shop's overrides
	Language returns.Language // "": every language
}
