package sqlite

import (
	"encoding/json"
	"testing"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/storetest"
)

// go test ./store/sqlite -run XXX -bench DecodeInspected: an inspected case
// document stays on the fast reader (docs/benchmarks.md).
func BenchmarkDecodeInspected(b *testing.B) {
	k := store.Canonical(storetest.FullCase("R1"))
	doc, err := json.Marshal(&k)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			var c returns.Case
			if err := decodeDoc(doc, &c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			var c returns.Case
			if err := json.Unmarshal(doc, &c); err != nil {
				b.Fatal(err)
			}
		}
	})
}
