// Command lean rewrites gqlgen's generated executor (graph/generated.go) to
// take four costs out of every query. It runs right after gqlgen (see
// graph/resolver.go) and is part of `go generate ./...`.
//
//  1. List elements and an object's resolver fields are resolved in line, in
//     order, instead of one goroutine each. Every field of this API is
//     computed from data already in memory (a page of cases comes from one
//     store query), so those goroutines bought no parallelism, only
//     scheduling, stack growth and lock contention. Root fields stay
//     concurrent, and fields that do I/O prefetch in parallel themselves.
//
//  2. A leaf field (scalar or enum) read straight off its Go struct —
//     `return obj.X, nil`, no resolver, no arguments — is marshalled
//     directly instead of through graphql.ResolveField, which allocates a
//     field context, a context value and several closures per field. That
//     machinery serves resolvers, middleware and error paths; a struct field
//     has none of them. (The one difference: if such a field ever marshals to
//     null, the error names the object's path rather than the field's.)
//
//  3. An object computes its response path for @defer only when something
//     in it is deferred, and is written out by leanObject (graph/slice.go)
//     instead of graphql.FieldSet.MarshalGQL, which copies every field to
//     the heap and builds a map per object.
//
//  4. A subscription event is marshalled once for all subscribers that
//     sent the same document (graph/shared.go).
//
// Together they made a page of 50 cases several times cheaper to serve. The
// rewrites match the code gqlgen v0.17.95 emits exactly and fail when a
// pattern is missing, so a gqlgen upgrade cannot silently undo them.
package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"sort"
	"strings"
)

var textRewrites = []struct{ from, to string }{
	{
		"graphql.MarshalSliceConcurrently(ctx, len(v), 1, false, func(ctx context.Context, i int) graphql.Marshaler {",
		"marshalSlice(ctx, len(v), func(ctx context.Context, i int) graphql.Marshaler {",
	},
	{
		"out.Concurrently(i, func(ctx context.Context) graphql.Marshaler { return innerFunc(ctx, out) })",
		"out.Values[i] = innerFunc(ctx, out)",
	},
	// A change delivered to many subscribers is marshalled once per
	// document and variables (graph/shared.go), not once per subscriber.
	{
		"return ec.marshalNReturnCaseEvent2ᚖgithubᚗcomᚋreturnsgwᚋreturnsgwᚋfeedᚐChange(ctx, selections, v)",
		"return ec.Resolvers.(*Resolver).sharedEvent(ctx, selections, v, ec.marshalNReturnCaseEvent2ᚖgithubᚗcomᚋreturnsgwᚋreturnsgwᚋfeedᚐChange)",
	},
	// Every object computed its full response path for @defer bookkeeping,
	// even with nothing deferred (the path is an allocation per level).
	{
		`	atomic.AddInt32(&ec.Deferred, int32(min(len(deferLabelToView), math.MaxInt32)))

	ec.ProcessDeferredGroup(graphql.DeferredGroup{
		Defers:   deferLabelToView,
		Path:     graphql.GetPath(ctx),
		FieldSet: deferredFieldSet,
		Context:  ctx,
	})`,
		`	if len(deferLabelToView) > 0 {
		atomic.AddInt32(&ec.Deferred, int32(min(len(deferLabelToView), math.MaxInt32)))
		ec.ProcessDeferredGroup(graphql.DeferredGroup{
			Defers:   deferLabelToView,
			Path:     graphql.GetPath(ctx),
			FieldSet: deferredFieldSet,
			Context:  ctx,
		})
	}`,
	},
}

// minLeafFields is a floor on how many leaf fields must be rewritten: far
// fewer means gqlgen's output changed shape.
const minLeafFields = 40

// minObjects is the same floor for object marshallers.
const minObjects = 10

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: lean <generated.go>")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "lean:", err)
		os.Exit(1)
	}
}

func run(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	for _, r := range textRewrites {
		if !bytes.Contains(src, []byte(r.from)) {
			return fmt.Errorf("%s has no %q: did gqlgen (or worker_limit in gqlgen.yml) change?", path, r.from)
		}
		src = bytes.ReplaceAll(src, []byte(r.from), []byte(r.to))
	}
	src, n, err := inlineLeaves(src)
	if err != nil {
		return err
	}
	if n < minLeafFields {
		return fmt.Errorf("only %d leaf fields matched (want at least %d): did gqlgen change?", n, minLeafFields)
	}
	src, n, err = leanObjects(src)
	if err != nil {
		return err
	}
	if n < minObjects {
		return fmt.Errorf("only %d object marshallers matched (want at least %d): did gqlgen change?", n, minObjects)
	}
	out, err := format.Source(src)
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o644)
}

type splice struct {
	start, end int
	text       string
}

