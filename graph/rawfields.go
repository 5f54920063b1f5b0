package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// rawNeed is how much of a case's raw values a list must decode.
type rawNeed int

const (
	rawNone    rawNeed = iota
	rawActions         // the platforms' action state only (returns.ActionState)
	rawAll
)

// rawUsers are the case fields whose resolvers hand the case to code that may
// read its Raw maps: the actions (and the rules shown beside them) read the
// platform's action state; negotiation and a live read may read anything. The
// other fields are the case's own, none of them Raw.
var rawUsers = map[string]rawNeed{
	"allowedActions": rawActions, "availableActions": rawActions, "eligibility": rawActions, "refundDue": rawActions,
	"negotiation": rawAll, "current": rawAll,
}

// listRawNeed reports how much Raw the list field being resolved needs for
// the case fields it selects; when in doubt (no field context, or nesting
// deeper than a list's) it says all.
func listRawNeed(ctx context.Context) rawNeed {
	fc := graphql.GetFieldContext(ctx)
	oc := graphql.GetOperationContext(ctx)
	if fc == nil || oc == nil {
		return rawAll
	}
	var needs func(sel ast.SelectionSet, depth int) rawNeed
	needs = func(sel ast.SelectionSet, depth int) rawNeed {
		if depth > 3 {
			return rawAll
		}
		most := rawNone
		for _, f := range graphql.CollectFields(oc, sel, nil) {
			n := rawUsers[f.Name]
			switch f.Name {
			case "edges", "node", "nodes":
				n = needs(f.Selections, depth+1)
			}
			most = max(most, n)
			if most == rawAll {
				break
			}
		}
		return most
	}
	return needs(fc.Field.Selections, 0)
}
