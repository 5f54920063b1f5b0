package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"testing"

	"github.com/returnsgw/returnsgw/returns"
)

// rivalKey makes a second organisation and returns an Authorization header
// for a key of it with every scope.
func rivalKey(t *testing.T, m *Main) string {
	t.Helper()
	var key struct {
		APIKeyCreate struct{ Key string } `json:"apiKeyCreate"`
	}
	if r := gql(t, m, `mutation { organisationCreate(input: {id: "rival", name: "Rival"}) { userErrors { code } } }`, nil, nil); len(r.Errors) > 0 {
		t.Fatalf("organisationCreate: %+v", r.Errors)
	}
	gql(t, m, `mutation { apiKeyCreate(input: {name: "rival", scopes: [READ, WRITE, SUBSCRIBE, ADMIN], organisation: "rival"}) { key } }`, nil, &key)
	if key.APIKeyCreate.Key == "" {
		t.Fatal("no key for the rival organisation")
	}
	return "Bearer " + key.APIKeyCreate.Key
}

// Attack: another organisation's key asks platforms { shops } and learns the
// served organisation's shops (ids, names, markets) and their health, last
// sync and last platform error. It must see no shop: it has none.
func TestRivalSeesNoShopOfAnotherOrganisation(t *testing.T) {
	m := startGateway(t)
	rival := rivalKey(t, m)
	const q = `{ platforms { platform shops { id name market health { state lastError } } } }`
	_, own := gqlAs(t, m, "Bearer "+testKey, q, nil)
	if !strings.Contains(string(own.Data), `"shops":[{`) {
		t.Fatalf("the demo organisation lists no shop: %s %+v", own.Data, own.Errors)
	}
	_, r := gqlAs(t, m, rival, q, nil)
	if len(r.Errors) > 0 || strings.Contains(string(r.Data), `"shops":[{`) {
		t.Errorf("the rival organisation sees the demo organisation's shops: %s %+v", r.Data, r.Errors)
	}
}

// Attack: whoever holds a shopConnect link of a connected shop (it lives 15
// minutes and can be used more than once) authorizes it with another seller
// account. The gateway swapped the shop's tokens for that seller's: the shop
// stayed HEALTHY while syncing someone else's cases, and its own seller's
// authorization was gone without an alert. Re-authorizing a connected shop
// must come from the same seller.
func TestReauthorizationBySomeOtherSellerIsRefused(t *testing.T) {
	m := startGateway(t)
	org := returns.OrgID(m.Config.Org)
	before, ok := m.Connections.Status(org, returns.XHS, "xhs-domestic")
	if !ok || before.SellerID == "" {
		t.Fatalf("xhs-domestic has no connection with a seller: %+v", before)
	}
	var d struct {
		ShopConnect struct{ AuthorizationURL string }
	}
	if r := gql(t, m, `mutation { shopConnect(input: {platform: XHS, shopId: "xhs-domestic"}) { authorizationUrl } }`, nil, &d); len(r.Errors) > 0 {
		t.Fatalf("shopConnect: %+v", r.Errors)
	}
	u, err := url.Parse(d.ShopConnect.AuthorizationURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("sellerId", "xhs-crossborder") // the other seller logs in on the platform's page
	u.RawQuery = q.Encode()
	resp, err := http.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	after, _ := m.Connections.Status(org, returns.XHS, "xhs-domestic")
	if after.SellerID != before.SellerID {
		t.Errorf("xhs-domestic now holds seller %q's tokens (was %q); the callback answered %d: %s",
			after.SellerID, before.SellerID, resp.StatusCode, page)
	}
	if resp.StatusCode == http.StatusOK {
		t.Errorf("the callback answered %d: %s", resp.StatusCode, page)
	}
}

// Attack: a request that only claims to be a stream (any Upgrade header, or
// Accept: text/event-stream) on a route that is not /graphql escaped the
// write deadline. Unauthenticated, GET /graphiql/assets/graphiql.min.js (3 MB
// unzipped) with "Upgrade: x" and a client that never reads held a goroutine
// and a connection for as long as the client wished. Only /graphql's streams,
// which bound each write themselves, may go without it.
func TestFakeStreamHeadersKeepTheWriteDeadline(t *testing.T) {
	m := startGatewayWith(t, func(m *Main) {
		m.HTTPLimits = HTTPLimits{WriteTimeout: 300 * time.Millisecond}
	})
	addr := strings.TrimPrefix(m.URL(), "http://")
	for _, header := range []string{"Upgrade: x", "Accept: text/event-stream"} {
		d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
			return c.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		}}
		conn, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "GET /graphiql/assets/graphiql.min.js HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n\r\n", header)
		// The client does not read until well past the server's write
		// deadline, then reads what is left: a server that kept its deadline
		// has given up and closed the connection before the whole answer.
		time.Sleep(2 * time.Second)
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			continue // cut even before the headers arrived
		}
		n, err := io.Copy(io.Discard, resp.Body)
		if err == nil {
			t.Errorf("%s: the whole answer (%d bytes) was written to a client that did not read for 2 s; the write deadline is 300 ms", header, n)
		}
	}
}

// Attack: any organisation's write key gets a signed state from shopConnect,
// then floods the unauthenticated callback with made-up codes. Each request
// made the gateway call the platform's token API with the gateway's app
// credentials (shared by every organisation, and outside every key's rate
// limit), for 15 minutes. A state now works once.
func TestCallbackStateWorksOnce(t *testing.T) {
	m := startGateway(t)
	rival := rivalKey(t, m)
	_, r := gqlAs(t, m, rival, `mutation { shopConnect(input: {platform: XHS, shopId: "mine"}) { authorizationUrl } }`, nil)
	var d struct {
		ShopConnect struct{ AuthorizationURL string }
	}
	if err := json.Unmarshal(r.Data, &d); err != nil || d.ShopConnect.AuthorizationURL == "" {
		t.Fatalf("shopConnect: %s %+v", r.Data, r.Errors)
	}
	state := stateOf(d.ShopConnect.AuthorizationURL)
	before, _, _ := m.Sandbox.XHS.Tokens().Calls()
	for i := 0; i < 20; i++ {
		resp, err := http.Get(m.URL() + "/oauth/callback/xhs?code=guess" + fmt.Sprint(i) + "&state=" + state)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatalf("a made-up code connected a shop")
		}
	}
	if after, _, _ := m.Sandbox.XHS.Tokens().Calls(); after-before > 1 {
		t.Errorf("one state made the gateway ask the platform's token API %d times", after-before)
	}
}
