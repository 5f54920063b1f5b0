// Package console serves the gateway's console: a seller's after-sales
// workbench in the browser, built only on the public /graphql API. Its pages
// are ES modules with no build step (web/); the two third-party libraries
// (graphql-ws 6.4.2, chartist 1.5.0) are vendored gzip-compressed in assets/
// by vendor.sh. Everything is embedded, so the console works offline.
package console

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"io"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"path"
	"regexp"
	"strings"
)

//go:embed web assets
var files embed.FS

// Files are the console's embedded files (web/ and assets/), for tests that
// measure them.
func Files() fs.FS { return files }

// hostRE is what a Host header may hold to be named in the CSP; the host
// guard has already checked it against the names the gateway serves.
var hostRE = regexp.MustCompile(`^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$`)

// chartStyleAttrs are the only style attributes the page may carry: the ones
// chartist writes on its SVG (its size, as analytics.js asks for it) and on
// each label. Allowed by hash, each exact string only; any other inline style
// stays blocked.
var chartStyleAttrs = []string{
	"overflow: visible;",
	"width: 100%; height: 180px;",
	"width: 100%; height: 220px;",
	"width: 100%; height: 260px;",
}

var styleAttrHashes = func() string {
	var b strings.Builder
	for _, s := range chartStyleAttrs {
		sum := sha256.Sum256([]byte(s))
		b.WriteString(" 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'")
	}
	return b.String()
}()

// CSP is the console's Content-Security-Policy for a page served to host:
// scripts and styles only from the gateway itself (no inline script, no
// eval, no inline style but chartist's few exact attributes, by hash),
// network only to the gateway (HTTP and its WebSocket), no frames, no
// plugins, no base or form tricks.
func CSP(host string) string {
	connect := "'self'"
	if hostRE.MatchString(host) {
		connect += " ws://" + host + " wss://" + host
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-hashes'" + styleAttrHashes +
		"; img-src 'self' data:; font-src 'self'; connect-src " + connect + "; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

// Handler serves the console at its root and its files below it. Mount it
// with http.StripPrefix. demoKey, the sandbox's API key, is filled in for
// clients on this machine (loopback) only; empty: the user types a key.
func Handler(demoKey string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", CSP(r.Host))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		if name == "config.js" {
			key := ""
			if loopback(r) {
				key = demoKey
			}
			b, _ := json.Marshal(key)
			h.Set("Cache-Control", "no-store")
			serve(w, name, []byte("window.returnsgwDemoKey = "+string(b)+";\n"))
			return
		}
		if name == "" || !strings.Contains(path.Base(name), ".") {
			name = "index.html" // the app's own routes (#/case/...) all load the one page
		}
		if strings.HasPrefix(name, "assets/") {
			serveGzipped(w, r, name)
			return
		}
		b, err := fs.ReadFile(files, "web/"+name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		h.Set("Cache-Control", "no-cache")
		serve(w, name, b)
	})
}

func serveGzipped(w http.ResponseWriter, r *http.Request, name string) {
	gz, err := fs.ReadFile(files, name+".gz")
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Header().Add("Vary", "Accept-Encoding")
	if acceptsGzip(r) {
		w.Header().Set("Content-Encoding", "gzip")
		serve(w, name, gz)
		return
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		http.Error(w, "corrupt asset", http.StatusInternalServerError)
		return
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		http.Error(w, "corrupt asset", http.StatusInternalServerError)
		return
	}
	serve(w, name, b)
}

func serve(w http.ResponseWriter, name string, b []byte) {
	ct := mime.TypeByExtension(path.Ext(name))
	if path.Ext(name) == ".js" {
		ct = "text/javascript; charset=utf-8" // modules need a JavaScript type, whatever the OS's table says
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Write(b)
}

// loopback reports whether the request comes from this machine.
func loopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && !strings.Contains(strings.ReplaceAll(params, " ", ""), "q=0") {
			return true
		}
	}
	return false
}
