package postgres

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/postgres/pgtest"
	"github.com/returnsgw/returnsgw/store/storetest"
)

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// freshURL returns a throwaway database for the test (pgtest), copied from
// a template migrated once per test binary.
func freshURL(t testing.TB) string {
	t.Helper()
	admin := pgtest.Connect(t)
	defer admin.Close(context.Background())
	templateOnce.Do(func() {
		templateName = "rgw_tmpl_" + pgtest.Suffix()
		if _, templateErr = admin.Exec(context.Background(), "CREATE DATABASE "+templateName); templateErr != nil {
			return
		}
		var s *Store
		s, templateErr = Open(context.Background(), pgtest.WithDatabase(pgtest.AdminURL(), templateName), Options{})
		if templateErr == nil {
			s.Close()
		}
	})
	if templateErr != nil {
		t.Fatalf("template database: %v", templateErr)
	}
	return pgtest.FreshURL(t, templateName)
}

func openFresh(t testing.TB, now func() time.Time) *Store {
	t.Helper()
	s, err := Open(context.Background(), freshURL(t), Options{Now: now, MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store { return openFresh(t, now) })
}

func TestAccessConformance(t *testing.T) {
	storetest.RunAccess(t, func(t *testing.T) store.Access { return openFresh(t, nil) })
}

func TestMain(m *testing.M) {
	code := m.Run()
	if templateName != "" {
		pgtest.Drop(templateName)
	}
	os.Exit(code)
}

func TestConnectionsConformance(t *testing.T) {
	storetest.RunConnections(t, func(t *testing.T, now func() time.Time) store.ConnectionStore { return openFresh(t, now) })
}

func TestTimelineConformance(t *testing.T) {
	storetest.RunTimeline(t, func(t *testing.T, now func() time.Time) storetest.TimelineBackend { return openFresh(t, now) })
}

// go test ./store/postgres -run XXX -bench Upserts -benchtime 20000x
func BenchmarkUpserts(b *testing.B) {
	storetest.BenchUpserts(b, func(b *testing.B, now func() time.Time) store.Store { return openFresh(b, now) })
}

func TestExportReturnsConformance(t *testing.T) {
	storetest.RunExportReturns(t, func(t *testing.T, now func() time.Time) storetest.ExportReturnBackend { return openFresh(t, now) })
}

func TestEvidenceConformance(t *testing.T) {
	storetest.RunEvidence(t, func(t *testing.T, now func() time.Time) storetest.EvidenceBackend { return openFresh(t, now) })
}

func TestInspectionsConformance(t *testing.T) {
	storetest.RunInspections(t, func(t *testing.T, now func() time.Time) storetest.InspectionBackend { return openFresh(t, now) })
}

func TestRoutesConformance(t *testing.T) {
	storetest.RunRoutes(t, func(t *testing.T, now func() time.Time) store.RouteStore { return openFresh(t, now) })
}

// Rows stored before migration 0370 get the seller's next deadline.
func TestNextDeadlineBackfill(t *testing.T) {
	m, err := migrationFiles.ReadFile("migrations/0370_next_deadline.sql")
	if err != nil {
		t.Fatal(err)
	}
	storetest.RunNextDeadlineBackfill(t, func(t *testing.T, now func() time.Time) (store.Store, func(string, ...any) error) {
		s, exec := openAnalytics(t, now)
		return s, exec
	}, storetest.BackfillStatement(t, string(m)))
}

func TestTemplatesConformance(t *testing.T) {
	storetest.RunTemplates(t, func(t *testing.T, now func() time.Time) store.TemplateStore { return openFresh(t, now) })
}

func openAnalytics(t *testing.T, now func() time.Time) (storetest.AnalyticsBackend, func(string, ...any) error) {
	s := openFresh(t, now)
	return s, func(q string, args ...any) error {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", "$"+strconv.Itoa(i), 1)
		}
		_, err := s.pool.Exec(context.Background(), q, args...)
		return err
	}
}

func TestAnalyticsConformance(t *testing.T) {
	storetest.RunAnalytics(t, openAnalytics)
}

func TestAnalyticsBackfill(t *testing.T) {
	m, err := migrationFiles.ReadFile("migrations/0340_analytics.sql")
	if err != nil {
		t.Fatal(err)
	}
	storetest.RunAnalyticsBackfill(t, openAnalytics, storetest.BackfillStatement(t, string(m)))
}
