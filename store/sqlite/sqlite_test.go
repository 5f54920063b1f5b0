package sqlite

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/storetest"
)

func openTemp(t testing.TB, now func() time.Time) *Store {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "data", "gateway.db"), now)
}

func openAt(t testing.TB, path string, now func() time.Time) *Store {
	t.Helper()
	s, err := Open(t.Context(), path, Options{Now: now})
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store { return openTemp(t, now) })
}

var start = time.Date(2025, time.June, 3, 4, 5, 6, 789012345, time.UTC)

// Everything written survives closing and opening the file again, and the
// event sequence carries on where it stopped.
func TestReopen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "gateway.db")
	clock := storetest.NewClock(start)
	const org returns.OrgID = "org-reopen"

	s, err := Open(ctx, path, Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	cs := storetest.NewFixtures(1, start).Cases(20)
	var stored []*returns.Case
	var lastSeq int64
	for _, c := range cs {
		clock.Advance(time.Second)
		res, err := s.UpsertCase(ctx, org, c, store.Change{Source: returns.SourcePoll, Detail: map[string]string{"k": "v"}})
		if err != nil {
			t.Fatal(err)
		}
		stored, lastSeq = append(stored, res.Case), res.Event.Seq
	}
	events, err := s.EventsAfter(ctx, org, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClaimIdempotency(ctx, org, "key", "hash"); err != nil {
		t.Fatal(err)
	}
	if err := s.CompleteIdempotency(ctx, org, "key", []byte("response")); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCursor(ctx, org, "xhs/updated", "1748923506000"); err != nil {
		t.Fatal(err)
	}
	applied := migrationsApplied(t, s.r)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	clock.Advance(time.Hour)
	s = openAt(t, path, clock.Now)
	for _, want := range stored {
		got, err := s.GetCase(ctx, org, want.Key())
		if err != nil {
			t.Fatalf("after reopening: %v", err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("after reopening, %s is\n%+v\nwant\n%+v", want.PlatformCaseID, got, want)
		}
	}
	again, err := s.EventsAfter(ctx, org, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, events) {
		t.Fatalf("events after reopening:\n%v\nwant\n%v", again, events)
	}
	rec, err := s.ClaimIdempotency(ctx, org, "key", "hash")
	if err != nil || rec == nil || rec.State != store.IdempotencyDone || string(rec.Response) != "response" {
		t.Fatalf("idempotency record after reopening: %+v, %v", rec, err)
	}
	if v, err := s.Cursor(ctx, org, "xhs/updated"); err != nil || v != "1748923506000" {
		t.Fatalf("cursor after reopening: %q, %v", v, err)
	}
	changed := *stored[0]
	changed.Note = "changed after reopening"
	res, err := s.UpsertCase(ctx, org, &changed, store.Change{Source: returns.SourcePoll})
	if err != nil {
		t.Fatal(err)
	}
	if res.Event.Seq <= lastSeq || res.Case.Version != 2 {
		t.Fatalf("after reopening: Seq %d (last was %d), Version %d", res.Event.Seq, lastSeq, res.Case.Version)
	}
	if got := migrationsApplied(t, s.r); !reflect.DeepEqual(got, applied) {
		t.Fatalf("reopening changed the applied migrations: %v, before %v", got, applied)
	}
}

// migrationsApplied lists the recorded migrations with when they were applied.
func migrationsApplied(t *testing.T, db *sql.DB) map[string]int64 {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT version, applied_ns FROM schema_migrations`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var v string
		var at int64
		if err := rows.Scan(&v, &at); err != nil {
			t.Fatal(err)
		}
		out[v] = at
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Migrations apply in name order, each once; a failing one leaves nothing
// behind, and the next run picks up where the last one stopped.
func TestMigrate(t *testing.T) {
	ctx := t.Context()
	s := openTemp(t, storetest.NewClock(start).Now)
	embedded := migrationsApplied(t, s.r)
	if _, ok := embedded["0001_init.sql"]; !ok || len(embedded) == 0 {
		t.Fatalf("embedded migrations applied: %v", embedded)
	}

	db, err := sql.Open("sqlite", dsn(filepath.Join(t.TempDir(), "m.db"), true, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	now := storetest.NewClock(start).Now
	log := s.log

	broken := fstest.MapFS{
		"migrations/0002_b.sql": {Data: []byte(`CREATE TABLE b (x); INSERT INTO no_such_table VALUES (1);`)},
		"migrations/0001_a.sql": {Data: []byte(`CREATE TABLE a (x); INSERT INTO a VALUES (1);`)},
		"migrations/README":     {Data: []byte(`not a migration`)},
	}
	if err := migrate(ctx, db, broken, now, log); err == nil {
		t.Fatal("a failing migration reported no error")
	}
	if got := migrationsApplied(t, db); len(got) != 1 || got["0001_a.sql"] == 0 {
		t.Fatalf("after a failing second migration, recorded: %v; want only 0001_a.sql", got)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name = 'b'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the failed migration left table b behind (%d, %v)", n, err)
	}

	fixed := fstest.MapFS{
		"migrations/0001_a.sql": broken["migrations/0001_a.sql"], // would fail if run twice: a exists
		"migrations/0002_b.sql": {Data: []byte(`CREATE TABLE b (x); INSERT INTO b SELECT x FROM a;`)},
	}
	for range 2 {
		if err := migrate(ctx, db, fixed, now, log); err != nil {
			t.Fatalf("migrate: %v", err)
		}
	}
	if got := migrationsApplied(t, db); len(got) != 2 {
		t.Fatalf("recorded migrations %v, want 0001_a.sql and 0002_b.sql", got)
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM b`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("table b has %d rows (%v), want 1: a migration ran twice or not at all", n, err)
	}
}

// The connection settings are in force on every connection.
func TestSettings(t *testing.T) {
	s := openTemp(t, nil)
	for _, c := range []struct {
		db    *sql.DB
		name  string
		pragm string
		want  string
	}{
		{s.w, "writer", "journal_mode", "wal"},
		{s.r, "reader", "journal_mode", "wal"},
		{s.w, "writer", "foreign_keys", "1"},
		{s.r, "reader", "foreign_keys", "1"},
		{s.w, "writer", "busy_timeout", fmt.Sprint(busyTimeout.Milliseconds())},
		{s.r, "reader", "busy_timeout", fmt.Sprint(busyTimeout.Milliseconds())},
		{s.r, "reader", "query_only", "1"},
		{s.w, "writer", "query_only", "0"},
		{s.w, "writer", "synchronous", "2"}, // FULL
		{s.w, "writer", "wal_autocheckpoint", fmt.Sprint(walCheckpointPages)},
		{s.w, "writer", "journal_size_limit", fmt.Sprint(walLimit(4096))}, // a new file's pages are 4 KiB
		{s.w, "writer", "temp_store", "2"},                                // MEMORY
	} {
		var got string
		if err := c.db.QueryRowContext(t.Context(), "PRAGMA "+c.pragm).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("%s: PRAGMA %s = %s, want %s", c.name, c.pragm, got, c.want)
		}
	}
	// A foreign key the schema declares is enforced.
	_, err := s.w.ExecContext(t.Context(), `INSERT INTO case_docs (id, doc) VALUES (12345, '{}')`)
	if err == nil {
		t.Error("a document without its case was accepted: foreign keys are off")
	}
}

