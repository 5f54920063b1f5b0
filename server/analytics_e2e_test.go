package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// getAs GETs a gateway path with the given Authorization header ("" for
// none, so the tests' transport adds no key).
func getAs(t *testing.T, m *Main, authorization, path string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, m.URL()+path, nil)
	req.Header["Authorization"] = []string{authorization}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// The CSV export answers the same input as returnAnalytics, with the same
// key and scope, escapes cells a spreadsheet would run, and refuses bad
// input with a typed JSON error, never a 500.
func TestAnalyticsCSV(t *testing.T) {
	m := startGateway(t)
	ctx := context.Background()
	// Two cases of a shop whose SKU and id a spreadsheet would take for formulas.
	created := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	for i, id := range []string{"csv-1", "csv-2"} {
		c := &returns.Case{Platform: returns.XHS, PlatformCaseID: id, ShopID: "@evil", OrderID: "o-" + id,
			Kind: returns.KindRefundOnly, Status: returns.StatusRefunded, Reason: returns.ReasonSizeFit, Market: returns.MarketDomestic,
			CreatedAt: created, UpdatedAt: created.Add(time.Duration(i+1) * time.Hour),
			RefundedAmount: &returns.Money{Minor: 1999, Currency: []string{"CNY", "USD"}[i]},
			Lines:          []returns.Line{{SKU: `=HYPERLINK("http://x.example","y")`, Quantity: 1}}}
		if _, err := m.db.UpsertCase(ctx, "demo", c, store.Change{Source: returns.SourcePoll}); err != nil {
			t.Fatal(err)
		}
	}
	input := `{"filter":{"shopIds":["@evil"],"updatedAfter":"2026-01-01T00:00:00Z"},"groupBy":["SKU","SHOP"]}`
	var out struct {
		ReturnAnalytics struct {
			CSVURL string `json:"csvUrl"`
			Groups []struct {
				Cases    int
				Refunded []struct{ Amount, CurrencyCode string }
			}
		} `json:"returnAnalytics"`
	}
	var in map[string]any
	json.Unmarshal([]byte(input), &in)
	r := gql(t, m, `query($in: ReturnAnalyticsInput!) { returnAnalytics(input: $in) { csvUrl groups { cases refunded { amount currencyCode } } } }`,
		map[string]any{"in": in}, &out)
	if len(r.Errors) > 0 || len(out.ReturnAnalytics.Groups) != 1 || out.ReturnAnalytics.Groups[0].Cases != 2 ||
		len(out.ReturnAnalytics.Groups[0].Refunded) != 2 {
		t.Fatalf("returnAnalytics: %s %+v", r.Data, r.Errors)
	}
	if want := "/analytics.csv?input=" + url.QueryEscape(input); out.ReturnAnalytics.CSVURL != want {
		t.Fatalf("csvUrl %s, want %s", out.ReturnAnalytics.CSVURL, want)
	}

	resp, body := getAs(t, m, "Bearer "+testKey, out.ReturnAnalytics.CSVURL)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV: HTTP %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("CSV rows %q, %v", rows, err)
	}
	head, row := rows[0], rows[1]
	cell := func(name string) string {
		for i, h := range head {
			if h == name {
				return row[i]
			}
		}
		t.Fatalf("no column %s in %v", name, head)
		return ""
	}
	if cell("sku") != `'=HYPERLINK("http://x.example","y")` || cell("shopId") != "'@evil" {
		t.Errorf("formula cells not defused: sku %q shop %q", cell("sku"), cell("shopId"))
	}
	if cell("cases") != "2" || cell("refunded") != "19.99 CNY; 19.99 USD" || cell("medianHoursToRefund") != "1.5" || cell("platform") != "" {
		t.Errorf("CSV row %q", row)
	}
	resp, body = getAs(t, m, "Bearer "+testKey, out.ReturnAnalytics.CSVURL+"&part=spikes")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), "sku,reason,week,count,previous,ratio\n") {
		t.Errorf("spikes CSV: HTTP %d %s", resp.StatusCode, body)
	}

	// A key without the read scope, and no key at all, are refused.
	var key struct {
		APIKeyCreate struct{ Key string } `json:"apiKeyCreate"`
	}
	gql(t, m, `mutation { apiKeyCreate(input: {name: "w", scopes: [WRITE]}) { key } }`, nil, &key)
	q := "/analytics.csv?input=" + url.QueryEscape(`{"groupBy":[]}`)
	for _, c := range []struct {
		auth   string
		status int
		code   string
	}{
		{"", http.StatusUnauthorized, "UNAUTHORIZED"},
		{"Bearer rgw_nope", http.StatusUnauthorized, "UNAUTHORIZED"},
		{"Bearer " + key.APIKeyCreate.Key, http.StatusForbidden, "UNAUTHORIZED"},
		{"Bearer " + testKey, http.StatusOK, ""},
	} {
		resp, body := getAs(t, m, c.auth, q)
		if resp.StatusCode != c.status {
			t.Errorf("Authorization %.20q: HTTP %d %s, want %d", c.auth, resp.StatusCode, body, c.status)
			continue
		}
		if c.code != "" {
			var e struct{ Code, Message string }
			if json.Unmarshal(body, &e) != nil || e.Code != c.code || e.Message == "" {
				t.Errorf("Authorization %.20q: %s, want a JSON error %s", c.auth, body, c.code)
			}
		}
	}

	// Bad input: a typed JSON error, never a 500.
	for _, c := range []struct{ name, query string }{
		{"no input", ""},
		{"not JSON", "?input=" + url.QueryEscape("{groupBy")},
		{"a JSON array", "?input=" + url.QueryEscape("[1]")},
		{"an unknown dimension", "?input=" + url.QueryEscape(`{"groupBy":["COLOUR"]}`)},
		{"too many dimensions", "?input=" + url.QueryEscape(`{"groupBy":["SKU","WEEK","SHOP","REASON"]}`)},
		{"no groupBy", "?input=" + url.QueryEscape(`{}`)},
		{"a wrong type", "?input=" + url.QueryEscape(`{"groupBy":[1]}`)},
		{"a wrong filter type", "?input=" + url.QueryEscape(`{"groupBy":[],"filter":{"updatedAfter":"yesterday"}}`)},
		{"a bad threshold", "?input=" + url.QueryEscape(`{"groupBy":[],"spikeThreshold":0}`)},
		{"an unknown field", "?input=" + url.QueryEscape(`{"groupBy":[],"colour":1}`)},
		{"too long", "?input=" + url.QueryEscape(`{"groupBy":[],"filter":{"orderId":"`+strings.Repeat("x", 10000)+`"}}`)},
		{"an unknown part", "?input=" + url.QueryEscape(`{"groupBy":[]}`) + "&part=all"},
	} {
		resp, body := getAs(t, m, "Bearer "+testKey, "/analytics.csv"+c.query)
		var e struct{ Code, Message string }
		if resp.StatusCode != http.StatusBadRequest || json.Unmarshal(body, &e) != nil || e.Code != "INVALID" || e.Message == "" {
			t.Errorf("%s: HTTP %d %s, want 400 INVALID", c.name, resp.StatusCode, body)
		}
	}
	if resp, _ := getAs(t, m, "Bearer "+testKey, "/analytics.csv?input=%7B%7D"); resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("an error's content type: %s", resp.Header.Get("Content-Type"))
	}
}

