package actions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// A write whose outcome is unknown: the platform did not answer (a timeout,
// a dropped connection) and the case could not be read back either. Its
// idempotency key is not released (a retry would send the write again) but
// kept UNKNOWN, with the intent recorded before the write was sent; the
// reconciler reads the case until it can tell, then completes the key with
// the real outcome (storing the case and its event once) or, if the write
// never took effect, frees it. The same intent lets it settle, after a
// restart, the key of a write a crash interrupted.
//
// Replicas share the keys, so a claim with no request running for it in this
// process may still be another replica's live request: it counts as
// abandoned only once it is older than any request can hold it (staleClaim,
// plus clockSkew), and Do bounds every request's hold by a deadline so that
// this is a fact: past it the request neither calls the platform nor touches
// the store or the key.

// ReconcileOptions tune the reconciler.
type ReconcileOptions struct {
	// MinWait and MaxWait bound the back-off between looks at platforms
	// that stay unreadable (defaults 1 s and 1 min). With nothing unknown
	// the reconciler sleeps until a write's outcome is unknown.
	MinWait, MaxWait time.Duration
	// CrashAfterWrite is for tests: when it reports true for a case, an
	// action on it stops right after the platform carried out its write,
	// before anything is stored or its key settled, as if the process died
	// there; the request answers ErrCrashed.
	CrashAfterWrite func(returns.CaseKey) bool
}

// ErrCrashed is the answer of a request that ReconcileOptions.CrashAfterWrite stopped.
var ErrCrashed = errors.New("actions: stopped after the platform write, as a crash would")

// settleBatch is how many unsettled keys of an organisation one pass reads.
const settleBatch = 100

// keyState is what the service knows of idempotency keys beyond the store:
// which keys have a request running in this process (and the intent it
// recorded), and the reconciler's wake-ups and waits.
type keyState struct {
	mu       sync.Mutex
	inflight map[flightKey]*flight

	wake             chan struct{}
	minWait, maxWait time.Duration
	// skew is the allowance for clocks that differ between replicas: a
	// claim's age is read on one replica's clock from a creation time
	// stamped by another's.
	skew  time.Duration
	crash func(returns.CaseKey) bool
}

type flightKey struct {
	org returns.OrgID
	key string
}

type flight struct {
	intent []byte // set once the write is about to be sent
}

// clockSkew is how far apart the replicas' clocks may be (they are kept by
// NTP, normally within milliseconds): a margin added to staleClaim before a
// claim stamped by another replica's clock counts as abandoned.
const clockSkew = 5 * time.Second

func (k *keyState) init(o ReconcileOptions) {
	k.inflight = map[flightKey]*flight{}
	k.wake = make(chan struct{}, 1)
	k.skew = clockSkew
	k.minWait, k.maxWait, k.crash = o.MinWait, o.MaxWait, o.CrashAfterWrite
	if k.minWait <= 0 {
		k.minWait = time.Second
	}
	if k.maxWait < k.minWait {
		k.maxWait = max(time.Minute, k.minWait)
	}
}

// running notes that this process runs the key's request; the returned func
// notes that it ended.
func (k *keyState) running(org returns.OrgID, key string) func() {
	fk := flightKey{org, key}
	k.mu.Lock()
	k.inflight[fk] = &flight{}
	k.mu.Unlock()
	return func() {
		k.mu.Lock()
		delete(k.inflight, fk)
		k.mu.Unlock()
	}
}

func (k *keyState) get(org returns.OrgID, key string) (f flight, running bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	p, ok := k.inflight[flightKey{org, key}]
	if !ok {
		return flight{}, false
	}
	return *p, true
}

func (k *keyState) sent(org returns.OrgID, key string, intent []byte) {
	k.mu.Lock()
	if f, ok := k.inflight[flightKey{org, key}]; ok {
		f.intent = intent
	}
	k.mu.Unlock()
}

