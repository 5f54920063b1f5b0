package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrationFiles holds the schema changes, applied in the order of their
// names; a released file is never edited.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLock is the advisory lock key that serialises migrations: two
// replicas starting at the same moment apply each migration once. (A
// library such as goose would do the same in more code than this; the two
// backends keep one simple scheme.)
const migrationLock = 0x72677721 // "rgw!"

// Migrate applies every migration the database has not recorded yet, each in
// its own transaction with its record, under a session advisory lock.
func migrate(ctx context.Context, pool *pgxpool.Pool, now func() time.Time, log *slog.Logger) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return storeErr("migrate", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLock)); err != nil {
		return storeErr("migration lock", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(migrationLock))
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    text   PRIMARY KEY,
		applied_ns bigint NOT NULL)`); err != nil {
		return storeErr("create schema_migrations", err)
	}
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		body, err := fs.ReadFile(migrationFiles, name)
		if err != nil {
			return err
		}
		version := path.Base(name)
		applied := false
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, version).Scan(&n); err != nil || n > 0 {
				return err
			}
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return err
			}
			applied = true
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_ns) VALUES ($1, $2)`, version, now().UnixNano())
			return err
		})
		if err != nil {
			return fmt.Errorf("postgres: migration %s: %w", version, err)
		}
		if applied {
			log.InfoContext(ctx, "applied schema migration", "migration", version)
		}
	}
	return nil
}
