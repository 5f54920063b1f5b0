package main

import (
	"context"
	"encoding/json"
	"github.com/returnsgw/returnsgw/auth"
	"github.com/returnsgw/returnsgw/returns"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters/xhs/xhssim"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/secrets"
)

// TestLiveShopConnect: outside sandbox mode, a shop the config file does not
// name is connected with shopConnect (the platform's page played by the
// simulator), its tokens are stored sealed, and after a restart the gateway
// serves it. Without a key, live mode refuses to start.
func TestLiveShopConnect(t *testing.T) {
	sim := xhssim.New(xhssim.Options{AppID: "red.live", AppSecret: "live-secret", Seed: 5, Cases: 10, TokenTTL: time.Hour})
	api, err := sim.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	dir := t.TempDir()
	cfg := map[string]any{"org": "acme", "shops": []map[string]any{{"platform": "XHS", "id": "xhs-domestic", "market": "DOMESTIC",
		"baseUrl": api, "appId": "red.live", "appSecret": "live-secret", "accessToken": "sandbox-token-domestic"}}}
	b, _ := json.Marshal(cfg)
	cfgFile := filepath.Join(dir, "config.json")
	os.WriteFile(cfgFile, b, 0o600)
	_, key, _ := secrets.GenerateKey()
	args := []string{"--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "gw.db"), "--config", cfgFile, "--poll-interval", "200ms", "--log-level", "error"}

	start := func(env map[string]string) (*Main, error) {
		m := NewMain()
		m.Stdout = io.Discard
		if err := m.ParseFlags(args, func(k string) string { return env[k] }); err != nil {
			t.Fatal(err)
		}
		if err := m.Run(context.Background()); err != nil {
			m.Close()
			return nil, err
		}
		// Live mode has no demo key: the tests' key is made an operator key here.
		if ok, _ := m.Auth.Check(t.Context(), returns.OrgID(m.Config.Org), testKey); !ok {
			if _, err := m.Auth.ImportKey(t.Context(), returns.OrgID(m.Config.Org), "test", testKey, auth.AllScopes); err != nil {
				t.Fatal(err)
			}
		}
		return m, nil
	}
	if _, err := start(nil); err == nil || !strings.Contains(err.Error(), "RETURNSGW_SECRET_KEY") {
		t.Fatalf("live mode without a key: %v", err)
	}
	env := map[string]string{"RETURNSGW_SECRET_KEY": key}
	m, err := start(env)
	if err != nil {
		t.Fatal(err)
	}
	r := &tokenRig{m: m}
	var d struct {
		ShopConnect struct{ AuthorizationURL string }
	}
	r.query(t, `mutation { shopConnect(input: {platform: XHS, shopId: "xhs-crossborder"}) { authorizationUrl } }`, nil, &d)
	page := d.ShopConnect.AuthorizationURL
	if !strings.HasPrefix(page, xhswire.ProductionAuthorizeURL+"?") {
		t.Fatalf("authorization URL %s", page)
	}
	// The seller opens the platform's page (here, the simulator's).
	page = strings.TrimSuffix(api, xhswire.GatewayPath) + xhswire.AuthorizePath + strings.TrimPrefix(page, xhswire.ProductionAuthorizeURL)
	resp, err := http.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("callback answered %d", resp.StatusCode)
	}
	if st, ok := m.Connections.Status("acme", "XHS", "xhs-crossborder"); !ok || st.State != "ACTIVE" {
		t.Fatalf("connection %+v %v", st, ok)
	}
	m.Close()

	m, err = start(env)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	r = &tokenRig{m: m}
	waitFor(t, 20*time.Second, "the connected shop syncing after a restart", func() bool {
		for _, p := range m.Pollers {
			if p.Platform.Shop().ID == "xhs-crossborder" && p.Health().CaughtUpOnce && p.Health().LastError == "" {
				return true
			}
		}
		return false
	})
}
