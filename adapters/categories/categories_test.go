package categories

import (
	"testing"

	"github.com/returnsgw/returnsgw/returns"
)

func TestMap(t *testing.T) {
	xhs := Mapper{Platform: returns.XHS, Overrides: map[string]returns.Category{"custom-1": returns.CategoryHygiene,
		"5a9c1f0e8b2d4c0001e0a011": returns.CategoryGeneral}}
	for _, tc := range []struct {
		id   string
		cat  returns.Category
		from returns.FactSource
	}{
		{"5a9c1f0e8b2d4c0001e0a016", returns.CategoryHygiene, returns.FactProductAPI},
		{"5a9c1f0e8b2d4c0001e0a011", returns.CategoryGeneral, returns.FactShopConfig}, // override wins
		{"custom-1", returns.CategoryHygiene, returns.FactShopConfig},
		{"nobody-knows", returns.CategoryGeneral, returns.FactUnmapped},
		{"", returns.CategoryGeneral, returns.FactMissing},
	} {
		before := Unmapped(returns.XHS)
		c, src := xhs.Map(tc.id)
		if c != tc.cat || src != tc.from {
			t.Errorf("Map(%q) = %s, %s; want %s, %s", tc.id, c, src, tc.cat, tc.from)
		}
		if counted := Unmapped(returns.XHS) - before; (src == returns.FactUnmapped) != (counted == 1) {
			t.Errorf("Map(%q): unmapped counter moved by %d", tc.id, counted)
		}
	}
}

func TestTableCoversEveryCategoryPerPlatform(t *testing.T) {
	for _, p := range returns.PlatformIDs {
		seen := map[returns.Category]bool{}
		for _, c := range table[p] {
			seen[c] = true
		}
		for _, c := range returns.Categories {
			if !seen[c] {
				t.Errorf("%s: no row maps to %s", p, c)
			}
		}
	}
}

func TestLoadRefusesUnknownCategory(t *testing.T) {
	if _, err := load([]byte(`{"XHS":{"1":"FRESHISH"}}`)); err == nil {
		t.Fatal("a table row with an unknown category loaded")
	}
	if err := ValidateOverrides(map[string]returns.Category{"1": "NOPE"}); err == nil {
		t.Fatal("an override with an unknown category passed")
	}
}
