package store

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/telemetry"
)

// Instrumented is a Store that times its calls into the store-query
// histogram and traces them. Methods it does not wrap pass straight through
// to the embedded Store.
type Instrumented struct {
	Store
	hist *prometheus.HistogramVec
}

// Instrument wraps s; a nil m traces only.
func Instrument(s Store, m *telemetry.Metrics) *Instrumented {
	in := &Instrumented{Store: s}
	if m != nil {
		in.hist = m.StoreQueries
	}
	return in
}

func (in *Instrumented) start(ctx context.Context, op string) (context.Context, func(error)) {
	t0 := time.Now()
	ctx, span := telemetry.Start(ctx, "store."+op, attribute.String("store.op", op))
	return ctx, func(err error) {
		if in.hist != nil {
			in.hist.WithLabelValues(op).Observe(time.Since(t0).Seconds())
		}
		telemetry.End(span, err)
	}
}

// UpsertCase is Store.UpsertCase, timed.
func (in *Instrumented) UpsertCase(ctx context.Context, org returns.OrgID, c *returns.Case, ch Change) (*UpsertResult, error) {
	ctx, done := in.start(ctx, "UpsertCase")
	r, err := in.Store.UpsertCase(ctx, org, c, ch)
	done(err)
	return r, err
}

// GetCase is Store.GetCase, timed.
func (in *Instrumented) GetCase(ctx context.Context, org returns.OrgID, key returns.CaseKey) (*returns.Case, error) {
	ctx, done := in.start(ctx, "GetCase")
	c, err := in.Store.GetCase(ctx, org, key)
	done(err)
	return c, err
}

// GetCases is Store.GetCases, timed.
func (in *Instrumented) GetCases(ctx context.Context, org returns.OrgID, keys []returns.CaseKey) ([]*returns.Case, error) {
	ctx, done := in.start(ctx, "GetCases")
	cs, err := in.Store.GetCases(ctx, org, keys)
	done(err)
	return cs, err
}

// ListCases is Store.ListCases, timed.
func (in *Instrumented) ListCases(ctx context.Context, org returns.OrgID, q ListQuery) (*CasePage, error) {
	ctx, done := in.start(ctx, "ListCases")
	p, err := in.Store.ListCases(ctx, org, q)
	done(err)
	return p, err
}

// EventsAfter is Store.EventsAfter, timed.
func (in *Instrumented) EventsAfter(ctx context.Context, org returns.OrgID, after int64, limit int) ([]returns.Event, error) {
	ctx, done := in.start(ctx, "EventsAfter")
	evs, err := in.Store.EventsAfter(ctx, org, after, limit)
	done(err)
	return evs, err
}

// ClaimIdempotency is Store.ClaimIdempotency, timed.
func (in *Instrumented) ClaimIdempotency(ctx context.Context, org returns.OrgID, key, requestHash string) (*IdempotencyRecord, error) {
	ctx, done := in.start(ctx, "ClaimIdempotency")
	r, err := in.Store.ClaimIdempotency(ctx, org, key, requestHash)
	done(err)
	return r, err
}
