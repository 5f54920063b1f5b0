// Package actions carries out seller actions exactly once: it checks the
// idempotency key, loads the case, asks the platform's capabilities (and the
// rules) whether the action is allowed now, calls the platform, stores the
// new state and its event, and remembers the answer for the key. A platform
// action that cannot be done through the API is recorded on the case as a
// step to complete in the platform's seller centre.
package actions

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode"

	"go.opentelemetry.io/otel/attribute"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/feed"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/telemetry"
)

// Request is one seller action through the gateway.
type Request struct {
	Org returns.OrgID
	Key returns.CaseKey
	// IdempotencyKey makes the request safe to retry; empty means none.
	IdempotencyKey string
	// Input is the request's input in a canonical form (the API layer passes
	// the mutation's name and input without the key): the same key with
	// another input is a conflict.
	Input []byte
	// Platform carries the action and its parameters; the service fills in the case.
	Platform returns.ActionRequest
	// Check is what the rules need to judge the action beyond the case
	// (a rejection's grounds, the observed condition, a refund's amount).
	Check returns.ActionCheck
	// Acknowledged are rule ids the seller acknowledges, to proceed past
	// violations that allow it; they are recorded on the event.
	Acknowledged []string

	// local, when set, is a gateway-only action (an export-return step) run
	// instead of a platform action, under the same idempotency key handling.
	local func(ctx context.Context, req Request) (*Outcome, bool, error)
	// Inspection is returnRecordInspection's grading (an empty Disposition
	// defaults from the grade; the service sets InspectedAt).
	Inspection *returns.Inspection
	// RouteID names the return route of an approval; empty: the service
	// chooses one among the shop's routes (returns.ChooseRoute).
	RouteID string

	route *returns.CaseRoute // the approval's route, once planned
}

// Outcome is the answer to a Request.
type Outcome struct {
	Case     *returns.Case    // the case after the action, or as it stands when nothing was done
	Errors   []*returns.Error // why the action was not done; empty on success
	Replayed bool             // the stored answer of an earlier request with the same key
	Event    *returns.Event   // the event written, if any
	// notOurs: the key's claim was taken over meanwhile (another replica
	// judged it abandoned and runs the request): the key is left to it.
	notOurs bool
}

// Available is an action the platform and the case's status allow now.
type Available struct {
	Action returns.Action
	ViaAPI bool   // false: recorded for the seller centre
	URL    string // the seller-centre page, when not via the API
	// Violations are the rules the action breaks as it stands (without
	// grounds, acknowledgements or an amount); empty when the rules allow it.
	Violations []returns.Violation
}

// Service carries out seller actions.
type Service struct {
	store     store.Store
	platforms *adapters.Registry
	publish   func(returns.Event, *returns.Case)
	now       func() time.Time
	log       *slog.Logger
	// PlatformTimeout bounds a platform write; it is not tied to the caller's
	// request, so a client that hangs up cannot abort a write half-way.
	platformTimeout time.Duration
	policy          func(platform returns.PlatformID, shopID string) returns.RulePolicy

	locks *feed.CaseLocks // shared with the ingester: one writer of a case at a time

	routes    store.RouteStore    // nil: no return routes
	templates store.TemplateStore // nil: no buyer message templates

	keys keyState // the reconciler's: keys in flight, wake-ups, waits (reconcile.go)

	exports        store.ExportReturnStore
	evidenceExists EvidenceCheck // nil: evidence ids are taken as given
}

// Options configure a Service.
type Options struct {
	Store     store.Store
	Platforms *adapters.Registry
	// Publish is told of every event the service writes, with the case as
	// stored (the change feed's bus: Bus.Publish).
	Publish func(returns.Event, *returns.Case)
	Now     func() time.Time
	Log     *slog.Logger
	// PlatformTimeout bounds one platform write and its read-back (default 20 s).
	PlatformTimeout time.Duration
	// Locks serialises the writes of a case; give the ingester the same, so
	// a platform's report of an action's own change waits for the action.
	Locks *feed.CaseLocks
	// Policy is a shop's rule policy (its overrides of the configurable
	// rules); nil means the defaults everywhere.
	Policy func(platform returns.PlatformID, shopID string) returns.RulePolicy
	// Reconcile tunes the reconciler of writes whose outcome is unknown.
	Reconcile ReconcileOptions
	// ExportReturns keeps export-return workflows; nil: the mutations answer
	// UNSUPPORTED_ON_PLATFORM.
	ExportReturns store.ExportReturnStore
	// EvidenceExists checks that evidence ids belong to the organisation's
	// case (another part of the gateway stores evidence); it answers a coded
	// user error (NOT_FOUND, INVALID) for ids that do not. nil: ids are
	// stored as given.
	EvidenceExists EvidenceCheck
	// Routes are the shops' return routes: an approval sends the chosen
	// route's address and records the route on the case. Nil: none.
	Routes store.RouteStore
	// Templates are the buyer message templates, used where the platform
	// takes a message and the seller gives none. Nil: no message is added.
	Templates store.TemplateStore
}

