package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// rawUsers are the case fields whose resolvers hand the case to code that may
// read its Raw maps (a platform's allowed actions, negotiation, a live read).
// The other fields are the case's own, none of them Raw.
var rawUsers = map[string]bool{
	"allowedActions": true, "availableActions": true, "negotiation": true, "current": true,
	"eligibility": true, "refundDue": true,
}

// listNeedsRaw reports whether the list field being resolved selects a case
// field that may read Raw; when in doubt (no field context) it says yes.
func listNeedsRaw(ctx context.Context) bool {
	fc := graphql.GetFieldContext(ctx)
	oc := graphql.GetOperationContext(ctx)
	if fc == nil || oc == nil {
		return true
	}
	var needs func(sel ast.SelectionSet, depth int) bool
	needs = func(sel ast.SelectionSet, depth int) bool {
		if depth > 3 {
			return true
		}
		for _, f := range graphql.CollectFields(oc, sel, nil) {
			switch f.Name {
			case "edges", "node", "nodes":
				if needs(f.Selections, depth+1) {
					return true
				}
			default:
				if rawUsers[f.Name] {
					return true
				}
			}
		}
		return false
	}
	return needs(fc.Field.Selections, 0)
}
