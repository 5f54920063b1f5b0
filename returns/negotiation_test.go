package returns

import (
	"testing"
	"time"
)

func TestNormalizeNegotiation(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	ten := MustParseMoney("10.00", "USD")
	e := func(at time.Duration, party Party, kind, text, id string) NegotiationEntry {
		raw := map[string]string{}
		if id != "" {
			raw[NegotiationIDKey] = id
		}
		return NegotiationEntry{At: t0.Add(at), Party: party, Kind: kind, Text: text, Raw: raw}
	}
	withAmount := func(x NegotiationEntry) NegotiationEntry { x.Amount = &ten; return x }
	tests := []struct {
		name string
		in   []NegotiationEntry
		want []string // texts, in order
	}{
		{"empty", nil, []string{}},
		{"sorted by time, ties in order", []NegotiationEntry{e(2, PartyBuyer, "MESSAGE", "c", ""), e(1, PartySeller, "PROPOSAL", "a", "s:1"),
			e(1, PartyBuyer, "MESSAGE", "b", "")}, []string{"a", "b", "c"}},
		{"same identity once, the first kept", []NegotiationEntry{e(1, PartySeller, "PROPOSAL", "first", "s:1"),
			e(5, PartySeller, "PROPOSAL", "second", "s:1")}, []string{"first"}},
		{"same content without identity once", []NegotiationEntry{withAmount(e(1, PartySeller, "PROPOSAL", "x", "")),
			withAmount(e(1, PartySeller, "PROPOSAL", "x", ""))}, []string{"x"}},
		{"different amounts are different steps", []NegotiationEntry{withAmount(e(1, PartySeller, "PROPOSAL", "x", "")),
			e(1, PartySeller, "PROPOSAL", "x", "")}, []string{"x", "x"}},
		{"different identities with the same words stay", []NegotiationEntry{e(1, PartyBuyer, "MESSAGE", "ok", "p:1"),
			e(1, PartyBuyer, "MESSAGE", "ok", "p:2")}, []string{"ok", "ok"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NormalizeNegotiation(tt.in)
			texts := []string{}
			for _, x := range got {
				texts = append(texts, x.Text)
			}
			if len(texts) != len(tt.want) {
				t.Fatalf("got %v, want %v", texts, tt.want)
			}
			for i := range texts {
				if texts[i] != tt.want[i] {
					t.Fatalf("got %v, want %v", texts, tt.want)
				}
			}
		})
	}
}
