package store

import (
	"context"
	"time"

	"github.com/returnsgw/returnsgw/returns"
)

// Access is the storage contract of who may call the gateway: organisations
// and their API keys. A backend that implements Store implements Access too;
// storetest.RunAccess is its conformance suite.
type Access interface {
	// CreateOrg records an organisation. Returns CONFLICT if its id is taken
	// and INVALID for an empty id.
	CreateOrg(ctx context.Context, o Org) error
	// ListOrgs returns every organisation, ordered by id.
	ListOrgs(ctx context.Context) ([]Org, error)
	// GetOrg returns one organisation. Returns NOT_FOUND if there is none.
	GetOrg(ctx context.Context, id returns.OrgID) (*Org, error)

	// CreateAPIKey records a key of an existing organisation. Returns
	// NOT_FOUND if the organisation does not exist, CONFLICT if the key id is
	// taken.
	CreateAPIKey(ctx context.Context, k APIKey) error
	// APIKey returns the key with the id, whatever its organisation (the id
	// is how a presented key is found before its hash is compared). Returns
	// NOT_FOUND if there is none.
	APIKey(ctx context.Context, id string) (*APIKey, error)
	// ListAPIKeys returns the organisation's keys, newest first.
	ListAPIKeys(ctx context.Context, org returns.OrgID) ([]APIKey, error)
	// RevokeAPIKey marks the organisation's key revoked at the instant.
	// Returns NOT_FOUND if the organisation has no such key; revoking a
	// revoked key keeps its first revocation time.
	RevokeAPIKey(ctx context.Context, org returns.OrgID, id string, at time.Time) error
	// TouchAPIKey records that the key was used at the instant (a later
	// instant only: last use never moves back).
	TouchAPIKey(ctx context.Context, id string, at time.Time) error
}

// Org is an organisation: a seller account (or an agency's client) that owns
// shops, cases and keys.
type Org struct {
	ID        returns.OrgID
	Name      string
	CreatedAt time.Time
}

// APIKey is what is stored of an API key: never the key itself, only the
// SHA-256 of it.
type APIKey struct {
	ID         string // the public part of the key, shown in listings
	Org        returns.OrgID
	Name       string // what the key is for, as its creator said
	Hash       []byte // SHA-256 of the whole key
	Scopes     []string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}
