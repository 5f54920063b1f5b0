package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// Principal is who a request runs as.
type Principal struct {
	Org    returns.OrgID
	KeyID  string
	Scopes []Scope
	// Operator is set for the keys of the operator's own organisation (the
	// gateway's --org): their admin scope also manages organisations.
	Operator bool
}

// Has reports whether the principal holds the scope.
func (p *Principal) Has(s Scope) bool { return p != nil && slices.Contains(p.Scopes, s) }

type principalKey struct{}

// WithPrincipal returns a context that runs as p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// From returns the principal of the context, or nil.
func From(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// ErrInvalidKey is the one answer to a key that is malformed, unknown, wrong
// or revoked: a caller learns nothing about which.
var ErrInvalidKey = returns.Errorf(returns.CodeUnauthorized, "invalid API key")

// Options tune a Service.
type Options struct {
	// OperatorOrg is the organisation whose admin keys manage organisations.
	OperatorOrg returns.OrgID
	// CacheTTL is how long a verified key is trusted without reading the
	// store again (default 3 s); it bounds how long a revocation made on
	// another replica takes to be seen.
	CacheTTL time.Duration
	// TouchEvery is how often a key's last use is written (default 1 min), so
	// that authentication does not add a write to every request.
	TouchEvery time.Duration
	Now        func() time.Time
}

// Service authenticates keys and manages organisations and keys.
type Service struct {
	st   store.Access
	opts Options

	mu     sync.Mutex
	cache  map[string]*cached     // by key id
	held   map[string][]*holdings // open sessions by key id, ended on revocation
	ticker *time.Timer
}

type cached struct {
	key     store.APIKey
	read    time.Time // when the store was read
	touched time.Time // when last use was last written
}

type holdings struct {
	cancel context.CancelCauseFunc
}

// New returns a Service on the store.
func New(st store.Access, o Options) *Service {
	if o.CacheTTL <= 0 {
		o.CacheTTL = 3 * time.Second
	}
	if o.TouchEvery <= 0 {
		o.TouchEvery = time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{st: st, opts: o, cache: map[string]*cached{}, held: map[string][]*holdings{}}
}

// Authenticate returns the principal of a key, or ErrInvalidKey.
func (s *Service) Authenticate(ctx context.Context, key string) (*Principal, error) {
	id, ok := keyID(key)
	if !ok {
		return nil, ErrInvalidKey
	}
	now := s.opts.Now()
	s.mu.Lock()
	c := s.cache[id]
	s.mu.Unlock()
	if c == nil || now.Sub(c.read) >= s.opts.CacheTTL || now.Before(c.read) {
		k, err := s.st.APIKey(ctx, id)
		switch {
		case returns.ErrorCodeOf(err) == returns.CodeNotFound:
			return nil, ErrInvalidKey
		case err != nil && c != nil:
			// The store is away: a key verified a moment ago stays good
			// until it can be read again (a revocation cannot be read
			// either), rather than every caller being locked out.
			k = &c.key
		case err != nil:
			return nil, fmt.Errorf("auth: read key: %w", err)
		}
		nc := &cached{key: *k, read: now}
		s.mu.Lock()
		if c != nil {
			nc.touched = c.touched
		}
		c = nc
		if len(s.cache) > 100000 { // bounded by the keys that exist; a flood of valid ids is no risk, but be safe
			clear(s.cache)
		}
		s.cache[id] = c
		s.mu.Unlock()
	}
	if subtle.ConstantTimeCompare(Hash(key), c.key.Hash) != 1 || c.key.RevokedAt != nil {
		return nil, ErrInvalidKey
	}
	s.mu.Lock()
	touch := now.Sub(c.touched) >= s.opts.TouchEvery
	if touch {
		c.touched = now // one writer per interval, even under concurrent requests
	}
	s.mu.Unlock()
	if touch {
		// Last use is informational: a failed write must not fail the request.
		_ = s.st.TouchAPIKey(ctx, id, now)
	}
	p := &Principal{Org: c.key.Org, KeyID: id, Operator: c.key.Org == s.opts.OperatorOrg}
	for _, sc := range c.key.Scopes {
		p.Scopes = append(p.Scopes, Scope(sc))
	}
	return p, nil
}

// ErrKeyRevoked is the cause of a held context's end when its key is revoked.
var ErrKeyRevoked = errors.New("the API key was revoked")

// Hold returns a context that ends (with cause ErrKeyRevoked) when p's key is
// revoked, for sessions that outlive a request: subscriptions. release must
// be called when the session ends.
func (s *Service) Hold(ctx context.Context, p *Principal) (held context.Context, release func()) {
	if p == nil || p.KeyID == "" {
		return ctx, func() {}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	h := &holdings{cancel: cancel}
	s.mu.Lock()
	s.held[p.KeyID] = append(s.held[p.KeyID], h)
	if s.ticker == nil {
		s.ticker = time.AfterFunc(s.opts.CacheTTL, s.recheck)
	}
	s.mu.Unlock()
	return ctx, func() {
		cancel(nil)
		s.mu.Lock()
		defer s.mu.Unlock()
		hs := s.held[p.KeyID]
		if i := slices.Index(hs, h); i >= 0 {
			hs = slices.Delete(hs, i, i+1)
		}
		if len(hs) == 0 {
			delete(s.held, p.KeyID)
		} else {
			s.held[p.KeyID] = hs
		}
	}
}

// recheck reads the keys of held sessions again, so that a revocation made
// by another replica ends them too. It runs only while sessions are held.
func (s *Service) recheck() {
	s.mu.Lock()
	ids := make([]string, 0, len(s.held))
	for id := range s.held {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, id := range ids {
		k, err := s.st.APIKey(ctx, id)
		if err == nil && k.RevokedAt == nil {
			continue
		}
		if err != nil && returns.ErrorCodeOf(err) != returns.CodeNotFound {
			continue // the store is unavailable: keep sessions rather than drop them all
		}
		s.endSessions(id)
	}
	s.mu.Lock()
	if len(s.held) > 0 {
		s.ticker = time.AfterFunc(s.opts.CacheTTL, s.recheck)
	} else {
		s.ticker = nil
	}
	s.mu.Unlock()
}

func (s *Service) endSessions(id string) {
	s.mu.Lock()
	hs := s.held[id]
	delete(s.held, id)
	delete(s.cache, id)
	s.mu.Unlock()
	for _, h := range hs {
		h.cancel(ErrKeyRevoked)
	}
}

// CreateKey makes a key for the organisation and returns it: the only time
// the key itself exists outside its holder.
func (s *Service) CreateKey(ctx context.Context, org returns.OrgID, name string, scopes []Scope) (string, *store.APIKey, error) {
	if len(scopes) == 0 {
		return "", nil, returns.Errorf(returns.CodeInvalid, "a key needs at least one scope")
	}
	if len(name) > 200 {
		return "", nil, returns.Errorf(returns.CodeInvalid, "a key's name is at most 200 bytes")
	}
	key, id := NewKey()
	rec := store.APIKey{ID: id, Org: org, Name: name, Hash: Hash(key), CreatedAt: s.opts.Now().UTC()}
	for _, sc := range scopes {
		if !validScope(sc) {
			return "", nil, returns.Errorf(returns.CodeInvalid, "unknown scope %q", sc)
		}
		rec.Scopes = append(rec.Scopes, string(sc))
	}
	if err := s.st.CreateAPIKey(ctx, rec); err != nil {
		return "", nil, err
	}
	return key, &rec, nil
}

// ImportKey records a key chosen outside the gateway (the sandbox's
// --demo-key) for the organisation. Returns INVALID for a key not of
// NewKey's form, CONFLICT if its id is taken.
func (s *Service) ImportKey(ctx context.Context, org returns.OrgID, name, key string, scopes []Scope) (*store.APIKey, error) {
	id, ok := keyID(key)
	if !ok {
		return nil, returns.Errorf(returns.CodeInvalid, "a key has the form rgw_<16 hex digits>_<43 base64url characters>; make one with `server keys create`")
	}
	rec := store.APIKey{ID: id, Org: org, Name: name, Hash: Hash(key), CreatedAt: s.opts.Now().UTC()}
	for _, sc := range scopes {
		rec.Scopes = append(rec.Scopes, string(sc))
	}
	if err := s.st.CreateAPIKey(ctx, rec); err != nil {
		return nil, err
	}
	return &rec, nil
}

// Check reports whether key is a valid, unrevoked key of the organisation,
// reading the store (no cache).
func (s *Service) Check(ctx context.Context, org returns.OrgID, key string) (bool, error) {
	id, ok := keyID(key)
	if !ok {
		return false, nil
	}
	k, err := s.st.APIKey(ctx, id)
	if returns.ErrorCodeOf(err) == returns.CodeNotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return k.Org == org && k.RevokedAt == nil && subtle.ConstantTimeCompare(Hash(key), k.Hash) == 1, nil
}

// RevokeKey revokes one of the organisation's keys, and ends at once the
// sessions this process holds for it.
func (s *Service) RevokeKey(ctx context.Context, org returns.OrgID, id string) error {
	if err := s.st.RevokeAPIKey(ctx, org, id, s.opts.Now().UTC()); err != nil {
		return err
	}
	s.endSessions(id)
	return nil
}

// ListKeys returns the organisation's keys.
func (s *Service) ListKeys(ctx context.Context, org returns.OrgID) ([]store.APIKey, error) {
	return s.st.ListAPIKeys(ctx, org)
}

// CreateOrg records an organisation. Returns INVALID for an id that is not a
// short identifier.
func (s *Service) CreateOrg(ctx context.Context, id returns.OrgID, name string) (*store.Org, error) {
	if !validOrgID(string(id)) {
		return nil, returns.Errorf(returns.CodeInvalid, "an organisation id is 1 to 64 of a-z, 0-9, '-' and '_'")
	}
	if len(name) > 200 {
		return nil, returns.Errorf(returns.CodeInvalid, "an organisation's name is at most 200 bytes")
	}
	o := store.Org{ID: id, Name: name, CreatedAt: s.opts.Now().UTC()}
	if err := s.st.CreateOrg(ctx, o); err != nil {
		return nil, err
	}
	return &o, nil
}

// EnsureOrg records the organisation unless it exists.
func (s *Service) EnsureOrg(ctx context.Context, id returns.OrgID, name string) error {
	_, err := s.CreateOrg(ctx, id, name)
	if returns.ErrorCodeOf(err) == returns.CodeConflict {
		return nil
	}
	return err
}

// ListOrgs returns every organisation.
func (s *Service) ListOrgs(ctx context.Context) ([]store.Org, error) { return s.st.ListOrgs(ctx) }

func validOrgID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
