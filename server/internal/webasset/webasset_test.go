package webasset

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestServeGzipped(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("let x = 1;"))
	zw.Close()
	fsys := fstest.MapFS{"assets/a.js.gz": {Data: gz.Bytes()}, "assets/bad.js.gz": {Data: []byte("not gzip")}}
	for _, tt := range []struct {
		name, file, accept string
		status             int
		encoding, body     string
	}{
		{"gzip", "assets/a.js", "br, gzip", 200, "gzip", gz.String()},
		{"refused by q=0", "assets/a.js", "gzip;q=0", 200, "", "let x = 1;"},
		{"none", "assets/a.js", "", 200, "", "let x = 1;"},
		{"absent", "assets/b.js", "gzip", 404, "", "404 page not found\n"},
		{"corrupt", "assets/bad.js", "", 500, "", "corrupt asset\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/"+tt.file, nil)
			r.Header.Set("Accept-Encoding", tt.accept)
			w := httptest.NewRecorder()
			ServeGzipped(w, r, fsys, tt.file)
			body, _ := io.ReadAll(w.Result().Body)
			if w.Code != tt.status || w.Header().Get("Content-Encoding") != tt.encoding || string(body) != tt.body {
				t.Errorf("got %d %q %q", w.Code, w.Header().Get("Content-Encoding"), body)
			}
			if tt.status == 200 && w.Header().Get("Content-Type") != "text/javascript; charset=utf-8" {
				t.Errorf("Content-Type %q", w.Header().Get("Content-Type"))
			}
		})
	}
}

func TestServeConfigKeyOnLoopbackOnly(t *testing.T) {
	for remote, want := range map[string]string{
		"127.0.0.1:5000":   `"k"`,
		"[::1]:5000":       `"k"`,
		"192.0.2.7:5000":   `""`,
		"not an address":   `""`,
		"10.0.0.1":         `""`,
		"[2001:db8::1]:80": `""`,
	} {
		r := httptest.NewRequest("GET", "/config.js", nil)
		r.RemoteAddr = remote
		w := httptest.NewRecorder()
		ServeConfig(w, r, "k")
		if got := w.Body.String(); got != "window.returnsgwDemoKey = "+want+";\n" || w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s: %q", remote, got)
		}
	}
}

// Another origin's page in the seller's browser can load config.js with a
// script tag (no CORS): the browser marks such a request, and it gets no key.
func TestServeConfigKeyOnlyToTheGatewaysOwnPage(t *testing.T) {
	for site, want := range map[string]string{
		"":            `"k"`, // not a browser (curl), or an old one
		"same-origin": `"k"`, // the console's or GraphiQL's own script tag
		"none":        `"k"`, // typed in the address bar
		"same-site":   `""`,  // another port on localhost
		"cross-site":  `""`,  // any web page
	} {
		r := httptest.NewRequest("GET", "/config.js", nil)
		r.RemoteAddr = "127.0.0.1:5000"
		if site != "" {
			r.Header.Set("Sec-Fetch-Site", site)
		}
		w := httptest.NewRecorder()
		ServeConfig(w, r, "k")
		if got := w.Body.String(); got != "window.returnsgwDemoKey = "+want+";\n" {
			t.Errorf("Sec-Fetch-Site %q: %q", site, got)
		}
		if w.Header().Get("Cross-Origin-Resource-Policy") != "same-origin" {
			t.Errorf("Sec-Fetch-Site %q: no Cross-Origin-Resource-Policy", site)
		}
	}
}

func TestGetOrHead(t *testing.T) {
	for method, want := range map[string]bool{"GET": true, "HEAD": true, "POST": false, "PUT": false} {
		w := httptest.NewRecorder()
		if got := GetOrHead(w, httptest.NewRequest(method, "/", nil)); got != want {
			t.Errorf("%s: %v", method, got)
		}
		if !want && (w.Code != http.StatusMethodNotAllowed || !strings.Contains(w.Header().Get("Allow"), "GET")) {
			t.Errorf("%s: %d %q", method, w.Code, w.Header().Get("Allow"))
		}
	}
}
