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
