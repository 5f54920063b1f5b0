// Package console serves the gateway's console: a seller's after-sales
// workbench in the browser, built only on the public /graphql API. Its pages
// are ES modules with no build step (web/); the two third-party libraries
// (graphql-ws 6.4.2, chartist 1.5.0) are vendored gzip-compressed in assets/
// by vendor.sh. Everything is embedded, so the console works offline.
package console

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"strings"

	"github.com/returnsgw/returnsgw/server/internal/webasset"
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
		if !webasset.GetOrHead(w, r) {
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", CSP(r.Host))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		if name == "config.js" {
			webasset.ServeConfig(w, r, demoKey)
			return
		}
		if name == "" || !strings.Contains(path.Base(name), ".") {
			name = "index.html" // the app's own routes (#/case/...) all load the one page
		}
		if strings.HasPrefix(name, "assets/") {
			webasset.ServeGzipped(w, r, files, name)
			return
		}
		b, err := fs.ReadFile(files, "web/"+name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		h.Set("Cache-Control", "no-cache")
		webasset.Serve(w, name, b)
	})
}
