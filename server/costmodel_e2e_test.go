package main

import (
	"strings"
	"testing"
)

// Seed 004's worked example, through the API; a return rate above 1 is an
// INVALID error naming the field.
func TestReturnCostModel(t *testing.T) {
	m := startGateway(t)
	const q = `query($rate: Decimal!) { returnCostModel(input: {orders: 100, returnRate: $rate,
		price: {amount: "30", currencyCode: "USD"}, outboundShipping: {amount: "2", currencyCode: "USD"},
		processingCost: {amount: "4", currencyCode: "USD"}, resaleLoss: {amount: "10", currencyCode: "USD"}}) {
		returns outboundShippingLost { amount } processingCost { amount } resaleLoss { amount }
		total { amount currencyCode } costPer100Orders { amount } marginPoints } }`
	r := gql(t, m, q, map[string]any{"rate": "0.12"}, nil)
	want := `{"returnCostModel":{"returns":"12","outboundShippingLost":{"amount":"24.00"},"processingCost":{"amount":"48.00"},` +
		`"resaleLoss":{"amount":"120.00"},"total":{"amount":"192.00","currencyCode":"USD"},"costPer100Orders":{"amount":"192.00"},"marginPoints":"6.4"}}`
	if len(r.Errors) > 0 || string(r.Data) != want {
		t.Fatalf("got %s %+v\nwant %s", r.Data, r.Errors, want)
	}
	r = gql(t, m, q, map[string]any{"rate": "1.2"}, nil)
	if code(r) != "INVALID" || !strings.Contains(r.Errors[0].Message, "returnRate") {
		t.Fatalf("a return rate above 1: %s %+v", r.Data, r.Errors)
	}
}
