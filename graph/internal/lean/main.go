// Command lean rewrites gqlgen's generated executor (graph/generated.go) to
// take these costs out of every query. It runs right after gqlgen (see
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
//     has none of them. Two differences: field middleware (AroundFields)
//     does not see these fields (they are listed in leanLeafFields, and
//     README.md says how to bring one back under it), and if such a field
//     ever marshals to null, the error names the object's path rather than
//     the field's. A string field is written in place (leanString), and
//     enum values by one shared marshaller per name (leanEnum), where
//     graphql.MarshalString allocates a closure per value.
//
//  3. An object makes its @defer group, and computes its response path for
//     it, only when something in it is deferred, and is written out by
//     leanObject (graph/lean.go) instead of graphql.FieldSet.MarshalGQL,
//     which copies every field to the heap and builds a map per object.
//
//  4. A subscription event is marshalled once for all subscribers that
//     sent the same document (graph/shared.go).
//
// Together they made a page of 50 cases several times cheaper to serve. The
// rewrites match the code gqlgen v0.17.95 emits exactly and fail when a
// pattern is missing, so a gqlgen upgrade cannot silently undo them.
// README.md lists the guards and what to do when gqlgen's output changes.
package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// textRewrite replaces one exact text of gqlgen's output everywhere it
// occurs; the text must occur at least once.
type textRewrite struct{ name, from, to string }