// Paths are file paths, whatever characters they hold; their directories are created.
func TestOpenPaths(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{
		filepath.Join(dir, "a", "b", "c", "gateway.db"),
		filepath.Join(dir, "we?ird #name %20 [x]", "gateway.db"),
	} {
		s := openAt(t, p, nil)
		if _, err := s.UpsertCase(t.Context(), "org", storetest.FullCase("R1"), store.Change{Source: returns.SourcePoll}); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		s.Close()
		s = openAt(t, p, nil)
		if _, err := s.GetCase(t.Context(), "org", returns.CaseKey{Platform: returns.XHS, PlatformCaseID: "R1"}); err != nil {
			t.Fatalf("%s reopened: %v", p, err)
		}
	}
	for _, p := range []string{"", ":memory:"} {
		if s, err := Open(t.Context(), p, Options{}); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded; want an error", p)
		}
	}
}

// Two stores on one file, as two processes would have, write at the same
// time without SQLITE_BUSY: BEGIN IMMEDIATE waits for the other's lock.
func TestTwoWritersOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	clock := storetest.NewClock(start)
	stores := []*Store{openAt(t, path, clock.Now), openAt(t, path, clock.Now)}
	cs := storetest.NewFixtures(2, start).Cases(60)
	errs := make(chan error, len(cs))
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := stores[i%2].UpsertCase(t.Context(), "org", c, store.Change{Source: returns.SourcePoll})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent upsert through two stores: %v", err)
		}
	}
	evs, err := stores[0].EventsAfter(t.Context(), "org", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != len(cs) {
		t.Fatalf("%d events for %d new cases", len(evs), len(cs))
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].Seq <= evs[i-1].Seq {
			t.Fatalf("Seq %d after %d", evs[i].Seq, evs[i-1].Seq)
		}
	}
}

// A list's count follows writes made through another store on the same file,
// as another process's would be.
func TestCountFollowsOtherWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	clock := storetest.NewClock(start)
	reader, writer := openAt(t, path, clock.Now), openAt(t, path, clock.Now)
	cs := storetest.NewFixtures(4, start).Cases(10)
	seedCases(t, writer, "org", cs[:5])
	count := func() int {
		t.Helper()
		page, err := reader.ListCases(t.Context(), "org", store.ListQuery{First: 2})
		if err != nil {
			t.Fatal(err)
		}
		return page.TotalCount
	}
	for i := 5; i <= len(cs); i++ {
		for range 2 { // the second asks the cache
			if n := count(); n != i {
				t.Fatalf("after %d cases written elsewhere, the count is %d", i, n)
			}
		}
		if i < len(cs) {
			seedCases(t, writer, "org", cs[i:i+1])
		}
	}
}

