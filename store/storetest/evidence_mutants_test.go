package storetest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/sqlite"
	"github.com/returnsgw/returnsgw/store/storetest"
)

const evidenceMutantEnv = "STORETEST_EVIDENCE_MUTANT"

// Each broken evidence store fails the evidence suite; the unbroken one
// passes the same parts.
func TestEvidenceSuiteCatchesBrokenBackends(t *testing.T) {
	if os.Getenv(evidenceMutantEnv) != "" {
		t.Skip("in a child process")
	}
	mutants := []struct{ name, run string }{
		{"quota-ignored", "^Quota$"},
		{"quota-checked-then-written", "^QuotaUnderConcurrency$"},
		{"exists-ignores-case", "^RoundTrip$"},
	}
	run := func(t *testing.T, mutant, pattern string) (string, error) {
		cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestEvidenceMutant$/"+pattern, "-test.count=1")
		cmd.Env = append(os.Environ(), evidenceMutantEnv+"="+mutant)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	for _, m := range mutants {
		t.Run(m.name, func(t *testing.T) {
			if out, err := run(t, "none", m.run); err != nil || !strings.Contains(out, "PASS") {
				t.Errorf("the unbroken backend fails %s: %v\n%s", m.run, err, out)
			}
			out, err := run(t, m.name, m.run)
			var exit *exec.ExitError
			if !errors.As(err, &exit) || !strings.Contains(out, "--- FAIL: TestEvidenceMutant/") {
				t.Errorf("the suite (%s) does not catch %s: %v\n%s", m.run, m.name, err, out)
			}
		})
	}
}

// TestEvidenceMutant runs the evidence suite against the mutant a parent
// process names.
func TestEvidenceMutant(t *testing.T) {
	name := os.Getenv(evidenceMutantEnv)
	if name == "" {
		t.Skip("run by TestEvidenceSuiteCatchesBrokenBackends")
	}
	storetest.RunEvidence(t, func(t *testing.T, now func() time.Time) storetest.EvidenceBackend {
		s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "mutant.db"), sqlite.Options{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return &evidenceMutant{Store: s, name: name}
	})
}

// evidenceMutant is a correct store with the named bug.
type evidenceMutant struct {
	*sqlite.Store
	name string
}

func (m *evidenceMutant) AddEvidence(ctx context.Context, org returns.OrgID, e *store.Evidence, data []byte, quota int64) (*store.Evidence, error) {
	switch m.name {
	case "quota-ignored":
		quota = 0
	case "quota-checked-then-written":
		// Reads the usage, then writes without the statement's own check:
		// two uploads can both see room for one.
		used, err := m.EvidenceUsage(ctx, org)
		if err != nil {
			return nil, err
		}
		if quota > 0 && used+int64(len(data)) > quota {
			return nil, returns.Errorf(store.CodeQuotaExceeded, "quota")
		}
		runtime.Gosched()
		quota = 0
	}
	return m.Store.AddEvidence(ctx, org, e, data, quota)
}

func (m *evidenceMutant) EvidenceExists(ctx context.Context, org returns.OrgID, key returns.CaseKey, ids []string) error {
	if m.name != "exists-ignores-case" {
		return m.Store.EvidenceExists(ctx, org, key, ids)
	}
	if err := store.CheckEvidenceIDs(ids); err != nil {
		return err
	}
	for _, id := range ids {
		if _, _, err := m.GetEvidence(ctx, org, id); err != nil {
			return returns.Errorf(returns.CodeInvalid, "not on this case")
		}
	}
	return nil
}
