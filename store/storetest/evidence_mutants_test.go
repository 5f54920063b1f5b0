package storetest_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/sqlite"
	"github.com/returnsgw/returnsgw/store/storetest"
)

// Each broken evidence store fails the evidence suite; the unbroken one
// passes the same parts. One child at a time: the quota race is timed.
func TestEvidenceSuiteCatchesBrokenBackends(t *testing.T) {
	catchesMutants(t, "TestEvidenceMutant", []mutantCase{
		{"quota-ignored", "^Quota$"},
		{"quota-checked-then-written", "^QuotaUnderConcurrency$"},
		{"exists-ignores-case", "^RoundTrip$"},
	}, true)
}

// TestEvidenceMutant runs the evidence suite against the mutant a parent
// process names.
func TestEvidenceMutant(t *testing.T) {
	name := mutantName(t, "TestEvidenceSuiteCatchesBrokenBackends")
	storetest.RunEvidence(t, func(t *testing.T, now func() time.Time) storetest.EvidenceBackend {
		return &evidenceMutant{Store: openMutantBase(t, now), name: name}
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
