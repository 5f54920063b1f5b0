package main

import (
	"io"
	"net/http"
	"net/url"

	"github.com/returnsgw/returnsgw/returns"
	"strings"
	"testing"
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
