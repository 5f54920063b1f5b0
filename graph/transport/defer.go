package transport

import "github.com/vektah/gqlparser/v2/ast"

// defers reports whether op asks for @defer anywhere, through its fragments
// too. A plain JSON answer has room for one result, and the executor sends a
// deferred fragment as a later one: over HTTP the fields would come back
// null with hasNext and nothing after, so the transport refuses instead.
func defers(doc *ast.QueryDocument, op *ast.OperationDefinition) bool {
	seen := map[string]bool{}
	var walk func(ast.SelectionSet) bool
	walk = func(set ast.SelectionSet) bool {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if walk(s.SelectionSet) {
					return true
				}
			case *ast.InlineFragment:
				if s.Directives.ForName("defer") != nil || walk(s.SelectionSet) {
					return true
				}
			case *ast.FragmentSpread:
				if s.Directives.ForName("defer") != nil {
					return true
				}
				if seen[s.Name] {
					continue
				}
				seen[s.Name] = true
				if f := doc.Fragments.ForName(s.Name); f != nil && walk(f.SelectionSet) {
					return true
				}
			}
		}
		return false
	}
	return op != nil && walk(op.SelectionSet)
}
