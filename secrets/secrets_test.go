package secrets

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustKey(t *testing.T, b byte) *Key {
	t.Helper()
	k, err := NewKey(bytes.Repeat([]byte{b}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	old, cur := mustKey(t, 1), mustKey(t, 2)
	ringOld := NewKeyring(old)
	ring := NewKeyring(cur, old)
	sealedOld, err := ringOld.Seal("refresh-abc", "conn-1/refresh")
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := ring.Seal("refresh-abc", "conn-1/refresh")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "refresh-abc") || strings.Contains(sealedOld, "refresh-abc") {
		t.Fatal("plaintext visible in the sealed value")
	}
	if id, _ := KeyID(sealed); id != cur.ID() {
		t.Errorf("key id %q, want %q", id, cur.ID())
	}
	tests := []struct {
		name    string
		ring    *Keyring
		sealed  string
		aad     string
		want    string
		wantErr error
	}{
		{"current key", ring, sealed, "conn-1/refresh", "refresh-abc", nil},
		{"old key during rotation", ring, sealedOld, "conn-1/refresh", "refresh-abc", nil},
		{"moved to another field", ring, sealed, "conn-1/access", "", ErrCorrupt},
		{"moved to another row", ring, sealed, "conn-2/refresh", "", ErrCorrupt},
		{"unknown key", ringOld, sealed, "conn-1/refresh", "", ErrUnknownKey},
		{"tampered", ring, sealed[:len(sealed)-2] + "AA", "conn-1/refresh", "", ErrCorrupt},
		{"truncated", ring, "v1:" + cur.ID() + ":AAAA", "x", "", ErrCorrupt},
		{"not sealed", ring, "plain-token", "x", "", ErrCorrupt},
		{"empty stays empty", ring, "", "x", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.ring.Open(tc.sealed, tc.aad)
			if !errors.Is(err, tc.wantErr) || got != tc.want {
				t.Fatalf("Open = %q, %v; want %q, %v", got, err, tc.want, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "refresh-abc") {
				t.Fatal("an error shows the plaintext")
			}
		})
	}
}

func TestSealIsRandomized(t *testing.T) {
	r := NewKeyring(mustKey(t, 3))
	a, _ := r.Seal("same", "aad")
	b, _ := r.Seal("same", "aad")
	if a == b {
		t.Fatal("two seals of one value are equal: the nonce is not fresh")
	}
}

func TestReseal(t *testing.T) {
	old, cur := mustKey(t, 1), mustKey(t, 2)
	sealedOld, _ := NewKeyring(old).Seal("s3cret", "a")
	ring := NewKeyring(cur, old)
	re, err := ring.Reseal(sealedOld, "a")
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := KeyID(re); id != cur.ID() {
		t.Fatalf("resealed under %q, want %q", id, cur.ID())
	}
	// Only the new key is needed afterwards.
	if got, err := NewKeyring(cur).Open(re, "a"); err != nil || got != "s3cret" {
		t.Fatalf("Open after reseal = %q, %v", got, err)
	}
	same, err := ring.Reseal(re, "a")
	if err != nil || same != re {
		t.Fatal("a value already under the primary key must be left alone")
	}
}

func TestKeyNeverPrinted(t *testing.T) {
	k, text, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(k.String(), text) || len(k.ID()) != 16 {
		t.Fatalf("String %q / ID %q", k.String(), k.ID())
	}
	k2, err := ParseKey(text)
	if err != nil || k2.ID() != k.ID() {
		t.Fatal("a parsed key must have the id of the generated one")
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	_, text, _ := GenerateKey()
	keyFile := filepath.Join(dir, "k")
	os.WriteFile(keyFile, []byte(text+"\n"), 0o600)
	tests := []struct {
		name    string
		src     Source
		wantErr bool
	}{
		{"env", Source{Env: text}, false},
		{"env not a key", Source{Env: "c2hvcnQ="}, true},
		{"file", Source{File: keyFile}, false},
		{"missing file", Source{File: filepath.Join(dir, "nope")}, true},
		{"nothing outside sandbox", Source{DataDir: dir}, true},
		{"sandbox generates", Source{DataDir: filepath.Join(dir, "data"), Sandbox: true}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.src)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), text) {
				t.Fatal("the error shows the key")
			}
		})
	}
	// The generated key is kept private and reused.
	src := Source{DataDir: filepath.Join(dir, "data"), Sandbox: true}
	k1, _ := Load(src)
	k2, _ := Load(src)
	if k1.ID() != k2.ID() {
		t.Fatal("a second start must reuse the generated key")
	}
	st, err := os.Stat(filepath.Join(dir, "data", SandboxKeyFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
}
