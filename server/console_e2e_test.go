package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/server/console"
)

// TestConsoleInBrowser drives the console in headless Chromium (e2e/console.mjs
// with playwright-core): the four flows of issue 14, axe-core on every page,
// bad input, and screenshots into e2e/artifacts/. Without Chromium it skips,
// unless RETURNSGW_REQUIRE_BROWSER=1 (CI installs Chromium and sets it).
func TestConsoleInBrowser(t *testing.T) {
	node := requireNode(t)
	chromium := requireBrowser(t)
	runConsole(t, node, chromium, startGateway(t, "--sandbox-cases", "120"), "all")
}

// TestConsoleReauthorize: a shop whose refresh token the platform revoked
// shows NEEDS_REAUTHORIZATION on the Platforms page, and its Re-authorize
// button leads through the platform's authorization page back to a healthy
// shop. Its gateway has short-lived sandbox tokens, so the refusal shows soon.
func TestConsoleReauthorize(t *testing.T) {
	node := requireNode(t)
	chromium := requireBrowser(t)
	runConsole(t, node, chromium, startTokenGateway(t, "3s").m, "reauthorize")
}

// runConsole runs e2e/console.mjs against m and answers its requests.
func runConsole(t *testing.T, node, chromium string, m *Main, mode string) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	artifacts, _ := filepath.Abs(filepath.Join("..", "e2e", "artifacts"))
	cmd := exec.CommandContext(ctx, node, "console.mjs", m.URL(), artifacts, mode)
	cmd.Env = append(os.Environ(), "RETURNSGW_KEY="+testKey, "CHROMIUM="+chromium)
	cmd.Dir = filepath.Join("..", "e2e")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ok := false
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var msg struct {
			Log   string          `json:"log"`
			Value json.RawMessage `json:"value"`
			Ask   string          `json:"ask"`
			Error string          `json:"error"`
			OK    bool            `json:"ok"`
		}
		if err := json.Unmarshal(sc.Bytes(), &msg); err != nil {
			t.Logf("console.mjs: %s", sc.Text())
			continue
		}
		switch {
		case msg.Log != "":
			t.Logf("%s: %s", msg.Log, msg.Value)
		case msg.Ask != "":
			answer := "ok"
			switch msg.Ask {
			case "aliexpress-down":
				m.Sandbox.AliExpress.SetDown(true)
			case "aliexpress-up":
				m.Sandbox.AliExpress.SetDown(false)
			case "revoke-xhs-domestic":
				// The platform revokes the shop's refresh token; answer once
				// the gateway has seen it refused.
				alerts := m.Connections.Alerts(ctx, returns.OrgID(m.Config.Org))
				m.Sandbox.XHS.Tokens().Revoke("xhs-domestic")
				select {
				case <-alerts:
				case <-ctx.Done():
					answer = "no alert"
				}
			default:
				answer = "unknown request " + msg.Ask
			}
			fmt.Fprintln(stdin, answer)
		case msg.Error != "":
			t.Errorf("console.mjs: %s", msg.Error)
		case msg.OK:
			ok = true
		}
	}
	stdin.Close()
	err := cmd.Wait()
	if stderr.Len() > 0 {
		t.Logf("stderr: %s", stderr.String())
	}
	if err != nil || !ok {
		t.Fatalf("console.mjs failed (%v); screenshots in %s", err, artifacts)
	}
	t.Logf("screenshots in %s", artifacts)
}

// requireBrowser finds Chromium and playwright-core, or skips — unless the
// test command requires them (RETURNSGW_REQUIRE_BROWSER=1, as CI sets).
func requireBrowser(t *testing.T) string {
	t.Helper()
	path := os.Getenv("RETURNSGW_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	_, err := os.Stat(path)
	if err == nil {
		_, err = os.Stat(filepath.Join("..", "e2e", "node_modules", "playwright-core"))
	}
	if err != nil {
		skipOrFail(t, "RETURNSGW_REQUIRE_BROWSER", fmt.Sprintf("Chromium or playwright-core missing (apt-get install chromium; npm ci in e2e/): %v", err))
	}
	return path
}

// TestConsoleServed checks what the console serves without a browser: its
// page and modules under a strict CSP, the demo key only to loopback, assets
// compressed, and the whole console under 500 KiB compressed.
func TestConsoleServed(t *testing.T) {
	var total int64
	err := fs.WalkDir(console.Files(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(filepath.Base(p), "LICENSE") {
			return err
		}
		b, err := fs.ReadFile(console.Files(), p)
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, ".gz") {
			total += int64(len(b)) // stored compressed, served as is
			return nil
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(b)
		zw.Close()
		total += int64(buf.Len())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("console assets: %d bytes compressed (%.1f KiB)", total, float64(total)/1024)
	if total > 500*1024 {
		t.Errorf("console assets are %d bytes compressed, over 500 KiB", total)
	}

	h := console.Handler("demo-key")
	get := func(target, remote string, hdr map[string]string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, target, nil)
		req.RemoteAddr = remote
		req.Host = "127.0.0.1:8080"
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Result()
	}
	for _, tt := range []struct {
		path, ctype, contains string
		status                int
	}{
		{"/", "text/html", `<script type="module" src="/console/app.js">`, 200},
		{"/case/abc", "text/html", "Returns gateway · Console", 200},
		{"/app.js", "text/javascript", "import", 200},
		{"/assets/graphql-ws.js", "text/javascript", "createClient", 200},
		{"/assets/chartist.js", "text/javascript", "BarChart", 200},
		{"/nope.js", "", "", 404},
		{"/assets/nope.js", "", "", 404},
	} {
		resp := get(tt.path, "127.0.0.1:5000", nil)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != tt.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.ctype) || !bytes.Contains(body, []byte(tt.contains)) {
			t.Errorf("GET %s: %d %s %.80q", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		csp := resp.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self' ws://127.0.0.1:8080 wss://127.0.0.1:8080", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s: CSP %q lacks %q", tt.path, csp, want)
			}
		}
		if strings.Contains(strings.ReplaceAll(csp, "style-src-attr 'unsafe-hashes'", ""), "unsafe") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("GET %s: CSP %q allows unsafe sources", tt.path, csp)
		}
	}
	if resp := get("/assets/chartist.css", "127.0.0.1:5000", map[string]string{"Accept-Encoding": "gzip"}); resp.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("assets are not served compressed to a client that accepts gzip")
	}
	for remote, want := range map[string]string{"127.0.0.1:5000": `"demo-key"`, "[::1]:5000": `"demo-key"`, "192.0.2.7:5000": `""`} {
		body, _ := io.ReadAll(get("/config.js", remote, nil).Body)
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("config.js for %s: %s, want %s", remote, body, want)
		}
	}
	if got := console.CSP(`evil.example"; script-src *`); strings.Contains(got, "evil") {
		t.Errorf("CSP names a malformed host: %s", got)
	}
}