// New returns a service.
func New(o Options) *Service {
	s := &Service{store: o.Store, platforms: o.Platforms, publish: o.Publish, now: o.Now, log: o.Log,
		platformTimeout: o.PlatformTimeout, policy: o.Policy, locks: o.Locks,
		exports: o.ExportReturns, evidenceExists: o.EvidenceExists, routes: o.Routes, templates: o.Templates}
	if s.locks == nil {
		s.locks = &feed.CaseLocks{}
	}
	if s.policy == nil {
		def := returns.DefaultRulePolicy()
		s.policy = func(returns.PlatformID, string) returns.RulePolicy { return def }
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.publish == nil {
		s.publish = func(returns.Event, *returns.Case) {}
	}
	if s.platformTimeout <= 0 {
		s.platformTimeout = 20 * time.Second
	}
	s.keys.init(o.Reconcile)
	return s
}

// MaxIdempotencyKey is the longest idempotency key accepted.
const MaxIdempotencyKey = 200

// Policy returns the rule policy of the case's shop.
func (s *Service) Policy(c *returns.Case) returns.RulePolicy { return s.policy(c.Platform, c.ShopID) }

// Available lists the actions the platform and the case's status allow now:
// those its API allows, then those its seller centre allows that are not
// already pending, then returnRecordInspection once the goods are back (the
// gateway's own record, listed as ViaAPI); each with the rules it would
// break as it stands.
func (s *Service) Available(c *returns.Case, now time.Time) []Available {
	p, ok := s.platforms.For(c.Platform, c.ShopID)
	if !ok {
		return nil
	}
	var out []Available
	for _, a := range p.AllowedActions(c) {
		out = append(out, Available{Action: a, ViaAPI: true})
	}
	if sc, ok := p.(returns.SellerCentre); ok {
		for _, a := range sc.SellerCentreActions(c) {
			if pending(c, a) || slices.ContainsFunc(out, func(x Available) bool { return x.Action == a }) {
				continue
			}
			out = append(out, Available{Action: a, URL: sc.SellerCentreURL(c, a)})
		}
	}
	if returns.GoodsBack(c) {
		// The gateway's own record: done at once, nothing to complete elsewhere.
		out = append(out, Available{Action: returns.ActionRecordInspection, ViaAPI: true})
	}
	if len(out) == 0 {
		return nil
	}
	policy := s.Policy(c)
	for i := range out {
		out[i].Violations = returns.CheckAction(c, returns.ActionCheck{Action: out[i].Action}, policy, now)
	}
	return out
}

// Allowed lists the actions of Available that no rule forbids as they stand.
func (s *Service) Allowed(c *returns.Case, now time.Time) []returns.Action {
	var out []returns.Action
	for _, a := range s.Available(c, now) {
		if len(a.Violations) == 0 {
			out = append(out, a.Action)
		}
	}
	return out
}

func pending(c *returns.Case, a returns.Action) bool {
	for _, st := range c.PendingSteps {
		if st.Action == a {
			return true
		}
	}
	return false
}

// answer is what is stored for an idempotency key.
type answer struct {
	Case   *returns.Case `json:"case"`
	Errors []storedError `json:"errors"`
}

type storedError struct {
	Code    returns.ErrorCode `json:"code"`
	Message string            `json:"message"`
	Field   []string          `json:"field,omitempty"`
	RuleID  string            `json:"ruleId,omitempty"`
}

// Do carries out the request. User-facing problems are in Outcome.Errors;
// the error is for internal failures only.
func (s *Service) Do(ctx context.Context, req Request) (*Outcome, error) {
	ctx, span := telemetry.Start(ctx, "actions."+string(req.Platform.Action), attribute.String("case", req.Key.PlatformCaseID))
	defer span.End()
	if req.IdempotencyKey == "" {
		out, _, err := s.run(ctx, req)
		return out, err
	}
	if e := validKey(req.IdempotencyKey); e != nil {
		return &Outcome{Errors: []*returns.Error{e}}, nil
	}
	sum := sha256.Sum256(req.Input)
	hash := hex.EncodeToString(sum[:])
	// The hold on a claim counts from before it is made, so that it ends
	// before staleClaim has passed since the claim's creation time.
	h := s.hold(time.Now())
	rec, err := s.store.ClaimIdempotency(ctx, req.Org, req.IdempotencyKey, hash)
	if err != nil {
		return nil, fmt.Errorf("claim idempotency key: %w", err)
	}
	if rec != nil && rec.State == store.IdempotencyInProgress && rec.RequestHash == hash && s.abandoned(req.Org, rec) {
		// A claim no request is running for (a crash, a panic): take it over.
		if rec, err = s.takeOver(ctx, req, rec, hash); err != nil {
			return nil, err
		}
	}
	if rec != nil {
		return s.replay(ctx, req, rec, hash)
	}
	defer s.keys.running(req.Org, req.IdempotencyKey)()
	// Everything the request does under its claim ends by the hold's
	// deadlines, after which another replica may take the claim over.
	ctx = context.WithValue(ctx, holdKey{}, h)
	// The key's fate must not depend on the caller still listening.
	bg, cancel := settling(ctx)
	defer cancel()
	defer func() {
		if v := recover(); v != nil {
			// Settle the key before the panic goes on: free if nothing was
			// sent, UNKNOWN if a write was.
			s.abandon(bg, req)
			panic(v)
		}
	}()
	rctx, rcancel := context.WithDeadline(ctx, h.run)
	out, effect, err := s.run(rctx, req)
	rcancel()
	if errors.Is(err, ErrCrashed) || outcomeUnknown(out) || (out != nil && out.notOurs) {
		// Crashed (a test): the key stays as a crash leaves it. Unknown: do
		// marked the key UNKNOWN, and the reconciler settles it.
		return out, err
	}
	if err != nil || !effect {
		if rerr := s.store.ReleaseIdempotency(bg, req.Org, req.IdempotencyKey); rerr != nil {
			// Left for the reconciler (if a write was recorded) or a retry,
			// once the claim is stale.
			s.log.Error("release idempotency key", "key", req.IdempotencyKey, "err", rerr)
			s.Wake()
		}
		return out, err
	}
	b, merr := json.Marshal(toAnswer(out))
	if merr == nil {
		merr = s.store.CompleteIdempotency(bg, req.Org, req.IdempotencyKey, b)
	}
	if merr != nil {
		// The action happened; only its memory failed. A retry with the key
		// will see it in progress and the platform's own state check stops a
		// second action; the reconciler settles the key once it is stale.
		s.log.Error("complete idempotency key", "key", req.IdempotencyKey, "err", merr)
		s.Wake()
	}
	return out, nil
}

// staleClaim is how old an unfinished idempotency claim must be to count as
// abandoned (with clockSkew on top): no request holds a claim longer (hold).
func (s *Service) staleClaim() time.Duration { return 3 * s.platformTimeout }

// claimHold is how long a request may act under its idempotency claim,
// counted from just before the claim: run bounds the action (waiting for the
// case's lock, the checks, the platform write and read-back, storing the
// result), end the settling of the key after it. Past end the request
// touches neither the platform nor the store, so a claim older than
// staleClaim has no request left anywhere.
type claimHold struct{ run, end time.Time }

type holdKey struct{}

// hold is the hold of a claim made at t: the action gets two platform
// timeouts (one for what comes before the write, one for the write and its
// read-back), the key's settling the third.
func (s *Service) hold(t time.Time) claimHold {
	return claimHold{run: t.Add(2 * s.platformTimeout), end: t.Add(s.staleClaim())}
}

// detached is ctx without the caller's cancellation, for work that must
// finish on its own terms once begun (a write, storing its result), but
// within the request's hold on its claim (claimHold.run), if it has one.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return withinHold(ctx, func(h claimHold) time.Time { return h.run })
}

