// Package webasset is what the gateway's two browser pages (GraphiQL and the
// console) share to serve their embedded files: GET/HEAD only, the demo key
// for loopback clients, and third-party bundles stored gzip-compressed.
package webasset

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"path"
	"strings"
)

// GetOrHead answers 405 to any other method and reports whether the
// request may go on.
func GetOrHead(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}

// ServeConfig serves config.js, which sets window.returnsgwDemoKey: demoKey
// for clients on this machine (loopback) only, so the sandbox key never
// reaches another host; "" otherwise (the user types a key). A script tag is
// not subject to CORS, so a page of any other origin open in the seller's
// browser could load config.js and read the key: the key goes only to a
// request the browser marks as the gateway's own page (Sec-Fetch-Site
// same-origin, or none when typed in the address bar; absent from clients
// that are not browsers), and Cross-Origin-Resource-Policy bars the response
// from other origins' pages as well.
func ServeConfig(w http.ResponseWriter, r *http.Request, demoKey string) {
	key := ""
	if loopback(r) && ownPage(r) {
		key = demoKey
	}
	b, _ := json.Marshal(key)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Cross-Origin-Resource-Policy", "same-origin")
	w.Header().Add("Vary", "Sec-Fetch-Site")
	Serve(w, "config.js", []byte("window.returnsgwDemoKey = "+string(b)+";\n"))
}

// ServeGzipped serves name from fsys's name+".gz": as stored to a client
// that accepts gzip, decompressed to one that does not; 404 if absent.
func ServeGzipped(w http.ResponseWriter, r *http.Request, fsys fs.FS, name string) {
	gz, err := fs.ReadFile(fsys, name+".gz")
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Header().Add("Vary", "Accept-Encoding")
	if acceptsGzip(r) {
		w.Header().Set("Content-Encoding", "gzip")
		Serve(w, name, gz)
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
	Serve(w, name, b)
}

// Serve writes b with the content type of name's extension.
func Serve(w http.ResponseWriter, name string, b []byte) {
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

// ownPage reports whether the browser says the request comes from the
// gateway's own origin (or from no page at all).
func ownPage(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
		return true
	}
	return false
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
