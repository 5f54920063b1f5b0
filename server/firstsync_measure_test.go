package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestMeasureFirstSync measures the sandbox's first sync: how long until
// /readyz turns 200, and how many calls each simulator answered. It runs only
// with RETURNSGW_MEASURE_FIRST_SYNC=1 (docs/benchmarks.md has the command);
// it asserts nothing, it reports.
func TestMeasureFirstSync(t *testing.T) {
	if os.Getenv("RETURNSGW_MEASURE_FIRST_SYNC") == "" {
		t.Skip("set RETURNSGW_MEASURE_FIRST_SYNC=1 to measure")
	}
	for run := 0; run < 3; run++ {
		m := NewMain()
		m.Stdout = io.Discard
		args := []string{"--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "gw.db"), "--sandbox", "true",
			"--poll-interval", "200ms", "--log-level", "error"}
		if err := m.ParseFlags(args, func(string) string { return "" }); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := m.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		for {
			resp, err := http.Get(m.URL() + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Since(start) > 5*time.Minute {
				t.Fatal("not ready")
			}
			time.Sleep(20 * time.Millisecond)
		}
		took := time.Since(start)
		sb := m.Sandbox
		count := func(calls func(string) int, methods ...string) (n int) {
			for _, x := range methods {
				n += calls(x)
			}
			return n
		}
		xhs := count(sb.XHS.Calls, "afterSale.listAfterSaleInfos", "afterSale.getAfterSaleInfo", "order.getOrderDetail",
			"order.getOrderTracking", "product.getItemInfo", "common.getAddressRecord", "afterSale.rejectReasons")
		xhsFacts := count(sb.XHS.Calls, "order.getOrderDetail", "order.getOrderTracking", "product.getItemInfo")
		ae := count(sb.AliExpress.Calls, "aliexpress.issue.issuelist.get", "aliexpress.issue.detail.get",
			"aliexpress.trade.new.redefining.findorderbyid", "aliexpress.solution.product.info.get")
		aeFacts := count(sb.AliExpress.Calls, "aliexpress.trade.new.redefining.findorderbyid", "aliexpress.solution.product.info.get")
		ali := count(sb.Alibaba.Calls, "alibaba.seller.order.list", "alibaba.seller.order.get", "alibaba.seller.order.fund.get",
			"alibaba.seller.order.logistics.get", "alibaba.icbu.product.get")
		aliFacts := count(sb.Alibaba.Calls, "alibaba.icbu.product.get")
		t.Logf("run %d: ready in %v; calls XHS %d (facts %d), AliExpress %d (facts %d), Alibaba.com %d (facts %d), total %d",
			run, took.Round(time.Millisecond), xhs, xhsFacts, ae, aeFacts, ali, aliFacts, xhs+ae+ali)
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	}
}
