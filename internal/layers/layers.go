// Package layers holds the rules of which of the gateway's packages may
// import which, as data, and the checker that applies them to an import
// graph. Its test reads the repository's real import graph (go list) and
// fails on a wrong import; docs/architecture.md explains the layers.
//
// It lives in internal/ so nothing can import it, and in its own package
// so the checker is tested like any code: the test feeds it wrong imports
// and expects it to fail.
package layers

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Order is the direction of the dependencies, top to bottom:
// server → graph → (actions, auth) → feed → (adapters, store) → returns. A package
// may import its own group (graph/model from graph) and any group below it,
// never one above. Groups on one rank (adapters and store) do not import
// each other. A package is in the group of its top directory: graph/model,
// graph/scalar and graph/internal/... are graph, store/sqlite is store.
var Order = [][]string{
	{"server"},
	{"graph"},
	{"actions", "auth"},
	{"feed", "connect"},
	{"adapters", "store"},
	{"returns", "telemetry", "secrets"},
}

// Free groups may import anything: they drive the whole gateway from outside.
var Free = []string{"bench", "e2e"}

// Confinement limits what a package may import from the project, to an
// allowlist. From is a regular expression on the path inside the module;
// May are templates expanded with From's submatches ($1).
type Confinement struct {
	From string
	May  []string
	Why  string
}

// Confinements apply to a package's tests as well: these packages stand on
// their own, even when tested.
var Confinements = []Confinement{
	{From: `returns`, Why: "the domain imports none of the project's packages"},
	{From: `telemetry`, Why: "every layer reports through telemetry, so it imports none of them"},
	{From: `secrets`, Why: "sealing is a leaf: it knows nothing of what it seals"},
	{From: `adapters/(\w+)/\w+sim`, May: []string{`adapters/$1/${1}wire`, `adapters/simkit`, `returns`},
		Why: "a simulator is an independent oracle of its platform: it shares only the wire format with the adapter, never the adapter's code"},
	{From: `adapters/\w+/\w+wire`, Why: "a wire package is the platform's format alone, shared by the adapter and the simulator"},
	{From: `adapters/simkit`, Why: "the simulators' plumbing knows no platform and no gateway code"},
	{From: `internal/layers`, Why: "the checker reads the import graph, it is no part of it"},
}

// Guard says which packages alone may import a package (production code;
// tests may use a guarded package to drive the real thing).
type Guard struct {
	To       string   // regular expression on the path inside the module
	OnlyFrom []string // regular expressions
	Why      string
}

// Guards protect packages that must not reach the gateway's own code paths.
var Guards = []Guard{
	{To: `adapters/\w+/\w+sim|adapters/simkit`, OnlyFrom: []string{`server`, `bench`, `e2e`, `adapters/\w+/\w+sim`},
		Why: "simulators serve sandbox mode (server) and tests, never the gateway's own code"},
}

// Package is one package of the import graph: its path inside the module
// and what it imports (any path; only the module's own count).
type Package struct {
	Path        string
	Imports     []string // the package's own files
	TestImports []string // its _test.go files, internal and external
}

// Violation is one import against the rules.
type Violation struct {
	From, To string
	Test     bool // the import is in a _test.go file
	Why      string
}

func (v Violation) String() string {
	in := ""
	if v.Test {
		in = " (in a test)"
	}
	return fmt.Sprintf("%s imports %s%s: %s", v.From, v.To, in, v.Why)
}

// Check returns every import among pkgs that breaks a rule. Paths are
// relative to the module; imports outside it are told apart by module.
func Check(module string, pkgs []Package) []Violation {
	var out []Violation
	for _, p := range pkgs {
		for _, imp := range project(module, p.Imports) {
			out = append(out, checkEdge(p.Path, imp, false)...)
		}
		for _, imp := range project(module, p.TestImports) {
			if imp == p.Path {
				continue // an external test package importing the package it tests
			}
			out = append(out, checkConfined(p.Path, imp, true)...)
		}
	}
	return out
}

// project keeps the imports inside the module, relative to it.
func project(module string, imports []string) []string {
	var out []string
	for _, imp := range imports {
		if rel, ok := strings.CutPrefix(imp, module+"/"); ok {
			out = append(out, rel)
		}
	}
	return out
}

func checkEdge(from, to string, test bool) []Violation {
	out := checkConfined(from, to, test)
	for _, g := range Guards {
		if full(g.To).MatchString(to) && !slices.ContainsFunc(g.OnlyFrom, func(f string) bool { return full(f).MatchString(from) }) {
			out = append(out, Violation{from, to, test, g.Why})
		}
	}
	fg, tg := group(from), group(to)
	if slices.Contains(Free, fg) || fg == tg {
		return out
	}
	fr, tr := rank(fg), rank(tg)
	switch {
	case fr < 0:
		out = append(out, Violation{from, to, test, fmt.Sprintf("%s/ is in no layer: add it to layers.Order (or Free) and docs/architecture.md", fg)})
	case tr < 0:
		out = append(out, Violation{from, to, test, fmt.Sprintf("%s/ is in no layer, so no layer may depend on it", tg)})
	case tr < fr:
		out = append(out, Violation{from, to, test, fmt.Sprintf("%s is below %s: dependencies point %s", fg, tg, direction())})
	case tr == fr:
		out = append(out, Violation{from, to, test, fmt.Sprintf("%s and %s are side by side and do not import each other", fg, tg)})
	}
	return out
}

func checkConfined(from, to string, test bool) []Violation {
	var out []Violation
	for _, c := range Confinements {
		re := full(c.From)
		m := re.FindStringSubmatchIndex(from)
		if m == nil {
			continue
		}
		allowed := false
		for _, may := range c.May {
			want := string(re.ExpandString(nil, may, from, m))
			if to == want {
				allowed = true
			}
		}
		if !allowed {
			out = append(out, Violation{from, to, test, c.Why})
		}
	}
	return out
}

// group is a package's top directory.
func group(path string) string {
	top, _, _ := strings.Cut(path, "/")
	return top
}

// rank is the group's place in Order, -1 if it has none.
func rank(g string) int {
	for i, gs := range Order {
		if slices.Contains(gs, g) {
			return i
		}
	}
	return -1
}

func direction() string {
	var parts []string
	for _, gs := range Order {
		if len(gs) == 1 {
			parts = append(parts, gs[0])
		} else {
			parts = append(parts, "("+strings.Join(gs, ", ")+")")
		}
	}
	return strings.Join(parts, " → ")
}

// full compiles a pattern that must match a whole path.
func full(pattern string) *regexp.Regexp {
	return regexp.MustCompile(`^(?:` + pattern + `)$`)
}
