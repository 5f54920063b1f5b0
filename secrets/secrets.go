// Package secrets seals the credentials the gateway keeps at rest (app
// secrets, access and refresh tokens) with AES-256-GCM. Each sealed value
// names the key that sealed it, so that during a key rotation values sealed
// under the old key and the new key can both be opened.
//
// A sealed value is text: "v1:<key id>:<base64url(nonce|ciphertext|tag)>".
// The additional data binds a value to where it is stored (say, the
// connection and the field), so a sealed token copied into another row or
// field does not open.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the size of a key: AES-256.
const KeySize = 32

const version = "v1"

// Errors. None of them carries key material or plaintext.
var (
	ErrUnknownKey = errors.New("secrets: sealed under a key this keyring does not hold")
	ErrCorrupt    = errors.New("secrets: sealed value is malformed or was altered")
	ErrBadKey     = errors.New("secrets: a key must be 32 bytes, base64-encoded")
)

// Key is one AES-256 key and its id. The id is derived from the key (the
// first 8 bytes of SHA-256 over a label and the key, in hex), so the same key
// always has the same id and no id has to be stored beside it.
type Key struct {
	id  string
	aes cipher.AEAD
	raw []byte
}

// NewKey makes a key of 32 raw bytes.
func NewKey(raw []byte) (*Key, error) {
	if len(raw) != KeySize {
		return nil, ErrBadKey
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, ErrBadKey
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, ErrBadKey
	}
	sum := sha256.Sum256(append([]byte("returnsgw key id\x00"), raw...))
	return &Key{id: hex.EncodeToString(sum[:8]), aes: aead, raw: append([]byte(nil), raw...)}, nil
}

// ParseKey reads a base64 (standard or URL alphabet, padded or not) key.
func ParseKey(text string) (*Key, error) {
	text = strings.TrimSpace(text)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err := enc.DecodeString(text); err == nil {
			return NewKey(raw)
		}
	}
	return nil, ErrBadKey
}

// GenerateKey returns a fresh random key and its base64 text.
func GenerateKey() (*Key, string, error) {
	raw := make([]byte, KeySize)
	if _, err := rand.Read(raw); err != nil {
		return nil, "", err
	}
	k, err := NewKey(raw)
	return k, base64.StdEncoding.EncodeToString(raw), err
}

// Derive returns a 32-byte key for another use (signing OAuth state, say),
// derived with HMAC-SHA256 under the label, so that the sealing key itself is
// never used for two purposes.
func (k *Key) Derive(label string) []byte {
	m := hmac.New(sha256.New, k.raw)
	m.Write([]byte("returnsgw derive\x00" + label))
	return m.Sum(nil)
}

// ID is the key's id, safe to log.
func (k *Key) ID() string { return k.id }

// String never shows key material.
func (k *Key) String() string { return "secrets.Key(" + k.id + ")" }

// Keyring seals with its primary key and opens with any key it holds.
type Keyring struct {
	primary *Key
	keys    map[string]*Key
}

// NewKeyring returns a keyring that seals with primary and also opens values
// sealed under older.
func NewKeyring(primary *Key, older ...*Key) *Keyring {
	r := &Keyring{primary: primary, keys: map[string]*Key{primary.id: primary}}
	for _, k := range older {
		if k != nil {
			r.keys[k.id] = k
		}
	}
	return r
}

// Primary is the key new values are sealed under.
func (r *Keyring) Primary() *Key { return r.primary }

// PrimaryID is the id of the key new values are sealed under.
func (r *Keyring) PrimaryID() string { return r.primary.id }

// Seal encrypts plaintext bound to aad. An empty plaintext seals to "" so
// that "no token" stays visibly empty in the store.
func (r *Keyring) Seal(plaintext, aad string) (string, error) {
	if plaintext == "" {
		return "", nil
	}
	k := r.primary
	nonce := make([]byte, k.aes.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := k.aes.Seal(nonce, nonce, []byte(plaintext), []byte(aad))
	return version + ":" + k.id + ":" + base64.RawURLEncoding.EncodeToString(out), nil
}

// KeyID returns the id of the key a sealed value was sealed under ("" for
// the empty value).
func KeyID(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	v, rest, ok := strings.Cut(sealed, ":")
	id, _, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 || v != version || id == "" {
		return "", ErrCorrupt
	}
	return id, nil
}

// Open decrypts a value sealed by Seal with the same aad.
func (r *Keyring) Open(sealed, aad string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	parts := strings.SplitN(sealed, ":", 3)
	if len(parts) != 3 || parts[0] != version {
		return "", ErrCorrupt
	}
	k, ok := r.keys[parts[1]]
	if !ok {
		return "", ErrUnknownKey
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(raw) < k.aes.NonceSize()+k.aes.Overhead() {
		return "", ErrCorrupt
	}
	n := k.aes.NonceSize()
	plain, err := k.aes.Open(nil, raw[:n], raw[n:], []byte(aad))
	if err != nil {
		return "", ErrCorrupt
	}
	return string(plain), nil
}

// Reseal opens a value and seals it again under the primary key; a value
// already under the primary key is returned unchanged.
func (r *Keyring) Reseal(sealed, aad string) (string, error) {
	id, err := KeyID(sealed)
	if err != nil || id == "" || id == r.primary.id {
		return sealed, err
	}
	plain, err := r.Open(sealed, aad)
	if err != nil {
		return "", err
	}
	return r.Seal(plain, aad)
}

// Source says where the key comes from.
type Source struct {
	Env     string // the value of RETURNSGW_SECRET_KEY (base64 of 32 bytes)
	File    string // --secret-key-file: a file holding the base64 key
	DataDir string // where a sandbox key is generated when Env and File are empty
	Sandbox bool   // only sandbox mode may generate a key
}

// SandboxKeyFile is the name of the generated key file in the data directory.
const SandboxKeyFile = "secret.key"

// Load returns the key the source names. With neither Env nor File, sandbox
// mode reads or generates DataDir/secret.key (mode 0600); outside sandbox mode
// that is an error, because a generated key would silently lose every stored
// secret when the data directory is lost.
func Load(s Source) (*Key, error) {
	switch {
	case s.Env != "":
		k, err := ParseKey(s.Env)
		if err != nil {
			return nil, fmt.Errorf("RETURNSGW_SECRET_KEY: %w", err)
		}
		return k, nil
	case s.File != "":
		return readKeyFile(s.File)
	case !s.Sandbox:
		return nil, errors.New("secrets: no key: set RETURNSGW_SECRET_KEY (base64 of 32 random bytes) or --secret-key-file")
	}
	path := filepath.Join(s.DataDir, SandboxKeyFile)
	if k, err := readKeyFile(path); err == nil {
		return k, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	k, text, err := GenerateKey()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(s.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) { // another process won the race
			return readKeyFile(path)
		}
		return nil, fmt.Errorf("secrets: %w", err)
	}
	if _, err := f.WriteString(text + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("secrets: %w", err)
	}
	return k, f.Close()
}

func readKeyFile(path string) (*Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secrets: key file: %w", err)
	}
	k, err := ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("secrets: key file %s: %w", path, err)
	}
	return k, nil
}
