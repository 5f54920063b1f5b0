package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"time"
)

// migrationFiles holds the schema changes, applied in the order of their
// names; a file, once released, is never edited: a change is a new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrate applies every migration in fsys (migrations/*.sql) that the
// database has not recorded yet, each in its own transaction together with
// its record in schema_migrations, so that a failed migration leaves neither
// half a schema nor a record behind.
func migrate(ctx context.Context, db *sql.DB, fsys fs.FS, now func() time.Time, log *slog.Logger) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    TEXT    PRIMARY KEY,
		applied_ns INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("sqlite: create schema_migrations: %w", err)
	}
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("sqlite: list migrations: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return fmt.Errorf("sqlite: read migration %s: %w", name, err)
		}
		applied, err := applyMigration(ctx, db, path.Base(name), string(body), now)
		if err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", name, err)
		}
		if applied {
			log.InfoContext(ctx, "applied schema migration", "migration", path.Base(name))
		}
	}
	return nil
}

func applyMigration(ctx context.Context, db *sql.DB, version, body string, now func() time.Time) (bool, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer rollback(tx)
	// Checked inside the transaction: another process opening the same file
	// at the same moment waits for our write lock and then sees our record.
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_ns) VALUES (?, ?)`,
		version, now().UnixNano()); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// rollback ends a transaction that was not committed; after a commit it is a
// no-op, so it can always be deferred.
func rollback(tx *sql.Tx) { _ = tx.Rollback() }
