package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/storetest"
)

// The tests need a PostgreSQL server: RETURNSGW_TEST_POSTGRES is the URL of a
// database on it whose user may create databases (default: the local
// server's postgres database). Each test gets a throwaway database, copied
// from a migrated template. Without a server they skip, unless
// RETURNSGW_REQUIRE_POSTGRES=1 (CI) makes that a failure.
func adminURL() string {
	if u := os.Getenv("RETURNSGW_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// withDatabase returns url with its database replaced.
func withDatabase(url, db string) string {
	i := strings.Index(url, "://")
	rest := url[i+3:]
	slash := strings.Index(rest, "/")
	q := ""
	if j := strings.Index(rest, "?"); j >= 0 {
		q = rest[j:]
		if slash < 0 || slash > j {
			slash = j
		}
	}
	if slash < 0 {
		slash = len(rest)
	}
	return url[:i+3] + rest[:slash] + "/" + db + q
}

// freshURL creates a throwaway database for the test and returns its URL.
func freshURL(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, adminURL())
	if err != nil {
		if os.Getenv("RETURNSGW_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("PostgreSQL is required (RETURNSGW_REQUIRE_POSTGRES=1): %v", err)
		}
		t.Skipf("no PostgreSQL server (set RETURNSGW_TEST_POSTGRES): %v", err)
	}
	defer admin.Close(ctx)
	templateOnce.Do(func() {
		templateName = "rgw_tmpl_" + randomSuffix()
		if _, templateErr = admin.Exec(ctx, "CREATE DATABASE "+templateName); templateErr != nil {
			return
		}
		var s *Store
		s, templateErr = Open(ctx, withDatabase(adminURL(), templateName), Options{})
		if templateErr == nil {
			s.Close()
		}
	})
	if templateErr != nil {
		t.Fatalf("template database: %v", templateErr)
	}
	name := "rgw_test_" + randomSuffix()
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+templateName); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), adminURL())
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return withDatabase(adminURL(), name)
}

func randomSuffix() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
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
		if c, err := pgx.Connect(context.Background(), adminURL()); err == nil {
			c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+templateName+" WITH (FORCE)")
			c.Close(context.Background())
		}
	}
	os.Exit(code)
}

func TestConnectionsConformance(t *testing.T) {
	storetest.RunConnections(t, func(t *testing.T, now func() time.Time) store.ConnectionStore { return openFresh(t, now) })
}
