// Package connect keeps shops authorized: it stores each shop's connection
// with its secret and tokens sealed (package secrets), hands each adapter a
// token source that always holds the current access token, and refreshes
// every token before it expires (at 80% of its life by default).
//
// The refresher is one goroutine with one timer set to the next connection
// due: idle while nothing is due, never a poll loop. A refresh the platform
// refuses (refresh token expired, revoked or rotated away) marks the
// connection NEEDS_REAUTHORIZATION and raises an alert once; it is not
// retried. A platform that cannot be reached is retried with exponential
// back-off, bounded by RetryMax between attempts, until the refresh token
// itself runs out.
//
// It sits at the feed level: it imports adapters, store and secrets, and
// is imported by the server.
package connect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/secrets"
	"github.com/returnsgw/returnsgw/store"
)

// Alert is raised when a shop's authorization is lost and only the seller can
// restore it. It never carries a secret.
type Alert struct {
	Org      returns.OrgID
	Platform returns.PlatformID
	ShopID   string
	State    store.ConnectionState
	Reason   string
	At       time.Time
}

// EndpointFunc gives the token endpoint of a platform for an app.
type EndpointFunc func(platform returns.PlatformID, appID, appSecret string) (adapters.TokenEndpoint, error)

// Options configure a Manager.
type Options struct {
	Store     store.ConnectionStore
	Keys      *secrets.Keyring
	Endpoints EndpointFunc
	// RefreshAt is the share of an access token's life after which it is
	// refreshed; 0 means 0.8.
	RefreshAt float64
	// RetryMin and RetryMax bound the back-off after a transient failure;
	// 0 means 5 s and 10 min.
	RetryMin, RetryMax time.Duration
	// CallTimeout bounds one refresh call; 0 means 30 s.
	CallTimeout time.Duration
	// UnchangedLead is how long before its expiry a token the platform
	// declined to renew (it answered the same one) is asked for again;
	// 0 means 20 minutes (XHS renews within its last 30).
	UnchangedLead time.Duration
	// OnAlert is called (outside the manager's lock) when a connection needs
	// the seller to authorize again.
	OnAlert func(Alert)
	// OnRefresh is called after every refresh attempt (nil error: success),
	// for metrics and tests.
	OnRefresh func(org returns.OrgID, platform returns.PlatformID, shopID string, err error)
	Now       func() time.Time
	Log       *slog.Logger
}

type key struct {
	org      returns.OrgID
	platform returns.PlatformID
	shop     string
}

type entry struct {
	key
	busy     sync.Mutex // held during a refresh: one refresh of a shop at a time
	tokens   *adapters.RotatingToken
	conn     *store.Connection // as last stored (sealed)
	due      time.Time         // next refresh attempt; zero: none
	failures int               // transient failures in a row
}

// Manager holds the connections of the organisations it was given.
type Manager struct {
	o Options

	mu      sync.Mutex
	entries map[key]*entry
	wake    chan struct{}
}