// Order counts need the write scope; with them, a shop's week has a return
// rate, through the API.
func TestShopOrderCounts(t *testing.T) {
	m := startGateway(t)
	created := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	for _, id := range []string{"oc-1", "oc-2", "oc-3"} {
		c := &returns.Case{Platform: returns.AliExpress, PlatformCaseID: id, ShopID: "oc-shop", OrderID: "o-" + id,
			Kind: returns.KindRefundOnly, Status: returns.StatusRequested, Reason: returns.ReasonQualityDefect,
			Market: returns.MarketDomestic, CreatedAt: created, UpdatedAt: created, Lines: []returns.Line{{SKU: "S1", Quantity: 1}}}
		if _, err := m.db.UpsertCase(context.Background(), "demo", c, store.Change{Source: returns.SourcePoll}); err != nil {
			t.Fatal(err)
		}
	}
	const set = `mutation { shopOrderCountsSet(input: {platform: ALIEXPRESS, shopId: "oc-shop", counts: [{week: "2026-W49", orders: 60}]}) {
		counts { week orders source sku } userErrors { code field } } }`
	var key struct {
		APIKeyCreate struct{ Key string } `json:"apiKeyCreate"`
	}
	gql(t, m, `mutation { apiKeyCreate(input: {name: "r", scopes: [READ]}) { key } }`, nil, &key)
	if status, r := gqlAs(t, m, "Bearer "+key.APIKeyCreate.Key, set, nil); code(r) != "UNAUTHORIZED" {
		t.Fatalf("a read key setting counts: HTTP %d %+v", status, r.Errors)
	}
	r := gql(t, m, set, nil, nil)
	if want := `{"shopOrderCountsSet":{"counts":[{"week":"2026-W49","orders":60,"source":"INPUT","sku":null}],"userErrors":[]}}`; string(r.Data) != want {
		t.Fatalf("shopOrderCountsSet: %s %+v", r.Data, r.Errors)
	}
	r = gql(t, m, `{ returnAnalytics(input: {filter: {shopIds: ["oc-shop"]}, groupBy: [SHOP, WEEK]}) { groups { key { shopId week } cases orders returnRate } } }`, nil, nil)
	if want := `{"returnAnalytics":{"groups":[{"key":{"shopId":"oc-shop","week":"2026-W49"},"cases":3,"orders":60,"returnRate":0.05}]}}`; string(r.Data) != want {
		t.Fatalf("returnAnalytics: %s %+v", r.Data, r.Errors)
	}
	r = gql(t, m, `mutation { shopOrderCountsSet(input: {platform: ALIEXPRESS, shopId: "oc-shop", counts: [{week: "2026-W99", orders: 1}]}) {
		counts { week } userErrors { code field } } }`, nil, nil)
	if want := `{"shopOrderCountsSet":{"counts":[],"userErrors":[{"code":"INVALID","field":["input","counts","week"]}]}}`; string(r.Data) != want {
		t.Fatalf("a bad week: %s %+v", r.Data, r.Errors)
	}
}

