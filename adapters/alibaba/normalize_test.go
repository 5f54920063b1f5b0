package alibaba

import (
	"encoding/json"
	"flag"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"github.com/returnsgw/returnsgw/adapters/adapterstest"
	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabawire"
	"github.com/returnsgw/returnsgw/returns"
)

var update = flag.Bool("update", false, "rewrite the golden want.json sections of testdata/normalize")

// goldenOut is what a golden file expects: the case and the fallbacks taken.
type goldenOut struct {
	Case     *returns.Case `json:"case"`
	Warnings []string      `json:"warnings"`
}

// TestNormalizeGolden runs every testdata/normalize/*.txtar: the platform's
// raw answers (order.json, fund.json, optional logistics.json, optional
// config.json) in, the normalized case and its warnings (want.json) out. The
// first line of the comment names the refund record ("refund: <id>").
// go test -run TestNormalizeGolden -update rewrites want.json.
func TestNormalizeGolden(t *testing.T) {
	adapterstest.Golden(t, "testdata/normalize/*.txtar", *update, func(t *testing.T, ar *txtar.Archive) any {
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
		var cfg struct {
			Catalog map[string]returns.Category `json:"catalog"`
			Freight FreightRule                 `json:"freight"`
			Market  returns.Market              `json:"market"`
		}
		if b := adapterstest.Section(ar, "config.json"); b != nil {
			if err := json.Unmarshal(b, &cfg); err != nil {
				t.Fatalf("config.json: %v", err)
			}
		}
		if cfg.Freight == "" {
			cfg.Freight = FreightCNReading
		}
		if cfg.Market == "" {
			cfg.Market = returns.MarketCrossBorderDirect
		}
		var rec *alibabawire.Refund
		for i, r := range fund.Value.RefundList.Items {
			if r.RefundID.String() == refundID {
				rec = &fund.Value.RefundList.Items[i]
			}
		}
		if rec == nil {
			t.Fatalf("fund.json has no refund %q", refundID)
		}
		var catalog func(string) returns.Category
		if cfg.Catalog != nil {
			catalog = func(id string) returns.Category { return cfg.Catalog[id] }
		}
		c, warnings, err := normalize(normalizeInput{
			Shop:      returns.Shop{ID: "alibaba-golden", Platform: returns.Alibaba, Market: cfg.Market},
			Order:     &order.Value,
			Refund:    rec,
			Logistics: logistics,
			Catalog:   catalog,
			Freight:   cfg.Freight,
		})
		if err != nil {
			t.Fatalf("normalize: %v", err)
		}
		checkInvariants(t, c)
		return goldenOut{Case: c, Warnings: warnings}
	})
}

// checkInvariants holds for every normalized case, whatever the input.
func checkInvariants(t *testing.T, c *returns.Case) {
	t.Helper()
	for name, tm := range map[string]*time.Time{
		"createdAt": &c.CreatedAt, "updatedAt": &c.UpdatedAt, "deliveredAt": c.DeliveredAt,
		"respondBy": c.Deadlines.RespondBy, "windowClosesAt": c.Deadlines.WindowClosesAt, "autoActionAt": c.Deadlines.AutoActionAt,
	} {
		if tm != nil && !tm.IsZero() && tm.Location() != time.UTC {
			t.Errorf("%s is in %v, not UTC", name, tm.Location())
		}
	}
	if c.PlatformStatus.Code == "" || c.Raw["refund_status"] != c.PlatformStatus.Code {
		t.Errorf("raw status not kept: %q / %q", c.PlatformStatus.Code, c.Raw["refund_status"])
	}
	if c.PlatformReason != c.Raw["refund_reason"] {
		t.Errorf("reason label %q not kept raw", c.PlatformReason)
	}
}
