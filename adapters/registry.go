package adapters

import (
	"slices"
	"sort"
	"sync"

	"github.com/returnsgw/returnsgw/returns"
)

// Registry holds the configured platform connections, one per shop.
type Registry struct {
	mu     sync.RWMutex
	byShop map[shopKey]returns.Platform
	list   []returns.Platform
}

type shopKey struct {
	platform returns.PlatformID
	shop     string
}

// NewRegistry returns a registry of the given connections.
func NewRegistry(ps ...returns.Platform) *Registry {
	r := &Registry{byShop: map[shopKey]returns.Platform{}}
	for _, p := range ps {
		r.Add(p)
	}
	return r
}

// Add registers a connection, replacing one for the same shop.
func (r *Registry) Add(p returns.Platform) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := shopKey{p.ID(), p.Shop().ID}
	if _, ok := r.byShop[k]; ok {
		for i, q := range r.list {
			if q.ID() == k.platform && q.Shop().ID == k.shop {
				r.list[i] = p
			}
		}
	} else {
		r.list = append(r.list, p)
		sort.SliceStable(r.list, func(i, j int) bool {
			if r.list[i].ID() != r.list[j].ID() {
				return r.list[i].ID() < r.list[j].ID()
			}
			return r.list[i].Shop().ID < r.list[j].Shop().ID
		})
	}
	r.byShop[k] = p
}

// For returns the connection for a shop on a platform.
func (r *Registry) For(platform returns.PlatformID, shopID string) (returns.Platform, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	p, ok := r.byShop[shopKey{platform, shopID}]
	return p, ok
}

// All returns every connection, ordered by platform and shop.
func (r *Registry) All() []returns.Platform {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]returns.Platform(nil), r.list...)
}

// ActionRawKeys returns the Raw keys that every connection's actions read
// (returns.ActionState), or ok false if some connection does not say.
func (r *Registry) ActionRawKeys() (keys []string, ok bool) {
	for _, p := range r.All() {
		as, isAS := p.(returns.ActionState)
		if !isAS {
			return nil, false
		}
		for _, k := range as.ActionRawKeys() {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	return keys, true
}

// OnPlatform returns the connections to one platform.
func (r *Registry) OnPlatform(id returns.PlatformID) []returns.Platform {
	var out []returns.Platform
	for _, p := range r.All() {
		if p.ID() == id {
			out = append(out, p)
		}
	}
	return out
}
