// Package sqlite is the embedded storage backend: a store.Store on one SQLite
// file through modernc.org/sqlite (pure Go, no cgo), so that the gateway runs
// from a single binary with no database server.
//
// Writes go through one connection and BEGIN IMMEDIATE transactions, so
// concurrent upserts queue in the process instead of failing with
// SQLITE_BUSY, and event sequence numbers are assigned in commit order.
// Reads use a separate pool of connections, which WAL lets run beside the
// writer.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Options configures a Store.
type Options struct {
	// Now is the store's clock for SyncedAt, event and record times; nil means time.Now.
	Now func() time.Time
	// Logger receives the store's own messages (migrations applied); nil discards them.
	Logger *slog.Logger
}

// Store is a store.Store on a SQLite file.
type Store struct {
	w   *sql.DB // exactly one connection: SQLite has one writer at a time anyway
	r   *sql.DB // read-only connections
	now func() time.Time
	log *slog.Logger

	stmts  statements
	lists  stmtCache
	counts countCache
}

var _ store.Store = (*Store)(nil)

// busyTimeout is how long a connection waits for a lock held by another
// process on the same file before it gives up.
const busyTimeout = 10 * time.Second

// walCheckpointPages is how many pages the WAL holds before a commit copies
// them into the database (SQLite's default is 1,000).
const walCheckpointPages = 16384

// walLimit is what walCheckpointPages frames of pageSize take (a 24-byte
// header and a page each, after the file's 32-byte header): a WAL that
// readers let grow past it is cut back to it when it next starts again.
func walLimit(pageSize int64) int64 { return 32 + walCheckpointPages*(24+pageSize) }

