package returns

import "time"

// EventSource says how a change reached the gateway.
type EventSource string

// The sources of events.
const (
	SourceWebhook  EventSource = "WEBHOOK"  // the platform pushed it
	SourcePoll     EventSource = "POLL"     // the poller found it
	SourceMutation EventSource = "MUTATION" // a seller action through the gateway
	SourceTimer    EventSource = "TIMER"    // a deadline timer fired
)

// Event is one entry of the append-only event log: a stored change to a case.
// The store assigns Seq, monotonic per store; the same change always keeps
// the same Seq, so a reader can resume after any event.
type Event struct {
	Seq            int64
	Org            OrgID
	Key            CaseKey
	PreviousStatus *Status // nil when the case was first seen
	Status         Status
	Source         EventSource
	OccurredAt     time.Time // when the gateway stored the change (UTC)
	// Detail records what else is worth keeping about the change: the action
	// and idempotency key of a mutation, acknowledged rule ids, and so on.
	Detail map[string]string
}
