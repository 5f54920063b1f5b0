package graph

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// Limits on what one operation may cost, checked before anything runs.
// gqlgen's own complexity walk follows every fragment spread again each time
// it appears: a 1.6 KB document of 39 fragments, each spreading the one
// before twice, costs 2^39 steps there. Here a selection set collects its
// fields as the executor does, each fragment once however often it is
// spread (the executor merges repeats), each field's cost is worked out once
// (memoised: a field inside a fragment is one node of the document), every
// field counts under whatever alias, and the walk has a node budget and a
// deadline, and stops when the client has gone. Before validation, the
// document's shape is bounded too (fragments, fields under one response
// key), since the validator compares those pairwise.

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
	// MaxFragments bounds the fragments a document defines (default 50),
	// MaxSameKey the fields one selection set names under the same response
	// key (default 10), MaxSameLeaf the same when they are all one leaf
	// field with the same arguments (default 50: the id or __typename that
	// each of a client's fragments asks for), and MaxMergedFields the fields
	// it names in all (default 2,000), each counted with those of its inline
	// fragments and of the fragments it spreads: the validator merges those
	// and compares the fields under one key pairwise, reporting every
	// conflicting pair, which 15,000 tokens turn into seconds and hundreds of
	// megabytes. Identical leaves never conflict and compare cheaply.
	MaxFragments    int
	MaxSameKey      int
	MaxSameLeaf     int
	MaxMergedFields int
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
	if l.MaxFragments <= 0 {
		l.MaxFragments = 50
	}
	if l.MaxSameKey <= 0 {
		l.MaxSameKey = 10
	}
	if l.MaxSameLeaf <= 0 {
		l.MaxSameLeaf = 50
	}
	if l.MaxMergedFields <= 0 {
		l.MaxMergedFields = 2000
	}
	return l
}

// queryCost is the gqlgen handler extension that applies QueryLimits: the
// document's shape before it is validated, its cost after.
type queryCost struct {
	limits     QueryLimits
	tokenLimit int
	es         graphql.ExecutableSchema
	// checked holds the documents whose shape passed (their parse is
	// cached by the executor; this spares parsing them again here), up to
	// maxCachedQuery long as that cache does.
	checked capped[bool]
}

var (
	_ graphql.HandlerExtension          = (*queryCost)(nil)
	_ graphql.OperationParameterMutator = (*queryCost)(nil)
	_ graphql.OperationContextMutator   = (*queryCost)(nil)
)

func newQueryCost(l QueryLimits, tokenLimit, cacheSize int) *queryCost {
	return &queryCost{limits: l.withDefaults(), tokenLimit: tokenLimit, checked: capped[bool]{lru.New[bool](cacheSize)}}
}

// MutateOperationParameters refuses, before validation, a document whose
// shape would make validation itself expensive. A document that does not
// parse is left to the executor, which says why.
func (q *queryCost) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if p.Query == "" {
		return nil
	}
	if _, ok := q.checked.Get(ctx, p.Query); ok {
		return nil
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, q.tokenLimit)
	if err != nil {
		return nil
	}
	if gerr := checkShape(doc, q.limits); gerr != nil {
		return gerr
	}
	q.checked.Add(ctx, p.Query, true)
	return nil
}

// checkShape bounds what validation compares pairwise. The validator
// (OverlappingFieldsCanBeMerged) merges a selection set's fields with those
// of its inline fragments and of the fragments it spreads (transitively,
// each once), and compares every two fields under one response key: so
// those are counted here across the merged set, not one literal set at a
// time, and the fields of one merged set are bounded in all.
func checkShape(doc *ast.QueryDocument, l QueryLimits) *gqlerror.Error {
	if len(doc.Fragments) > l.MaxFragments {
		return limitError(CodeQueryTooComplex, "the document defines %d fragments, more than the limit of %d", len(doc.Fragments), l.MaxFragments)
	}
	c := &shapeCheck{limits: l, doc: doc, fragments: map[string]*mergedSet{}, closures: map[string]*mergedSet{}}
	for _, op := range doc.Operations {
		if err := c.set(op.SelectionSet, 0); err != nil {
			return err
		}
	}
	for _, f := range doc.Fragments {
		if err := c.set(f.SelectionSet, 0); err != nil {
			return err
		}
	}
	return nil
}

