package main

import (
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
