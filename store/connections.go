package store

import (
	"context"
	"time"

	"github.com/returnsgw/returnsgw/returns"
)

// ConnectionState is where a shop's authorization stands.
type ConnectionState string

// The states of a connection.
const (
	// ConnectionActive: the tokens work, and are refreshed before they expire.
	ConnectionActive ConnectionState = "ACTIVE"
	// ConnectionNeedsReauthorization: the platform refused the refresh token
	// (expired, revoked or rotated away); only the seller authorizing the app
	// again (shopConnect) brings the shop back.
	ConnectionNeedsReauthorization ConnectionState = "NEEDS_REAUTHORIZATION"
)

// Connection is one shop's authorization of the gateway's app on its
// platform. AppSecret, AccessToken and RefreshToken are sealed (see package
// secrets): a backend stores and returns them as opaque text and never sees
// them in the clear.
type Connection struct {
	Platform returns.PlatformID
	ShopID   string
	AppID    string
	// SellerID and SellerName are the platform's account that authorized.
	SellerID   string
	SellerName string

	AppSecret    string // sealed
	AccessToken  string // sealed
	RefreshToken string // sealed

	AccessExpiresAt  time.Time
	RefreshExpiresAt time.Time // zero when the platform does not say
	State            ConnectionState
	// LastError says why the last refresh failed, in words safe to show: never
	// a token or a platform's raw answer.
	LastError string
	UpdatedAt time.Time // the store's clock at the last save
	// Version counts the saves of the connection. SaveConnection with a
	// non-zero Version writes only if it is still the stored one, so that two
	// refreshers cannot both keep a rotated refresh token.
	Version int64
}

// ConnectionStore keeps shop connections, scoped by organisation like every
// other record. It is separate from Store so that a backend can offer it on
// its own schedule; store/sqlite implements both.
type ConnectionStore interface {
	// SaveConnection stores c. With c.Version 0 it creates the connection
	// or replaces one of the same shop (a seller who authorizes again);
	// otherwise it writes only if the stored Version is c.Version and answers
	// CONFLICT if not. It returns the connection as stored (Version one up,
	// UpdatedAt the store's clock). A connection without a platform, shop id
	// or state is INVALID.
	SaveConnection(ctx context.Context, org returns.OrgID, c *Connection) (*Connection, error)
	// GetConnection returns one connection, or NOT_FOUND.
	GetConnection(ctx context.Context, org returns.OrgID, platform returns.PlatformID, shopID string) (*Connection, error)
	// ListConnections returns the organisation's connections ordered by
	// platform and shop id.
	ListConnections(ctx context.Context, org returns.OrgID) ([]*Connection, error)
	// DeleteConnection removes a connection; a missing one is no error.
	DeleteConnection(ctx context.Context, org returns.OrgID, platform returns.PlatformID, shopID string) error
	// ResealConnections calls reseal with every connection of every
	// organisation and writes back what it changed, all in one transaction:
	// if reseal fails for any connection nothing is written. It returns how
	// many connections it rewrote. Key rotation uses it.
	ResealConnections(ctx context.Context, reseal func(org returns.OrgID, c *Connection) error) (int, error)
}