// intent is what the key of a write records before the write is sent: what
// to read and how to judge it should the answer never come.
type intent struct {
	Platform returns.PlatformID `json:"platform"`
	Shop     string             `json:"shop"`
	CaseID   string             `json:"caseId"`
	Action   returns.Action     `json:"action"`
	Before   returns.Status     `json:"before"` // the case's status when the write was sent
	Detail   map[string]string  `json:"detail"` // the event's detail
	// StepAt is set for a step recorded for the seller centre (no platform
	// write): the RecordedAt of the step, which tells whether it was stored.
	StepAt *time.Time `json:"stepAt,omitempty"`
	// Route is an approval's return route, recorded on the case once the
	// write is known to have been carried out.
	Route *returns.CaseRoute `json:"route,omitempty"`
}

// recordIntent stores the intent of a keyed write on its key before the
// write is sent (stepAt: before a seller-centre step is stored); a store that
// cannot record it stops the write.
func (s *Service) recordIntent(ctx context.Context, req Request, c *returns.Case, acked []string, stepAt *time.Time) error {
	if req.IdempotencyKey == "" {
		return nil
	}
	b, err := json.Marshal(intent{Platform: c.Platform, Shop: c.ShopID, CaseID: c.PlatformCaseID, Action: req.Platform.Action,
		Before: c.Status, Detail: eventDetail(ctx, req, req.Platform.Action, acked), StepAt: stepAt, Route: req.route})
	if err == nil {
		dctx, cancel := detached(ctx)
		err = s.store.RecordIdempotencyIntent(dctx, req.Org, req.IdempotencyKey, b)
		cancel()
	}
	if err != nil {
		return fmt.Errorf("record the intent of idempotency key %q: %w", req.IdempotencyKey, err)
	}
	s.keys.sent(req.Org, req.IdempotencyKey, b)
	return nil
}

// unknownOutcome is a write that failed ambiguously followed by a read-back
// that failed too.
type unknownOutcome struct{ write, read error }

func (e *unknownOutcome) Error() string {
	return fmt.Sprintf("outcome unknown: write: %v; read back: %v", e.write, e.read)
}

func (e *unknownOutcome) Unwrap() error { return e.write }

func isUnknown(err error) bool {
	var u *unknownOutcome
	return errors.As(err, &u)
}

// unknown answers a write whose outcome is unknown, and keeps its key UNKNOWN
// for the reconciler.
func (s *Service) unknown(ctx context.Context, req Request, c *returns.Case, perr error) *Outcome {
	s.log.Warn("platform write outcome unknown", "case", c.PlatformCaseID, "action", req.Platform.Action,
		"key", req.IdempotencyKey, "err", perr)
	if req.IdempotencyKey != "" {
		f, _ := s.keys.get(req.Org, req.IdempotencyKey)
		sctx, cancel := settling(ctx)
		defer cancel()
		if err := s.store.MarkIdempotencyUnknown(sctx, req.Org, req.IdempotencyKey, f.intent); err != nil {
			// The key stays IN_PROGRESS with its intent: the reconciler
			// settles it once it counts as abandoned.
			s.log.Error("mark idempotency key unknown", "key", req.IdempotencyKey, "err", err)
		}
		s.Wake()
	}
	return &Outcome{Case: c, Errors: []*returns.Error{unknownError(req.IdempotencyKey)}}
}

func unknownError(key string) *returns.Error {
	if key == "" {
		return returns.Errorf(returns.CodeOutcomeUnknown, "the platform did not say whether it carried out the action, "+
			"and the case could not be read back; the gateway will pick up the case's state from the platform: check the case before trying again")
	}
	return returns.Errorf(returns.CodeOutcomeUnknown, "the platform did not say whether it carried out the action, "+
		"and the case could not be read back; the gateway keeps checking: retry with idempotency key %q for the outcome "+
		"(the action is not sent again)", key)
}

func outcomeUnknown(o *Outcome) bool {
	return o != nil && len(o.Errors) == 1 && o.Errors[0].Code == returns.CodeOutcomeUnknown
}

