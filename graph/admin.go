package graph

import (
	"context"
	"errors"
	"strings"

	"github.com/returnsgw/returnsgw/auth"
	"github.com/returnsgw/returnsgw/graph/model"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

var errNoAdmin = returns.Errorf(returns.CodeUnauthorized, "this needs a key with the admin scope")

// admin returns the caller when it holds the admin scope and the gateway
// manages keys.
func (r *Resolver) admin(ctx context.Context) (*auth.Principal, error) {
	p := auth.From(ctx)
	if r.deps.Auth == nil || !p.Has(auth.ScopeAdmin) {
		return nil, errNoAdmin
	}
	return p, nil
}

// adminOrg is the organisation an admin call acts on: the caller's own, or
// for the operator any that it names.
func adminOrg(p *auth.Principal, named *string) (returns.OrgID, error) {
	if named == nil || *named == "" || returns.OrgID(*named) == p.Org {
		return p.Org, nil
	}
	if !p.Operator {
		return "", returns.Errorf(returns.CodeUnauthorized, "only the operator's keys act on another organisation").WithField("input", "organisation")
	}
	return returns.OrgID(*named), nil
}

// userErrors turns an error a caller can act on into the payload's user
// errors (an empty list for none); any other error is returned as such.
func userErrors(err error) ([]*model.UserError, error) {
	var re *returns.Error
	switch {
	case err == nil:
		return []*model.UserError{}, nil
	case errors.As(err, &re) && re.Code != returns.CodeInternal:
		return []*model.UserError{{Code: re.Code, Field: re.Field, Message: re.Message}}, nil
	}
	return nil, err
}

// adminFor returns the organisation an admin mutation acts on, or why not.
func (r *Resolver) adminFor(ctx context.Context, named *string) (returns.OrgID, error) {
	p, err := r.admin(ctx)
	if err != nil {
		return "", err
	}
	return adminOrg(p, named)
}

func apiKeyModel(k *store.APIKey) *model.APIKey {
	m := &model.APIKey{ID: k.ID, Name: k.Name, CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt, RevokedAt: k.RevokedAt}
	for _, s := range k.Scopes {
		m.Scopes = append(m.Scopes, model.APIKeyScope(strings.ToUpper(s)))
	}
	return m
}

func (r *Resolver) apiKeyCreate(ctx context.Context, in model.APIKeyCreateInput) (*model.APIKeyCreatePayload, error) {
	out := &model.APIKeyCreatePayload{}
	var err error
	out.UserErrors, err = userErrors(func() error {
		org, err := r.adminFor(ctx, in.Organisation)
		if err != nil {
			return err
		}
		var scopes []auth.Scope
		for _, s := range in.Scopes {
			scopes = append(scopes, auth.Scope(strings.ToLower(string(s))))
		}
		key, rec, err := r.deps.Auth.CreateKey(ctx, org, in.Name, scopes)
		if err == nil {
			out.APIKey, out.Key = apiKeyModel(rec), &key
		}
		return err
	}())
	return out, err
}

func (r *Resolver) apiKeyRevoke(ctx context.Context, in model.APIKeyRevokeInput) (*model.APIKeyRevokePayload, error) {
	out := &model.APIKeyRevokePayload{}
	var err error
	out.UserErrors, err = userErrors(func() error {
		org, err := r.adminFor(ctx, in.Organisation)
		if err != nil {
			return err
		}
		if err := r.deps.Auth.RevokeKey(ctx, org, in.ID); err != nil {
			return err
		}
		keys, err := r.deps.Auth.ListKeys(ctx, org)
		for i := range keys {
			if keys[i].ID == in.ID {
				out.APIKey = apiKeyModel(&keys[i])
			}
		}
		return err
	}())
	return out, err
}

func (r *Resolver) organisationCreate(ctx context.Context, in model.OrganisationCreateInput) (*model.OrganisationCreatePayload, error) {
	out := &model.OrganisationCreatePayload{}
	var err error
	out.UserErrors, err = userErrors(func() error {
		p, err := r.admin(ctx)
		if err != nil {
			return err
		}
		if !p.Operator {
			return returns.Errorf(returns.CodeUnauthorized, "only the operator's admin keys create organisations")
		}
		o, err := r.deps.Auth.CreateOrg(ctx, returns.OrgID(in.ID), in.Name)
		if err == nil {
			out.Organisation = &model.Organisation{ID: string(o.ID), Name: o.Name, CreatedAt: o.CreatedAt}
		}
		return err
	}())
	return out, err
}

func (r *Resolver) apiKeys(ctx context.Context) ([]*model.APIKey, error) {
	p, err := r.admin(ctx)
	if err != nil {
		return nil, err
	}
	keys, err := r.deps.Auth.ListKeys(ctx, p.Org)
	if err != nil {
		return nil, err
	}
	out := make([]*model.APIKey, len(keys))
	for i := range keys {
		out[i] = apiKeyModel(&keys[i])
	}
	return out, nil
}

func (r *Resolver) organisations(ctx context.Context) ([]*model.Organisation, error) {
	p, err := r.admin(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Operator {
		return nil, returns.Errorf(returns.CodeUnauthorized, "only the operator's admin keys list organisations")
	}
	orgs, err := r.deps.Auth.ListOrgs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*model.Organisation, len(orgs))
	for i, o := range orgs {
		out[i] = &model.Organisation{ID: string(o.ID), Name: o.Name, CreatedAt: o.CreatedAt}
	}
	return out, nil
}
