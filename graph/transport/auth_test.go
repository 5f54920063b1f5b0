package transport

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// keys is a test's authentication hook: "Bearer <name>" authenticates as
// <name>, "Bearer nobody" is refused, and no credentials at all run as "anonymous".
func keys(ctx context.Context, cred Credentials) (context.Context, error) {
	key, ok := strings.CutPrefix(cred.Authorization, "Bearer ")
	switch {
	case cred.Authorization == "":
		key = "anonymous"
	case !ok || key == "nobody":
		return nil, errors.New("unknown key")
	}
	return asCaller(ctx, key), nil
}

func postWhoami(t *testing.T, addr, authorization, accept string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/graphql", strings.NewReader(`{"query":"{ whoami }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", accept)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// The one authentication hook gets what each transport's client presented,
// and the operations run in the context it returns: the HTTP and SSE
// Authorization header, the connection_init payload's Authorization entry,
// or else the WebSocket upgrade request's header.
func TestEveryTransportReachesTheAuthenticator(t *testing.T) {
	addr := serve(t, (&tickFeed{}).handler(keys, WebsocketOptions{Log: wsQuiet}))
	whoamiOverWS := func(t *testing.T, c *wsFrames, payload string) string {
		t.Helper()
		c.frame(true, 0x1, []byte(`{"type":"connection_init","payload":`+payload+`}`))
		if _, p, ok := c.read(); !ok || !strings.Contains(string(p), "connection_ack") {
			t.Fatalf("want connection_ack, got %q", p)
		}
		c.frame(true, 0x1, []byte(`{"type":"subscribe","id":"1","payload":{"query":"{ whoami }"}}`))
		_, p, _ := c.read()
		return string(p)
	}
	tests := []struct {
		name string
		run  func(t *testing.T) string
		want string
	}{
		{"HTTP", func(t *testing.T) string { _, b := postWhoami(t, addr, "Bearer ana", "application/json"); return b }, `"whoami":"ana"`},
		{"HTTP without credentials", func(t *testing.T) string { _, b := postWhoami(t, addr, "", "application/json"); return b },
			`"whoami":"anonymous"`},
		{"SSE", func(t *testing.T) string { _, b := postWhoami(t, addr, "Bearer bo", "text/event-stream"); return b }, `"whoami":"bo"`},
		{"WebSocket, in connection_init", func(t *testing.T) string {
			return whoamiOverWS(t, dialWS(t, addr), `{"authorization":"Bearer cy"}`)
		}, `"whoami":"cy"`},
		{"WebSocket, in the upgrade request", func(t *testing.T) string {
			return whoamiOverWS(t, dialWSWith(t, addr, "Authorization: Bearer di\r\n"), `{}`)
		}, `"whoami":"di"`},
		{"WebSocket, connection_init before the upgrade request", func(t *testing.T) string {
			return whoamiOverWS(t, dialWSWith(t, addr, "Authorization: Bearer di\r\n"), `{"Authorization":"Bearer ed"}`)
		}, `"whoami":"ed"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.run(t); !strings.Contains(got, tt.want) {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// A refusal is 401 over HTTP and SSE, with the reason as a GraphQL error,
// and close code 4403 over WebSocket.
func TestAuthenticatorRefuses(t *testing.T) {
	addr := serve(t, (&tickFeed{}).handler(keys, WebsocketOptions{Log: wsQuiet}))
	for _, accept := range []string{"application/json", "text/event-stream"} {
		resp, body := postWhoami(t, addr, "Bearer nobody", accept)
		var out struct {
			Data   json.RawMessage
			Errors []struct {
				Extensions struct{ Code string }
			}
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatalf("%s: not JSON: %s", accept, body)
		}
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != "Bearer" ||
			len(out.Errors) != 1 || out.Errors[0].Extensions.Code != "UNAUTHORIZED" || out.Data != nil {
			t.Errorf("%s: HTTP %d %q %s", accept, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
		}
	}
	c := dialWS(t, addr)
	c.frame(true, 0x1, []byte(`{"type":"connection_init","payload":{"Authorization":"Bearer nobody"}}`))
	if code := c.closeFrame(); code != closeForbidden {
		t.Errorf("WebSocket closed with %d, want %d", code, closeForbidden)
	}
}

// The handshake: gobwas/ws checks it and answers a bad one; the origin
// check and the choice of subprotocol are the gateway's.
func TestWebsocketHandshake(t *testing.T) {
	addr := serve(t, (&tickFeed{}).handler(nil, WebsocketOptions{Log: wsQuiet, OriginPatterns: []string{"*.example.com"}}))
	const good = "GET /graphql HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: MDEyMzQ1Njc4OWFiY2RlZg==\r\nSec-WebSocket-Version: 13\r\n"
	tests := []struct {
		name, request string
		status        int
		protocol      string
		header        string // a header the answer must carry, as "Name: value"
	}{
		{"both protocols offered", good + "Sec-WebSocket-Protocol: graphql-ws, graphql-transport-ws\r\n\r\n", 101, "graphql-transport-ws", ""},
		{"the legacy protocol", good + "Sec-WebSocket-Protocol: graphql-ws\r\n\r\n", 101, "graphql-ws", ""},
		{"no protocol: legacy, unnamed", good + "\r\n", 101, "", ""},
		{"an allowed origin", good + "Origin: https://dash.example.com\r\n\r\n", 101, "", ""},
		{"the gateway's own origin", good + "Origin: http://%[1]s\r\n\r\n", 101, "", ""},
		{"another origin", good + "Origin: https://evil.test\r\n\r\n", 403, "", ""},
		{"another version", strings.Replace(good, "Version: 13", "Version: 8", 1) + "\r\n", 426, "", "Sec-Websocket-Version: 13"},
		{"no key", strings.Replace(good, "Sec-WebSocket-Key: MDEyMzQ1Njc4OWFiY2RlZg==\r\n", "", 1) + "\r\n", 400, "", ""},
		{"not an upgrade", strings.Replace(good, "Connection: Upgrade", "Connection: keep-alive", 1) + "\r\n", 400, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(15 * time.Second))
			fmt.Fprintf(conn, tt.request, addr)
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status || resp.Header.Get("Sec-WebSocket-Protocol") != tt.protocol {
				t.Errorf("HTTP %d, protocol %q; want %d, %q", resp.StatusCode, resp.Header.Get("Sec-WebSocket-Protocol"), tt.status, tt.protocol)
			}
			if name, value, ok := strings.Cut(tt.header, ": "); ok && resp.Header.Get(name) != value {
				t.Errorf("%s: %q, want %q", name, resp.Header.Get(name), value)
			}
		})
	}
}
