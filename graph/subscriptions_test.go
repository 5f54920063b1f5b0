package graph

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/returnsgw/returnsgw/feed"
)

// A marshal that panics still releases the deliveries of the same change
// that wait for its bytes: they marshal for themselves.
func TestSharedEventReleasesWaitersWhenTheFirstMarshalPanics(t *testing.T) {
	r := &Resolver{shared: newSharedMarshals()}
	sel := ast.SelectionSet{&ast.Field{Name: "a"}}
	change := &feed.Change{}
	op := func() context.Context {
		return graphql.WithResponseContext(graphql.WithOperationContext(context.Background(), &graphql.OperationContext{}),
			graphql.DefaultErrorPresenter, graphql.DefaultRecover)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the marshal did not panic")
			}
		}()
		r.sharedEvent(op(), sel, change, func(context.Context, ast.SelectionSet, *feed.Change) graphql.Marshaler { panic("boom") })
	}()
	out := make(chan string, 1)
	go func() {
		var b bytes.Buffer
		r.sharedEvent(op(), sel, change, func(context.Context, ast.SelectionSet, *feed.Change) graphql.Marshaler {
			return graphql.MarshalString("own")
		}).MarshalGQL(&b)
		out <- b.String()
	}()
	select {
	case got := <-out:
		if got != `"own"` {
			t.Errorf("got %s", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a delivery of the same change still waits for the marshal that panicked")
	}
}
