package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/returnsgw/returnsgw/auth"
	"github.com/returnsgw/returnsgw/store/sqlite"
)

// The operator's commands create organisations and keys, list them without
// ever showing a key again, and revoke them.
func TestAdminCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "gw.db")
	getenv := func(k string) string {
		if k == "RETURNSGW_DB" {
			return db
		}
		return ""
	}
	run := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := runAdmin(t.Context(), args, getenv, &out, &errb)
		return out.String(), errb.String(), code
	}
	if _, e, code := run("orgs", "create", "acme", "--name", "Acme Ltd"); code != 0 {
		t.Fatalf("orgs create: %d %s", code, e)
	}
	if _, e, code := run("orgs", "create", "acme"); code != 1 || !strings.Contains(e, "exists") {
		t.Fatalf("duplicate org: %d %q", code, e)
	}
	out, _, _ := run("orgs", "list")
	if !strings.Contains(out, "acme") || !strings.Contains(out, "Acme Ltd") {
		t.Fatalf("orgs list: %s", out)
	}
	key, e, code := run("keys", "create", "--org", "acme", "--scopes", "read,subscribe", "--name", "dashboard")
	key = strings.TrimSpace(key)
	if code != 0 || !auth.ValidKeyFormat(key) {
		t.Fatalf("keys create: %d %q %q", code, key, e)
	}
	if _, e, code := run("keys", "create", "--org", "acme", "--scopes", "root"); code != 1 || !strings.Contains(e, "unknown scope") {
		t.Fatalf("bad scope: %d %q", code, e)
	}
	if _, e, code := run("keys", "create", "--org", "nobody", "--scopes", "read"); code != 1 || !strings.Contains(e, "no organisation") {
		t.Fatalf("unknown org: %d %q", code, e)
	}
	list, _, _ := run("keys", "list", "--org", "acme")
	secret := key[len("rgw_")+16+1:]
	if !strings.Contains(list, "dashboard") || !strings.Contains(list, "read,subscribe") || strings.Contains(list, secret) {
		t.Fatalf("keys list must name the key and never show it: %s", list)
	}

	st, err := sqlite.Open(t.Context(), db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := auth.New(st, auth.Options{})
	p, err := svc.Authenticate(t.Context(), key)
	if err != nil || p.Org != "acme" || !p.Has(auth.ScopeSubscribe) || p.Has(auth.ScopeWrite) {
		t.Fatalf("Authenticate = %+v, %v", p, err)
	}
	id := key[len("rgw_") : len("rgw_")+16]
	if _, e, code := run("keys", "revoke", id, "--org", "acme"); code != 0 {
		t.Fatalf("revoke: %d %s", code, e)
	}
	if _, err := auth.New(st, auth.Options{}).Authenticate(t.Context(), key); err == nil {
		t.Fatal("a revoked key still authenticates")
	}
	if _, _, code := run("keys", "frobnicate"); code != 2 {
		t.Fatalf("unknown command: exit %d, want 2", code)
	}
}
