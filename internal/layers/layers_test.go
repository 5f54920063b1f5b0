package layers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/returnsgw/returnsgw"

// TestTheRepositoryKeepsItsLayers reads the real import graph and fails on
// any import against the rules.
func TestTheRepositoryKeepsItsLayers(t *testing.T) {
	pkgs, problems := importGraph(t)
	for _, p := range problems {
		t.Error(p)
	}
	// The graph must be the repository's, not an empty or partial one.
	seen := map[string]bool{}
	for _, p := range pkgs {
		seen[p.Path] = true
	}
	for _, want := range []string{"server", "graph", "actions", "feed", "adapters", "adapters/xhs", "adapters/xhs/xhssim", "store", "store/sqlite", "returns"} {
		if !seen[want] {
			t.Errorf("go list did not report %s", want)
		}
	}
	for _, v := range Check(module, pkgs) {
		t.Error(v)
	}
}

// importGraph lists every package of the module with its imports. A package
// go list cannot load (an import cycle, say) is reported as a problem, and
// its imports are still checked.
func importGraph(t *testing.T) ([]Package, []string) {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Imports,TestImports,XTestImports,Error", "./...")
	cmd.Dir = "../.." // the module root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	var pkgs []Package
	var problems []string
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			ImportPath                         string
			Imports, TestImports, XTestImports []string
			Error                              *struct{ Err string }
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		rel, ok := strings.CutPrefix(p.ImportPath, module+"/")
		if !ok {
			if p.ImportPath != module {
				t.Fatalf("package %s is outside the module", p.ImportPath)
			}
			rel = "."
		}
		if p.Error != nil {
			problems = append(problems, rel+": "+p.Error.Err)
		}
		pkgs = append(pkgs, Package{Path: rel, Imports: p.Imports, TestImports: append(p.TestImports, p.XTestImports...)})
	}
	return pkgs, problems
}

// The checker itself, on imports made up to break each rule (and some that
// keep them): it must catch every wrong one and pass every right one.
func TestCheckerCatchesWrongImports(t *testing.T) {
	tests := []struct {
		from, to string
		test     bool   // the import is in a _test.go file
		want     string // part of the violation's reason; "" for none
	}{
		// The direction, downward only.
		{"server", "graph", false, ""},
		{"graph", "actions", false, ""},
		{"actions", "feed", false, ""},
		{"feed", "adapters", false, ""},
		{"feed", "store", false, ""},
		{"store", "returns", false, ""},
		{"actions", "adapters", false, ""}, // past a layer, still downward
		{"server", "store/sqlite", false, ""},
		{"returns", "store", false, "imports none of the project's packages"},
		{"returns", "adapters/simkit", false, "imports none of the project's packages"},
		{"feed", "graph", false, "feed is below graph"},
		{"feed", "actions", false, "feed is below actions"},
		{"graph", "server", false, "graph is below server"},
		{"store/sqlite", "feed", false, "store is below feed"},
		{"adapters/xhs", "feed", false, "adapters is below feed"},
		{"graph/model", "graph/transport", false, ""}, // one group
		{"graph/transport", "server", false, "graph is below server"},
		// Side by side.
		{"store/sqlite", "adapters", false, "side by side"},
		{"adapters/xhs", "store", false, "side by side"},
		// Simulators, wire packages, simkit.
		{"adapters/xhs/xhssim", "adapters/xhs/xhswire", false, ""},
		{"adapters/xhs/xhssim", "adapters/simkit", false, ""},
		{"adapters/xhs/xhssim", "returns", false, ""},
		{"adapters/aliexpress/aliexpresssim", "adapters/aliexpress/aliexpresswire", false, ""},
		{"adapters/xhs/xhssim", "adapters/xhs", false, "independent oracle"},
		{"adapters/xhs/xhssim", "adapters/xhs", true, "independent oracle"},
		{"adapters/xhs/xhssim", "adapters", false, "independent oracle"},
		{"adapters/xhs/xhssim", "adapters/alibaba/alibabawire", false, "independent oracle"},
		{"adapters/alibaba/alibabasim", "adapters/alibaba", false, "independent oracle"},
		{"adapters/xhs/xhswire", "adapters", false, "platform's format alone"},
		{"adapters/xhs/xhswire", "returns", false, "platform's format alone"},
		{"adapters/simkit", "returns", false, "knows no platform"},
		{"adapters/xhs", "adapters/xhs/xhswire", false, ""},
		{"adapters/xhs", "adapters/xhs/xhssim", false, "never the gateway's own code"},
		{"adapters/xhs", "adapters/xhs/xhssim", true, ""}, // a conformance test drives the simulator
		{"feed", "adapters/xhs/xhssim", false, "never the gateway's own code"},
		{"feed", "adapters/xhs", true, ""}, // tests wire real packages together
		{"server", "adapters/xhs/xhssim", false, ""},
		// Outside the layers.
		{"bench", "server", false, ""},
		{"e2e", "graph", false, ""},
		{"metrics", "returns", false, "metrics/ is in no layer"},
		{"graph", "metrics", false, "metrics/ is in no layer"},
		{"graph", "internal/layers", false, "internal/ is in no layer"},
		{"internal/layers", "returns", false, "no part of it"},
	}
	for _, tt := range tests {
		p := Package{Path: tt.from}
		if tt.test {
			p.TestImports = []string{module + "/" + tt.to, "testing"}
		} else {
			p.Imports = []string{module + "/" + tt.to, "fmt", "github.com/99designs/gqlgen/graphql"}
		}
		vs := Check(module, []Package{p})
		switch {
		case tt.want == "" && len(vs) > 0:
			t.Errorf("%s → %s (test %v): flagged, but is allowed: %v", tt.from, tt.to, tt.test, vs)
		case tt.want != "" && len(vs) == 0:
			t.Errorf("%s → %s (test %v): not flagged, want %q", tt.from, tt.to, tt.test, tt.want)
		case tt.want != "" && !strings.Contains(vs[0].Why, tt.want) && (len(vs) < 2 || !strings.Contains(vs[1].Why, tt.want)):
			t.Errorf("%s → %s (test %v): %v, want %q", tt.from, tt.to, tt.test, vs, tt.want)
		}
	}
}

// Imports from outside the module never count, and a package's external
// test importing the package it tests is no violation.
func TestOnlyTheModuleCounts(t *testing.T) {
	p := Package{Path: "returns", Imports: []string{"fmt", "github.com/returnsgw/returnsgwx/store", "golang.org/x/text"},
		TestImports: []string{module + "/returns"}}
	if vs := Check(module, []Package{p}); len(vs) > 0 {
		t.Error(vs)
	}
}