// New returns a manager; Run starts its refresher.
func New(o Options) (*Manager, error) {
	if o.Store == nil || o.Keys == nil || o.Endpoints == nil {
		return nil, errors.New("connect: Store, Keys and Endpoints are required")
	}
	if o.RefreshAt <= 0 || o.RefreshAt >= 1 {
		o.RefreshAt = 0.8
	}
	if o.RetryMin <= 0 {
		o.RetryMin = 5 * time.Second
	}
	if o.RetryMax < o.RetryMin {
		o.RetryMax = max(10*time.Minute, o.RetryMin)
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 30 * time.Second
	}
	if o.UnchangedLead <= 0 {
		o.UnchangedLead = 20 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Manager{o: o, entries: map[key]*entry{}, wake: make(chan struct{}, 1)}, nil
}

// aad binds a sealed field to its connection and field, so that a sealed
// value copied to another row or column does not open.
func aad(org returns.OrgID, platform returns.PlatformID, shop, field string) string {
	return string(org) + "\x00" + string(platform) + "\x00" + shop + "\x00" + field
}

// Load reads the organisation's stored connections and schedules their
// refreshes. Call it before building the adapters, which take their token
// sources from TokenSource.
func (m *Manager) Load(ctx context.Context, org returns.OrgID) error {
	conns, err := m.o.Store.ListConnections(ctx, org)
	if err != nil {
		return err
	}
	for _, c := range conns {
		access, err := m.o.Keys.Open(c.AccessToken, aad(org, c.Platform, c.ShopID, "access"))
		if err != nil {
			return fmt.Errorf("connect: shop %s/%s: access token: %w", c.Platform, c.ShopID, err)
		}
		m.put(key{org, c.Platform, c.ShopID}, c, access)
	}
	m.kick()
	return nil
}

// put records a stored connection and its access token; m.mu must not be held.
func (m *Manager) put(k key, c *store.Connection, access string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.entries[k]
	if e == nil {
		e = &entry{key: k, tokens: adapters.NewRotatingToken(access)}
		m.entries[k] = e
	} else {
		e.tokens.Set(access)
	}
	e.conn, e.failures = c, 0
	e.due = time.Time{}
	if c.State == store.ConnectionActive {
		e.due = m.dueOf(c)
	}
}

// dueOf is when a connection's token is refreshed: RefreshAt of the way from
// when it was stored to when it expires.
func (m *Manager) dueOf(c *store.Connection) time.Time {
	life := c.AccessExpiresAt.Sub(c.UpdatedAt)
	if life <= 0 {
		return c.UpdatedAt
	}
	return c.UpdatedAt.Add(time.Duration(float64(life) * m.o.RefreshAt))
}

// TokenSource is the source an adapter for the shop asks for its token. A
// shop the manager does not know gets an empty token (the platform refuses
// it) until it is connected.
func (m *Manager) TokenSource(org returns.OrgID, platform returns.PlatformID, shopID string) adapters.TokenSource {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := key{org, platform, shopID}
	e := m.entries[k]
	if e == nil {
		e = &entry{key: k, tokens: adapters.NewRotatingToken("")}
		m.entries[k] = e
	}
	return e.tokens
}

// Connect stores a newly authorized shop (the answer of the code exchange)
// and schedules its refresh. A shop authorized again (by the same seller:
// another is CONFLICT) replaces its old connection, and leaves
// NEEDS_REAUTHORIZATION.
func (m *Manager) Connect(ctx context.Context, org returns.OrgID, platform returns.PlatformID, shopID, appID, appSecret string, tok adapters.Token) (*store.Connection, error) {
	if err := tok.Validate(); err != nil {
		return nil, returns.Errorf(returns.CodeInvalid, "connect: %v", err)
	}
	c := &store.Connection{Platform: platform, ShopID: shopID, AppID: appID, SellerID: tok.SellerID, SellerName: tok.SellerName,
		AccessExpiresAt: tok.AccessExpiresAt, RefreshExpiresAt: tok.RefreshExpiresAt, State: store.ConnectionActive}
	if err := m.seal(org, c, appSecret, tok); err != nil {
		return nil, err
	}
	// Wait for a refresh of the shop in flight: its outcome (even a lost
	// authorization) must not overwrite the new connection.
	m.TokenSource(org, platform, shopID)
	m.mu.Lock()
	e := m.entries[key{org, platform, shopID}]
	m.mu.Unlock()
	e.busy.Lock()
	defer e.busy.Unlock()
	// A connected shop is authorized again only by its own seller: another
	// account logging in on the platform's page would otherwise swap the
	// shop's tokens for its own, silently.
	old, err := m.o.Store.GetConnection(ctx, org, platform, shopID)
	if err != nil && returns.ErrorCodeOf(err) != returns.CodeNotFound {
		return nil, err
	}
	if old != nil && old.SellerID != "" && tok.SellerID != "" && old.SellerID != tok.SellerID {
		return nil, returns.Errorf(returns.CodeConflict, "shop %s on %s is connected to another seller account; "+
			"authorize with that account, or connect this one as another shop", shopID, platform)
	}
	saved, err := m.o.Store.SaveConnection(ctx, org, c)
	if err != nil {
		return nil, err
	}
	m.put(key{org, platform, shopID}, saved, tok.AccessToken)
	m.kick()
	return saved, nil
}

func (m *Manager) seal(org returns.OrgID, c *store.Connection, appSecret string, tok adapters.Token) error {
	var err error
	if appSecret != "" {
		if c.AppSecret, err = m.o.Keys.Seal(appSecret, aad(org, c.Platform, c.ShopID, "secret")); err != nil {
			return err
		}
	}
	if c.AccessToken, err = m.o.Keys.Seal(tok.AccessToken, aad(org, c.Platform, c.ShopID, "access")); err != nil {
		return err
	}
	c.RefreshToken, err = m.o.Keys.Seal(tok.RefreshToken, aad(org, c.Platform, c.ShopID, "refresh"))
	return err
}

// Status is a connection as health reporting sees it.
type Status struct {
	Platform        returns.PlatformID
	ShopID          string
	AppID           string
	SellerID        string
	State           store.ConnectionState
	LastError       string
	AccessExpiresAt time.Time
	NextRefresh     time.Time // zero when none is scheduled
}

// Status returns the shop's connection status; ok is false for a shop with
// no stored connection (a static token from the config file, say).
func (m *Manager) Status(org returns.OrgID, platform returns.PlatformID, shopID string) (Status, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.entries[key{org, platform, shopID}]
	if e == nil || e.conn == nil {
		return Status{}, false
	}
	return Status{Platform: platform, ShopID: shopID, AppID: e.conn.AppID, SellerID: e.conn.SellerID, State: e.conn.State, LastError: e.conn.LastError,
		AccessExpiresAt: e.conn.AccessExpiresAt, NextRefresh: e.due}, true
}

// AppSecret opens the app secret stored with a shop's connection, for
// building its adapter (which signs every call with it).
func (m *Manager) AppSecret(org returns.OrgID, platform returns.PlatformID, shopID string) (string, error) {
	m.mu.Lock()
	e := m.entries[key{org, platform, shopID}]
	var sealed string
	if e != nil && e.conn != nil {
		sealed = e.conn.AppSecret
	}
	m.mu.Unlock()
	if sealed == "" {
		return "", returns.Errorf(returns.CodeNotFound, "no stored app secret for shop %s/%s", platform, shopID)
	}
	return m.o.Keys.Open(sealed, aad(org, platform, shopID, "secret"))
}

// Statuses lists the organisation's connections by platform and shop.
func (m *Manager) Statuses(org returns.OrgID) []Status {
	m.mu.Lock()
	var keys []key
	for k, e := range m.entries {
		if k.org == org && e.conn != nil {
			keys = append(keys, k)
		}
	}
	m.mu.Unlock()
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].platform != keys[j].platform {
			return keys[i].platform < keys[j].platform
		}
		return keys[i].shop < keys[j].shop
	})
	out := make([]Status, 0, len(keys))
	for _, k := range keys {
		if s, ok := m.Status(k.org, k.platform, k.shop); ok {
			out = append(out, s)
		}
	}
	return out
}

