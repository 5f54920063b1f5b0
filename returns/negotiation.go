package returns

import (
	"sort"
	"strings"
)

// NegotiationIDKey is the Raw key of a negotiation entry's stable identity
// (an adapter's name for the proposal or step, e.g. "solution:<id>").
const NegotiationIDKey = "entry_id"

// NormalizeNegotiation makes one timeline of a negotiation: in time order
// (ties keep their order), each entry once. An entry's identity is its
// NegotiationIDKey when the adapter gave one; otherwise what it says (time,
// party, kind, text, amount), so that the same step read twice (from two
// lists, two pages) shows once. The first of duplicates is kept.
func NormalizeNegotiation(entries []NegotiationEntry) []NegotiationEntry {
	out := make([]NegotiationEntry, 0, len(entries))
	seen := make(map[string]bool, len(entries))
	for _, e := range entries {
		id := e.Raw[NegotiationIDKey]
		if id == "" {
			amount := ""
			if e.Amount != nil {
				amount = e.Amount.String()
			}
			id = strings.Join([]string{"content", e.At.UTC().Format("2006-01-02T15:04:05.999999999"), string(e.Party), e.Kind, e.Text, amount}, "\x00")
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}
