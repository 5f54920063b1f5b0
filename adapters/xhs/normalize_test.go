package xhs

import (
	"bytes"
	"encoding/json"
	"flag"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/returnsgw/returnsgw/adapters/adapterstest"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/returns"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/normalize")

// goldenShop and goldenCatalog are what every golden case is normalized with.
var (
	goldenShop    = returns.Shop{ID: "xhs-golden", Platform: returns.XHS, Market: returns.MarketDomestic}
	goldenCatalog = map[string]returns.Category{
		"65010000000001": returns.CategoryGeneral,
		"65010000000003": returns.CategoryGeneral,
		"65010000000021": returns.CategoryHygiene,
		"65010000000004": returns.CategoryGeneral,
		"65010000000002": returns.CategoryGeneral,
	}
)

// golden is the expected output of one file: the case and the warnings.
type golden struct {
	Case     *returns.Case `json:"case"`
	Warnings []string      `json:"warnings"`
}

// TestNormalizeGolden normalizes the raw getAfterSaleInfo answer of every
// testdata/normalize/*.txtar and compares it with the file's want.json;
// -update rewrites want.json.
func TestNormalizeGolden(t *testing.T) {
	adapterstest.Golden(t, "testdata/normalize/*.txtar", *update, func(t *testing.T, ar *txtar.Archive) any {
		in := adapterstest.Section(ar, "getAfterSaleInfo.json")
		if in == nil {
			t.Fatal("a golden file needs a getAfterSaleInfo.json section")
		}
		if err := decodeEnvelope(200, nil, in); err != nil {
			t.Fatalf("the raw answer is not a successful envelope: %v", err)
		}
		var env xhswire.Envelope
		if err := json.Unmarshal(in, &env); err != nil {
			t.Fatal(err)
		}
		var data xhswire.GetAfterSaleInfoData
		dec := json.NewDecoder(bytes.NewReader(env.Data))
		dec.UseNumber()
		if err := dec.Decode(&data); err != nil {
			t.Fatal(err)
		}
		c, warnings, err := normalize(&data, goldenShop, func(sku string) returns.Category { return goldenCatalog[sku] })
		if err != nil {
			t.Fatal(err)
		}
		return golden{Case: c, Warnings: warnings}
	})
}

func TestMapReason(t *testing.T) {
	tests := []struct {
		label string
		want  returns.Reason
	}{
		{"七天无理由退换货", returns.ReasonChangedMind},
		{"不想要了", returns.ReasonChangedMind},
		{"拍错/多拍", returns.ReasonChangedMind},
		{"尺码拍错", returns.ReasonSizeFit}, // exact: a size problem, though it says 拍错
		{"尺码偏小", returns.ReasonSizeFit},
		{"商品与描述不符", returns.ReasonNotAsDescribed},
		{"收到的颜色有色差", returns.ReasonNotAsDescribed},
		{"质量问题", returns.ReasonQualityDefect},
		{"外包装破损", returns.ReasonDamagedInTransit},
		{"卖家发错货", returns.ReasonWrongItem},
		{"发错货了，尺码也不对", returns.ReasonWrongItem}, // the more specific fact wins
		{"少件/漏发", returns.ReasonMissingParts},
		{"未收到货", returns.ReasonNotReceived},
		{"收到空包裹", returns.ReasonNotReceived},
		{" 质量问题 ", returns.ReasonQualityDefect},
		{"商品降价", returns.ReasonOther},
		{"", returns.ReasonOther},
	}
	for _, tt := range tests {
		if got := mapReason(tt.label); got != tt.want {
			t.Errorf("mapReason(%q) = %s, want %s", tt.label, got, tt.want)
		}
	}
}

func TestMaskID(t *testing.T) {
	for in, want := range map[string]string{
		"":                         "",
		"abc":                      "***",
		"5f3c2a9b8e7d6c5b4a392817": "5f3****17",
		"买家昵称很长的用户":                "买家昵****用户",
	} {
		if got := maskID(in); got != want {
			t.Errorf("maskID(%q) = %q, want %q", in, got, want)
		}
	}
}
