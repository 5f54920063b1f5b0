package graph

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/returnsgw/returnsgw/feed"
	"github.com/returnsgw/returnsgw/graph/model"
	"github.com/returnsgw/returnsgw/returns"
)

// Subscriptions: the resolvers, and the WebSocket transport that serves them.
//
// A resolver hands gqlgen the bus's channel itself, so an idle subscriber
// costs no goroutine of the resolver's; a resumed stream alone needs one, to
// replay the log before the live changes. Under the WebSocket transport the
// channel is read only when the bus says there is something on it (see
// notifier), so that no goroutine waits on it either. How a stream ended (the
// subscriber fell behind, the gateway shut down) is reported when its channel
// closes: the resolver leaves the reason in the operation's stream (see
// endOfStream).

const (
	eventType = "ReturnCaseEvent"
	alertType = "ReturnDeadlineAlert"
	// replayBatch is how many logged events a resumed stream reads at a time.
	replayBatch = 500
	// replayBuffer is how many events a resumed stream holds for its reader.
	replayBuffer = 64
)

// EventID returns the global id of the event with the sequence number.
func EventID(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(eventType + ":" + strconv.FormatInt(seq, 10)))
}

// ParseEventID reads an event's global id. A malformed id, or the id of
// anything but an event, is INVALID: it cannot say where to resume.
func ParseEventID(id string) (int64, error) {
	typ, rest, err := parseID(id)
	if err != nil {
		return 0, err
	}
	if typ != eventType {
		return 0, returns.Errorf(returns.CodeInvalid, "id %q is not a ReturnCaseEvent id", id)
	}
	seq, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || seq < 0 {
		return 0, malformedID(id)
	}
	return seq, nil
}

// AlertID returns the global id of an alert: the same case, deadline and due
// time always give the same id.
func AlertID(a *feed.Alert) string {
	return base64.RawURLEncoding.EncodeToString([]byte(alertType + ":" + string(a.Case.Platform) + ":" + a.Case.PlatformCaseID +
		":" + string(a.Kind) + ":" + strconv.FormatInt(a.DueAt.UnixNano(), 10)))
}

// stream is where a subscription's resolver says how to learn, once its
// channel is closed, why it ended.
type stream struct {
	mu  sync.Mutex
	end func() error
}

type streamKey struct{}

func (s *stream) set(end func() error) {
	s.mu.Lock()
	s.end = end
	s.mu.Unlock()
}

// take returns why the stream ended, once.
func (s *stream) take() error {
	s.mu.Lock()
	end := s.end
	s.end = nil
	s.mu.Unlock()
	if end == nil {
		return nil
	}
	return end()
}

func streamFrom(ctx context.Context) *stream {
	s, _ := ctx.Value(streamKey{}).(*stream)
	return s
}

// withStream gives a subscription operation its stream (see NewHandler).
func withStream(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if oc := graphql.GetOperationContext(ctx); oc != nil && oc.Operation != nil && oc.Operation.Operation == ast.Subscription {
		ctx = context.WithValue(ctx, streamKey{}, &stream{})
	}
	return next(ctx)
}

// endOfStream turns the end of a subscription that was cut short into an
// error the client sees: over WebSocket the protocol's error message (which
// ends the operation; the transport collects it in its wsEnd), over SSE a
// last response with the error.
func endOfStream(present graphql.ErrorPresenterFunc) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		resp := next(ctx)
		if resp != nil || ctx.Err() != nil {
			return resp // an event, or the client left: nothing to tell
		}
		s := streamFrom(ctx)
		if s == nil {
			return nil
		}
		err := s.take()
		if err == nil {
			return nil
		}
		gerr := present(ctx, err)
		if end, ok := ctx.Value(wsEndKey{}).(*wsEnd); ok {
			end.errs = append(end.errs, gerr)
			return nil
		}
		return &graphql.Response{Errors: gqlerror.List{gerr}}
	}
}

// streamError presents why a stream ended; ok is false for errors that are
// not about the stream.
func streamError(err error) (*gqlerror.Error, bool) {
	var behind *feed.FellBehindError
	switch {
	case errors.As(err, &behind):
		e := &gqlerror.Error{Message: fmt.Sprintf("fell behind by %d events and was ended", behind.Missed),
			Extensions: map[string]any{"code": "FELL_BEHIND"}}
		if behind.LastSeq > 0 {
			id := EventID(behind.LastSeq)
			e.Message += fmt.Sprintf("; resubscribe with after: %q", id)
			e.Extensions["after"] = id
		} else {
			e.Message += "; resubscribe"
		}
		return e, true
	case errors.Is(err, feed.ErrBusClosed), errors.Is(err, feed.ErrTimerStopped):
		return &gqlerror.Error{Message: "the gateway is shutting down; resubscribe with after: the id of the last event received",
			Extensions: map[string]any{"code": "SHUTTING_DOWN"}}, true
	}
	return nil, false
}

