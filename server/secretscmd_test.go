package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	shopconn "github.com/returnsgw/returnsgw/connect"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/secrets"
	"github.com/returnsgw/returnsgw/store/sqlite"
)

// TestSecretsRotate: `server secrets rotate` re-seals every connection under
// the new key; afterwards the new key alone opens them and the old one does not.
func TestSecretsRotate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "gw.db")
	oldKey, oldText, _ := secrets.GenerateKey()
	oldFile := filepath.Join(dir, "old.key")
	os.WriteFile(oldFile, []byte(oldText), 0o600)

	st, err := sqlite.Open(ctx, db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	noEndpoints := func(returns.PlatformID, string, string) (adapters.TokenEndpoint, error) { return nil, nil }
	m, _ := shopconn.New(shopconn.Options{Store: st, Keys: secrets.NewKeyring(oldKey), Endpoints: noEndpoints})
	tok := adapters.Token{AccessToken: "acc-1", RefreshToken: "ref-1", AccessExpiresAt: time.Now().Add(time.Hour)}
	for _, shop := range []string{"a", "b"} {
		if _, err := m.Connect(ctx, "org-1", returns.XHS, shop, "app", "sec", tok); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	newFile := filepath.Join(dir, "new.key")
	var out bytes.Buffer
	env := func(string) string { return "" }
	if err := runSecrets(ctx, []string{"rotate", "--db", db, "--secret-key-file", oldFile, "--new-key-file", newFile}, env, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "re-sealed 2 shop connections") {
		t.Errorf("output %q", out.String())
	}
	if fi, err := os.Stat(newFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("new key file: %v %v", fi, err)
	}
	newKey, err := secrets.Load(secrets.Source{File: newFile})
	if err != nil {
		t.Fatal(err)
	}
	st, err = sqlite.Open(ctx, db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m2, _ := shopconn.New(shopconn.Options{Store: st, Keys: secrets.NewKeyring(newKey), Endpoints: noEndpoints})
	if err := m2.Load(ctx, "org-1"); err != nil {
		t.Fatalf("the new key does not open the rotated connections: %v", err)
	}
	if got := m2.TokenSource("org-1", returns.XHS, "b").AccessToken(); got != "acc-1" {
		t.Errorf("token %q after rotation", got)
	}
	m3, _ := shopconn.New(shopconn.Options{Store: st, Keys: secrets.NewKeyring(oldKey), Endpoints: noEndpoints})
	if err := m3.Load(ctx, "org-1"); err == nil {
		t.Error("the old key still opens the connections")
	}
	// Rotating to the same key is refused.
	if err := runSecrets(ctx, []string{"rotate", "--db", db, "--secret-key-file", newFile, "--new-key-file", newFile}, env, &out); err == nil {
		t.Error("a rotation to the current key was accepted")
	}
}
