// Package auth decides who is calling: organisations' API keys, their scopes,
// and the principal a request runs as. Keys are random, shown once, and
// stored only as their SHA-256 (store.Access).
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/returnsgw/returnsgw/returns"
)

// Scope is what a key may do.
type Scope string

// The scopes. A key carries any set of them.
const (
	ScopeRead      Scope = "read"      // queries
	ScopeWrite     Scope = "write"     // mutations on cases
	ScopeSubscribe Scope = "subscribe" // subscriptions
	ScopeAdmin     Scope = "admin"     // keys (and, for the operator's organisation, organisations)
)

// AllScopes are the scopes in the order they are listed.
var AllScopes = []Scope{ScopeRead, ScopeWrite, ScopeSubscribe, ScopeAdmin}

// ParseScopes reads a comma- or space-separated list of scopes. Returns
// INVALID for an unknown or missing scope.
func ParseScopes(s string) ([]Scope, error) {
	var out []Scope
	seen := map[Scope]bool{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		sc := Scope(strings.ToLower(f))
		if !validScope(sc) {
			return nil, returns.Errorf(returns.CodeInvalid, "unknown scope %q (want read, write, subscribe or admin)", f)
		}
		if !seen[sc] {
			seen[sc] = true
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		return nil, returns.Errorf(returns.CodeInvalid, "a key needs at least one scope")
	}
	return out, nil
}

func validScope(s Scope) bool {
	for _, a := range AllScopes {
		if s == a {
			return true
		}
	}
	return false
}

// A key reads "rgw_<id>_<secret>": the id (16 hex digits) finds the stored
// record, the secret (256 random bits) is what makes it unguessable.
const (
	keyPrefix   = "rgw_"
	idLen       = 16
	secretBytes = 32
	// MaxKeyLen bounds what is even looked at in an Authorization header.
	MaxKeyLen = 128
)

var secretLen = base64.RawURLEncoding.EncodedLen(secretBytes)

// NewKey returns a fresh key and its id.
func NewKey() (key, id string) {
	var idb [idLen / 2]byte
	var sec [secretBytes]byte
	if _, err := rand.Read(idb[:]); err != nil {
		panic("auth: no randomness: " + err.Error())
	}
	if _, err := rand.Read(sec[:]); err != nil {
		panic("auth: no randomness: " + err.Error())
	}
	id = hex.EncodeToString(idb[:])
	return keyPrefix + id + "_" + base64.RawURLEncoding.EncodeToString(sec[:]), id
}

// Hash is what is stored of a key.
func Hash(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// keyID returns the id part of a well-formed key, and false for anything else.
func keyID(key string) (string, bool) {
	if len(key) != len(keyPrefix)+idLen+1+secretLen || !strings.HasPrefix(key, keyPrefix) {
		return "", false
	}
	id, sep := key[len(keyPrefix):len(keyPrefix)+idLen], key[len(keyPrefix)+idLen]
	if sep != '_' {
		return "", false
	}
	if _, err := hex.DecodeString(id); err != nil {
		return "", false
	}
	if _, err := base64.RawURLEncoding.DecodeString(key[len(keyPrefix)+idLen+1:]); err != nil {
		return "", false
	}
	return id, true
}

// ValidKeyFormat reports whether s has the form of a key (not whether it is one).
func ValidKeyFormat(s string) bool {
	_, ok := keyID(s)
	return ok
}