// Open opens (creating if needed) the SQLite database at path and brings its
// schema up to date. path is a file path; its directory is created.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if path == "" || path == ":memory:" {
		// Every connection to :memory: would see its own empty database.
		return nil, fmt.Errorf("sqlite: a file path is required, not %q", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: create the database directory: %w", err)
	}
	s := &Store{now: opts.Now, log: opts.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}

	// The schema is brought up to date on a connection of its own, whose
	// temporary storage is on disk: a migration's index build sorts the
	// whole table through it. The writer's connections, opened after, all
	// get the same settings from their URI, so a connection the pool
	// replaces (modernc discards one whose statement was interrupted by a
	// cancelled context) is the same as the first.
	pageSize, err := migrateFile(ctx, abs, s.now, s.log)
	if err != nil {
		return nil, err
	}
	s.w, err = sql.Open("sqlite", dsn(abs, true, pageSize))
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)
	if err := s.w.PingContext(ctx); err != nil {
		s.w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}

	s.r, err = sql.Open("sqlite", dsn(abs, false, 0))
	if err != nil {
		s.w.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	readers := max(4, runtime.GOMAXPROCS(0))
	s.r.SetMaxOpenConns(readers)
	s.r.SetMaxIdleConns(readers) // keep connections, and the statements prepared on them
	s.r.SetConnMaxLifetime(0)
	s.r.SetConnMaxIdleTime(0)

	if err := s.stmts.prepare(ctx, s.w, s.r); err != nil {
		s.Close()
		return nil, err
	}
	s.lists.db = s.r
	if err := s.backfillDeadlines(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// migrateFile brings the schema of the file at abs up to date on a
// connection of its own, and returns the file's page size.
func migrateFile(ctx context.Context, abs string, now func() time.Time, log *slog.Logger) (int64, error) {
	db, err := sql.Open("sqlite", dsn(abs, true, 0))
	if err != nil {
		return 0, fmt.Errorf("sqlite: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		return 0, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	if err := migrate(ctx, db, migrationFiles, now, log); err != nil {
		return 0, err
	}
	var pageSize int64
	if err := db.QueryRowContext(ctx, "PRAGMA page_size").Scan(&pageSize); err != nil {
		return 0, fmt.Errorf("sqlite: %w", err)
	}
	return pageSize, nil
}

// dsn builds the driver's URI for the file. Connection settings are pragmas
// in the URI so that every connection the pool opens gets them. A writer's
// URI with pageSize 0 is the migrations': it leaves out what follows from
// the file's page size, and keeps temporary storage on disk.
func dsn(abs string, writer bool, pageSize int64) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	// Reading the file through a memory map saves a system call per page
	// that is not in SQLite's own cache; it takes address space, not memory.
	q.Add("_pragma", "mmap_size(268435456)")
	if writer {
		q.Add("_pragma", "journal_mode(WAL)")
		// Every commit is synced to disk before it returns (an idempotency
		// record among them), so checkpoints can be rare: under NORMAL the
		// WAL was synced only at a checkpoint, and a rare one would have
		// left that much committed work to a power cut. A commit's fsync
		// costs about what the default interval's checkpoints did (one case
		// per transaction ran at the same rate), and a checkpoint every
		// walCheckpointPages rather than every 1,000 copies a leaf that
		// several windows changed once: windows of 100 ran about 35%
		// faster. The price is a longer checkpoint inside the commit that
		// crosses the threshold, which the writer's queue waits for (up to
		// about half a second at full ingestion; docs/benchmarks.md).
		q.Add("_pragma", "synchronous(FULL)")
		q.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", walCheckpointPages))
		// A window of cases dirties pages of the cases, their documents,
		// events, counts, deadlines and every list index. SQLite's default
		// cache (2 MiB) filled part-way and spilled dirty pages to the WAL
		// in the middle of the transaction. One connection writes, so this
		// is 32 MiB in all.
		q.Add("_pragma", "cache_size(-32768)")
		if pageSize > 0 {
			// A statement's journal (the pages an upsert changed that the
			// same transaction had changed before it) stays in memory:
			// past 64 KiB SQLite wrote it to a temporary file page by
			// page, about a seventh of a window's CPU. It holds one
			// statement's pages; the migrations' index sorts, which would
			// hold a whole table, run without it.
			q.Add("_pragma", "temp_store(MEMORY)")
			// The WAL's size limit follows the file's own page size, which
			// a database created elsewhere may have chosen.
			q.Add("_pragma", fmt.Sprintf("journal_size_limit(%d)", walLimit(pageSize)))
		}
		// BEGIN IMMEDIATE takes the write lock up front: a deferred
		// transaction that reads and then writes can fail with SQLITE_BUSY
		// without waiting for the busy timeout.
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	return u.String()
}

// Close releases the connections. The store must not be used afterwards.
func (s *Store) Close() error {
	s.lists.close()
	err := s.stmts.close()
	if s.r != nil {
		err = errors.Join(err, s.r.Close())
	}
	if s.w != nil {
		err = errors.Join(err, s.w.Close())
	}
	return err
}

// checkOrg rejects the empty organisation, which can only come from a caller
// that forgot to scope its call.
func checkOrg(org returns.OrgID) error {
	if org == "" {
		return returns.Errorf(returns.CodeInvalid, "no organisation given")
	}
	return nil
}

// getCasesSQL reads the cases of a JSON array of [platform, caseID] pairs,
// which keeps the statement the same whatever the number of keys; j.key is
// the position in it. CROSS JOIN keeps the array the outer loop: left to
// itself the planner may walk the organisation's cases and look each up in
// the array.
const getCasesSQL = `SELECT j.key, c.version, c.synced_ns, d.doc FROM json_each(?2) AS j
	CROSS JOIN cases AS c ON c.org = ?1 AND c.platform = j.value ->> 0 AND c.case_id = j.value ->> 1
	JOIN case_docs AS d ON d.id = c.id`

// peekCasesSQL reads the fingerprints of cases as getCasesSQL reads them.
const peekCasesSQL = `SELECT j.key, c.version, c.synced_ns, c.fingerprint FROM json_each(?2) AS j
	CROSS JOIN cases AS c ON c.org = ?1 AND c.platform = j.value ->> 0 AND c.case_id = j.value ->> 1`

// statements are the fixed statements, prepared once at Open.
type statements struct {
	all []*sql.Stmt

	// on the reader pool
	getCase     *sql.Stmt
	getCases    *sql.Stmt
	peekCase    *sql.Stmt
	peekCases   *sql.Stmt
	eventsAfter *sql.Stmt
	cursor      *sql.Stmt
	dueCases    *sql.Stmt

	// on the writer
	lockCase       *sql.Stmt
	insertCase     *sql.Stmt
	updateCase     *sql.Stmt
	writeDoc       *sql.Stmt
	readDoc        *sql.Stmt
	bumpGeneration *sql.Stmt
	insertEvent    *sql.Stmt
	claimKey       *sql.Stmt
	getKey         *sql.Stmt
	completeKey    *sql.Stmt
	releaseKey     *sql.Stmt
	markKey        *sql.Stmt
	unsettledKeys  *sql.Stmt
	setCursor      *sql.Stmt
	deleteMarks    *sql.Stmt
	insertMark     *sql.Stmt
	countCase      *sql.Stmt
}

func (st *statements) prepare(ctx context.Context, w, r *sql.DB) error {
	for _, p := range []struct {
		db    *sql.DB
		dst   **sql.Stmt
		query string
	}{
		{r, &st.getCase, `SELECT c.version, c.synced_ns, d.doc FROM cases AS c JOIN case_docs AS d ON d.id = c.id
			WHERE c.org = ? AND c.platform = ? AND c.case_id = ?`},
		{r, &st.getCases, getCasesSQL},
		{r, &st.peekCase, `SELECT version, synced_ns, fingerprint FROM cases WHERE org = ? AND platform = ? AND case_id = ?`},
		{r, &st.peekCases, peekCasesSQL},
		{r, &st.eventsAfter, `SELECT ` + eventColumns + `
			FROM events WHERE org = ? AND seq > ? ORDER BY seq LIMIT ?`},
		{r, &st.cursor, `SELECT value FROM cursors WHERE org = ? AND name = ?`},
		{r, &st.dueCases, dueCasesSQL},

		{w, &st.lockCase, `SELECT id, version, synced_ns, status, kind, market, shop_id, fingerprint FROM cases
			WHERE org = ? AND platform = ? AND case_id = ?`},
		// ?16.. are the analytics columns (store.AnalyticsColumns): ?18 is
		// ApprovedAt, ?19 the responded hint, ?20 the refunded hint. A case
		// new to the store takes up an inspection already there (one kept
		// through ResetOrganisation, say); later ones come by trigger. ?25 is
		// next_ns (store.OrderNextDeadlineAsc's sort value).
		{w, &st.insertCase, `INSERT INTO cases (org, platform, case_id, shop_id, order_id, kind, status, reason, market,
			updated_ns, created_ns, respond_ns, version, synced_ns, fingerprint,
			sku, week, responded_ns, refunded_ns, refund_minor, refund_currency, respond_due_ns, refund_due_ns,
			grade, recovered_minor, recovered_currency, next_ns)
			SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
			?16, ?17, coalesce(?18, ?19), ?20, ?21, ?22, ?23, ?24, i.grade, i.recovered_minor, i.recovered_currency, ?25
			FROM (SELECT 1) LEFT JOIN inspections AS i ON i.org = ?1 AND i.platform = ?2 AND i.case_id = ?3`},
		{w, &st.updateCase, `UPDATE cases SET shop_id = ?4, order_id = ?5, kind = ?6, status = ?7, reason = ?8, market = ?9,
			updated_ns = ?10, created_ns = ?11, respond_ns = ?12, version = ?13, synced_ns = ?14, fingerprint = ?15,
			sku = ?16, week = ?17, responded_ns = coalesce(?18, responded_ns, ?19), refunded_ns = coalesce(refunded_ns, ?20),
			refund_minor = ?21, refund_currency = ?22, respond_due_ns = coalesce(?23, respond_due_ns),
			refund_due_ns = coalesce(?24, refund_due_ns), next_ns = ?25
			WHERE org = ?1 AND platform = ?2 AND case_id = ?3`},
		{w, &st.writeDoc, `INSERT INTO case_docs (id, doc) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`},
		{w, &st.readDoc, `SELECT doc FROM case_docs WHERE id = ?`},
		{w, &st.bumpGeneration, `INSERT INTO org_generations (org, generation) VALUES (?, 1)
			ON CONFLICT (org) DO UPDATE SET generation = generation + 1`},
		{w, &st.insertEvent, `INSERT INTO events (org, platform, case_id, prev_status, status, source, occurred_ns, detail)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`},
		{w, &st.claimKey, `INSERT INTO idempotency (org, key, request_hash, state, created_ns) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (org, key) DO NOTHING`},
		{w, &st.getKey, `SELECT request_hash, state, response, intent, created_ns FROM idempotency WHERE org = ? AND key = ?`},
		{w, &st.completeKey, `UPDATE idempotency SET state = ?3, response = ?4, intent = NULL
			WHERE org = ?1 AND key = ?2 AND state IN (?5, ?6)`},
		{w, &st.releaseKey, `DELETE FROM idempotency WHERE org = ? AND key = ? AND state IN (?, ?)`},
		{w, &st.markKey, `UPDATE idempotency SET state = ?3, intent = ?4 WHERE org = ?1 AND key = ?2 AND state = ?5`},
		{w, &st.unsettledKeys, `SELECT key, request_hash, state, response, intent, created_ns FROM idempotency
			WHERE org = ? AND intent IS NOT NULL ORDER BY created_ns, key LIMIT ?`},
		{w, &st.setCursor, `INSERT INTO cursors (org, name, value, updated_ns) VALUES (?, ?, ?, ?)
			ON CONFLICT (org, name) DO UPDATE SET value = excluded.value, updated_ns = excluded.updated_ns`},
		{w, &st.countCase, `INSERT INTO case_counts (org, platform, status, kind, market, shop_id, n) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (org, platform, status, kind, market, shop_id) DO UPDATE SET n = n + excluded.n`},
		{w, &st.deleteMarks, `DELETE FROM case_deadlines WHERE id = ?`},
		{w, &st.insertMark, `INSERT INTO case_deadlines (id, slot, org, anchor, at_ns) VALUES (?, ?, ?, ?, ?)`},
	} {
		stmt, err := p.db.PrepareContext(ctx, p.query)
		if err != nil {
			return fmt.Errorf("sqlite: prepare %q: %w", p.query, err)
		}
		*p.dst = stmt
		st.all = append(st.all, stmt)
	}
	return nil
}

func (st *statements) close() error {
	var err error
	for _, s := range st.all {
		err = errors.Join(err, s.Close())
	}
	st.all = nil
	return err
}