// settling is ctx without the caller's cancellation, for settling the
// request's idempotency key: within the end of its hold, if it has one.
func settling(ctx context.Context) (context.Context, context.CancelFunc) {
	return withinHold(ctx, func(h claimHold) time.Time { return h.end })
}

// withinHold is ctx without the caller's cancellation, ending at the
// deadline of ctx's hold that until picks (none without a hold).
func withinHold(ctx context.Context, until func(claimHold) time.Time) (context.Context, context.CancelFunc) {
	d := context.WithoutCancel(ctx)
	if h, ok := ctx.Value(holdKey{}).(claimHold); ok {
		return context.WithDeadline(d, until(h))
	}
	return context.WithCancel(d)
}

func (s *Service) replay(ctx context.Context, req Request, rec *store.IdempotencyRecord, hash string) (*Outcome, error) {
	if rec.RequestHash != hash {
		return s.withCase(ctx, req, returns.Errorf(returns.CodeConflict,
			"idempotency key %q was used with a different input", req.IdempotencyKey).WithField("input", "idempotencyKey")), nil
	}
	if rec.State == store.IdempotencyUnknown {
		// Never to the platform again: the reconciler finds out what became of the first.
		s.Wake()
		return s.withCase(ctx, req, unknownError(req.IdempotencyKey)), nil
	}
	if rec.State != store.IdempotencyDone {
		return s.withCase(ctx, req, returns.Errorf(returns.CodeConflict,
			"a request with idempotency key %q is still in progress", req.IdempotencyKey).WithField("input", "idempotencyKey")), nil
	}
	var a answer
	if err := json.Unmarshal(rec.Response, &a); err != nil {
		return nil, fmt.Errorf("decode stored answer for key %q: %w", req.IdempotencyKey, err)
	}
	out := &Outcome{Case: a.Case, Replayed: true}
	for _, e := range a.Errors {
		out.Errors = append(out.Errors, &returns.Error{Code: e.Code, Message: e.Message, Field: e.Field, RuleID: e.RuleID})
	}
	return out, nil
}

