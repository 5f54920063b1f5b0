package graph

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Limits on what one operation may cost, checked after validation and
// before anything runs. gqlgen's own complexity walk follows every fragment
// spread again each time it appears: a 1.6 KB document of 39 fragments, each
// spreading the one before twice, costs 2^39 steps there. Here each
// fragment's cost is worked out once (memoised by name), a fragment spread
// twice in one selection set counts once (as the executor merges it), every
// field counts, under whatever alias, and the walk itself has a node budget
// and a deadline, and stops when the client has gone.

// Error codes of the refusals (extensions.code).
const (
	CodeComplexityLimit = "COMPLEXITY_LIMIT_EXCEEDED"
	CodeDepthLimit      = "DEPTH_LIMIT_EXCEEDED"
	CodeQueryTooComplex = "QUERY_TOO_COMPLEX" // the walk's node budget or deadline ran out
	// CodeIntrospectionDisabled answers __schema and __type when
	// HandlerOptions.Introspection is off.
	CodeIntrospectionDisabled = "INTROSPECTION_DISABLED"
)

// QueryLimits bound an operation's cost.
type QueryLimits struct {
	// MaxComplexity: each field 1, plus what the schema's complexity
	// functions add (connections multiply by their page size).
	MaxComplexity int
	// MaxDepth is how deeply fields may nest, through fragments.
	MaxDepth int
	// MaxNodes bounds the selections the walk visits (memoised fragments
	// count once); MaxWalk bounds its time.
	MaxNodes int
	MaxWalk  time.Duration
}

func (l QueryLimits) withDefaults() QueryLimits {
	if l.MaxComplexity <= 0 {
		l.MaxComplexity = 20000
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = 20
	}
	if l.MaxNodes <= 0 {
		l.MaxNodes = 50000
	}
	if l.MaxWalk <= 0 {
		l.MaxWalk = 250 * time.Millisecond
	}
	return l
}

// queryCost is the gqlgen handler extension that applies QueryLimits.
type queryCost struct {
	limits QueryLimits
	es     graphql.ExecutableSchema
}

var (
	_ graphql.HandlerExtension        = (*queryCost)(nil)
	_ graphql.OperationContextMutator = (*queryCost)(nil)
)

func (*queryCost) ExtensionName() string { return "QueryCost" }

func (q *queryCost) Validate(es graphql.ExecutableSchema) error {
	q.es = es
	return nil
}

func (q *queryCost) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	op := oc.Doc.Operations.ForName(oc.OperationName)
	if op == nil {
		return nil // the executor reports it
	}
	_, _, err := measure(ctx, q.es, op, oc.Variables, q.limits)
	return err
}

// measure returns an operation's complexity and depth, or the error that
// refuses it.
func measure(ctx context.Context, es graphql.ExecutableSchema, op *ast.OperationDefinition, vars map[string]any, l QueryLimits) (int, int, *gqlerror.Error) {
	l = l.withDefaults()
	w := &costWalk{ctx: ctx, es: es, schema: es.Schema(), vars: vars, limits: l,
		deadline: time.Now().Add(l.MaxWalk), frags: map[string]*fragCost{}}
	cost, depth := w.selectionSet(op.SelectionSet, map[string]bool{})
	switch {
	case w.err != nil:
		return cost, depth, w.err
	case depth > l.MaxDepth:
		return cost, depth, limitError(CodeDepthLimit, "the operation nests %d fields deep, more than the limit of %d", depth, l.MaxDepth)
	case cost > l.MaxComplexity:
		return cost, depth, limitError(CodeComplexityLimit, "the operation has complexity %d, more than the limit of %d", cost, l.MaxComplexity)
	}
	return cost, depth, nil
}

func limitError(code, format string, args ...any) *gqlerror.Error {
	return &gqlerror.Error{Message: fmt.Sprintf(format, args...), Extensions: map[string]any{"code": code}}
}

type fragCost struct {
	cost, depth int
	busy, done  bool
}

type costWalk struct {
	ctx      context.Context
	es       graphql.ExecutableSchema
	schema   *ast.Schema
	vars     map[string]any
	limits   QueryLimits
	deadline time.Time
	frags    map[string]*fragCost
	nodes    int
	err      *gqlerror.Error
}

