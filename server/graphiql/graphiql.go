// Package graphiql serves a GraphiQL page for the gateway from assets embedded
// in the binary, so it works offline and without a CDN. The third-party
// bundles (GraphiQL 3.8.3, React 18.3.1) are stored gzip-compressed; see
// vendor.sh for how they were obtained.
package graphiql

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/returnsgw/returnsgw/server/internal/webasset"
)

//go:embed index.html app.js assets
var files embed.FS

// Handler serves the page at its root and its assets under assets/. Mount it
// with http.StripPrefix. demoKey, the sandbox's API key, is filled in for
// clients on this machine (loopback) only; empty: the user types a key.
func Handler(demoKey string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !webasset.GetOrHead(w, r) {
			return
		}
		name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		if name == "config.js" {
			webasset.ServeConfig(w, r, demoKey)
			return
		}
		if name == "" {
			name = "index.html"
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if b, err := fs.ReadFile(files, name); err == nil {
			webasset.Serve(w, name, b)
			return
		}
		webasset.ServeGzipped(w, r, files, name)
	})
}