func toAnswer(o *Outcome) answer {
	a := answer{Case: o.Case, Errors: []storedError{}}
	for _, e := range o.Errors {
		a.Errors = append(a.Errors, storedError{Code: e.Code, Message: e.Message, Field: e.Field, RuleID: e.RuleID})
	}
	return a
}

// withCase is an outcome with one error and the case as it stands, if it can be read.
func (s *Service) withCase(ctx context.Context, req Request, e *returns.Error) *Outcome {
	c, _ := s.store.GetCase(ctx, req.Org, req.Key)
	return &Outcome{Case: c, Errors: []*returns.Error{e}}
}

func validKey(k string) *returns.Error {
	if len(k) > MaxIdempotencyKey {
		return returns.Errorf(returns.CodeInvalid, "idempotency key longer than %d bytes", MaxIdempotencyKey).WithField("input", "idempotencyKey")
	}
	for _, r := range k {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return returns.Errorf(returns.CodeInvalid, "idempotency key must be printable without spaces").WithField("input", "idempotencyKey")
		}
	}
	return nil
}

func (s *Service) lock(k returns.CaseKey) func() { return s.locks.Lock(k) }

// claimLost is the answer when the intent could not be recorded because the
// key's claim is no longer this request's: another request (on another
// replica, which judged the claim abandoned) took it over and sends the
// write. Nothing is sent, and the key is not touched.
func claimLost(req Request, c *returns.Case, err error) *Outcome {
	if returns.ErrorCodeOf(err) != returns.CodeInvalidState {
		return nil
	}
	return &Outcome{Case: c, notOurs: true, Errors: []*returns.Error{returns.Errorf(returns.CodeConflict,
		"a request with idempotency key %q is still in progress", req.IdempotencyKey).WithField("input", "idempotencyKey")}}
}

// run carries out the request: its local action, or the platform's.
func (s *Service) run(ctx context.Context, req Request) (*Outcome, bool, error) {
	if req.local != nil {
		return req.local(ctx, req)
	}
	return s.do(ctx, req)
}

