package transport

// A request is claimed by the transport that serves it. An Upgrade to
// anything but WebSocket (curl --http2 sends Upgrade: h2c, which a server may
// ignore, RFC 9110 7.8) is an ordinary request, not a failed handshake in
// text/plain; and a request for an event stream that the SSE transport does
// not serve gets a typed answer, not gqlgen's catch-all 400 without a code.

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestAnUpgradeThatIsNotWebsocketIsServedOverHTTP(t *testing.T) {
	addr := serve(t, (&tickFeed{}).handler(keys, WebsocketOptions{Log: wsQuiet}))
	for _, tc := range []struct{ method, url, body string }{
		{http.MethodPost, "http://" + addr + "/graphql", `{"query":"{ whoami }"}`},
		{http.MethodGet, "http://" + addr + "/graphql?query=%7B%20whoami%20%7D", ""},
	} {
		req, _ := http.NewRequest(tc.method, tc.url, strings.NewReader(tc.body))
		if tc.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Authorization", "Bearer ana")
		// What curl --http2 sends to an http:// URL.
		req.Header.Set("Connection", "Upgrade, HTTP2-Settings")
		req.Header.Set("Upgrade", "h2c")
		req.Header.Set("HTTP2-Settings", "AAMAAABkAAQCAAAAAAIAAAAA")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"whoami":"ana"`) {
			t.Errorf("%s with Upgrade: h2c: HTTP %d %s %q, want the query answered", tc.method, resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
	}
}

func TestNoTransportIsATypedError(t *testing.T) {
	addr := serve(t, (&tickFeed{}).handler(keys, WebsocketOptions{Log: wsQuiet}))
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/graphql?query=%7B%20whoami%20%7D", nil)
	req.Header.Set("Authorization", "Bearer ana")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var out struct {
		Errors []struct{ Extensions struct{ Code string } }
	}
	_ = json.Unmarshal(b, &out)
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/") || len(out.Errors) == 0 || out.Errors[0].Extensions.Code == "" {
		t.Errorf("GET with Accept: text/event-stream: HTTP %d %s %s, want a JSON error with extensions.code", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
}
