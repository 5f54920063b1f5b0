package graph

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/returnsgw/returnsgw/feed"
)

func TestSharedEventMarshalsOncePerChangeDocumentAndVariables(t *testing.T) {
	r := &Resolver{shared: newSharedMarshals()}
	var mu sync.Mutex
	calls := 0
	marshal := func(ctx context.Context, sel ast.SelectionSet, v *feed.Change) graphql.Marshaler {
		mu.Lock()
		calls++
		mu.Unlock()
		if v.Seq == 99 {
			graphql.AddError(ctx, errors.New("a field failed"))
		}
		return graphql.MarshalString(sel[0].(*ast.Field).Name)
	}
	op := func(vars map[string]any) context.Context {
		ctx := graphql.WithOperationContext(context.Background(), &graphql.OperationContext{Variables: vars})
		return graphql.WithResponseContext(ctx, graphql.DefaultErrorPresenter, graphql.DefaultRecover)
	}
	out := func(ctx context.Context, sel ast.SelectionSet, v *feed.Change) string {
		var b bytes.Buffer
		r.sharedEvent(ctx, sel, v, marshal).MarshalGQL(&b)
		return b.String()
	}
	docA := ast.SelectionSet{&ast.Field{Name: "a"}}
	docB := ast.SelectionSet{&ast.Field{Name: "b"}}
	change := &feed.Change{}
	change.Seq = 1

	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got := out(op(nil), docA, change); got != `"a"` {
				t.Errorf("subscriber got %s", got)
			}
		}()
	}
	wg.Wait()
	if calls != 1 {
		t.Errorf("50 subscribers of one document: marshalled %d times, want 1", calls)
	}
	if got := out(op(nil), docB, change); got != `"b"` || calls != 2 {
		t.Errorf("another document: %s after %d marshals", got, calls)
	}
	// Variables the selection does not use (the subscription's filter,
	// after) do not split the sharing.
	out(op(map[string]any{"after": "x"}), docA, change)
	if calls != 2 {
		t.Errorf("a variable the selection does not use split the sharing: %d marshals", calls)
	}
	// Variables it uses do: with a different value, a different result.
	docV := ast.SelectionSet{&ast.Field{Name: "v", Directives: ast.DirectiveList{{Name: "include",
		Arguments: ast.ArgumentList{{Name: "if", Value: &ast.Value{Kind: ast.Variable, Raw: "withLines"}}}}}}}
	out(op(map[string]any{"withLines": true}), docV, change)
	out(op(map[string]any{"withLines": true}), docV, change)
	out(op(map[string]any{"withLines": false}), docV, change)
	if calls != 4 {
		t.Errorf("a used variable: %d marshals, want 4 (true shared, false apart)", calls)
	}
	failing := &feed.Change{}
	failing.Seq = 99
	out(op(nil), docA, failing)
	out(op(nil), docA, failing)
	if calls != 6 {
		t.Errorf("a result with errors is not shared: %d marshals, want 6", calls)
	}
	// Old changes are forgotten.
	for i := 0; i < keepChanges+1; i++ {
		c := &feed.Change{}
		out(op(nil), docA, c)
	}
	r.shared.mu.Lock()
	for k := range r.shared.entries {
		if k.change == change {
			t.Error("the oldest change's results are still kept")
		}
	}
	r.shared.mu.Unlock()
}