// Alibaba.com's order list counts a shop's orders per week; XHS has no such
// call, and says so.
func TestShopOrderCountsFetch(t *testing.T) {
	m := startGateway(t)
	var ps struct {
		Platforms []struct {
			Platform string
			Shops    []struct{ ID string }
		}
	}
	gql(t, m, `{ platforms { platform shops { id } } }`, nil, &ps)
	shop := map[string]string{}
	for _, p := range ps.Platforms {
		if len(p.Shops) > 0 {
			shop[p.Platform] = p.Shops[0].ID
		}
	}
	if shop["ALIBABA"] == "" || shop["XHS"] == "" {
		t.Fatalf("sandbox shops %+v", ps)
	}
	now := time.Now()
	from, to := store.ISOWeek(now.AddDate(0, 0, -21)), store.ISOWeek(now)
	const q = `mutation($p: Platform!, $s: String!, $f: String!, $t: String!) {
		shopOrderCountsFetch(input: {platform: $p, shopId: $s, fromWeek: $f, toWeek: $t}) {
			counts { week orders source } userErrors { code field } } }`
	var out struct {
		ShopOrderCountsFetch struct {
			Counts []struct {
				Week   string
				Orders int
				Source string
			}
			UserErrors []struct{ Code string }
		} `json:"shopOrderCountsFetch"`
	}
	r := gql(t, m, q, map[string]any{"p": "ALIBABA", "s": shop["ALIBABA"], "f": from, "t": to}, &out)
	got := out.ShopOrderCountsFetch
	if len(r.Errors) > 0 || len(got.UserErrors) > 0 || len(got.Counts) != 4 {
		t.Fatalf("Alibaba.com: %s %+v", r.Data, r.Errors)
	}
	total := 0
	for _, c := range got.Counts {
		if c.Source != "PLATFORM" || c.Orders < 0 {
			t.Errorf("count %+v", c)
		}
		total += c.Orders
	}
	if total == 0 {
		t.Errorf("no Alibaba.com orders in four weeks: %+v", got.Counts)
	}
	out.ShopOrderCountsFetch.Counts, out.ShopOrderCountsFetch.UserErrors = nil, nil
	gql(t, m, q, map[string]any{"p": "XHS", "s": shop["XHS"], "f": from, "t": to}, &out)
	if e := out.ShopOrderCountsFetch.UserErrors; len(e) != 1 || e[0].Code != "UNSUPPORTED_ON_PLATFORM" {
		t.Errorf("XHS: %+v", out.ShopOrderCountsFetch)
	}
	out.ShopOrderCountsFetch.UserErrors = nil
	gql(t, m, q, map[string]any{"p": "ALIBABA", "s": "no-such-shop", "f": from, "t": to}, &out)
	if e := out.ShopOrderCountsFetch.UserErrors; len(e) != 1 || e[0].Code != "NOT_FOUND" {
		t.Errorf("an unknown shop: %+v", out.ShopOrderCountsFetch)
	}
	out.ShopOrderCountsFetch.UserErrors = nil
	gql(t, m, q, map[string]any{"p": "ALIBABA", "s": shop["ALIBABA"], "f": "2025-W01", "t": "2026-W01"}, &out)
	if e := out.ShopOrderCountsFetch.UserErrors; len(e) != 1 || e[0].Code != "INVALID" {
		t.Errorf("a year of weeks: %+v", out.ShopOrderCountsFetch)
	}
}
