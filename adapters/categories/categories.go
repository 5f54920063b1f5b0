// Package categories maps each platform's product category ids onto the
// categories the return rules distinguish, through a table shipped as data
// (table.json, embedded) and per-shop overrides from the configuration.
package categories

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/returnsgw/returnsgw/returns"
)

//go:embed table.json
var tableJSON []byte

var table = mustLoad(tableJSON)

func mustLoad(b []byte) map[returns.PlatformID]map[string]returns.Category {
	t, err := load(b)
	if err != nil {
		panic(err)
	}
	return t
}

func load(b []byte) (map[returns.PlatformID]map[string]returns.Category, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("categories: table: %w", err)
	}
	out := map[returns.PlatformID]map[string]returns.Category{}
	for k, v := range raw {
		p := returns.PlatformID(k)
		if !p.Valid() {
			continue // "_comment"
		}
		var m map[string]returns.Category
		if err := json.Unmarshal(v, &m); err != nil {
			return nil, fmt.Errorf("categories: table %s: %w", k, err)
		}
		for id, c := range m {
			if !c.Valid() {
				return nil, fmt.Errorf("categories: table %s: %s maps to unknown category %q", k, id, c)
			}
		}
		out[p] = m
	}
	return out, nil
}

// unmapped counts lookups of ids the table and the overrides did not know,
// per platform, for the metrics: process-wide, like the table itself.
var unmapped sync.Map // returns.PlatformID -> *atomic.Int64

// Unmapped returns how many of the platform's category lookups found no
// mapping since start.
func Unmapped(p returns.PlatformID) int64 {
	if n, ok := unmapped.Load(p); ok {
		return n.(*atomic.Int64).Load()
	}
	return 0
}

// Mapper maps one shop's platform categories.
type Mapper struct {
	Platform returns.PlatformID
	// Overrides are the shop's own mappings (config file), which win over the table.
	Overrides map[string]returns.Category
}

// Map returns the category of a platform category id and where it came
// from: SHOP_CONFIG for an override, PRODUCT_API for a table row, UNMAPPED
// (GENERAL) for an id nobody mapped, MISSING (GENERAL) for no id at all.
func (m Mapper) Map(platformCategory string) (returns.Category, returns.FactSource) {
	if platformCategory == "" {
		return returns.CategoryGeneral, returns.FactMissing
	}
	if c, ok := m.Overrides[platformCategory]; ok && c.Valid() {
		return c, returns.FactShopConfig
	}
	if c, ok := table[m.Platform][platformCategory]; ok {
		return c, returns.FactProductAPI
	}
	n, _ := unmapped.LoadOrStore(m.Platform, new(atomic.Int64))
	n.(*atomic.Int64).Add(1)
	return returns.CategoryGeneral, returns.FactUnmapped
}

// ValidateOverrides reports the first override that names an unknown category.
func ValidateOverrides(o map[string]returns.Category) error {
	for id, c := range o {
		if !c.Valid() {
			return fmt.Errorf("category override %q -> %q: not a known category", id, c)
		}
	}
	return nil
}
