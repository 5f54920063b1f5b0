package aliexpress_test

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/returnsgw/returnsgw/adapters/adapterstest"
	"github.com/returnsgw/returnsgw/adapters/aliexpress"
	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
	"github.com/returnsgw/returnsgw/returns"
)

// FuzzNormalize: whatever issue.detail.get answers, and whatever the list
// said about the issue, decoding the answer as the adapter does and
// normalizing it never panics, and a case it returns holds what Normalize
// guarantees. Seeds: the raw answers of every golden file.
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
		listed := adapterstest.Section(ar, "listed.json")
		if listed == nil {
			listed = []byte{}
		}
		f.Add(adapterstest.Section(ar, "detail.json"), listed)
	}
	f.Fuzz(func(t *testing.T, detail, listedBody []byte) {
		env, err := aliexpresswire.DecodeEnvelope(aliexpresswire.MethodIssueDetail, detail)
		if err != nil || env.Error != nil {
			return
		}
		var resp aliexpresswire.IssueDetailResponse
		if json.Unmarshal(env.Success, &resp) != nil {
			return
		}
		var listed aliexpress.Listed
		if len(listedBody) > 0 && json.Unmarshal(listedBody, &listed) != nil {
			return
		}
		c, _, err := aliexpress.Normalize(resp.ResultObject, listed, aliexpress.Env{Shop: goldenShop, Catalog: goldenCatalog})
		if err != nil {
			if c != nil {
				t.Fatalf("an error with a case: %v", err)
			}
			return
		}
		checkFuzzed(t, c)
		// What reads the case back must not panic on it either.
		_ = aliexpress.NegotiationOf(resp.ResultObject)
	})
}

// checkFuzzed holds a normalized case to what Normalize guarantees.
func checkFuzzed(t *testing.T, c *returns.Case) {
	t.Helper()
	if c.Platform != returns.AliExpress || c.PlatformCaseID == "" || c.ShopID != goldenShop.ID || c.Market != goldenShop.Market {
		t.Fatalf("identity %s/%q shop %q market %s", c.Platform, c.PlatformCaseID, c.ShopID, c.Market)
	}
	if !c.Status.Valid() {
		t.Fatalf("status %q", c.Status)
	}
	switch c.Kind {
	case returns.KindRefundOnly, returns.KindReturnAndRefund:
	default:
		t.Fatalf("kind %q", c.Kind)
	}
	if c.PlatformStatus.Code != aliexpress.StatusCode(c.Raw["issue_status"], c.Raw["reverse_detail_status"]) {
		t.Fatalf("platform status %q, raw %q/%q", c.PlatformStatus.Code, c.Raw["issue_status"], c.Raw["reverse_detail_status"])
	}
	// An amount the gateway states was read in a currency it knows.
	for name, m := range map[string]*returns.Money{"requested": c.RequestedRefund, "refunded": c.RefundedAmount} {
		if m == nil {
			continue
		}
		if _, ok := returns.CurrencyExponent(m.Currency); !ok {
			t.Fatalf("%s %+v", name, m)
		}
	}
	if len(c.Lines) > 1 {
		t.Fatalf("%d lines: an issue is about one product", len(c.Lines))
	}
	for i, l := range c.Lines {
		if l.Quantity != 1 || !l.Category.Valid() {
			t.Fatalf("line %d: %+v", i, l)
		}
		if _, ok := returns.CurrencyExponent(l.UnitPrice.Currency); l.UnitPrice.Minor != 0 && !ok {
			t.Fatalf("line %d price %+v", i, l.UnitPrice)
		}
	}
	if c.UpdatedAt.Before(c.CreatedAt) {
		t.Fatalf("created %v, updated %v", c.CreatedAt, c.UpdatedAt)
	}
	if d := c.Deadlines; (d.AutoActionAt == nil) != (d.AutoAction == "") {
		t.Fatalf("deadlines %+v", d)
	}
	if _, err := json.Marshal(c); err != nil {
		t.Fatalf("the case does not encode: %v", err)
	}
}