func (m *Manager) kick() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// next returns the entries due at now and the time of the next one after.
func (m *Manager) next(now time.Time) (due []*entry, wait time.Duration, any bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var soonest time.Time
	for _, e := range m.entries {
		if e.due.IsZero() {
			continue
		}
		if !e.due.After(now) {
			due = append(due, e)
			continue
		}
		if soonest.IsZero() || e.due.Before(soonest) {
			soonest = e.due
		}
	}
	if soonest.IsZero() {
		return due, 0, false
	}
	return due, soonest.Sub(now), true
}

// Run refreshes tokens as they come due until ctx ends.
func (m *Manager) Run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		due, wait, pending := m.next(m.o.Now())
		for _, e := range due {
			if ctx.Err() != nil {
				return
			}
			_ = m.refresh(ctx, e, false)
		}
		if len(due) > 0 {
			continue // the refreshes took time: look again
		}
		var fire <-chan time.Time
		if pending {
			timer.Reset(wait)
			fire = timer.C
		}
		select {
		case <-ctx.Done():
			return
		case <-m.wake:
			timer.Stop()
		case <-fire:
		}
	}
}

// RefreshNow refreshes one connection at once (an operator's request, or a
// test's), whatever its schedule.
func (m *Manager) RefreshNow(ctx context.Context, org returns.OrgID, platform returns.PlatformID, shopID string) error {
	m.mu.Lock()
	e := m.entries[key{org, platform, shopID}]
	m.mu.Unlock()
	if e == nil || e.conn == nil {
		return returns.Errorf(returns.CodeNotFound, "no connection for shop %s/%s", platform, shopID)
	}
	return m.refresh(ctx, e, true)
}