// mergedSet is what one selection set names once its inline fragments are
// merged in: fields by response key, and the fragments it spreads.
type mergedSet struct {
	keys    map[string]keyCount
	total   int
	spreads []string
}

// keyCount is what a merged set names under one response key: how many
// fields, and the leaf they all are ("" once they differ, or have
// selections of their own).
type keyCount struct {
	n    int
	leaf string
}

// add merges b's fields under the key into k's.
func (k keyCount) add(b keyCount) keyCount {
	if k.n == 0 {
		return b
	}
	if k.leaf != b.leaf {
		k.leaf = ""
	}
	k.n += b.n
	return k
}

// leafOf is a field's signature when it is a leaf: its name and arguments.
func leafOf(f *ast.Field) string {
	if len(f.SelectionSet) > 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(f.Name)
	for _, a := range f.Arguments {
		b.WriteString(" " + a.Name + ":" + a.Value.String())
	}
	return b.String()
}

// over reports whether k is more than the limits allow under one key.
func (c *shapeCheck) over(k keyCount) bool {
	if k.leaf != "" {
		return k.n > c.limits.MaxSameLeaf
	}
	return k.n > c.limits.MaxSameKey
}

type shapeCheck struct {
	limits QueryLimits
	doc    *ast.QueryDocument
	// fragments: each fragment's own merged set (without its spreads);
	// closures: the fields of a set of fragments spread together (with
	// theirs), by the sorted names; each worked out once.
	fragments map[string]*mergedSet
	closures  map[string]*mergedSet
}

// set checks a selection set as the validator merges it, then the selection
// sets of its fields.
func (c *shapeCheck) set(set ast.SelectionSet, depth int) *gqlerror.Error {
	own := &mergedSet{keys: map[string]keyCount{}}
	var subs []ast.SelectionSet
	if err := c.gather(set, depth, own, &subs); err != nil {
		return err
	}
	if err := c.bound(own); err != nil {
		return err
	}
	if len(own.spreads) > 0 {
		spread, err := c.closure(own.spreads)
		if err != nil {
			return err
		}
		if own.total+spread.total > c.limits.MaxMergedFields {
			return c.tooMany(own.total + spread.total)
		}
		for key, k := range own.keys {
			if c.over(k.add(spread.keys[key])) {
				return c.sameKey(key)
			}
		}
	}
	for _, sub := range subs {
		if err := c.set(sub, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// gather adds a selection set's fields to m, through its inline fragments,
// and collects the fragments it spreads and its fields' selection sets.
func (c *shapeCheck) gather(set ast.SelectionSet, depth int, m *mergedSet, subs *[]ast.SelectionSet) *gqlerror.Error {
	if depth > 200 {
		return limitError(CodeDepthLimit, "the document nests selections more than 200 deep")
	}
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			key := s.Alias
			if key == "" {
				key = s.Name
			}
			m.keys[key] = m.keys[key].add(keyCount{n: 1, leaf: leafOf(s)})
			m.total++
			if subs != nil && len(s.SelectionSet) > 0 {
				*subs = append(*subs, s.SelectionSet)
			}
		case *ast.InlineFragment:
			if err := c.gather(s.SelectionSet, depth+1, m, subs); err != nil {
				return err
			}
		case *ast.FragmentSpread:
			m.spreads = append(m.spreads, s.Name)
		}
	}
	return nil
}

// bound refuses a merged set over the limits.
func (c *shapeCheck) bound(m *mergedSet) *gqlerror.Error {
	if m.total > c.limits.MaxMergedFields {
		return c.tooMany(m.total)
	}
	for key, k := range m.keys {
		if c.over(k) {
			return c.sameKey(key)
		}
	}
	return nil
}

func (c *shapeCheck) sameKey(key string) *gqlerror.Error {
	return limitError(CodeQueryTooComplex, "a selection set, with its fragments, names %q more than %d times (%d for one leaf field asked for again)",
		key, c.limits.MaxSameKey, c.limits.MaxSameLeaf)
}

func (c *shapeCheck) tooMany(n int) *gqlerror.Error {
	return limitError(CodeQueryTooComplex, "a selection set, with its fragments, names %d fields, more than the limit of %d", n, c.limits.MaxMergedFields)
}

// closure merges the fragments spread (and those they spread, each once).
// Unknown fragments are left to the validator.
func (c *shapeCheck) closure(spreads []string) (*mergedSet, *gqlerror.Error) {
	seen := map[string]bool{}
	var names []string
	for len(spreads) > 0 {
		name := spreads[len(spreads)-1]
		spreads = spreads[:len(spreads)-1]
		if seen[name] {
			continue
		}
		seen[name] = true
		f, err := c.fragment(name)
		if err != nil {
			return nil, err
		}
		if f == nil {
			continue
		}
		names = append(names, name)
		spreads = append(spreads, f.spreads...)
	}
	slices.Sort(names)
	id := strings.Join(names, " ")
	if m, ok := c.closures[id]; ok {
		return m, nil
	}
	m := &mergedSet{keys: map[string]keyCount{}}
	for _, name := range names {
		f := c.fragments[name]
		for key, k := range f.keys {
			m.keys[key] = m.keys[key].add(k)
		}
		m.total += f.total
	}
	if err := c.bound(m); err != nil {
		return nil, err
	}
	c.closures[id] = m
	return m, nil
}

// fragment is a fragment's own merged set, nil if it is not defined.
func (c *shapeCheck) fragment(name string) (*mergedSet, *gqlerror.Error) {
	if m, ok := c.fragments[name]; ok {
		return m, nil
	}
	def := c.doc.Fragments.ForName(name)
	if def == nil {
		return nil, nil
	}
	m := &mergedSet{keys: map[string]keyCount{}}
	if err := c.gather(def.SelectionSet, 0, m, nil); err != nil {
		return nil, err
	}
	c.fragments[name] = m
	return m, nil
}

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
		deadline: time.Now().Add(l.MaxWalk), fields: map[*ast.Field]*fieldCost{}}
	cost, depth := w.selectionSet(op.SelectionSet)
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