// abandoned reports whether an IN_PROGRESS record has no request running for
// it: none in this process, and none anywhere, because it was claimed longer
// ago than any request can hold a claim (staleClaim, which Do enforces) and
// than the replicas' clocks can differ. A claim made before this process
// started is no exception: on a shared store it may be another replica's
// live request, so a crash's claim too waits until it is stale.
func (s *Service) abandoned(org returns.OrgID, rec *store.IdempotencyRecord) bool {
	if _, running := s.keys.get(org, rec.Key); running {
		return false
	}
	return !s.now().Before(s.staleAt(rec))
}

// staleAt is when the claim of rec counts as abandoned (if no request of
// this process runs for it).
func (s *Service) staleAt(rec *store.IdempotencyRecord) time.Time {
	return rec.CreatedAt.Add(s.staleClaim() + s.keys.skew)
}

// takeOver takes over an abandoned claim and returns the record to honour
// (nil: the key is the caller's now). A claim whose write was sent becomes
// UNKNOWN: only the platform can tell whether the write took effect.
func (s *Service) takeOver(ctx context.Context, req Request, rec *store.IdempotencyRecord, hash string) (*store.IdempotencyRecord, error) {
	if len(rec.Intent) > 0 {
		s.log.Warn("an abandoned write's outcome is unknown", "key", req.IdempotencyKey, "claimed", rec.CreatedAt)
		if err := s.store.MarkIdempotencyUnknown(ctx, req.Org, req.IdempotencyKey, rec.Intent); err != nil &&
			returns.ErrorCodeOf(err) != returns.CodeInvalidState {
			return nil, fmt.Errorf("mark abandoned idempotency key unknown: %w", err)
		}
		s.Wake()
	} else {
		// Nothing was sent: the request can run again.
		s.log.Warn("taking over an abandoned idempotency key", "key", req.IdempotencyKey, "claimed", rec.CreatedAt)
		if err := s.store.ReleaseIdempotency(ctx, req.Org, req.IdempotencyKey); err != nil {
			return nil, fmt.Errorf("release abandoned idempotency key: %w", err)
		}
	}
	rec, err := s.store.ClaimIdempotency(ctx, req.Org, req.IdempotencyKey, hash)
	if err != nil {
		return nil, fmt.Errorf("claim idempotency key: %w", err)
	}
	return rec, nil
}

// abandon settles the key of a request that panicked: free if no write was
// sent, UNKNOWN if one was.
func (s *Service) abandon(ctx context.Context, req Request) {
	f, _ := s.keys.get(req.Org, req.IdempotencyKey)
	if len(f.intent) == 0 {
		_ = s.store.ReleaseIdempotency(ctx, req.Org, req.IdempotencyKey)
		return
	}
	_ = s.store.MarkIdempotencyUnknown(ctx, req.Org, req.IdempotencyKey, f.intent)
	s.Wake()
}

// Wake makes the reconciler look at the unsettled keys now.
func (s *Service) Wake() {
	select {
	case s.keys.wake <- struct{}{}:
	default:
	}
}

