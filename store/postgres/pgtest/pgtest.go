// Package pgtest gives tests a throwaway PostgreSQL database. The server is
// RETURNSGW_TEST_POSTGRES (a URL whose user may create databases; default the
// local server's postgres database). Without a server a test skips, unless
// RETURNSGW_REQUIRE_POSTGRES=1 (CI) makes that a failure.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// AdminURL is the server tests create their databases on.
func AdminURL() string {
	if u := os.Getenv("RETURNSGW_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// WithDatabase returns url with its database name replaced.
func WithDatabase(url, db string) string {
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

// Connect connects to the admin database, or skips (fails under
// RETURNSGW_REQUIRE_POSTGRES=1) when there is no server.
func Connect(t testing.TB) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), AdminURL())
	if err != nil {
		if os.Getenv("RETURNSGW_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("PostgreSQL is required (RETURNSGW_REQUIRE_POSTGRES=1): %v", err)
		}
		t.Skipf("no PostgreSQL server (set RETURNSGW_TEST_POSTGRES): %v", err)
	}
	return c
}

// FreshURL creates an empty database (copied from template, when given) that
// is dropped when the test ends, and returns its URL.
func FreshURL(t testing.TB, template string) string {
	t.Helper()
	admin := Connect(t)
	defer admin.Close(context.Background())
	name := "rgw_test_" + Suffix()
	q := "CREATE DATABASE " + name
	if template != "" {
		q += " TEMPLATE " + template
	}
	if _, err := admin.Exec(context.Background(), q); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() { Drop(name) })
	return WithDatabase(AdminURL(), name)
}

// Drop drops a database, ending its sessions.
func Drop(name string) {
	c, err := pgx.Connect(context.Background(), AdminURL())
	if err != nil {
		return
	}
	defer c.Close(context.Background())
	c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
}

// Suffix is a random name suffix.
func Suffix() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
