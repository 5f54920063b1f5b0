// Package graphiql serves a GraphiQL page for the gateway from assets embedded
// in the binary, so it works offline and without a CDN. The third-party
// bundles (GraphiQL 3.8.3, React 18.3.1) are stored gzip-compressed; see
// vendor.sh for how they were obtained.
package graphiql

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/json"
	"io"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"path"
	"strings"
)

//go:embed index.html app.js assets
var files embed.FS

// Handler serves the page at its root and its assets under assets/. Mount it
// with http.StripPrefix. demoKey, the sandbox's API key, is filled in for
// clients on this machine (loopback) only; empty: the user types a key.
func Handler(demoKey string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		if name == "config.js" {
			key := ""
			if loopback(r) {
				key = demoKey
			}
			b, _ := json.Marshal(key)
			w.Header().Set("Cache-Control", "no-store")
			serve(w, name, []byte("window.returnsgwDemoKey = "+string(b)+";\n"))
			return
		}
		if name == "" {
			name = "index.html"
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if b, err := fs.ReadFile(files, name); err == nil {
			serve(w, name, b)
			return
		}
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
	})
}

func serve(w http.ResponseWriter, name string, b []byte) {
	ct := mime.TypeByExtension(path.Ext(name))
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