// RunReconciler settles the organisations' unsettled idempotency keys until
// ctx ends: at once, whenever a write's outcome turns unknown, while some
// stay unsettled after a back-off that doubles from MinWait to MaxWait, and
// when the youngest claims it had to leave (a request that may still run,
// here or on another replica; what a crash left) become stale. With nothing
// unsettled and nothing coming due it waits for a wake-up only.
func (s *Service) RunReconciler(ctx context.Context, orgs []returns.OrgID) {
	wait := s.keys.minWait
	for {
		var retry, due <-chan time.Time
		var timer, dueTimer *time.Timer
		left, next := s.settlePass(ctx, orgs)
		if left {
			timer = time.NewTimer(wait)
			retry = timer.C
			wait = min(2*wait, s.keys.maxWait)
		} else {
			wait = s.keys.minWait
		}
		if !next.IsZero() {
			// A claim is due once: by then its request has ended or is
			// taken over, so this timer does not come round again for it.
			dueTimer = time.NewTimer(max(next.Sub(s.now()), time.Millisecond))
			due = dueTimer.C
		}
		select {
		case <-ctx.Done():
		case <-s.keys.wake:
		case <-retry:
		case <-due:
		}
		if timer != nil {
			timer.Stop()
		}
		if dueTimer != nil {
			dueTimer.Stop()
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// SettleUnknown makes one pass over the organisations' unsettled keys and
// reports whether some are left that a later pass must look at again
// (claims too young to take over among them).
func (s *Service) SettleUnknown(ctx context.Context, orgs []returns.OrgID) (left bool) {
	left, next := s.settlePass(ctx, orgs)
	return left || !next.IsZero()
}

// settlePass makes one pass over the organisations' unsettled keys: left
// reports keys a later pass must retry (a store or platform that failed),
// next the earliest time a claim it left because it was too young becomes
// stale (zero: none).
func (s *Service) settlePass(ctx context.Context, orgs []returns.OrgID) (left bool, next time.Time) {
	for _, org := range orgs {
		recs, err := s.store.UnsettledIdempotency(ctx, org, settleBatch)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Error("list unsettled idempotency keys", "org", org, "err", err)
			}
			left = true
			continue
		}
		if len(recs) == settleBatch {
			left = true // more behind this batch
		}
		for i := range recs {
			if ctx.Err() != nil {
				return true, next
			}
			if at := s.youngClaim(org, &recs[i]); !at.IsZero() {
				if next.IsZero() || at.Before(next) {
					next = at
				}
				continue
			}
			if !s.settle(ctx, org, &recs[i]) {
				left = true
			}
		}
	}
	return left, next
}

// youngClaim is, for an IN_PROGRESS record no request of this process runs
// for that is too young to count as abandoned, when it becomes stale; zero
// otherwise.
func (s *Service) youngClaim(org returns.OrgID, rec *store.IdempotencyRecord) time.Time {
	if rec.State != store.IdempotencyInProgress {
		return time.Time{}
	}
	if _, running := s.keys.get(org, rec.Key); running {
		return time.Time{} // its request settles the key itself, and wakes us if it cannot
	}
	if s.abandoned(org, rec) {
		return time.Time{}
	}
	return s.staleAt(rec)
}

// settle settles one key, or reports false when a later pass must try again.
func (s *Service) settle(ctx context.Context, org returns.OrgID, rec *store.IdempotencyRecord) bool {
	var in intent
	if err := json.Unmarshal(rec.Intent, &in); err != nil {
		s.log.Error("unreadable intent of idempotency key", "key", rec.Key, "err", err)
		return false
	}
	if rec.State == store.IdempotencyInProgress {
		if _, running := s.keys.get(org, rec.Key); running {
			return true // its request settles the key itself, and wakes us if it cannot
		}
		if !s.abandoned(org, rec) {
			// A request here or on another replica may still run for it
			// (settlePass leaves such claims until they are stale).
			return false
		}
		if err := s.store.MarkIdempotencyUnknown(ctx, org, rec.Key, rec.Intent); err != nil {
			// Settled meanwhile (INVALID_STATE, NOT_FOUND), or try again.
			return returns.ErrorCodeOf(err) == returns.CodeInvalidState || returns.ErrorCodeOf(err) == returns.CodeNotFound
		}
	}
	if in.StepAt != nil {
		return s.settleStep(ctx, org, rec, &in)
	}
	p, ok := s.platforms.For(in.Platform, in.Shop)
	if !ok {
		s.log.Error("no connection to settle an idempotency key", "key", rec.Key, "platform", in.Platform, "shop", in.Shop)
		return false
	}
	pctx, cancel := context.WithTimeout(ctx, s.platformTimeout)
	defer cancel()
	fresh, err := p.GetCase(pctx, in.CaseID)
	if err != nil {
		s.log.Debug("platform still unreadable for an unknown outcome", "key", rec.Key, "case", in.CaseID, "err", err)
		return false
	}
	key := returns.CaseKey{Platform: in.Platform, PlatformCaseID: in.CaseID}
	defer s.lock(key)()
	stored, err := s.store.GetCase(ctx, org, key)
	if err != nil && returns.ErrorCodeOf(err) != returns.CodeNotFound {
		return false
	}
	fresh.KeepGatewayFields(stored)
	if fresh.Status != in.Before && in.Before.CanMoveTo(fresh.Status) && leadsTo(in.Action, fresh.Status) {
		// It took effect. Stored with its event, unless the poller brought
		// the same view in first (then the change has its event already).
		detail := map[string]string{"outcome": "RECONCILED"}
		for k, v := range in.Detail {
			detail[k] = v
		}
		r, err := s.locks.Write(ctx, s.store, org, fresh, store.Change{Source: returns.SourceMutation, Detail: detail}, s.publish)
		if err != nil {
			s.log.Error("store case of a reconciled write", "key", rec.Key, "err", err)
			return false
		}
		b, err := json.Marshal(toAnswer(&Outcome{Case: r.Case}))
		if err == nil {
			err = s.store.CompleteIdempotency(ctx, org, rec.Key, b)
		}
		if err != nil && returns.ErrorCodeOf(err) != returns.CodeInvalidState {
			s.log.Error("complete a reconciled idempotency key", "key", rec.Key, "err", err)
			return false
		}
		s.keepRoute(ctx, Request{Org: org, Key: key, route: in.Route})
		s.log.Info("write outcome settled: carried out", "key", rec.Key, "case", in.CaseID, "action", in.Action, "status", fresh.Status)
		return true
	}
	// It did not take effect: the platform's view is the truth, and the key
	// is free for a retry.
	if _, err := s.locks.Write(ctx, s.store, org, fresh, store.Change{Source: returns.SourcePoll}, s.publish); err != nil {
		s.log.Error("store case of an unreconciled write", "key", rec.Key, "err", err)
		return false
	}
	if err := s.store.ReleaseIdempotency(ctx, org, rec.Key); err != nil && returns.ErrorCodeOf(err) != returns.CodeInvalidState {
		s.log.Error("release an idempotency key whose write did not take effect", "key", rec.Key, "err", err)
		return false
	}
	s.log.Info("write outcome settled: not carried out", "key", rec.Key, "case", in.CaseID, "action", in.Action, "status", fresh.Status)
	return true
}

// settleStep settles the key of a seller-centre step: done if the step was
// stored (the case keeps it, stamped with the intent's time), free if not.
func (s *Service) settleStep(ctx context.Context, org returns.OrgID, rec *store.IdempotencyRecord, in *intent) bool {
	key := returns.CaseKey{Platform: in.Platform, PlatformCaseID: in.CaseID}
	defer s.lock(key)()
	c, err := s.store.GetCase(ctx, org, key)
	if err != nil && returns.ErrorCodeOf(err) != returns.CodeNotFound {
		return false
	}
	stored := c != nil && slices.ContainsFunc(c.PendingSteps, func(st returns.PendingStep) bool {
		return st.Action == in.Action && st.RecordedAt.Equal(*in.StepAt)
	})
	if stored {
		b, err := json.Marshal(toAnswer(&Outcome{Case: c}))
		if err == nil {
			err = s.store.CompleteIdempotency(ctx, org, rec.Key, b)
		}
		if err != nil && returns.ErrorCodeOf(err) != returns.CodeInvalidState {
			s.log.Error("complete the key of a recorded step", "key", rec.Key, "err", err)
			return false
		}
		s.keepRoute(ctx, Request{Org: org, Key: key, route: in.Route})
		return true
	}
	if err := s.store.ReleaseIdempotency(ctx, org, rec.Key); err != nil && returns.ErrorCodeOf(err) != returns.CodeInvalidState {
		s.log.Error("release the key of a step never recorded", "key", rec.Key, "err", err)
		return false
	}
	return true
}
