package main

import (
	"net/http"
	"strings"

	"github.com/returnsgw/returnsgw/feed"
	"github.com/returnsgw/returnsgw/returns"
)

// routeWebhooks adds POST /webhooks/{platform} for every platform whose
// connections receive pushes (today XHS): verified by the adapter, then
// written through the same ingester as the pollers.
func (m *Main) routeWebhooks(mux *http.ServeMux, in *feed.Ingester) {
	for _, id := range returns.PlatformIDs {
		pushes := false
		for _, p := range m.Platforms.OnPlatform(id) {
			if _, ok := p.(returns.PushSource); ok {
				pushes = true
			}
		}
		if !pushes {
			continue
		}
		id := id
		mux.Handle("/webhooks/"+strings.ToLower(string(id)), &feed.Webhook{
			Platform:    id,
			Connections: func() []returns.Platform { return m.Platforms.OnPlatform(id) },
			Ingester:    in,
			Now:         m.Now,
			Log:         m.Log,
		})
	}
}
