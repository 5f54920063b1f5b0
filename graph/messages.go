package graph

import (
	"context"
	"strings"
	"time"

	"github.com/returnsgw/returnsgw/graph/model"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// templateReasons are the reasons a template can answer, in the schema's order.
var templateReasons = []returns.Reason{returns.ReasonSizeFit, returns.ReasonNotAsDescribed, returns.ReasonQualityDefect,
	returns.ReasonDamagedInTransit, returns.ReasonWrongItem, returns.ReasonMissingParts, returns.ReasonNotReceived,
	returns.ReasonChangedMind, returns.ReasonOther}

// templateShop resolves the shop a template call names: the platform given,
// else the one connected platform with a shop of that id. No shop: "", "".
func (r *Resolver) templateShop(ctx context.Context, shopID *string, platform *returns.PlatformID) (returns.PlatformID, string, error) {
	if shopID == nil {
		return "", "", nil
	}
	shop := strings.TrimSpace(*shopID)
	if shop == "" || len(shop) > maxRef {
		return "", "", returns.Errorf(returns.CodeInvalid, "shopId must be 1 to %d bytes", maxRef).WithField("input", "shopId")
	}
	if platform != nil {
		if !r.connectedShop(ctx, *platform, shop) {
			return "", "", returns.Errorf(returns.CodeNotFound, "no connected shop %s/%s", *platform, truncateRef(shop)).WithField("input", "shopId")
		}
		return *platform, shop, nil
	}
	var found []returns.PlatformID
	if org, err := OrgFrom(ctx); err == nil && (r.deps.Org == "" || org == r.deps.Org) {
		for _, p := range r.deps.Platforms.All() {
			if p.Shop().ID == shop {
				found = append(found, p.ID())
			}
		}
	}
	if len(found) != 1 {
		return "", "", returns.Errorf(returns.CodeInvalid, "give the platform of shop %q (%d connected shops have that id)", truncateRef(shop), len(found)).WithField("input", "platform")
	}
	return found[0], shop, nil
}

// effectiveTemplates are the templates in effect for the shop (or the
// organisation), one per reason and language.
func (r *Resolver) effectiveTemplates(ctx context.Context, org returns.OrgID, platform returns.PlatformID, shop string, lang *returns.Language) ([]*returns.MessageTemplate, error) {
	q := store.TemplateQuery{Platform: platform, ShopID: shop}
	langs := []returns.Language{returns.LanguageZH, returns.LanguageEN}
	if lang != nil {
		q.Language, langs = *lang, []returns.Language{*lang}
	}
	var stored []returns.MessageTemplate
	if r.deps.Templates != nil {
		var err error
		if stored, err = r.deps.Templates.ListTemplates(ctx, org, q); err != nil {
			return nil, err
		}
	}
	var out []*returns.MessageTemplate
	for _, reason := range templateReasons {
		for _, l := range langs {
			t := returns.ResolveTemplate(stored, platform, shop, reason, l)
			out = append(out, &t)
		}
	}
	return out, nil
}

// listTemplates answers buyerMessageTemplates.
func (r *Resolver) listTemplates(ctx context.Context, shopID *string, lang *returns.Language, platform *returns.PlatformID) ([]*returns.MessageTemplate, error) {
	org, err := OrgFrom(ctx)
	if err != nil {
		return nil, err
	}
	p, shop, err := r.templateShop(ctx, shopID, platform)
	if err != nil {
		return nil, err
	}
	return r.effectiveTemplates(ctx, org, p, shop, lang)
}

// saveTemplate answers buyerMessageTemplateSave.
func (r *Resolver) saveTemplate(ctx context.Context, in model.BuyerMessageTemplateSaveInput) (*model.BuyerMessageTemplatePayload, error) {
	org, err := OrgFrom(ctx)
	if err != nil {
		return nil, err
	}
	answer := func(err error) (*model.BuyerMessageTemplatePayload, error) {
		ues, err := userErrors(err)
		return &model.BuyerMessageTemplatePayload{UserErrors: ues}, err
	}
	if r.deps.Templates == nil {
		return answer(returns.Errorf(returns.CodeUnsupported, "this gateway keeps no message templates"))
	}
	p, shop, err := r.templateShop(ctx, in.ShopID, in.Platform)
	if err != nil {
		return answer(err)
	}
	if in.Body == nil {
		err := r.deps.Templates.DeleteTemplate(ctx, org, p, shop, in.Reason, in.Language)
		if returns.ErrorCodeOf(err) == returns.CodeNotFound {
			err = returns.Errorf(returns.CodeNotFound, "no such template to remove").WithField("input", "body")
		}
		if err != nil {
			return answer(err)
		}
	} else {
		t := &returns.MessageTemplate{Platform: p, ShopID: shop, Reason: in.Reason, Language: in.Language, Body: strings.TrimSpace(*in.Body)}
		if _, err := r.deps.Templates.SaveTemplate(ctx, org, t); err != nil {
			return answer(err)
		}
	}
	lang := in.Language
	all, err := r.effectiveTemplates(ctx, org, p, shop, &lang)
	if err != nil {
		return nil, err
	}
	out := &model.BuyerMessageTemplatePayload{UserErrors: []*model.UserError{}}
	for _, t := range all {
		if t.Reason == in.Reason {
			out.Template = t
		}
	}
	return out, nil
}

// previewMessage answers buyerMessagePreview.
func (r *Resolver) previewMessage(ctx context.Context, caseID string, lang *returns.Language) (string, error) {
	org, err := OrgFrom(ctx)
	if err != nil {
		return "", err
	}
	c, err := r.loadCase(ctx, caseID)
	if err != nil {
		return "", err
	}
	if c == nil {
		return "", returns.Errorf(returns.CodeNotFound, "no such case").WithField("caseId")
	}
	l := returns.BuyerLanguage(c.Platform)
	if lang != nil {
		l = *lang
	}
	return r.deps.Actions.BuyerMessage(ctx, org, c, l)
}

func templatePlatform(t *returns.MessageTemplate) *returns.PlatformID {
	if t.ShopID == "" || t.Platform == "" {
		return nil
	}
	p := t.Platform
	return &p
}

func templateUpdatedAt(t *returns.MessageTemplate) *time.Time {
	if t.Builtin || t.UpdatedAt.IsZero() {
		return nil
	}
	u := t.UpdatedAt
	return &u
}
