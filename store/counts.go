package store

import (
	"cmp"
	"slices"

	"github.com/returnsgw/returnsgw/returns"
)

// CountBucket is one row of the counts a backend keeps (case_counts): an
// organisation's cases with these values. A list's totalCount sums the
// buckets its filter selects.
type CountBucket struct{ Platform, Status, Kind, Market, Shop string }

// BucketOf is the bucket that counts c.
func BucketOf(c *returns.Case) CountBucket {
	return CountBucket{string(c.Platform), string(c.Status), string(c.Kind), string(c.Market), c.ShopID}
}

// CountMoves are the net changes a transaction's case writes make to the
// kept counts, written once before it commits rather than once per case.
type CountMoves map[CountBucket]int64

// Move counts a case out of from (nil for a case new to the store) and into
// to.
func (m CountMoves) Move(from *CountBucket, to CountBucket) {
	if from != nil {
		m[*from]--
	}
	m[to]++
}

// Changed returns the buckets whose count changes, in a fixed order, so that
// two transactions that touch the same buckets write their rows in the same
// order and cannot deadlock on them.
func (m CountMoves) Changed() []CountBucket {
	bs := make([]CountBucket, 0, len(m))
	for b, n := range m {
		if n != 0 {
			bs = append(bs, b)
		}
	}
	slices.SortFunc(bs, func(a, b CountBucket) int {
		return cmp.Or(cmp.Compare(a.Platform, b.Platform), cmp.Compare(a.Status, b.Status), cmp.Compare(a.Kind, b.Kind),
			cmp.Compare(a.Market, b.Market), cmp.Compare(a.Shop, b.Shop))
	})
	return bs
}