// caseChanged answers Subscription.returnCaseChanged.
func (r *Resolver) caseChanged(ctx context.Context, filter *model.ReturnCaseFilter, after *string) (<-chan *feed.Change, error) {
	org, err := OrgFrom(ctx)
	if err != nil {
		return nil, err
	}
	if r.deps.Bus == nil {
		return nil, returns.Errorf(returns.CodeUnsupported, "this gateway publishes no changes")
	}
	var from int64
	if after != nil {
		if from, err = ParseEventID(*after); err != nil {
			return nil, field(err, "after")
		}
	}
	f := toFilter(filter)
	s := streamFrom(ctx)
	notify := notifier(ctx)
	if after == nil {
		sub := r.deps.Bus.Subscribe(org, f, feed.SubscribeOptions{Notify: notify})
		context.AfterFunc(ctx, sub.Close)
		if s != nil {
			s.set(sub.Err)
		}
		return sub.C(), nil
	}
	// Subscribe before reading the log: a change stored meanwhile is in one
	// or the other (or both, and dropped once), never in neither.
	sub := r.deps.Bus.Subscribe(org, f, feed.SubscribeOptions{})
	context.AfterFunc(ctx, sub.Close)
	rp := &replay{r: r, org: org, filter: f, last: from, sub: sub, out: make(chan *feed.Change, replayBuffer), notify: notify}
	if s != nil {
		s.set(rp.err)
	}
	go rp.run(ctx)
	return rp.out, nil
}

// replay is a resumed stream: the logged events after the client's last,
// then the live ones it has not seen.
type replay struct {
	r      *Resolver
	org    returns.OrgID
	filter returns.Filter
	last   int64 // the last event replayed or forwarded
	sub    feed.Subscription
	out    chan *feed.Change
	notify func() // the reader's, if it waits to be told (see notifier)
	fail   error  // set before out is closed
}

func (rp *replay) err() error {
	if rp.fail != nil {
		return rp.fail
	}
	err := rp.sub.Err()
	var behind *feed.FellBehindError
	if errors.As(err, &behind) && behind.LastSeq < rp.last {
		return &feed.FellBehindError{Missed: behind.Missed, LastSeq: rp.last}
	}
	return err
}

func (rp *replay) run(ctx context.Context) {
	defer func() {
		close(rp.out)
		if rp.notify != nil {
			rp.notify()
		}
	}()
	if err := rp.replay(ctx); err != nil {
		if ctx.Err() == nil {
			rp.fail = err
		}
		rp.sub.Close()
		return
	}
	// The replay read the log up to here. Live changes past it are all new,
	// even one with a lower seq than a change forwarded before it (two
	// writers publish in either order).
	replayed := rp.last
	for ch := range rp.sub.C() {
		if ch.Seq <= replayed {
			continue // replayed already
		}
		if !rp.send(ctx, ch) {
			return
		}
	}
}

func (rp *replay) send(ctx context.Context, ch *feed.Change) bool {
	select {
	case rp.out <- ch:
		rp.last = max(rp.last, ch.Seq)
		if rp.notify != nil {
			rp.notify()
		}
		return true
	case <-ctx.Done():
		return false
	}
}

// replay sends the logged events after rp.last, in batches, each with its case.
func (rp *replay) replay(ctx context.Context) error {
	st := rp.r.deps.Store
	for {
		evs, err := st.EventsAfter(ctx, rp.org, rp.last, replayBatch)
		if err != nil {
			return err
		}
		keys := make([]returns.CaseKey, 0, len(evs))
		seen := map[returns.CaseKey]bool{}
		for _, ev := range evs {
			if !seen[ev.Key] {
				seen[ev.Key] = true
				keys = append(keys, ev.Key)
			}
		}
		cases, err := st.GetCases(ctx, rp.org, keys)
		if err != nil {
			return err
		}
		byKey := make(map[returns.CaseKey]*returns.Case, len(keys))
		for i, c := range cases {
			byKey[keys[i]] = c
		}
		for _, ev := range evs {
			c := byKey[ev.Key]
			if c == nil || !matchAsOf(&rp.filter, c, ev.Status) {
				rp.last = ev.Seq
				continue
			}
			if !rp.send(ctx, &feed.Change{Event: ev, Case: c}) {
				return ctx.Err()
			}
		}
		if len(evs) < replayBatch {
			return nil
		}
	}
}

// matchAsOf applies the filter to a logged event: the case as it stands now,
// but with the status the event recorded, as the live stream filtered it.
func matchAsOf(f *returns.Filter, c *returns.Case, status returns.Status) bool {
	if c.Status == status {
		return f.Match(c)
	}
	then := *c
	then.Status = status
	return f.Match(&then)
}

// deadlineApproaching answers Subscription.returnDeadlineApproaching.
func (r *Resolver) deadlineApproaching(ctx context.Context, within int, filter *model.ReturnCaseFilter) (<-chan *feed.Alert, error) {
	org, err := OrgFrom(ctx)
	if err != nil {
		return nil, err
	}
	if r.deps.Deadlines == nil {
		return nil, returns.Errorf(returns.CodeUnsupported, "this gateway raises no deadline alerts")
	}
	d := time.Duration(within) * time.Second
	if err := feed.ValidateWithin(d); err != nil {
		return nil, field(err, "within")
	}
	sub, err := r.deps.Deadlines.Subscribe(org, d, toFilter(filter))
	if err != nil {
		return nil, err
	}
	context.AfterFunc(ctx, sub.Close)
	if s := streamFrom(ctx); s != nil {
		s.set(sub.Err)
	}
	return sub.C(), nil
}

// eventAction is the mutation a MUTATION event records.
func eventAction(ch *feed.Change) *string {
	if a, ok := ch.Detail["action"]; ok && a != "" {
		return &a
	}
	return nil
}

// acknowledgedRules are the rule ids a mutation's event records.
func acknowledgedRules(ch *feed.Change) []string {
	s := ch.Detail["acknowledgedRules"]
	if s == "" {
		return []string{}
	}
	out := strings.Split(s, ",")
	for i := range out {
		out[i] = strings.TrimSpace(out[i])
	}
	return out
}