func TestEvidenceConformance(t *testing.T) {
	storetest.RunEvidence(t, func(t *testing.T, now func() time.Time) storetest.EvidenceBackend { return openTemp(t, now) })
}

func TestInspectionsConformance(t *testing.T) {
	storetest.RunInspections(t, func(t *testing.T, now func() time.Time) storetest.InspectionBackend { return openTemp(t, now) })
}

func TestAnalyticsConformance(t *testing.T) {
	storetest.RunAnalytics(t, openWithSQL)
}

func TestAnalyticsBackfill(t *testing.T) {
	storetest.RunAnalyticsBackfill(t, openWithSQL, storetest.BackfillStatement(t, migration(t, "0340_analytics.sql")))
}

// Rows stored before migration 0370 get the seller's next deadline.
func TestNextDeadlineBackfill(t *testing.T) {
	storetest.RunNextDeadlineBackfill(t, func(t *testing.T, now func() time.Time) (store.Store, func(string, ...any) error) {
		return openWithSQL(t, now)
	}, storetest.BackfillStatement(t, migration(t, "0370_next_deadline.sql")))
}

// openWithSQL opens a store, and a way to run SQL on its writer.
func openWithSQL(t *testing.T, now func() time.Time) (storetest.AnalyticsBackend, func(string, ...any) error) {
	s := openTemp(t, now)
	return s, storetest.SQLExec(s.w)
}

// migration is the text of one embedded migration.
func migration(t *testing.T, name string) string {
	t.Helper()
	m, err := migrationFiles.ReadFile("migrations/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(m)
}

// Unchanged cases are settled on a read connection: a poller re-reading them
// does not wait for the writer, one case or a window of them.
func TestUnchangedSkipsTheWriter(t *testing.T) {
	s := openTemp(t, nil)
	const org returns.OrgID = "org"
	cs := storetest.NewFixtures(5, start).Cases(20)
	seedCases(t, s, org, cs)

	// Hold the one writer connection for the whole test.
	held, err := s.w.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	tx, err := held.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()

	for _, n := range []int{1, len(cs)} {
		writes := make([]store.CaseWrite, n)
		for i, c := range cs[:n] {
			writes[i] = store.CaseWrite{Case: c, Change: store.Change{Source: returns.SourcePoll}}
		}
		// Were the writer needed, this would block until the test's deadline.
		res, err := s.UpsertCases(t.Context(), org, writes)
		if err != nil {
			t.Fatalf("%d unchanged cases: %v", n, err)
		}
		for i, r := range res {
			if r.Changed || r.Event != nil {
				t.Errorf("%d unchanged cases: case %d was written", n, i)
			}
		}
	}
}

// The writer's settings survive its connection: database/sql opens a new
// one when the driver gives the old one up (modernc does, for one whose
// statement a cancelled context interrupted), and it gets them all again.
func TestReplacedWriterKeepsSettings(t *testing.T) {
	s := openTemp(t, nil)
	ctx := t.Context()
	pragma := func(c *sql.Conn, name string) (v int64) {
		if err := c.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	c, err := s.w.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A mark on this connection alone: its own cache size.
	if _, err := c.ExecContext(ctx, "PRAGMA cache_size = -1234"); err != nil {
		t.Fatal(err)
	}
	// Give the connection up, as the pool does with one the driver calls bad.
	if err := c.Raw(func(any) error { return driver.ErrBadConn }); !errors.Is(err, driver.ErrBadConn) {
		t.Fatalf("Raw: %v", err)
	}
	c.Close()
	if c, err = s.w.Conn(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if pragma(c, "cache_size") == -1234 {
		t.Fatal("the writer kept its connection; the test did not replace it")
	}
	for _, want := range []struct {
		name string
		v    int64
	}{{"cache_size", -32768}, {"temp_store", 2}, {"journal_size_limit", walLimit(4096)}, {"synchronous", 2}} {
		if got := pragma(c, want.name); got != want.v {
			t.Errorf("a new writer connection has %s = %d, want %d", want.name, got, want.v)
		}
	}
	c.Close()
	// And it writes.
	c0 := storetest.NewFixtures(5, start).Case()
	if _, err := s.UpsertCase(ctx, "org", c0, store.Change{Source: returns.SourcePoll}); err != nil {
		t.Fatalf("an upsert on the new connection: %v", err)
	}
}

// The WAL's size limit follows the page size of a file created elsewhere.
func TestWALLimitFollowsPageSize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big-pages.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"PRAGMA page_size = 16384", "CREATE TABLE t (x)"} {
		if _, err := db.ExecContext(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s := openAt(t, path, nil)
	var got int64
	if err := s.w.QueryRowContext(t.Context(), "PRAGMA journal_size_limit").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if want := walLimit(16384); got != want {
		t.Errorf("journal_size_limit = %d, want %d for 16 KiB pages", got, want)
	}
}