var textRewrites = []textRewrite{
	{
		"list elements in line",
		"graphql.MarshalSliceConcurrently(ctx, len(v), 1, false, func(ctx context.Context, i int) graphql.Marshaler {",
		"marshalSlice(ctx, len(v), func(ctx context.Context, i int) graphql.Marshaler {",
	},
	{
		"resolver fields in line",
		"out.Concurrently(i, func(ctx context.Context) graphql.Marshaler { return innerFunc(ctx, out) })",
		"out.Values[i] = innerFunc(ctx, out)",
	},
	// A change delivered to many subscribers is marshalled once per
	// document and variables (graph/shared.go), not once per subscriber.
	{
		"subscription events marshalled once",
		"return ec.marshalNReturnCaseEvent2ᚖgithubᚗcomᚋreturnsgwᚋreturnsgwᚋfeedᚐChange(ctx, selections, v)",
		"return ec.Resolvers.(*Resolver).sharedEvent(ctx, selections, v, ec.marshalNReturnCaseEvent2ᚖgithubᚗcomᚋreturnsgwᚋreturnsgwᚋfeedᚐChange)",
	},
	// A query's or mutation's response is collected in pooled chunks and
	// copied out once (graph/lean.go's leanWriter), not in a bytes.Buffer
	// that doubles. A subscription's buffer is already reused per event.
	{
		"responses collected in pooled chunks",
		"\t\t\tvar buf bytes.Buffer\n\t\t\tdata.MarshalGQL(&buf)\n",
		"\t\t\tvar buf leanWriter\n\t\t\tdata.MarshalGQL(&buf)\n",
	},
	// Every object computed its full response path for @defer bookkeeping,
	// even with nothing deferred (the path is an allocation per level).
	{
		"defer bookkeeping only when deferred",
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

// deferOnFirstUse makes an object's @defer group (a field set and a map of
// labels, two allocations) only when one of its fields is deferred: every
// object of every response made both, and almost none uses them. It runs
// after "defer bookkeeping only when deferred", which guards the group's one
// use after the loop by the map's length; every other use is inside the
// deferred branch, which now makes them first.
func deferOnFirstUse(src []byte) ([]byte, error) {
	const (
		decl    = "\tdeferredFieldSet := graphql.NewFieldSet(nil)\n\tdeferLabelToView := make(map[string]*graphql.FieldSetView)\n"
		lazy    = "\tvar deferredFieldSet *graphql.FieldSet\n\tvar deferLabelToView map[string]*graphql.FieldSetView\n"
		branch  = "\t\t\tif field.IsDeferred() {\n\t\t\t\tdeferredFieldSet.AddField(field)\n"
		made    = "\t\t\tif field.IsDeferred() {\n\t\t\t\tif deferredFieldSet == nil {\n\t\t\t\t\tdeferredFieldSet, deferLabelToView = graphql.NewFieldSet(nil), map[string]*graphql.FieldSetView{}\n\t\t\t\t}\n\t\t\t\tdeferredFieldSet.AddField(field)\n"
		guarded = "\tif len(deferLabelToView) > 0 {\n"
	)
	n := bytes.Count(src, []byte(decl))
	switch {
	case n == 0:
		return nil, fmt.Errorf("rewrite %q: no %q: did gqlgen change?", "deferred set on first use", decl)
	case bytes.Count(src, []byte("deferredFieldSet.AddField(field)")) != bytes.Count(src, []byte(branch)):
		return nil, fmt.Errorf("rewrite %q: a deferred field set is used outside %q: did gqlgen change?", "deferred set on first use", branch)
	case bytes.Count(src, []byte("deferredFieldSet")) != bytes.Count(src, []byte("deferredFieldSet :="))+5*bytes.Count(src, []byte(branch))+bytes.Count(src, []byte("FieldSet: deferredFieldSet")):
		return nil, fmt.Errorf("rewrite %q: the deferred field set has a use this rewrite does not know: did gqlgen change?", "deferred set on first use")
	case bytes.Count(src, []byte(guarded)) != n:
		return nil, fmt.Errorf("rewrite %q: %d groups, %d guarded by their length: run it after %q", "deferred set on first use", n, bytes.Count(src, []byte(guarded)), "defer bookkeeping only when deferred")
	}
	src = bytes.ReplaceAll(src, []byte(decl), []byte(lazy))
	return bytes.ReplaceAll(src, []byte(branch), []byte(made)), nil
}

// enumValue is how gqlgen writes an enum value: the name looked up in the
// enum's map, wrapped in a new closure.
var enumValue = regexp.MustCompile(`graphql\.MarshalString\((marshal[NO][^\[\s()]+)\[(\*?v)\]\)`)

// leanEnums writes enum values through leanEnum (graph/lean.go), which
// keeps one marshaller per value name, instead of a closure per value: a
// page of cases has several enums per case.
func leanEnums(src []byte) ([]byte, error) {
	if !enumValue.Match(src) {
		return nil, fmt.Errorf("rewrite %q: no %s: did gqlgen change?", "enum values shared", enumValue)
	}
	return enumValue.ReplaceAll(src, []byte("leanEnum($1[$2])")), nil
}

// stringMarshallers are gqlgen's marshallers of a Go string that write it as
// graphql.MarshalString does and never answer null, so leanString can stand
// in for them.
var stringMarshallers = map[string]bool{"marshalNString2string": true, "marshalOString2string": true}

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
	out, err := rewrite(src, floors{leaves: minLeafFields, objects: minObjects})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, out, 0o644)
}

// floors are the fewest matches of each AST rewrite that count as gqlgen's
// output still having the expected shape.
type floors struct{ leaves, objects int }

// rewrite applies every rewrite to gqlgen's output and formats the result.
func rewrite(src []byte, min floors) ([]byte, error) {
	for _, r := range textRewrites {
		var err error
		if src, err = r.apply(src); err != nil {
			return nil, err
		}
	}
	src, err := deferOnFirstUse(src)
	if err != nil {
		return nil, err
	}
	if src, err = leanEnums(src); err != nil {
		return nil, err
	}
	src, leaves, err := inlineLeaves(src)
	if err != nil {
		return nil, err
	}
	if len(leaves) < min.leaves {
		return nil, fmt.Errorf("only %d leaf fields matched (want at least %d): did gqlgen change?", len(leaves), min.leaves)
	}
	src, n, err := leanObjects(src)
	if err != nil {
		return nil, err
	}
	if n < min.objects {
		return nil, fmt.Errorf("only %d object marshallers matched (want at least %d): did gqlgen change?", n, min.objects)
	}
	src = appendLeafList(src, leaves)
	return format.Source(src)
}