// fieldCost is a field's cost and depth, worked out once: a field inside a
// fragment is one node of the document however often the fragment is
// spread, and its cost does not depend on where.
type fieldCost struct {
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
	fields   map[*ast.Field]*fieldCost
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

// selectionSet returns the cost and depth of the fields a selection set
// collects, as the executor collects them: each fragment once, however
// often and however deeply (through other fragments) it is spread there.
func (w *costWalk) selectionSet(set ast.SelectionSet) (int, int) {
	return w.collect(set, map[string]bool{})
}

func (w *costWalk) collect(set ast.SelectionSet, visited map[string]bool) (cost, depth int) {
	for _, sel := range set {
		if !w.visit() {
			return cost, depth
		}
		var c, d int
		switch s := sel.(type) {
		case *ast.Field:
			c, d = w.field(s)
		case *ast.InlineFragment:
			c, d = w.collect(s.SelectionSet, visited)
		case *ast.FragmentSpread:
			if visited[s.Name] || s.Definition == nil {
				continue
			}
			visited[s.Name] = true
			c, d = w.collect(s.Definition.SelectionSet, visited)
		}
		cost = satAdd(cost, c)
		depth = max(depth, d)
	}
	return cost, depth
}

func (w *costWalk) field(s *ast.Field) (int, int) {
	if s.Definition == nil || s.ObjectDefinition == nil || strings.HasPrefix(s.Name, "__") {
		// __typename, and introspection, which gqlparser bounds itself
		// (MaxIntrospectionDepth).
		return 1, 1
	}
	f := w.fields[s]
	if f == nil {
		f = &fieldCost{}
		w.fields[s] = f
	}
	if f.done {
		return f.cost, f.depth
	}
	if f.busy { // a fragment cycle: validation refuses them, so this is only a guard
		w.err = limitError(CodeQueryTooComplex, "field %s contains itself", s.Name)
		return 0, 0
	}
	f.busy = true
	f.cost, f.depth = w.measureField(s)
	f.busy, f.done = false, true
	return f.cost, f.depth
}

func (w *costWalk) measureField(s *ast.Field) (int, int) {
	def := w.schema.Types[s.Definition.Type.Name()]
	var child, depth int
	if def != nil && (def.Kind == ast.Object || def.Kind == ast.Interface || def.Kind == ast.Union) {
		child, depth = w.selectionSet(s.SelectionSet)
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
