package simkit

import (
	"net/http"
	"sync"
	"time"
)

// The faults every simulator shares: the platform carries the request out
// (a write takes effect) and then its answer never arrives. A simulator
// declares them as its own fault kinds with these values.
const (
	// AppliedTimeout holds the answer back until the client gives up (or the
	// simulator closes), then closes the connection: the client times out.
	AppliedTimeout = "APPLIED_TIMEOUT"
	// AppliedDrop closes the connection at once, without an answer.
	AppliedDrop = "APPLIED_DROP"
)

// Unanswered reports whether a fault kind is one that carries the request
// out and leaves it unanswered.
func Unanswered[K ~string](kind K) bool {
	return string(kind) == AppliedTimeout || string(kind) == AppliedDrop
}

// Withhold leaves a request that was carried out unanswered, as kind says:
// AppliedTimeout waits for the client to give up or stop to close, then
// hangs up; AppliedDrop hangs up at once. A nil stop never closes. Nothing
// may have been written to w.
func Withhold[K ~string](w http.ResponseWriter, r *http.Request, kind K, stop <-chan struct{}) {
	if string(kind) == AppliedTimeout {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}
	// Hanging up rather than returning: a handler that returns unwritten
	// sends an empty 200, which is an answer.
	HangUp(w)
}

// HangUp closes the request's connection without an answer, as a platform's
// outage or a dropped connection does; the client sees an EOF, not a status.
func HangUp(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		// Without hijacking (HTTP/2), the nearest thing is an aborted handler.
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// Refund is one refund a simulated platform paid out.
type Refund struct {
	CaseID   string
	Amount   string // in the platform's own notation (yuan, minor units, ...)
	Currency string
	At       time.Time
}

// Ledger is a simulated platform's book of the refunds it paid: each refund
// is entered once, when the platform pays it, whatever became of the answer
// to the request that caused it. Tests assert exactly-once on it. The zero
// value is ready; it is safe for concurrent use.
type Ledger struct {
	mu      sync.Mutex
	refunds []Refund
}

// Pay enters a refund.
func (l *Ledger) Pay(r Refund) {
	l.mu.Lock()
	l.refunds = append(l.refunds, r)
	l.mu.Unlock()
}

// Refunds returns the refunds paid on the case ("" for every case), oldest first.
func (l *Ledger) Refunds(caseID string) []Refund {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Refund
	for _, r := range l.refunds {
		if caseID == "" || r.CaseID == caseID {
			out = append(out, r)
		}
	}
	return out
}