// do carries out the action. effect reports whether anything reached the
// platform or the store, i.e. whether the answer must be remembered.
func (s *Service) do(ctx context.Context, req Request) (out *Outcome, effect bool, err error) {
	defer s.lock(req.Key)()
	if err := ctx.Err(); err != nil {
		return nil, false, err // the wait for the lock outlasted the caller or the claim's hold
	}
	action := req.Platform.Action
	c, err := s.store.GetCase(ctx, req.Org, req.Key)
	if err != nil {
		if returns.ErrorCodeOf(err) == returns.CodeNotFound {
			return &Outcome{Errors: []*returns.Error{returns.Errorf(returns.CodeNotFound, "no such case").WithField("input", "id")}}, false, nil
		}
		return nil, false, err
	}
	fail := func(e *returns.Error) (*Outcome, bool, error) {
		return &Outcome{Case: c, Errors: []*returns.Error{e}}, false, nil
	}
	if action == returns.ActionRecordInspection {
		return s.inspect(ctx, req, c) // the gateway's own record: no platform involved
	}
	p, ok := s.platforms.For(c.Platform, c.ShopID)
	if !ok {
		return fail(returns.Errorf(returns.CodePlatformUnavailable, "no connection to %s is configured for shop %q", c.Platform, c.ShopID))
	}
	now := s.now()
	var via *Available
	for _, a := range s.Available(c, now) {
		if a.Action == action {
			a := a
			via = &a
			break
		}
	}
	if via == nil {
		if !p.Capabilities().Offers(action) {
			return fail(returns.Errorf(returns.CodeUnsupported, "%s offers no way to %s", c.Platform, describe(action)))
		}
		if pending(c, action) {
			return fail(returns.Errorf(returns.CodeInvalidState, "%s is already recorded and waits to be completed in the %s seller centre", action, c.Platform))
		}
		return fail(returns.Errorf(returns.CodeInvalidState, "cannot %s while the case is %s (%s status %s)",
			describe(action), c.Status, c.Platform, c.PlatformStatus.Code))
	}
	// The rules, before anything reaches the platform.
	if e := unknownRules(req.Acknowledged); e != nil {
		return fail(e)
	}
	check := req.Check
	check.Action = action
	if check.Amount == nil {
		check.Amount = req.Platform.Amount
	}
	violations := returns.CheckAction(c, check, s.Policy(c), now)
	if open := returns.Unacknowledged(violations, req.Acknowledged); len(open) > 0 {
		out := &Outcome{Case: c}
		for _, v := range open {
			e := v.Err()
			if !v.Acknowledgeable {
				e.Message += " (this rule cannot be acknowledged)"
			} else {
				e.Message += " (acknowledge " + v.RuleID + " to proceed)"
			}
			out.Errors = append(out.Errors, e)
		}
		return out, false, nil
	}
	acked := acknowledged(violations)
	if action == returns.ActionApprove {
		cr, e, err := s.planRoute(ctx, req, c, now)
		if err != nil {
			return nil, false, err
		}
		if e != nil {
			return fail(e)
		}
		if req.route = cr; cr != nil && req.Platform.ReturnAddressID == "" && cr.Route.PlatformAddressID != "" {
			if e, err := s.checkRouteAddress(ctx, p, cr); e != nil || err != nil {
				if err != nil {
					return nil, false, err
				}
				return fail(e)
			}
			req.Platform.ReturnAddressID = cr.Route.PlatformAddressID
		}
	}
	if !via.ViaAPI {
		return s.record(ctx, req, c, via, acked)
	}
	if err := s.fillMessage(ctx, &req, c, p); err != nil {
		return nil, false, err
	}

	preq := req.Platform
	preq.Case = c
	// Detached from the caller: a write must finish or fail on its own terms
	// (within the claim's hold).
	dctx, dcancel := detached(ctx)
	defer dcancel()
	pctx, cancel := context.WithTimeout(dctx, s.platformTimeout)
	defer cancel()
	if err := s.recordIntent(pctx, req, c, acked, nil); err != nil {
		if lost := claimLost(req, c, err); lost != nil {
			return lost, false, nil
		}
		return nil, false, err
	}
	res, perr := p.Perform(pctx, preq)
	if perr != nil {
		res, perr = s.reconcile(pctx, p, c, action, perr)
	}
	if perr == nil && s.keys.crash != nil && s.keys.crash(req.Key) {
		return nil, false, ErrCrashed
	}
	if isUnknown(perr) {
		return s.unknown(pctx, req, c, perr), false, nil
	}
	if perr != nil {
		code := returns.ErrorCodeOf(perr)
		if code == returns.CodeInternal {
			return nil, false, perr
		}
		e := &returns.Error{Code: code, Message: returns.ErrorMessage(perr)}
		var re *returns.Error
		if errors.As(perr, &re) {
			e.Field, e.RuleID = re.Field, re.RuleID
		}
		if code == returns.CodeInvalidState {
			// The platform knows better than our copy: refresh it so the answer shows why.
			if fresh, gerr := p.GetCase(pctx, c.PlatformCaseID); gerr == nil {
				fresh.KeepGatewayFields(c)
				if r, uerr := s.locks.Write(pctx, s.store, req.Org, fresh, store.Change{Source: returns.SourcePoll}, s.publish); uerr == nil {
					c = r.Case
				}
			}
		}
		// A refusal by the platform is an answer worth remembering; anything
		// else changed nothing and may be retried with the same key.
		return &Outcome{Case: c, Errors: []*returns.Error{e}}, code == returns.CodePlatformRejected, nil
	}

	next := res.Case
	if next == nil {
		cp := *c
		cp.Status = res.Expected
		// Not the gateway's clock: the ingester drops a platform view older
		// than the stored one, and the platform's own record of this action
		// (its status code, deadlines) is stamped before our now. Just past
		// the last platform change keeps out views fetched before the action
		// and lets the platform's next one in.
		cp.UpdatedAt = c.UpdatedAt.Add(time.Nanosecond)
		next = &cp
	}
	next.KeepGatewayFields(c)
	detail := eventDetail(ctx, req, action, acked)
	r, uerr := s.locks.Write(pctx, s.store, req.Org, next, store.Change{Source: returns.SourceMutation, Detail: detail, Always: true}, s.publish)
	if uerr != nil {
		// The platform acted; the poller will bring the state in. Say so in the log, answer with the truth.
		s.log.Error("store case after platform action", "case", c.PlatformCaseID, "action", action, "err", uerr)
		s.keepRoute(pctx, req)
		return &Outcome{Case: next}, true, nil
	}
	s.keepRoute(pctx, req)
	return &Outcome{Case: r.Case, Event: r.Event}, true, nil
}

