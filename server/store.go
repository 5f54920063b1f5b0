package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/postgres"
	"github.com/returnsgw/returnsgw/store/sqlite"
)

// backend is what the gateway needs of its database: the cases and their
// log, who may call, and the shops' connections.
type backend interface {
	store.Store
	store.Access
	store.ConnectionStore
}

// openDB opens the backend db names with default settings, for the operator's
// commands (keys, orgs, secrets).
func openDB(ctx context.Context, db string) (backend, error) {
	m := NewMain()
	m.Config.DB = db
	return m.openStore(ctx)
}

// openStore opens the backend --db names: a postgres:// (or postgresql://)
// URL, or else a SQLite file path.
func (m *Main) openStore(ctx context.Context) (backend, error) {
	c := &m.Config
	if strings.HasPrefix(c.DB, "postgres://") || strings.HasPrefix(c.DB, "postgresql://") {
		st, err := postgres.Open(ctx, c.DB, postgres.Options{Now: m.Now, Logger: m.Log,
			MaxConns: c.PoolMaxConns, MinConns: c.PoolMinConns, MaxConnLifetime: c.PoolMaxLifetime, MaxConnIdleTime: c.PoolMaxIdle})
		if err != nil {
			return nil, fmt.Errorf("--db: %w", err)
		}
		return st, nil
	}
	st, err := sqlite.Open(ctx, c.DB, sqlite.Options{Now: m.Now, Logger: m.Log})
	if err != nil {
		return nil, fmt.Errorf("--db: %w", err)
	}
	return st, nil
}
