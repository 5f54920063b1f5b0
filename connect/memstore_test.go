package connect

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/storetest"
)

// memStore is a store.ConnectionStore in memory, for the manager's tests
// (which run in a synctest bubble). It passes the conformance suite itself.
type memStore struct {
	mu    sync.Mutex
	now   func() time.Time
	conns map[string]store.Connection
	saves int
}

func newMemStore(now func() time.Time) *memStore {
	return &memStore{now: now, conns: map[string]store.Connection{}}
}

func memKey(org returns.OrgID, p returns.PlatformID, shop string) string {
	return string(org) + "\x00" + string(p) + "\x00" + shop
}

func (s *memStore) SaveConnection(_ context.Context, org returns.OrgID, c *store.Connection) (*store.Connection, error) {
	switch {
	case org == "" || c == nil || !c.Platform.Valid() || c.ShopID == "" ||
		(c.State != store.ConnectionActive && c.State != store.ConnectionNeedsReauthorization):
		return nil, returns.Errorf(returns.CodeInvalid, "invalid connection")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := memKey(org, c.Platform, c.ShopID)
	old := s.conns[k]
	if c.Version != 0 && c.Version != old.Version {
		return nil, returns.Errorf(returns.CodeConflict, "version")
	}
	out := *c
	out.Version = old.Version + 1
	out.UpdatedAt = s.now().UTC()
	out.AccessExpiresAt, out.RefreshExpiresAt = utc(out.AccessExpiresAt), utc(out.RefreshExpiresAt)
	s.conns[k] = out
	s.saves++
	return &out, nil
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

func (s *memStore) GetConnection(_ context.Context, org returns.OrgID, p returns.PlatformID, shop string) (*store.Connection, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.conns[memKey(org, p, shop)]
	if !ok {
		return nil, returns.Errorf(returns.CodeNotFound, "no connection")
	}
	return &c, nil
}

func (s *memStore) ListConnections(_ context.Context, org returns.OrgID) ([]*store.Connection, error) {
	if org == "" {
		return nil, returns.Errorf(returns.CodeInvalid, "no org")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*store.Connection
	for k, c := range s.conns {
		if len(k) > len(org) && k[:len(org)+1] == string(org)+"\x00" {
			c := c
			out = append(out, &c)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Platform != out[j].Platform {
			return out[i].Platform < out[j].Platform
		}
		return out[i].ShopID < out[j].ShopID
	})
	return out, nil
}

func (s *memStore) DeleteConnection(_ context.Context, org returns.OrgID, p returns.PlatformID, shop string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, memKey(org, p, shop))
	return nil
}

func (s *memStore) ResealConnections(_ context.Context, reseal func(returns.OrgID, *store.Connection) error) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.conns))
	for k := range s.conns {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	next := map[string]store.Connection{}
	n := 0
	for _, k := range keys {
		c := s.conns[k]
		before := c
		org := returns.OrgID(k[:indexNUL(k)])
		if err := reseal(org, &c); err != nil {
			return 0, err
		}
		if c.AppSecret != before.AppSecret || c.AccessToken != before.AccessToken || c.RefreshToken != before.RefreshToken {
			before.AppSecret, before.AccessToken, before.RefreshToken = c.AppSecret, c.AccessToken, c.RefreshToken
			before.Version++
			next[k] = before
			n++
		}
	}
	for k, c := range next {
		s.conns[k] = c
	}
	return n, nil
}

func indexNUL(s string) int {
	for i := range len(s) {
		if s[i] == 0 {
			return i
		}
	}
	return len(s)
}

func TestMemStoreConformance(t *testing.T) {
	storetest.RunConnections(t, func(t *testing.T, now func() time.Time) store.ConnectionStore { return newMemStore(now) })
}
