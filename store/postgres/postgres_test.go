package postgres

import (
	"context"
	"net/url"
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

// A replica that stops inside a transaction holding the log's lock (frozen,
// or cut off) does not hold every replica's writes for good: the server ends
// the idle transaction, and the lock is free again. The URL's own setting
// wins over the store's default (30 s), which keeps this test short.
func TestAFrozenWriterLetsGoOfTheLogLock(t *testing.T) {
	ctx := t.Context()
	s := openFresh(t, nil)
	var def string
	if err := s.pool.QueryRow(ctx, "SHOW idle_in_transaction_session_timeout").Scan(&def); err != nil {
		t.Fatal(err)
	}
	if def != idleInTransaction {
		t.Errorf("idle_in_transaction_session_timeout = %s, want %s", def, idleInTransaction)
	}

	u, err := url.Parse(freshURL(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("idle_in_transaction_session_timeout", "200ms")
	u.RawQuery = q.Encode()
	frozen, err := Open(ctx, u.String(), Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer frozen.Close()
	tx, err := frozen.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", logLock); err != nil {
		t.Fatal(err)
	}
	// The holder now does nothing. Another session waits for the lock,
	// and gets it once the server has ended the idle transaction.
	other, err := frozen.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Release()
	wait, cancel := context.WithTimeout(ctx, time.Minute) // a backstop only: the server's 200 ms decides
	defer cancel()
	if _, err := other.Exec(wait, "SELECT pg_advisory_lock($1)", logLock); err != nil {
		t.Fatalf("the log's lock stayed held by an idle transaction: %v", err)
	}
	if _, err := other.Exec(ctx, "SELECT pg_advisory_unlock($1)", logLock); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "SELECT 1"); err == nil {
		t.Error("the idle transaction's session is still usable; the server should have ended it")
	}
}