// reconcile looks at the platform after a write failed in a way that leaves
// it unknown whether the platform acted (a timeout, a 5xx): if the case moved
// the way the action moves it, the action happened.
func (s *Service) reconcile(ctx context.Context, p returns.Platform, c *returns.Case, a returns.Action, perr error) (*returns.ActionResult, error) {
	var pe *adapters.PlatformError
	if !errors.As(perr, &pe) || !pe.Ambiguous {
		return nil, perr
	}
	fresh, err := p.GetCase(ctx, c.PlatformCaseID)
	if err != nil {
		// Neither the write nor the read answered: only a later look can tell.
		return nil, &unknownOutcome{write: perr, read: err}
	}
	if fresh.Status != c.Status && c.Status.CanMoveTo(fresh.Status) && leadsTo(a, fresh.Status) {
		s.log.Warn("platform write failed ambiguously but took effect", "case", c.PlatformCaseID, "action", a, "err", perr)
		return &returns.ActionResult{Case: fresh, Expected: fresh.Status}, nil
	}
	return nil, perr
}

// leadsTo reports whether the action can have moved a case to the status.
// The platforms differ (AliExpress refuses by counter-proposing; approving
// a refund-only request may refund at once), so each action lists every
// status it may lead to; none lists a move only the buyer or a timer makes,
// such as a withdrawal.
func leadsTo(a returns.Action, st returns.Status) bool {
	var to []returns.Status
	switch a {
	case returns.ActionApprove:
		to = []returns.Status{returns.StatusAwaitingBuyerShipment, returns.StatusRefundPending, returns.StatusRefunded}
	case returns.ActionReject:
		to = []returns.Status{returns.StatusRejected, returns.StatusNegotiating}
	case returns.ActionOffer:
		to = []returns.Status{returns.StatusNegotiating}
	case returns.ActionConfirmReceipt:
		to = []returns.Status{returns.StatusReceived, returns.StatusRefundPending, returns.StatusRefunded,
			returns.StatusExchangeShipped, returns.StatusRejected}
	case returns.ActionRefund:
		to = []returns.Status{returns.StatusRefundPending, returns.StatusRefunded}
	case returns.ActionEscalate:
		to = []returns.Status{returns.StatusEscalated}
	}
	return slices.Contains(to, st)
}

