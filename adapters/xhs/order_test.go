package xhs

import (
	"bytes"
	"encoding/json"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/returnsgw/returnsgw/adapters/adapterstest"
	"github.com/returnsgw/returnsgw/adapters/categories"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/returns"
)

// TestOrderFactsGolden reads order.getOrderDetail, order.getOrderTracking and
// product.getItemInfo answers (sections getOrderDetail.json,
// getOrderTracking.json, getItemInfo.json: a JSON array of item answers)
// into the order's facts.
func TestOrderFactsGolden(t *testing.T) {
	adapterstest.Golden(t, "testdata/order/*.txtar", *update, func(t *testing.T, ar *txtar.Archive) any {
		var detail xhswire.OrderDetail
		envData(t, adapterstest.Section(ar, "getOrderDetail.json"), &detail)
		var tracking *xhswire.OrderTrackingData
		if b := adapterstest.Section(ar, "getOrderTracking.json"); b != nil {
			tracking = new(xhswire.OrderTrackingData)
			envData(t, b, tracking)
		}
		items := map[string]*xhswire.ItemInfo{}
		if b := adapterstest.Section(ar, "getItemInfo.json"); b != nil {
			var answers []json.RawMessage
			if err := json.Unmarshal(b, &answers); err != nil {
				t.Fatal(err)
			}
			for _, a := range answers {
				var d xhswire.ItemInfoData
				envData(t, a, &d)
				if d.ItemInfo != nil {
					items[d.ItemInfo.ID] = d.ItemInfo
				}
			}
		}
		f, warnings, err := orderFactsFrom(&detail, tracking, items, categories.Mapper{Platform: returns.XHS})
		if err != nil {
			return map[string]string{"error": err.Error()}
		}
		return struct {
			Facts    *returns.OrderFacts
			Warnings []string
		}{f, warnings}
	})
}

func envData(t *testing.T, b []byte, out any) {
	t.Helper()
	if b == nil {
		t.Fatal("a required section is missing")
	}
	var env xhswire.Envelope
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(env.Data))
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		t.Fatal(err)
	}
}

// FuzzOrderFactsFrom: whatever the order methods answer, reading it never
// panics, and facts it returns are consistent: money in CNY and never
// negative, a delivery only from a sign-for record.
func FuzzOrderFactsFrom(f *testing.F) {
	f.Add([]byte(`{"orderId":"P1","orderStatus":7,"logisticsMode":2,"totalShippingFree":600,"boundExtendInfo":{"taxAmount":4732},"skuList":[{"skuId":"s","itemId":"i","totalPaidAmount":100,"totalTaxAmount":9}]}`),
		[]byte(`{"orderTrackInfos":[{"records":[{"eventAt":"2025-11-20 14:30:00","trackingStatus":6050}]}]}`))
	f.Add([]byte(`{"orderId":"P2","logisticsMode":9,"totalShippingFree":-1}`), []byte(`{"orderTrackInfos":[{"records":[{"eventAt":"x"}]}]}`))
	f.Fuzz(func(t *testing.T, detail, tracking []byte) {
		var d xhswire.OrderDetail
		if json.Unmarshal(detail, &d) != nil {
			return
		}
		var tr xhswire.OrderTrackingData
		trp := &tr
		if json.Unmarshal(tracking, &tr) != nil {
			trp = nil
		}
		items := map[string]*xhswire.ItemInfo{"i": {ID: "i", CategoryID: "5a9c1f0e8b2d4c0001e0a016", FreeReturn: 2}}
		facts, _, err := orderFactsFrom(&d, trp, items, categories.Mapper{Platform: returns.XHS})
		if err != nil {
			return
		}
		for _, m := range []*returns.Money{facts.Tariff, facts.ShippingPaid} {
			if m != nil && (m.Currency != "CNY" || m.Minor < 0) {
				t.Fatalf("money %+v", m)
			}
		}
		if facts.DeliveredAt != nil && trp == nil {
			t.Fatal("a delivery without tracking")
		}
	})
}
