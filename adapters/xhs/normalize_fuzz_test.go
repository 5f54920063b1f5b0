package xhs

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/returnsgw/returnsgw/adapters/adapterstest"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/returns"
)

// FuzzNormalize: whatever getAfterSaleInfo's data holds, decoding it as
// call does and normalizing it never panics, and a case it returns holds what
// normalize guarantees. Seeds: the data of every golden file.
func FuzzNormalize(f *testing.F) {
	files, _ := filepath.Glob("testdata/normalize/*.txtar")
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var env xhswire.Envelope
		if err := json.Unmarshal(adapterstest.Section(ar, "getAfterSaleInfo.json"), &env); err != nil {
			f.Fatalf("%s: %v", file, err)
		}
		f.Add([]byte(env.Data))
	}
	if len(files) == 0 {
		f.Fatal("no golden files to seed from")
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var data xhswire.GetAfterSaleInfoData
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if dec.Decode(&data) != nil {
			return
		}
		c, warnings, err := normalize(&data, goldenShop, func(sku string) returns.Category { return goldenCatalog[sku] })
		if err != nil {
			if c != nil || warnings != nil {
				t.Fatalf("an error with a case or warnings: %v", err)
			}
			return
		}
		checkCase(t, c)
	})
}

// checkCase holds a normalized XHS case to what normalize guarantees.
func checkCase(t *testing.T, c *returns.Case) {
	t.Helper()
	if c.Platform != returns.XHS || c.PlatformCaseID == "" || c.ShopID != goldenShop.ID || c.Market != goldenShop.Market {
		t.Fatalf("identity %s/%q shop %q market %s", c.Platform, c.PlatformCaseID, c.ShopID, c.Market)
	}
	if !c.Status.Valid() {
		t.Fatalf("status %q", c.Status)
	}
	switch c.Kind {
	case returns.KindRefundOnly, returns.KindReturnAndRefund, returns.KindExchange:
	default:
		t.Fatalf("kind %q", c.Kind)
	}
	if c.RequestedRefund == nil || c.RequestedRefund.Currency != currency {
		t.Fatalf("requested refund %+v", c.RequestedRefund)
	}
	if m := c.RefundedAmount; m != nil && m.Currency != currency {
		t.Fatalf("refunded %+v", m)
	}
	if m := c.ReturnFreight; m != nil && (m.Currency != currency || m.Minor <= 0) {
		t.Fatalf("return freight %+v", m)
	}
	for i, l := range c.Lines {
		if l.Quantity < 1 || l.UnitPrice.Currency != currency || !l.Category.Valid() {
			t.Fatalf("line %d: %+v", i, l)
		}
	}
	if c.CreatedAt.IsZero() != c.UpdatedAt.IsZero() {
		t.Fatalf("created %v, updated %v", c.CreatedAt, c.UpdatedAt)
	}
	if d := c.Deadlines; (d.AutoActionAt == nil) != (d.AutoAction == "") || (d.RespondBy == nil) != (d.AutoActionAt == nil) {
		t.Fatalf("deadlines %+v", d)
	}
	if c.Raw["userId"] != c.BuyerID {
		t.Fatalf("raw userId %q, buyer %q", c.Raw["userId"], c.BuyerID)
	}
	// The case is stored and served as JSON: it must encode.
	if _, err := json.Marshal(c); err != nil {
		t.Fatalf("the case does not encode: %v", err)
	}
}
