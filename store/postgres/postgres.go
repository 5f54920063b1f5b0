// Package postgres is the storage backend for several gateway replicas on one
// PostgreSQL database, through pgx and its pool. It keeps the same model as
// store/sqlite and passes the same conformance suite (store/storetest).
//
// Every write that appends to the event log holds one transaction-scoped
// advisory lock, so that event sequence numbers are committed in the order
// they are handed out, across replicas: a reader that has seen event N never
// later finds a committed event below N, which resuming subscribers and the
// cross-replica fan-out rely on.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// Options configures a Store.
type Options struct {
	// Now is the store's clock; nil means time.Now.
	Now func() time.Time
	// Logger receives the store's own messages; nil discards them.
	Logger *slog.Logger
	// MaxConns and MinConns size the pool (0: pgxpool's defaults, or what
	// the URL's pool_max_conns and pool_min_conns say).
	MaxConns, MinConns int32
	// MaxConnLifetime and MaxConnIdleTime recycle connections (0: defaults).
	MaxConnLifetime, MaxConnIdleTime time.Duration

	// tracer, which only this package's tests set, sees every statement.
	tracer pgx.QueryTracer
}

// Store is a store.Store and store.Access on PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
	now  func() time.Time
	log  *slog.Logger
}

var (
	_ store.Store           = (*Store)(nil)
	_ store.Access          = (*Store)(nil)
	_ store.ConnectionStore = (*Store)(nil)
)

// idleInTransaction is the default idle_in_transaction_session_timeout.
const idleInTransaction = "30s"

// logLock is the advisory lock that orders event sequence numbers.
const logLock = 0x72677722

// Open connects to the database at url (postgres://...) and brings its
// schema up to date. Errors never include the URL's password.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: the database URL does not parse: %s", redact(err))
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if opts.MinConns > 0 {
		cfg.MinConns = opts.MinConns
	}
	if opts.MaxConnLifetime > 0 {
		cfg.MaxConnLifetime = opts.MaxConnLifetime
	}
	if opts.MaxConnIdleTime > 0 {
		cfg.MaxConnIdleTime = opts.MaxConnIdleTime
	}
	if opts.tracer != nil {
		cfg.ConnConfig.Tracer = opts.tracer
	}
	// Every case write on every replica takes the log's advisory lock. A
	// replica that freezes or loses its network inside such a transaction
	// would hold it, and every replica's writes, until the server noticed
	// the dead session (hours, with the OS's keepalive defaults): the
	// server ends a transaction left idle this long instead. No transaction
	// of the store waits between its statements (no platform call runs
	// inside one). The URL may set its own.
	if _, set := cfg.ConnConfig.RuntimeParams["idle_in_transaction_session_timeout"]; !set {
		cfg.ConnConfig.RuntimeParams["idle_in_transaction_session_timeout"] = idleInTransaction
	}
	s := &Store{now: opts.Now, log: opts.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s", redact(err))
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.pool.Ping(pingCtx); err != nil {
		s.pool.Close()
		return nil, fmt.Errorf("postgres: cannot reach the database at %s:%d/%s as %s: %s",
			cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, cfg.ConnConfig.User, redact(err))
	}
	if err := migrate(ctx, s.pool, s.now, s.log); err != nil {
		s.pool.Close()
		return nil, err
	}
	return s, nil
}

// redact returns an error's text without anything that could be a password:
// pgconn's own errors leave it out, but a parse error may quote the input.
func redact(err error) string {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		return "malformed database URL"
	}
	return err.Error()
}

// Close releases the pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

func checkOrg(org returns.OrgID) error {
	if org == "" {
		return returns.Errorf(returns.CodeInvalid, "no organisation given")
	}
	return nil
}

// fromNS is the inverse of UnixNano, in UTC.
func fromNS(ns int64) time.Time { return time.Unix(0, ns).UTC() }

// inTx runs f in a transaction and commits it when f returns nil.
func (s *Store) inTx(ctx context.Context, f func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, f)
}

// storeErr wraps a database error. One that says the database could not be
// reached (no connection, a dropped one, a timeout) carries the code
// STORE_UNAVAILABLE, which callers show as such; anything else is internal.
func storeErr(what string, err error) error {
	if err == nil {
		return nil
	}
	var re *returns.Error
	if errors.As(err, &re) {
		return err // already coded (a rule of the contract, not the database)
	}
	wrapped := fmt.Errorf("postgres: %s: %w", what, err)
	if unreachable(err) {
		return returns.Errorf(returns.CodeStoreUnavailable, "the gateway's database is unavailable; nothing changed, try again").WithCause(wrapped)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "22021" || pgErr.Code == "22P05") {
		// text refuses NUL (JSON's "\u0000"), which any input may carry:
		// the caller's to mend, not the gateway's failure.
		return returns.Errorf(returns.CodeInvalid, "the input holds a character the database cannot store (NUL); nothing changed").WithCause(wrapped)
	}
	return wrapped
}

// unreachable reports whether err means the database was not reached or the
// connection broke, rather than that it refused the statement.
func unreachable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exceptions; 57P01-03: the server shut down.
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	var netErr net.Error
	var connErr *pgconn.ConnectError
	return errors.As(err, &netErr) || errors.As(err, &connErr) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.DeadlineExceeded) || pgconn.SafeToRetry(err)
}
