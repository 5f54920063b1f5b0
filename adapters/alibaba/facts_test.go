package alibaba

import (
	"encoding/json"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/returnsgw/returnsgw/adapters/adapterstest"
	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabawire"
	"github.com/returnsgw/returnsgw/adapters/categories"
	"github.com/returnsgw/returnsgw/returns"
)

// TestFactsGolden runs every testdata/facts/*.txtar: the order, refund and
// logistics answers as in testdata/normalize, and products.json, a JSON
// array of alibaba.icbu.product.get answers; out come the case's facts, each
// with its source.
func TestFactsGolden(t *testing.T) {
	adapterstest.Golden(t, "testdata/facts/*.txtar", *update, func(t *testing.T, ar *txtar.Archive) any {
		refundID := strings.TrimSpace(strings.TrimPrefix(strings.SplitN(string(ar.Comment), "\n", 2)[0], "refund:"))
		var order alibabawire.OrderGetResponse
		if err := decodeResponse(alibabawire.MethodOrderGet, 200, adapterstest.Section(ar, "order.json"), &order); err != nil {
			t.Fatalf("order.json: %v", err)
		}
		var fund alibabawire.FundGetResponse
		if err := decodeResponse(alibabawire.MethodFundGet, 200, adapterstest.Section(ar, "fund.json"), &fund); err != nil {
			t.Fatalf("fund.json: %v", err)
		}
		var logistics *alibabawire.Logistics
		if b := adapterstest.Section(ar, "logistics.json"); b != nil {
			var l alibabawire.LogisticsGetResponse
			if err := decodeResponse(alibabawire.MethodLogisticsGet, 200, b, &l); err != nil {
				t.Fatalf("logistics.json: %v", err)
			}
			logistics = &l.Value
		}
		var rec *alibabawire.Refund
		for i := range fund.Value.RefundList.Items {
			if fund.Value.RefundList.Items[i].RefundID.String() == refundID {
				rec = &fund.Value.RefundList.Items[i]
			}
		}
		if rec == nil {
			t.Fatalf("no refund %q in fund.json", refundID)
		}
		c, _, err := normalize(normalizeInput{Shop: returns.Shop{ID: "alibaba-golden", Platform: returns.Alibaba, Market: returns.MarketCrossBorderDirect}, Order: &order.Value, Refund: rec, Logistics: logistics})
		if err != nil {
			t.Fatal(err)
		}
		cats := map[string]string{}
		var answers []json.RawMessage
		if err := json.Unmarshal(adapterstest.Section(ar, "products.json"), &answers); err != nil {
			t.Fatalf("products.json: %v", err)
		}
		for _, a := range answers {
			var p alibabawire.ProductGetResponse
			if err := decodeResponse(alibabawire.MethodProductGet, 200, a, &p); err != nil {
				t.Fatalf("products.json: %v", err)
			}
			cats[p.Product.ProductID.String()] = p.Product.CategoryID.String()
		}
		f, warnings := orderFactsFrom(c, &order.Value, cats, categories.Mapper{Platform: returns.Alibaba})
		returns.ApplyOrderFacts(c, f)
		returns.FillDefaultFacts(c)
		lines := []map[string]string{}
		for _, l := range c.Lines {
			lines = append(lines, map[string]string{"sku": l.SKU, "category": string(l.Category), "platformCategory": l.Raw["platformCategory"]})
		}
		return map[string]any{"deliveredAt": c.DeliveredAt, "shippingPaid": c.ShippingPaid, "tariff": c.Tariff,
			"fulfilment": c.Fulfilment, "lines": lines, "facts": c.Facts, "warnings": warnings}
	})
}
