package graph

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/returnsgw/returnsgw/feed"
	"github.com/returnsgw/returnsgw/graph/model"
	"github.com/returnsgw/returnsgw/graph/transport"
	"github.com/returnsgw/returnsgw/returns"
)

// Subscriptions.
//
// A resolver hands gqlgen the bus's channel itself (or a resumed stream's,
// feed.Resume), so an idle subscriber costs no goroutine of the resolver's.
// Under the WebSocket transport the channel is read only when the bus says
// there is something on it (transport.Notifier), so that no goroutine waits
// on it either. How a stream ended (the subscriber fell behind, the gateway
// shut down) is reported when its channel closes: the resolver tells the
// transport where to learn it (transport.SetStreamEnd), and the presenter
// words it (streamError).

const (
	eventType = "ReturnCaseEvent"
	alertType = "ReturnDeadlineAlert"
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
	o := feed.SubscribeOptions{Notify: transport.Notifier(ctx)}
	var sub feed.Subscription
	if after == nil {
		sub = r.deps.Bus.Subscribe(org, f, o)
	} else {
		sub = feed.Resume(ctx, r.deps.Store, r.deps.Bus, org, f, from, o)
	}
	context.AfterFunc(ctx, sub.Close)
	transport.SetStreamEnd(ctx, sub.Err)
	return sub.C(), nil
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
	transport.SetStreamEnd(ctx, sub.Err)
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