// visit counts a node and reports whether the walk may go on.
func (w *costWalk) visit() bool {
	if w.err != nil {
		return false
	}
	w.nodes++
	if w.nodes > w.limits.MaxNodes {
		w.err = limitError(CodeQueryTooComplex, "the operation has more than %d selections", w.limits.MaxNodes)
		return false
	}
	if w.nodes%256 == 0 {
		if w.ctx.Err() != nil {
			w.err = &gqlerror.Error{Message: "request cancelled", Extensions: map[string]any{"code": "CANCELLED"}}
			return false
		}
		if time.Now().After(w.deadline) {
			w.err = limitError(CodeQueryTooComplex, "the operation took too long to measure")
			return false
		}
	}
	return true
}

// selectionSet returns the cost and depth of a selection set; seen holds the
// fragments already spread into it (the executor merges a second spread).
func (w *costWalk) selectionSet(set ast.SelectionSet, seen map[string]bool) (cost, depth int) {
	for _, sel := range set {
		if !w.visit() {
			return cost, depth
		}
		var c, d int
		switch s := sel.(type) {
		case *ast.Field:
			c, d = w.field(s)
		case *ast.InlineFragment:
			c, d = w.selectionSet(s.SelectionSet, seen)
		case *ast.FragmentSpread:
			if seen[s.Name] {
				continue
			}
			seen[s.Name] = true
			c, d = w.fragment(s)
		}
		cost = satAdd(cost, c)
		depth = max(depth, d)
	}
	return cost, depth
}

// fragment returns a named fragment's cost, worked out once.
func (w *costWalk) fragment(s *ast.FragmentSpread) (int, int) {
	if s.Definition == nil {
		return 0, 0
	}
	f := w.frags[s.Name]
	if f == nil {
		f = &fragCost{}
		w.frags[s.Name] = f
	}
	if f.done {
		return f.cost, f.depth
	}
	if f.busy { // a cycle: validation refuses them, so this is only a guard
		w.err = limitError(CodeQueryTooComplex, "fragment %s spreads itself", s.Name)
		return 0, 0
	}
	f.busy = true
	f.cost, f.depth = w.selectionSet(s.Definition.SelectionSet, map[string]bool{s.Name: true})
	f.busy, f.done = false, true
	return f.cost, f.depth
}

func (w *costWalk) field(s *ast.Field) (int, int) {
	if s.Definition == nil || s.ObjectDefinition == nil {
		return 1, 1
	}
	if strings.HasPrefix(s.Name, "__") {
		// __typename, and introspection, which gqlparser bounds itself
		// (MaxIntrospectionDepth).
		return 1, 1
	}
	def := w.schema.Types[s.Definition.Type.Name()]
	var child, depth int
	if def != nil && (def.Kind == ast.Object || def.Kind == ast.Interface || def.Kind == ast.Union) {
		child, depth = w.selectionSet(s.SelectionSet, map[string]bool{})
	}
	if w.err != nil {
		return child, depth + 1
	}
	args := s.ArgumentMap(w.vars)
	if s.ObjectDefinition.Kind == ast.Interface {
		// An interface's field costs what its most expensive implementation's does.
		worst := 0
		for _, t := range w.schema.GetPossibleTypes(s.ObjectDefinition) {
			worst = max(worst, w.fieldCost(t.Name, s.Name, child, args))
		}
		return worst, depth + 1
	}
	return w.fieldCost(s.ObjectDefinition.Name, s.Name, child, args), depth + 1
}

func (w *costWalk) fieldCost(typeName, field string, child int, args map[string]any) int {
	if c, ok := w.es.Complexity(w.ctx, typeName, field, child, args); ok && c >= 1 {
		return c
	}
	return satAdd(1, child)
}

// satAdd adds without wrapping around, ignoring negatives.
func satAdd(a, b int) int {
	a, b = max(a, 0), max(b, 0)
	if c := a + b; c >= a {
		return c
	}
	return int(^uint(0) >> 1)
}
