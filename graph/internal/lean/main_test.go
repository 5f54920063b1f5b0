package main

import (
	"bytes"
	"flag"
	"go/format"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the out.go of every testdata/*.txtar (review the diff)")

// rewriters are the single rewrites a golden file may name (its first line:
// "rewrite: NAME").
func rewriters() map[string]func([]byte) ([]byte, error) {
	m := map[string]func([]byte) ([]byte, error){
		"inline leaves": func(src []byte) ([]byte, error) {
			out, _, err := inlineLeaves(src)
			return out, err
		},
		"deferred set on first use": deferOnFirstUse,
		"enum values shared":        leanEnums,
		"lean objects": func(src []byte) ([]byte, error) {
			out, _, err := leanObjects(src)
			return out, err
		},
	}
	for _, r := range textRewrites {
		m[r.name] = r.apply
	}
	return m
}

type golden struct {
	path    string
	rewrite string
	arc     *txtar.Archive
	in, out []byte
}

func goldens(t *testing.T) []golden {
	t.Helper()
	paths, err := filepath.Glob("testdata/*.txtar")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	var gs []golden
	for _, p := range paths {
		arc, err := txtar.ParseFile(p)
		if err != nil {
			t.Fatal(err)
		}
		g := golden{path: p, arc: arc}
		first, _, _ := strings.Cut(string(arc.Comment), "\n")
		g.rewrite = strings.TrimPrefix(first, "rewrite: ")
		for _, f := range arc.Files {
			switch f.Name {
			case "in.go":
				g.in = f.Data
			case "out.go":
				g.out = f.Data
			}
		}
		if g.in == nil || g.out == nil && !*update {
			t.Fatalf("%s: needs in.go and out.go", p)
		}
		gs = append(gs, g)
	}
	return gs
}

// Each rewrite, applied alone to a snippet of gqlgen v0.17.95's real output,
// gives exactly the expected code.
func TestEachRewrite(t *testing.T) {
	rw := rewriters()
	covered := map[string]bool{}
	for _, g := range goldens(t) {
		t.Run(filepath.Base(g.path), func(t *testing.T) {
			f, ok := rw[g.rewrite]
			if !ok {
				t.Fatalf("no rewrite %q", g.rewrite)
			}
			covered[g.rewrite] = true
			got, err := f(g.in)
			if err != nil {
				t.Fatal(err)
			}
			if got, err = format.Source(got); err != nil {
				t.Fatalf("rewritten code does not parse: %v", err)
			}
			if bytes.Equal(got, g.in) {
				t.Fatal("the rewrite changed nothing")
			}
			if *update {
				for i := range g.arc.Files {
					if g.arc.Files[i].Name == "out.go" {
						g.arc.Files[i].Data = got
					}
				}
				if err := os.WriteFile(g.path, txtar.Format(g.arc), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want, _ := format.Source(g.out); !bytes.Equal(got, want) {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
	for name := range rw {
		if !covered[name] {
			t.Errorf("rewrite %q has no golden file in testdata", name)
		}
	}
}

// The leaf rewrite reports the fields it took out of graphql.ResolveField,
// and only those: the leaf golden file inlines ReturnLine.sku and
// Money.amount and leaves a list, a resolver and a field with a directive.
func TestInlinedLeavesAreNamed(t *testing.T) {
	src := goldenIn(t, "leaf_fields.txtar")
	_, names, err := inlineLeaves(src)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names, " "); got != "ReturnLine.sku Money.amount" {
		t.Errorf("inlined %q", got)
	}
}

// miniGenerated is a small generated.go holding every shape the rewrites
// look for: all golden inputs together.
func miniGenerated(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("package graph\n\n")
	seen := map[string]bool{}
	for _, g := range goldens(t) {
		body := strings.TrimPrefix(string(g.in), "package graph\n")
		if seen[body] {
			continue // two golden files may share a snippet
		}
		seen[body] = true
		b.WriteString(body)
	}
	return b.Bytes()
}

var miniFloors = floors{leaves: 2, objects: 2}

// When gqlgen's output changes shape, the rewrite fails instead of silently
// leaving the executor as gqlgen wrote it.
func TestRewriteFailsWhenGqlgenChanges(t *testing.T) {
	src := miniGenerated(t)
	out, err := rewrite(src, miniFloors)
	if err != nil {
		t.Fatalf("the unchanged shapes must rewrite: %v", err)
	}
	if !bytes.Contains(out, []byte(`var leanLeafFields = []string{`+"\n\t\"Money.amount\",\n\t\"ReturnLine.sku\",\n}")) {
		t.Errorf("the list of inlined fields is missing or wrong:\n%s", out[bytes.Index(out, []byte("// leanLeafFields")):])
	}
	tests := []struct {
		name, from, to string
		wantErr        string
	}{
		{"a worker limit on list elements", "MarshalSliceConcurrently(ctx, len(v), 1, false,", "MarshalSliceConcurrently(ctx, len(v), 4, false,", "list elements in line"},
		{"resolver fields dispatched differently", "out.Concurrently(i, func(ctx context.Context) graphql.Marshaler { return innerFunc(ctx, out) })",
			"out.Go(i, innerFunc)", "resolver fields in line"},
		{"the event type renamed", "marshalNReturnCaseEvent2ᚖgithubᚗcomᚋreturnsgwᚋreturnsgwᚋfeedᚐChange(ctx, selections, v)",
			"marshalNReturnCaseEvent2ᚖgithubᚗcomᚋreturnsgwᚋreturnsgwᚋfeedᚐEvent(ctx, selections, v)", "subscription events marshalled once"},
		{"the defer group built another way", "\tec.ProcessDeferredGroup(graphql.DeferredGroup{", "\tec.processDeferred(graphql.DeferredGroup{", "defer bookkeeping"},
		{"the defer group declared another way", "\tdeferLabelToView := make(map[string]*graphql.FieldSetView)\n",
			"\tdeferLabelToView := map[string]*graphql.FieldSetView{}\n", "deferred set on first use"},
		{"the deferred field set used after the loop", "\tout.Dispatch(ctx)\n", "\tout.Dispatch(ctx)\n\tdeferredFieldSet.Dispatch(ctx)\n", "deferred set on first use"},
		{"enum values written another way", "graphql.MarshalString(marshal", "graphql.MarshalEnum(marshal", "enum values shared"},
		{"ResolveField takes another argument", "\t\ttrue,\n\t\ttrue,\n\t)", "\t\ttrue,\n\t\ttrue,\n\t\tnil,\n\t)", "leaf fields matched"},
		{"leaf field contexts built another way", "graphql.NewScalarFieldContext(", "graphql.NewLeafFieldContext(", "leaf fields matched"},
		{"objects returned another way", "\treturn out\n}", "\treturn &out\n}", "object marshallers matched"},
		{"objects' fields collected another way", "fields := graphql.CollectFields(", "fields := graphql.CollectObjectFields(", "object marshallers matched"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !bytes.Contains(src, []byte(tt.from)) {
				t.Fatalf("the mini generated.go has no %q", tt.from)
			}
			changed := bytes.ReplaceAll(src, []byte(tt.from), []byte(tt.to))
			_, err := rewrite(changed, miniFloors)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want one about %q", err, tt.wantErr)
			}
		})
	}
}

// The committed graph/generated.go is gqlgen's output after the rewrite:
// nothing is left to rewrite, and the leaf list is there.
func TestCommittedExecutorIsRewritten(t *testing.T) {
	src, err := os.ReadFile("../../generated.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range textRewrites {
		if bytes.Contains(src, []byte(r.from)) {
			t.Errorf("graph/generated.go still has %q: run go generate ./graph", r.name)
		}
		if !bytes.Contains(src, []byte(r.to)) {
			t.Errorf("graph/generated.go lacks the result of %q", r.name)
		}
	}
	if enumValue.Match(src) {
		t.Error("graph/generated.go still writes enum values through graphql.MarshalString: run go generate ./graph")
	}
	if bytes.Contains(src, []byte("deferredFieldSet := graphql.NewFieldSet(nil)")) || !bytes.Contains(src, []byte("if deferredFieldSet == nil {")) {
		t.Error("graph/generated.go still makes every object's @defer group: run go generate ./graph")
	}
	if _, names, err := inlineLeaves(src); err != nil || len(names) != 0 {
		t.Errorf("leaf fields left to inline: %v %v", names, err)
	}
	if _, n, err := leanObjects(src); err != nil || n != 0 {
		t.Errorf("%d object marshallers left to rewrite: %v", n, err)
	}
	if n := bytes.Count(src, []byte("return leanObject{fields: fields, values: out.Values}")); n < minObjects {
		t.Errorf("%d lean objects, want at least %d", n, minObjects)
	}
	if !bytes.Contains(src, []byte("\nvar leanLeafFields = []string{\n")) {
		t.Error("graph/generated.go has no leanLeafFields")
	}
}

func goldenIn(t *testing.T, name string) []byte {
	t.Helper()
	for _, g := range goldens(t) {
		if filepath.Base(g.path) == name {
			return g.in
		}
	}
	t.Fatalf("no golden %s", name)
	return nil
}
