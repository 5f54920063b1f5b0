package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/returnsgw/returnsgw/feed"
)

// One change is delivered to every subscriber it concerns, and subscribers
// mostly send the same subscription document: a dashboard's. The generated
// executor marshals the event once per subscriber; sharedEvent (wired in by
// internal/lean) marshals it once per change, document and variables, and
// hands the same bytes to the others. A result that carried field errors is
// not shared, so each subscriber still gets its own errors.

// sharedKey identifies identical work: the same change, the same parsed
// selection, the same variables. Identical documents share their parsed form
// through the query cache; the selection's slice is collected afresh for each
// operation, but its elements are the document's own nodes, so the first
// node and the length identify it.
type sharedKey struct {
	change *feed.Change
	sel    ast.Selection // the first node: a pointer into the document, kept alive by the key
	n      int
	vars   string
}

type sharedEntry struct {
	done  chan struct{}
	bytes []byte // nil when the result had errors
}

// sharedMarshals holds the results of the last few changes.
type sharedMarshals struct {
	mu      sync.Mutex
	entries map[sharedKey]*sharedEntry
	recent  []*feed.Change // changes with entries, oldest first
}

// keepChanges is how many recent changes keep their results: deliveries of
// one change happen within moments of each other.
const keepChanges = 16

func newSharedMarshals() *sharedMarshals {
	return &sharedMarshals{entries: map[sharedKey]*sharedEntry{}}
}

// sharedEvent marshals a change for a subscriber, reusing the bytes of an
// identical delivery.
func (r *Resolver) sharedEvent(ctx context.Context, sel ast.SelectionSet, v *feed.Change,
	marshal func(context.Context, ast.SelectionSet, *feed.Change) graphql.Marshaler) graphql.Marshaler {
	if v == nil || len(sel) == 0 {
		return marshal(ctx, sel, v)
	}
	sm := r.shared
	key := sharedKey{change: v, sel: sel[0], n: len(sel), vars: variablesKey(ctx, sel)}
	sm.mu.Lock()
	e, found := sm.entries[key]
	if !found {
		e = &sharedEntry{done: make(chan struct{})}
		sm.entries[key] = e
		sm.remember(v)
	}
	sm.mu.Unlock()
	if found {
		select {
		case <-e.done:
		case <-ctx.Done():
			return marshal(ctx, sel, v)
		}
		if e.bytes != nil {
			return rawJSON(e.bytes)
		}
		return marshal(ctx, sel, v)
	}
	// First delivery: marshal now, share the bytes unless there were errors.
	// The others are released however it ends; a panic leaves them no bytes.
	defer close(e.done)
	before := len(graphql.GetErrors(ctx))
	var buf bytes.Buffer
	marshal(ctx, sel, v).MarshalGQL(&buf)
	if len(graphql.GetErrors(ctx)) == before {
		e.bytes = buf.Bytes()
	}
	return rawJSON(buf.Bytes())
}

// remember records a change with results, dropping the oldest; sm.mu is held.
func (sm *sharedMarshals) remember(v *feed.Change) {
	for _, c := range sm.recent {
		if c == v {
			return
		}
	}
	sm.recent = append(sm.recent, v)
	if len(sm.recent) <= keepChanges {
		return
	}
	old := sm.recent[0]
	sm.recent = sm.recent[1:]
	for k := range sm.entries {
		if k.change == old {
			delete(sm.entries, k)
		}
	}
}

// variablesKey is the values of the variables the selection uses: only they
// can change what is written. Variables the selection does not use (the
// subscription's own filter and after, say) must not split the sharing, or
// every resuming dashboard would hold results of its own.
func variablesKey(ctx context.Context, sel ast.SelectionSet) string {
	oc := graphql.GetOperationContext(ctx)
	if oc == nil || len(oc.Variables) == 0 {
		return ""
	}
	names := usedVariables(sel)
	if len(names) == 0 {
		return ""
	}
	used := make(map[string]any, len(names))
	for _, n := range names {
		used[n] = oc.Variables[n]
	}
	b, err := json.Marshal(used) // map keys are sorted
	if err != nil {
		return "\x00unshareable"
	}
	return string(b)
}

// usedVariables lists the variables a selection refers to, in arguments and
// directives at any depth, fragments included.
func usedVariables(sel ast.SelectionSet) []string {
	seen := map[string]bool{}
	var walkValue func(v *ast.Value)
	walkValue = func(v *ast.Value) {
		if v == nil {
			return
		}
		if v.Kind == ast.Variable {
			seen[v.Raw] = true
		}
		for _, c := range v.Children {
			walkValue(c.Value)
		}
	}
	directives := func(ds ast.DirectiveList) {
		for _, d := range ds {
			for _, a := range d.Arguments {
				walkValue(a.Value)
			}
		}
	}
	visited := map[*ast.FragmentDefinition]bool{}
	var walk func(ss ast.SelectionSet)
	walk = func(ss ast.SelectionSet) {
		for _, s := range ss {
			switch s := s.(type) {
			case *ast.Field:
				for _, a := range s.Arguments {
					walkValue(a.Value)
				}
				directives(s.Directives)
				walk(s.SelectionSet)
			case *ast.InlineFragment:
				directives(s.Directives)
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				directives(s.Directives)
				if d := s.Definition; d != nil && !visited[d] {
					visited[d] = true
					directives(d.Directives)
					walk(d.SelectionSet)
				}
			}
		}
	}
	walk(sel)
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	return names
}

type rawJSON []byte

func (b rawJSON) MarshalGQL(w io.Writer) { w.Write(b) }
