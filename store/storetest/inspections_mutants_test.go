package storetest_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/sqlite"
	"github.com/returnsgw/returnsgw/store/storetest"
)

// Each broken inspections backend fails RunInspections; the unbroken one
// passes the same parts.
func TestInspectionSuiteCatchesBrokenBackends(t *testing.T) {
	catchesMutants(t, "TestInspectionMutant", []mutantCase{
		{"inspection-org-blind", "^ScopedByOrganisation$"},
		{"inspection-not-atomic", "^AllOrNothing$"},
		{"inspection-time-not-utc", "^RoundTrip$"},
		{"inspection-view-answer-stale", "^NotLostToAPlatformWrite$"},
	}, false)
}

// TestInspectionMutant runs RunInspections against the mutant a parent names.
func TestInspectionMutant(t *testing.T) {
	name := mutantName(t, "TestInspectionSuiteCatchesBrokenBackends")
	storetest.RunInspections(t, func(t *testing.T, now func() time.Time) storetest.InspectionBackend {
		return &inspectionMutant{Store: openMutantBase(t, now), name: name}
	})
}

// inspectionMutant is a correct backend with the named bug.
type inspectionMutant struct {
	*sqlite.Store
	name string

	mu   sync.Mutex
	orgs []returns.OrgID
}

func (m *inspectionMutant) UpsertCase(ctx context.Context, org returns.OrgID, c *returns.Case, ch store.Change) (*store.UpsertResult, error) {
	m.mu.Lock()
	if !slices.Contains(m.orgs, org) {
		m.orgs = append(m.orgs, org)
	}
	m.mu.Unlock()
	switch {
	case m.name == "inspection-not-atomic" && c.Inspection != nil:
		// The case first, the inspection after: a refused inspection
		// leaves the case written.
		bare := *c
		bare.Inspection = nil
		if _, err := m.Store.UpsertCase(ctx, org, &bare, ch); err != nil {
			return nil, err
		}
	case m.name == "inspection-view-answer-stale" && c.Inspection == nil:
		// Answers with the view as given, not as stored.
		res, err := m.Store.UpsertCase(ctx, org, c, ch)
		if err == nil {
			res.Case.Inspection = nil
		}
		return res, err
	}
	return m.Store.UpsertCase(ctx, org, c, ch)
}

func (m *inspectionMutant) Inspection(ctx context.Context, org returns.OrgID, key returns.CaseKey) (*returns.Inspection, error) {
	in, err := m.Store.Inspection(ctx, org, key)
	switch {
	case m.name == "inspection-org-blind" && returns.ErrorCodeOf(err) == returns.CodeNotFound:
		m.mu.Lock()
		orgs := slices.Clone(m.orgs)
		m.mu.Unlock()
		for _, o := range orgs {
			if in, err := m.Store.Inspection(ctx, o, key); err == nil {
				return in, nil
			}
		}
	case m.name == "inspection-time-not-utc" && err == nil:
		in.InspectedAt = in.InspectedAt.In(returns.Shanghai)
	}
	return in, err
}
