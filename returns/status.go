package returns

// Status is the gateway's one lifecycle for every platform. Each adapter maps
// its own codes onto it and keeps the raw code in Case.PlatformStatus.
type Status string

// The statuses of the lifecycle.
const (
	StatusRequested             Status = "REQUESTED"               // waiting for the seller's decision
	StatusNegotiating           Status = "NEGOTIATING"             // a counter-proposal is on the table
	StatusAwaitingBuyerShipment Status = "AWAITING_BUYER_SHIPMENT" // return accepted; the buyer must send the goods back
	StatusInTransit             Status = "IN_TRANSIT"              // the buyer shipped the goods back
	StatusReceived              Status = "RECEIVED"                // the seller has the goods; refund or replacement is due
	StatusRefundPending         Status = "REFUND_PENDING"          // refund agreed, money on its way
	StatusRefunded              Status = "REFUNDED"                // money returned, fully or partly
	StatusExchangeShipped       Status = "EXCHANGE_SHIPPED"        // a replacement is on its way
	StatusCompleted             Status = "COMPLETED"               // an exchange or resend finished
	StatusRejected              Status = "REJECTED"                // the seller refused; the buyer may escalate
	StatusEscalated             Status = "ESCALATED"               // the platform is mediating
	StatusCancelled             Status = "CANCELLED"               // the buyer withdrew
	StatusClosed                Status = "CLOSED"                  // ended without refund (timeout, ruling for the seller)
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{
	StatusRequested, StatusNegotiating, StatusAwaitingBuyerShipment, StatusInTransit, StatusReceived,
	StatusRefundPending, StatusRefunded, StatusExchangeShipped, StatusCompleted, StatusRejected,
	StatusEscalated, StatusCancelled, StatusClosed,
}

// transitions is the table of legal moves. It is the lifecycle as the gateway
// understands it; a platform may still report a move that is not here (the
// platform is the source of truth), which the feed records and logs.
var transitions = map[Status][]Status{
	StatusRequested: {StatusNegotiating, StatusAwaitingBuyerShipment, StatusRefundPending, StatusRefunded,
		StatusRejected, StatusEscalated, StatusCancelled, StatusClosed},
	StatusNegotiating: {StatusRequested, StatusAwaitingBuyerShipment, StatusRefundPending, StatusRefunded,
		StatusRejected, StatusEscalated, StatusCancelled, StatusClosed},
	StatusAwaitingBuyerShipment: {StatusInTransit, StatusEscalated, StatusCancelled, StatusClosed},
	StatusInTransit: {StatusReceived, StatusRefundPending, StatusRefunded, StatusExchangeShipped,
		StatusRejected, StatusEscalated, StatusClosed},
	StatusReceived:        {StatusRefundPending, StatusRefunded, StatusExchangeShipped, StatusRejected, StatusEscalated},
	StatusRefundPending:   {StatusRefunded, StatusEscalated, StatusClosed},
	StatusRefunded:        {StatusEscalated},
	StatusExchangeShipped: {StatusCompleted, StatusEscalated},
	StatusCompleted:       {},
	// A buyer may revise a refused request, which the platforms reopen under the same id.
	StatusRejected: {StatusRequested, StatusEscalated, StatusCancelled, StatusClosed},
	StatusEscalated: {StatusAwaitingBuyerShipment, StatusRefundPending, StatusRefunded, StatusRejected,
		StatusCancelled, StatusClosed},
	StatusCancelled: {},
	StatusClosed:    {},
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	_, ok := transitions[s]
	return ok
}

// CanMoveTo reports whether the lifecycle allows the move from s to next.
// Staying in the same status is always allowed (other fields may change).
func (s Status) CanMoveTo(next Status) bool {
	if s == next {
		return s.Valid()
	}
	for _, t := range transitions[s] {
		if t == next {
			return true
		}
	}
	return false
}

// CanReach reports whether some sequence of moves the lifecycle allows
// leads from s to target (s itself included).
func (s Status) CanReach(target Status) bool {
	seen := map[Status]bool{s: true}
	next := []Status{s}
	for len(next) > 0 {
		cur := next[len(next)-1]
		next = next[:len(next)-1]
		if cur == target {
			return true
		}
		for _, t := range transitions[cur] {
			if !seen[t] {
				seen[t] = true
				next = append(next, t)
			}
		}
	}
	return false
}

// Terminal reports whether no move leaves s.
func (s Status) Terminal() bool {
	t, ok := transitions[s]
	return ok && len(t) == 0
}

// Open reports whether the case still waits on someone: not terminal and not
// refunded.
func (s Status) Open() bool { return s.Valid() && !s.Terminal() && s != StatusRefunded }