// inlineLeaves replaces the body of every leaf-field function that reads a
// struct field with a direct call of its marshaller.
func inlineLeaves(src []byte) ([]byte, int, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "generated.go", src, parser.ParseComments)
	if err != nil {
		return nil, 0, err
	}
	// Field-context constructors that describe a leaf (no child fields).
	leaf := map[string]bool{}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || !strings.HasPrefix(fd.Name.Name, "fieldContext_") || len(fd.Body.List) != 1 {
			continue
		}
		if ret, ok := fd.Body.List[0].(*ast.ReturnStmt); ok && len(ret.Results) == 1 && isCall(ret.Results[0], "graphql", "NewScalarFieldContext") {
			leaf[fd.Name.Name] = true
		}
	}
	var edits []splice
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv == nil || !strings.HasPrefix(fd.Name.Name, "_") || len(fd.Body.List) != 1 {
			continue
		}
		ret, ok := fd.Body.List[0].(*ast.ReturnStmt)
		if !ok || len(ret.Results) != 1 || !isCall(ret.Results[0], "graphql", "ResolveField") {
			continue
		}
		args := ret.Results[0].(*ast.CallExpr).Args
		if len(args) != 9 {
			continue
		}
		fcName, ok := returnedCall(args[3], "ec")
		if !ok || !leaf[fcName] {
			continue
		}
		value, ok := structRead(args[4])
		if !ok || !isNil(args[5]) {
			continue
		}
		marshal, ok := returnedCall(args[6], "ec")
		if !ok {
			continue
		}
		body := fmt.Sprintf("{\n\treturn ec.%s(ctx, field.Selections, %s)\n}", marshal, text(fset, src, value))
		edits = append(edits, splice{fset.Position(fd.Body.Pos()).Offset, fset.Position(fd.Body.End()).Offset, body})
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].start > edits[j].start })
	for _, e := range edits {
		src = append(src[:e.start:e.start], append([]byte(e.text), src[e.end:]...)...)
	}
	return src, len(edits), nil
}

// leanObjects makes every object marshaller return its fields as a
// leanObject (graph/slice.go) rather than the *graphql.FieldSet itself, whose
// MarshalGQL allocates a copy of every field and a map per object.
func leanObjects(src []byte) ([]byte, int, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "generated.go", src, parser.ParseComments)
	if err != nil {
		return nil, 0, err
	}
	var edits []splice
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv == nil || len(fd.Body.List) < 3 {
			continue
		}
		first, ok := fd.Body.List[0].(*ast.AssignStmt)
		if !ok || len(first.Lhs) != 1 || len(first.Rhs) != 1 || ident(first.Lhs[0]) != "fields" || !isCall(first.Rhs[0], "graphql", "CollectFields") {
			continue
		}
		if !assigns(fd.Body.List, "out", "NewFieldSet", "fields") {
			continue
		}
		last, ok := fd.Body.List[len(fd.Body.List)-1].(*ast.ReturnStmt)
		if !ok || len(last.Results) != 1 || ident(last.Results[0]) != "out" {
			continue
		}
		edits = append(edits, splice{fset.Position(last.Pos()).Offset, fset.Position(last.End()).Offset,
			"return leanObject{fields: fields, values: out.Values}"})
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].start > edits[j].start })
	for _, e := range edits {
		src = append(src[:e.start:e.start], append([]byte(e.text), src[e.end:]...)...)
	}
	return src, len(edits), nil
}

// assigns reports whether the statements include `name := graphql.fn(arg)`.
func assigns(stmts []ast.Stmt, name, fn, arg string) bool {
	for _, st := range stmts {
		a, ok := st.(*ast.AssignStmt)
		if !ok || len(a.Lhs) != 1 || len(a.Rhs) != 1 || ident(a.Lhs[0]) != name || !isCall(a.Rhs[0], "graphql", fn) {
			continue
		}
		if args := a.Rhs[0].(*ast.CallExpr).Args; len(args) == 1 && ident(args[0]) == arg {
			return true
		}
	}
	return false
}

func ident(e ast.Expr) string {
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

func isCall(e ast.Expr, pkg, name string) bool {
	c, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	return ok && id.Name == pkg && sel.Sel.Name == name
}

// returnedCall matches `func(...) ... { return recv.Name(...) }` and returns Name.
func returnedCall(e ast.Expr, recv string) (string, bool) {
	lit, ok := e.(*ast.FuncLit)
	if !ok || len(lit.Body.List) != 1 {
		return "", false
	}
	ret, ok := lit.Body.List[0].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 1 {
		return "", false
	}
	c, ok := ret.Results[0].(*ast.CallExpr)
	if !ok {
		return "", false
	}
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok {
		return "", false
	}
	if id, ok := sel.X.(*ast.Ident); !ok || id.Name != recv {
		return "", false
	}
	return sel.Sel.Name, true
}

// structRead matches a resolver `func(ctx) (any, error) { return obj.A.B, nil }`
// (a chain of field selections, optionally ending in a method call without
// arguments) and returns the value expression.
func structRead(e ast.Expr) (ast.Expr, bool) {
	lit, ok := e.(*ast.FuncLit)
	if !ok || len(lit.Body.List) != 1 {
		return nil, false
	}
	ret, ok := lit.Body.List[0].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 2 || !isNil(ret.Results[1]) {
		return nil, false
	}
	v := ret.Results[0]
	x := v
	if c, ok := x.(*ast.CallExpr); ok {
		if len(c.Args) != 0 {
			return nil, false
		}
		x = c.Fun
	}
	for {
		switch s := x.(type) {
		case *ast.SelectorExpr:
			x = s.X
		case *ast.Ident:
			return v, s.Name == "obj"
		default:
			return nil, false
		}
	}
}

func isNil(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "nil"
}

func text(fset *token.FileSet, src []byte, n ast.Node) string {
	return string(src[fset.Position(n.Pos()).Offset:fset.Position(n.End()).Offset])
}
