package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
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
	store.ExportReturnStore
	store.EvidenceStore
	store.InspectionStore
	store.TimelineStore
	store.RouteStore
	store.TemplateStore
	store.AnalyticsStore
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

// redactDB is --db as it may be logged: a URL's password is left out.
func redactDB(db string) string {
	u, err := url.Parse(db)
	if err != nil || u.Scheme == "" || u.Host == "" {
		if strings.Contains(db, "://") {
			return "(a database URL)"
		}
		return db
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	return u.String()
}

// replicaID names this process among the replicas: host and a random part.
func replicaID() string {
	host, _ := os.Hostname()
	var b [4]byte
	rand.Read(b[:])
	return host + "-" + hex.EncodeToString(b[:])
}