// eventDetail is what the event of an action records: the action, its key,
// the rules the seller acknowledged to take it, and the id of the request.
func eventDetail(ctx context.Context, req Request, action returns.Action, acked []string) map[string]string {
	detail := map[string]string{"action": string(action)}
	if id := telemetry.RequestID(ctx); id != "" {
		detail["requestId"] = id // the request that wrote it, to find its log lines and trace
	}
	if req.IdempotencyKey != "" {
		detail["idempotencyKey"] = req.IdempotencyKey
	}
	if len(acked) > 0 {
		detail["acknowledgedRules"] = strings.Join(acked, ",")
	}
	if req.route != nil {
		detail["routeId"] = req.route.Route.ID
	}
	return detail
}

// acknowledged returns the ids of the violations the seller acknowledged (the
// caller has made sure none is left open).
func acknowledged(vs []returns.Violation) []string {
	var ids []string
	for _, v := range vs {
		if !slices.Contains(ids, v.RuleID) {
			ids = append(ids, v.RuleID)
		}
	}
	return ids
}

// unknownRules refuses acknowledgements of rule ids the catalogue lacks: a
// typo must not pass for an acknowledgement.
func unknownRules(ids []string) *returns.Error {
	for _, id := range ids {
		if _, ok := returns.LookupRule(id); !ok {
			return returns.Errorf(returns.CodeInvalid, "unknown rule id %q in acknowledgeRules", id).WithField("input", "acknowledgeRules")
		}
	}
	return nil
}

// record notes an action that the platform offers only in its seller centre.
func (s *Service) record(ctx context.Context, req Request, c *returns.Case, via *Available, acked []string) (*Outcome, bool, error) {
	at := s.now().UTC()
	// Recorded with the key first, so a crash before the key is completed
	// can tell whether the step was stored (settleStep).
	if err := s.recordIntent(ctx, req, c, acked, &at); err != nil {
		if lost := claimLost(req, c, err); lost != nil {
			return lost, false, nil
		}
		return nil, false, err
	}
	next := *c
	next.PendingSteps = append(slices.Clip(c.PendingSteps), returns.PendingStep{
		Action:     via.Action,
		RecordedAt: at,
		Note:       routeNote(req.route, stepNote(s.withDefaultRefund(c, via.Action, req.Platform))),
		URL:        via.URL,
	})
	detail := eventDetail(ctx, req, via.Action, acked)
	detail["completeIn"] = "SELLER_CENTRE"
	dctx, cancel := detached(ctx)
	defer cancel()
	r, err := s.locks.Write(dctx, s.store, req.Org, &next, store.Change{Source: returns.SourceMutation, Detail: detail, Always: true}, s.publish)
	if err != nil {
		return nil, false, err
	}
	if s.keys.crash != nil && s.keys.crash(req.Key) {
		return nil, false, ErrCrashed
	}
	s.keepRoute(dctx, req)
	return &Outcome{Case: r.Case, Event: r.Event}, true, nil
}

// withDefaultRefund fills in, for a refund the seller asks to be done in the
// seller centre without naming an amount, the amount the rules call for, so
// the recorded step says how much to refund there.
func (s *Service) withDefaultRefund(c *returns.Case, a returns.Action, r returns.ActionRequest) returns.ActionRequest {
	if a != returns.ActionRefund || r.Amount != nil {
		return r
	}
	if m, _, err := returns.DefaultRefund(c, s.Policy(c), returns.RefundBasis{Tariff: c.Tariff}); err == nil {
		r.Amount = &m
	}
	return r
}

func stepNote(r returns.ActionRequest) string {
	switch {
	case r.Amount != nil && r.Note != "":
		return r.Amount.String() + ": " + r.Note
	case r.Amount != nil:
		return r.Amount.String()
	case r.Note != "":
		return r.Note
	}
	return r.Message
}

func describe(a returns.Action) string {
	switch a {
	case returns.ActionApprove:
		return "approve the request"
	case returns.ActionReject:
		return "refuse the request"
	case returns.ActionOffer:
		return "make a counter-offer"
	case returns.ActionConfirmReceipt:
		return "confirm receipt"
	case returns.ActionRecordInspection:
		return "record an inspection"
	case returns.ActionRefund:
		return "refund"
	case returns.ActionEscalate:
		return "escalate to the platform"
	}
	return string(a)
}
