package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/returnsgw/returnsgw/auth"
)

// adminFields are the root fields that need the admin scope rather than the
// operation type's.
var adminFields = map[string]bool{
	"apiKeyCreate": true, "apiKeyRevoke": true, "organisationCreate": true, "apiKeys": true, "organisations": true,
}

// requireScopes refuses an operation whose key lacks its scope: read for a
// query, write for a mutation, subscribe for a subscription; an operation
// made only of admin fields needs admin instead (the resolvers check it).
func requireScopes(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	p := auth.From(ctx)
	if p == nil {
		return refuse("an API key is required: send Authorization: Bearer <key>")
	}
	var need auth.Scope
	switch oc.Operation.Operation {
	case ast.Mutation:
		need = auth.ScopeWrite
	case ast.Subscription:
		need = auth.ScopeSubscribe
	default:
		need = auth.ScopeRead
	}
	if onlyAdminFields(oc) {
		need = auth.ScopeAdmin
	}
	if !p.Has(need) {
		return refuse("this API key lacks the " + string(need) + " scope")
	}
	return next(ctx)
}

// onlyAdminFields reports whether every root field is an admin field
// (__typename aside, which any operation may ask).
func onlyAdminFields(oc *graphql.OperationContext) bool {
	fields := graphql.CollectFields(oc, oc.Operation.SelectionSet, nil)
	admin := false
	for _, f := range fields {
		switch {
		case adminFields[f.Name]:
			admin = true
		case f.Name == "__typename":
		default:
			return false
		}
	}
	return admin
}

func refuse(msg string) graphql.ResponseHandler {
	return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{
		Message:    msg,
		Extensions: map[string]any{"code": "UNAUTHORIZED"},
	}}})
}
