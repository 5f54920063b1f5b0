package alibaba

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/returnsgw/returnsgw/adapters/adapterstest"
	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabawire"
	"github.com/returnsgw/returnsgw/returns"
)

// FuzzNormalize: whatever order.get, fund.get and logistics.get answer,
// decoding them as the adapter does and normalizing every refund record never
// panics, and a case it returns holds what normalize guarantees. Seeds: the
// raw answers of every golden file.
func FuzzNormalize(f *testing.F) {
	files, _ := filepath.Glob("testdata/normalize/*.txtar")
	if len(files) == 0 {
		f.Fatal("no golden files to seed from")
	}
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		logistics := adapterstest.Section(ar, "logistics.json")
		if logistics == nil {
			logistics = []byte{}
		}
		f.Add(adapterstest.Section(ar, "order.json"), adapterstest.Section(ar, "fund.json"), logistics)
	}
	catalog := func(id string) returns.Category {
		if id == "" {
			return ""
		}
		return returns.Category(id) // mostly not a category: the fallback is exercised
	}
	f.Fuzz(func(t *testing.T, orderBody, fundBody, logisticsBody []byte) {
		var order alibabawire.OrderGetResponse
		if decodeResponse(alibabawire.MethodOrderGet, 200, orderBody, &order) != nil {
			return
		}
		var fund alibabawire.FundGetResponse
		if decodeResponse(alibabawire.MethodFundGet, 200, fundBody, &fund) != nil {
			return
		}
		var logistics *alibabawire.Logistics
		var l alibabawire.LogisticsGetResponse
		if decodeResponse(alibabawire.MethodLogisticsGet, 200, logisticsBody, &l) == nil {
			logistics = &l.Value
		}
		for i := range fund.Value.RefundList.Items {
			c, _, err := normalize(normalizeInput{
				Shop:      returns.Shop{ID: "alibaba-fuzz", Platform: returns.Alibaba},
				Order:     &order.Value,
				Refund:    &fund.Value.RefundList.Items[i],
				Logistics: logistics,
				Catalog:   catalog,
				Freight:   FreightCNReading,
			})
			if err != nil {
				continue
			}
			checkInvariants(t, c)
			checkFuzzed(t, c)
		}
	})
}

// checkFuzzed holds a case to what normalize guarantees beyond
// checkInvariants.
func checkFuzzed(t *testing.T, c *returns.Case) {
	t.Helper()
	if c.Platform != returns.Alibaba || c.PlatformCaseID == "" || c.OrderID == "" || c.ShopID != "alibaba-fuzz" {
		t.Fatalf("identity %s/%q order %q shop %q", c.Platform, c.PlatformCaseID, c.OrderID, c.ShopID)
	}
	if c.Market != returns.MarketCrossBorderDirect {
		t.Fatalf("market %q", c.Market)
	}
	if !c.Status.Valid() {
		t.Fatalf("status %q", c.Status)
	}
	if c.Kind != returns.KindRefundOnly && c.Kind != returns.KindReturnAndRefund {
		t.Fatalf("kind %q", c.Kind)
	}
	if c.CreatedAt.IsZero() || c.UpdatedAt.Before(c.CreatedAt) {
		t.Fatalf("created %v, updated %v", c.CreatedAt, c.UpdatedAt)
	}
	for name, m := range map[string]*returns.Money{"requested": c.RequestedRefund, "refunded": c.RefundedAmount} {
		if m == nil {
			continue
		}
		if _, ok := returns.CurrencyExponent(m.Currency); !ok || m.Minor < 0 {
			t.Fatalf("%s %+v", name, m)
		}
	}
	if c.RequestedRefund == nil {
		t.Fatal("no requested refund")
	}
	if len(c.Lines) == 0 {
		t.Fatal("no lines")
	}
	for i, l := range c.Lines {
		if _, ok := returns.CurrencyExponent(l.UnitPrice.Currency); !ok || l.Quantity < 1 || !l.Category.Valid() {
			t.Fatalf("line %d: %+v", i, l)
		}
	}
	if d := c.Deadlines; (d.AutoActionAt == nil) != (d.AutoAction == "") {
		t.Fatalf("deadlines %+v", d)
	}
	if _, err := json.Marshal(c); err != nil {
		t.Fatalf("the case does not encode: %v", err)
	}
}
