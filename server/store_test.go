package main

import (
	"strings"
	"testing"
)

// A wrong --db URL stops start-up with a message that names the problem,
// and never the password.
func TestWrongDatabaseURLHidesThePassword(t *testing.T) {
	for _, url := range []string{
		"postgres://bob:hunter2secret@127.0.0.1:1/db?sslmode=disable&connect_timeout=2",
		"postgres://bob:hunter2secret@127.0.0.1:5432/db?sslmode=nonsense",
	} {
		m := NewMain()
		if err := m.ParseFlags([]string{"--db", url}, func(string) string { return "" }); err != nil {
			t.Fatal(err)
		}
		_, err := m.openStore(t.Context())
		if err == nil {
			t.Fatalf("openStore(%q) succeeded", url)
		}
		if msg := err.Error(); strings.Contains(msg, "hunter2secret") || !strings.HasPrefix(msg, "--db: postgres:") {
			t.Fatalf("error %q: must start with --db: postgres: and hide the password", msg)
		}
	}
}
