package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestHelpListsEveryFlagWithItsVariable(t *testing.T) {
	var out bytes.Buffer
	var c Config
	err := c.Parse([]string{"--help"}, env(nil), &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
	for _, s := range c.specs() {
		if !strings.Contains(out.String(), "-"+s.name) || !strings.Contains(out.String(), "$"+s.env) {
			t.Errorf("--help does not list --%s with $%s:\n%s", s.name, s.env, out.String())
		}
	}
}

func TestFlagsAndEnvironment(t *testing.T) {
	var c Config
	err := c.Parse([]string{"--addr", ":9999"}, env(map[string]string{
		"RETURNSGW_ADDR": ":1111", "RETURNSGW_DB": "/tmp/x.db", "RETURNSGW_POLL_INTERVAL": "30s", "RETURNSGW_SANDBOX": "false",
	}), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":9999" {
		t.Errorf("a flag given on the command line wins over the environment: addr %q", c.Addr)
	}
	if c.DB != "/tmp/x.db" || c.PollInterval != 30*time.Second || c.SandboxOn() {
		t.Errorf("environment not applied: %+v", c)
	}
	var d Config
	if err := d.Parse(nil, env(nil), &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if d.Addr != "127.0.0.1:8080" || d.DB != "data/returnsgw.db" || !d.SandboxOn() || d.Org != "demo" {
		t.Errorf("defaults: %+v", d)
	}
}

func TestBadConfigurationFailsWithAClearMessage(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad poll interval", []string{"--poll-interval", "soon"}, "--poll-interval"},
		{"bad sandbox", []string{"--sandbox", "maybe"}, "must be auto, true or false"},
		{"stray argument", []string{"serve"}, "unexpected argument"},
		{"missing file", []string{"--config", filepath.Join(dir, "nope.json")}, "config file"},
		{"unknown field", []string{"--config", write("a.json", `{"org":"x","shopz":[]}`)}, "unknown field"},
		{"bad platform", []string{"--config", write("b.json", `{"shops":[{"platform":"EBAY","id":"s"}]}`)}, "must be XHS, ALIBABA or ALIEXPRESS"},
		{"missing secret", []string{"--config", write("c.json", `{"shops":[{"platform":"XHS","id":"s","baseUrl":"https://x","appId":"a","accessToken":"t"}]}`)}, "appSecret is required"},
		{"rule out of range", []string{"--config", write("d.json", `{"rules":{"aliexpress":{"windowDays":400}}}`)}, "windowDays"},
		{"shop rule key", []string{"--config", write("e.json", `{"shopRules":{"xhs-domestic":{}}}`)}, "PLATFORM/shop-id"},
		{"shop rule value", []string{"--config", write("f.json", `{"shopRules":{"XHS/xhs-domestic":{"xhsRespondHours":72}}}`)}, "xhsRespondHours"},
		{"blank org", []string{"--config", write("g.json", `{"org":"  "}`)}, "org must not be blank"},
		{"bad lookback", []string{"--backfill-lookback", "30d"}, "--backfill-lookback"},
		{"lookback too short", []string{"--backfill-lookback", "10m"}, "from 1h"},
		{"shop lookback", []string{"--config", write("h.json", `{"shops":[{"platform":"XHS","id":"s","baseUrl":"https://x","appId":"a","appSecret":"s","accessToken":"t","lookback":"forever"}]}`)}, "lookback"},
		{"unknown category", []string{"--config", write("i.json", `{"shops":[{"platform":"XHS","id":"s","baseUrl":"https://x","appId":"a","appSecret":"s","accessToken":"t","categoryOverrides":{"1":"FRESHISH"}}]}`)}, "not a known category"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Config
			err := c.Parse(tt.args, env(nil), &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// The look-back of the first walk comes from the flag, and a shop's own
// value wins.
func TestLookbackPerShop(t *testing.T) {
	p := filepath.Join(t.TempDir(), "shops.json")
	os.WriteFile(p, []byte(`{"shops":[
		{"platform":"ALIEXPRESS","id":"a","baseUrl":"https://x","appId":"a","appSecret":"s","accessToken":"t"},
		{"platform":"XHS","id":"b","baseUrl":"https://x","appId":"a","appSecret":"s","accessToken":"t","lookback":"4320h"}]}`), 0o600)
	var c Config
	if err := c.Parse([]string{"--config", p, "--backfill-lookback", "2160h"}, env(nil), &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if c.Shops[0].lookback != 90*24*time.Hour || c.Shops[1].lookback != 180*24*time.Hour {
		t.Errorf("look-backs %v, %v; want 90 days from the flag and 180 from the shop", c.Shops[0].lookback, c.Shops[1].lookback)
	}
}

func TestRulePoliciesPerShop(t *testing.T) {
	p := filepath.Join(t.TempDir(), "rules.json")
	os.WriteFile(p, []byte(`{"rules":{"xhsRespondHours":36},"shopRules":{"XHS/xhs-crossborder":{"xhsRespondHours":24}}}`), 0o600)
	var c Config
	if err := c.Parse([]string{"--config", p}, env(nil), &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if got := c.PolicyFor(returns.XHS, "xhs-crossborder").XHSRespondHours; got != 24 {
		t.Errorf("the shop's own policy: %d hours", got)
	}
	if got := c.PolicyFor(returns.XHS, "xhs-domestic").XHSRespondHours; got != 36 {
		t.Errorf("the organisation's policy: %d hours", got)
	}
	if !c.SandboxOn() {
		t.Error("a config file with rules only keeps sandbox mode")
	}
}

// A config file with one shop on each platform connects to all three (here,
// to the sandbox's simulators' addresses; nothing is called until the
// gateway polls).
func TestConnectBuildsEveryPlatform(t *testing.T) {
	shops := []ShopConfig{
		{Platform: returns.XHS, ID: "x", BaseURL: "https://ark.xiaohongshu.com/ark/open_api/v3/common_controller", AppID: "a", AppSecret: "s", AccessToken: "t", SellerID: "5f8e"},
		{Platform: returns.AliExpress, ID: "e", BaseURL: "https://api-sg.aliexpress.com", AppID: "a", AppSecret: "s", AccessToken: "t"},
		{Platform: returns.Alibaba, ID: "b", BaseURL: "https://openapi-api.alibaba.com/router/rest", AppID: "a", AppSecret: "s", AccessToken: "t"},
	}
	ps, err := connect(shops, time.Now, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range ps {
		if p.ID() != shops[i].Platform || p.Shop().ID != shops[i].ID {
			t.Errorf("connection %d is %s/%s", i, p.ID(), p.Shop().ID)
		}
	}
	if ps[0].(returns.PushSource).SellerID() != "5f8e" {
		t.Error("the XHS shop's seller id, which routes its pushes, was not passed on")
	}
	if _, err := connect([]ShopConfig{{Platform: returns.XHS, ID: "x", BaseURL: "ftp://nowhere"}}, time.Now, nil, nil); err == nil {
		t.Error("a bad connection was accepted")
	}
}
