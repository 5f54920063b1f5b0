package aliexpress_test

import (
	"encoding/json"
	"flag"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/returnsgw/returnsgw/adapters/adapterstest"
	"github.com/returnsgw/returnsgw/adapters/aliexpress"
	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
	"github.com/returnsgw/returnsgw/returns"
)

var update = flag.Bool("update", false, "rewrite the expected output of golden files")

// goldenOutput is what a golden file expects: the normalized case, the
// unknown values reported, the actions it allows, and its negotiation.
type goldenOutput struct {
	Case         *returns.Case              `json:"case"`
	Unknown      []aliexpress.Unknown       `json:"unknown,omitempty"`
	Actions      []returns.Action           `json:"actions"`
	SellerCentre []returns.Action           `json:"sellerCentre"`
	Negotiation  []returns.NegotiationEntry `json:"negotiation"`
}

var goldenShop = returns.Shop{ID: "ae-golden", Platform: returns.AliExpress, Name: "Golden shop", Market: returns.MarketCrossBorderDirect}

func goldenCatalog(id string) returns.Category {
	if id == "1005002456789012" {
		return returns.CategoryHygiene
	}
	return returns.CategoryGeneral
}

// TestNormalizeGolden runs every testdata/normalize/*.txtar: "detail.json"
// is a raw aliexpress.issue.detail.get answer, "listed.json" (optional) what
// issuelist.get said about the issue, "want.json" the expected output.
func TestNormalizeGolden(t *testing.T) {
	a, err := aliexpress.New(aliexpress.Config{BaseURL: "https://api-sg.aliexpress.com", AppKey: "k", AppSecret: "s",
		AccessToken: "t", Shop: goldenShop, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	adapterstest.Golden(t, "testdata/normalize/*.txtar", *update, func(t *testing.T, ar *txtar.Archive) any {
		env, err := aliexpresswire.DecodeEnvelope(aliexpresswire.MethodIssueDetail, adapterstest.Section(ar, "detail.json"))
		if err != nil {
			t.Fatal(err)
		}
		var resp aliexpresswire.IssueDetailResponse
		if err := json.Unmarshal(env.Success, &resp); err != nil {
			t.Fatal(err)
		}
		var listed aliexpress.Listed
		if b := adapterstest.Section(ar, "listed.json"); len(b) > 0 {
			if err := json.Unmarshal(b, &listed); err != nil {
				t.Fatal(err)
			}
		}
		c, unknown, err := aliexpress.Normalize(resp.ResultObject, listed, aliexpress.Env{Shop: goldenShop, Catalog: goldenCatalog})
		if err != nil {
			t.Fatal(err)
		}
		return goldenOutput{Case: c, Unknown: unknown, Actions: a.AllowedActions(c), SellerCentre: a.SellerCentreActions(c),
			Negotiation: aliexpress.NegotiationOf(resp.ResultObject)}
	})
}