func (r textRewrite) apply(src []byte) ([]byte, error) {
	if !bytes.Contains(src, []byte(r.from)) {
		return nil, fmt.Errorf("rewrite %q: no %q: did gqlgen (or worker_limit in gqlgen.yml) change?", r.name, r.from)
	}
	return bytes.ReplaceAll(src, []byte(r.from), []byte(r.to)), nil
}

// appendLeafList records in the output which fields inlineLeaves took out of
// graphql.ResolveField, so that graph's tests can hold field middleware to
// exactly that set (see README.md).
func appendLeafList(src []byte, leaves []string) []byte {
	sort.Strings(leaves)
	var b bytes.Buffer
	b.Write(src)
	b.WriteString("\n// leanLeafFields are the fields (Object.field) that graph/internal/lean\n")
	b.WriteString("// marshals straight off their Go value, without graphql.ResolveField: field\n")
	b.WriteString("// middleware (AroundFields) does not see them.\n")
	b.WriteString("var leanLeafFields = []string{\n")
	for _, l := range leaves {
		fmt.Fprintf(&b, "\t%q,\n", l)
	}
	b.WriteString("}\n")
	return b.Bytes()
}

type splice struct {
	start, end int
	text       string
}

// inlineLeaves replaces the body of every leaf-field function that reads a
// struct field with a direct call of its marshaller, and returns the fields
// it inlined as Object.field.
func inlineLeaves(src []byte) ([]byte, []string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "generated.go", src, parser.ParseComments)
	if err != nil {
		return nil, nil, err
	}
	// Field-context constructors that describe a leaf (no child fields), by
	// the object they belong to.
	leaf := map[string]string{}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || !strings.HasPrefix(fd.Name.Name, "fieldContext_") || len(fd.Body.List) != 1 {
			continue
		}
		ret, ok := fd.Body.List[0].(*ast.ReturnStmt)
		if !ok || len(ret.Results) != 1 || !isCall(ret.Results[0], "graphql", "NewScalarFieldContext") {
			continue
		}
		if obj, ok := stringArg(ret.Results[0], 0); ok {
			leaf[fd.Name.Name] = obj
		}
	}
	var edits []splice
	var names []string
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
		obj, isLeaf := leaf[fcName]
		if !ok || !isLeaf || !strings.HasPrefix(fd.Name.Name, "_"+obj+"_") {
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
		if _, isCall := value.(*ast.CallExpr); !isCall && stringMarshallers[marshal] {
			// A struct's string field is written in place: a pointer in an
			// interface needs no allocation (graph/lean.go's leanString).
			body = fmt.Sprintf("{\n\treturn (*leanString)(&%s)\n}", text(fset, src, value))
		}
		edits = append(edits, splice{fset.Position(fd.Body.Pos()).Offset, fset.Position(fd.Body.End()).Offset, body})
		names = append(names, obj+"."+strings.TrimPrefix(fd.Name.Name, "_"+obj+"_"))
	}
	return apply(src, edits), names, nil
}

// leanObjects makes every object marshaller return its fields as a
// leanObject (graph/lean.go) rather than the *graphql.FieldSet itself, whose
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
	return apply(src, edits), len(edits), nil
}

// apply makes the edits, last first so that earlier offsets stay valid.
func apply(src []byte, edits []splice) []byte {
	sort.Slice(edits, func(i, j int) bool { return edits[i].start > edits[j].start })
	for _, e := range edits {
		src = append(src[:e.start:e.start], append([]byte(e.text), src[e.end:]...)...)
	}
	return src
}

// stringArg returns the i-th argument of a call when it is a string literal.
func stringArg(e ast.Expr, i int) (string, bool) {
	c := e.(*ast.CallExpr)
	if len(c.Args) <= i {
		return "", false
	}
	lit, ok := c.Args[i].(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
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