// refresh makes one refresh attempt for e and reschedules it. Unless forced,
// an entry that is no longer due (refreshed meanwhile) is left alone.
func (m *Manager) refresh(ctx context.Context, e *entry, force bool) error {
	e.busy.Lock()
	defer e.busy.Unlock()
	m.mu.Lock()
	due := !e.due.IsZero() && !e.due.After(m.o.Now())
	c := *e.conn
	m.mu.Unlock()
	if !force && !due {
		return nil
	}
	err := m.tryRefresh(ctx, e, &c)
	m.mu.Lock()
	if !e.due.IsZero() && !e.due.After(m.o.Now()) {
		// Whatever went wrong, never spin: the next attempt waits RetryMin.
		e.due = m.o.Now().Add(m.o.RetryMin)
	}
	m.mu.Unlock()
	if m.o.OnRefresh != nil {
		m.o.OnRefresh(e.org, e.platform, e.shop, err)
	}
	return err
}

func (m *Manager) tryRefresh(ctx context.Context, e *entry, c *store.Connection) error {
	log := m.o.Log.With("org", string(e.org), "platform", string(e.platform), "shop", e.shop)
	secret, err := m.o.Keys.Open(c.AppSecret, aad(e.org, e.platform, e.shop, "secret"))
	if err != nil {
		return m.lost(ctx, e, c, "the stored app secret cannot be opened with the configured key", log)
	}
	rt, err := m.o.Keys.Open(c.RefreshToken, aad(e.org, e.platform, e.shop, "refresh"))
	if err != nil {
		return m.lost(ctx, e, c, "the stored refresh token cannot be opened with the configured key", log)
	}
	ep, err := m.o.Endpoints(e.platform, c.AppID, secret)
	if err != nil {
		return m.lost(ctx, e, c, "no token endpoint for the platform", log)
	}
	cctx, cancel := context.WithTimeout(ctx, m.o.CallTimeout)
	tok, err := ep.Refresh(cctx, rt)
	cancel()
	if err != nil {
		if adapters.PermanentTokenError(err) {
			return m.lost(ctx, e, c, "the platform refused the refresh token ("+safeReason(err)+"); the seller must authorize the app again", log)
		}
		return m.retryLater(ctx, e, c, err, log)
	}
	next := *c
	next.AccessExpiresAt, next.RefreshExpiresAt = tok.AccessExpiresAt, tok.RefreshExpiresAt
	if next.RefreshExpiresAt.IsZero() {
		next.RefreshExpiresAt = c.RefreshExpiresAt
	}
	if tok.SellerID != "" {
		next.SellerID = tok.SellerID
	}
	next.State, next.LastError = store.ConnectionActive, ""
	if err := m.seal(e.org, &next, "", tok); err != nil {
		return err
	}
	saved, err := m.o.Store.SaveConnection(ctx, e.org, &next)
	if err != nil {
		// The platform rotated the refresh token but it is not stored: the
		// old one no longer works. Keep the new pair in memory and try the
		// store again soon.
		log.Error("connect: refreshed tokens could not be stored", "error", err)
		m.mu.Lock()
		e.tokens.Set(tok.AccessToken)
		next.Version = c.Version
		e.conn = &next
		e.due = m.o.Now().Add(m.o.RetryMin)
		m.mu.Unlock()
		return err
	}
	m.put(e.key, saved, tok.AccessToken)
	if old, err := m.o.Keys.Open(c.AccessToken, aad(e.org, e.platform, e.shop, "access")); err == nil && old == tok.AccessToken {
		// The platform answered the same token: it renews only close to the
		// expiry (XHS: within 30 minutes). Ask again then, not at 80% of
		// what is left, which would ask again and again.
		at := saved.AccessExpiresAt.Add(-m.o.UnchangedLead)
		m.mu.Lock()
		if at.After(e.due) {
			e.due = at
		}
		m.mu.Unlock()
		log.Info("connect: token still valid; the platform renews it nearer its expiry", "accessExpiresAt", saved.AccessExpiresAt)
		return nil
	}
	log.Info("connect: token refreshed", "accessExpiresAt", saved.AccessExpiresAt)
	return nil
}

