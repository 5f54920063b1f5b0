package storetest_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/store/sqlite"
)

// mutantEnv names the mutant a child test process runs a suite against.
const mutantEnv = "STORETEST_MUTANT"

// mutantCase is a backend with one bug and the part of a suite (a
// -test.run pattern below the child test) that must catch it.
type mutantCase struct{ name, run string }

// catchesMutants checks, in child processes of this test binary running
// child (a test that reads mutantEnv), that the unbroken backend passes
// each part of the suite a mutant names and that each mutant fails it.
// serial keeps the children one at a time, for suites that time
// concurrency.
func catchesMutants(t *testing.T, child string, mutants []mutantCase, serial bool) {
	t.Helper()
	if os.Getenv(mutantEnv) != "" {
		t.Skip("in a child process")
	}
	run := func(t *testing.T, mutant, pattern string) (string, error) {
		cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^"+child+"$/"+pattern, "-test.count=1")
		cmd.Env = append(os.Environ(), mutantEnv+"="+mutant)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	t.Run("control", func(t *testing.T) {
		if !serial {
			t.Parallel()
		}
		patterns := map[string]bool{}
		for _, m := range mutants {
			patterns[m.run] = true
		}
		for p := range patterns {
			if out, err := run(t, "none", p); err != nil || !strings.Contains(out, "PASS") {
				t.Errorf("the unbroken backend fails %s: %v\n%s", p, err, out)
			}
		}
	})
	for _, m := range mutants {
		t.Run(m.name, func(t *testing.T) {
			if !serial {
				t.Parallel()
			}
			out, err := run(t, m.name, m.run)
			var exit *exec.ExitError
			if !errors.As(err, &exit) || !strings.Contains(out, "--- FAIL: "+child+"/") {
				t.Errorf("the suite (%s) does not catch %s: %v\n%s", m.run, m.name, err, out)
			}
		})
	}
}

// mutantName is the mutant the parent process names; it skips the test
// when run directly.
func mutantName(t *testing.T, parent string) string {
	name := os.Getenv(mutantEnv)
	if name == "" {
		t.Skip("run by " + parent)
	}
	return name
}

// openMutantBase opens the correct SQLite store a mutant wraps.
func openMutantBase(t *testing.T, now func() time.Time) *sqlite.Store {
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "mutant.db"), sqlite.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
