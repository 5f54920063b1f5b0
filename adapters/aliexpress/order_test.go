package aliexpress_test

import (
	"encoding/json"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/returnsgw/returnsgw/adapters/adapterstest"
	"github.com/returnsgw/returnsgw/adapters/aliexpress"
	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
	"github.com/returnsgw/returnsgw/adapters/categories"
	"github.com/returnsgw/returnsgw/returns"
)

// TestOrderFactsGolden runs every testdata/order/*.txtar: "findorderbyid.json"
// is a raw order detail answer, "products.json" the product answers (a JSON
// array of aliexpress.solution.product.info.get answers).
func TestOrderFactsGolden(t *testing.T) {
	adapterstest.Golden(t, "testdata/order/*.txtar", *update, func(t *testing.T, ar *txtar.Archive) any {
		env, err := aliexpresswire.DecodeEnvelope(aliexpresswire.MethodFindOrderByID, adapterstest.Section(ar, "findorderbyid.json"))
		if err != nil || env.Error != nil {
			t.Fatalf("not a successful answer: %v %v", err, env)
		}
		var resp aliexpresswire.FindOrderResponse
		if err := json.Unmarshal(env.Success, &resp); err != nil {
			t.Fatal(err)
		}
		cats := map[string]string{}
		if b := adapterstest.Section(ar, "products.json"); b != nil {
			var answers []json.RawMessage
			if err := json.Unmarshal(b, &answers); err != nil {
				t.Fatal(err)
			}
			for _, a := range answers {
				penv, err := aliexpresswire.DecodeEnvelope(aliexpresswire.MethodProductInfo, a)
				if err != nil || penv.Error != nil {
					t.Fatalf("not a successful product answer: %v", err)
				}
				var p aliexpresswire.ProductInfoResponse
				if err := json.Unmarshal(penv.Success, &p); err != nil {
					t.Fatal(err)
				}
				cats[p.Result.ProductID.String()] = p.Result.CategoryID.String()
			}
		}
		f, warnings, err := aliexpress.OrderFactsFrom(resp.Target, cats, categories.Mapper{Platform: returns.AliExpress})
		if err != nil {
			return map[string]string{"error": err.Error()}
		}
		return struct {
			Facts    *returns.OrderFacts
			Warnings []string
		}{f, warnings}
	})
}