// safeReason names a platform error by kind and code only: its message could
// echo what was sent.
func safeReason(err error) string {
	var pe *adapters.PlatformError
	if errors.As(err, &pe) {
		if pe.Code != "" {
			return string(pe.Kind) + " " + pe.Code
		}
		return string(pe.Kind)
	}
	return "error"
}

// retryLater schedules the next attempt after a transient failure, or gives
// the connection up when the refresh token will have run out by then.
func (m *Manager) retryLater(ctx context.Context, e *entry, c *store.Connection, err error, log *slog.Logger) error {
	m.mu.Lock()
	e.failures++
	n := e.failures
	m.mu.Unlock()
	wait := m.o.RetryMin << min(n-1, 20)
	if wait > m.o.RetryMax || wait <= 0 {
		wait = m.o.RetryMax
	}
	at := m.o.Now().Add(wait)
	if !c.RefreshExpiresAt.IsZero() && !at.Before(c.RefreshExpiresAt) {
		return m.lost(ctx, e, c, "the platform could not be reached before the refresh token expired ("+safeReason(err)+")", log)
	}
	log.Warn("connect: token refresh failed; will retry", "reason", safeReason(err), "attempt", n, "retryIn", wait)
	m.mu.Lock()
	e.due = at
	m.mu.Unlock()
	return err
}

// lost marks the connection NEEDS_REAUTHORIZATION, stores it and alerts.
func (m *Manager) lost(ctx context.Context, e *entry, c *store.Connection, reason string, log *slog.Logger) error {
	next := *c
	next.State, next.LastError = store.ConnectionNeedsReauthorization, reason
	saved, err := m.o.Store.SaveConnection(ctx, e.org, &next)
	if err != nil {
		log.Error("connect: could not store the lost authorization", "error", err)
		saved = &next
	}
	m.mu.Lock()
	e.conn, e.due = saved, time.Time{}
	m.mu.Unlock()
	log.Warn("connect: shop needs to be authorized again", "reason", reason)
	if m.o.OnAlert != nil {
		m.o.OnAlert(Alert{Org: e.org, Platform: e.platform, ShopID: e.shop, State: store.ConnectionNeedsReauthorization,
			Reason: reason, At: m.o.Now()})
	}
	return errors.New("connect: " + reason)
}

// Rotate re-seals every stored secret and token under keys' primary key, in
// one transaction; keys must also hold the old key. It returns how many
// connections it rewrote.
func Rotate(ctx context.Context, s store.ConnectionStore, keys *secrets.Keyring) (int, error) {
	return s.ResealConnections(ctx, func(org returns.OrgID, c *store.Connection) error {
		for _, f := range []struct {
			name string
			v    *string
		}{{"secret", &c.AppSecret}, {"access", &c.AccessToken}, {"refresh", &c.RefreshToken}} {
			v, err := keys.Reseal(*f.v, aad(org, c.Platform, c.ShopID, f.name))
			if err != nil {
				return fmt.Errorf("connect: shop %s/%s %s: %w", c.Platform, c.ShopID, f.name, err)
			}
			*f.v = v
		}
		return nil
	})
}
