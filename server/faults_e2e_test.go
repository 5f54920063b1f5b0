package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/actions"
	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabasim"
	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabawire"
	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresssim"
	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhssim"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/returns"
)

// The faults a refund is driven through, on every platform.
var refundFaults = []string{"slow", "down", "throttling", "malformed-json", "error-envelope-200",
	"applied-then-timeout", "applied-then-dropped"}

// crashSwitch names the case whose next action stops, as a crash would,
// between the platform's write and the store.
type crashSwitch struct {
	mu  sync.Mutex
	key *returns.CaseKey
}

func (c *crashSwitch) set(k *returns.CaseKey) { c.mu.Lock(); c.key = k; c.mu.Unlock() }

func (c *crashSwitch) hit(k returns.CaseKey) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.key != nil && *c.key == k {
		c.key = nil
		return true
	}
	return false
}

// faultsGateway runs the gateway on :0 against sb's simulators and the
// database db, and waits until it is ready. The caller closes it.
func faultsGateway(t *testing.T, sb *Sandbox, db string, crash *crashSwitch) *Main {
	t.Helper()
	m := NewMain()
	m.Stdout = io.Discard
	if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--db", db, "--sandbox", "true", "--demo-key", testKey, "--rate-limit", "0",
		"--poll-interval", "100ms", "--log-level", "error"}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	m.Sandbox = sb
	m.TuneActions = func(o *actions.Options) {
		o.PlatformTimeout = 3 * time.Second
		o.Reconcile = actions.ReconcileOptions{MinWait: 20 * time.Millisecond, MaxWait: 200 * time.Millisecond,
			CrashAfterWrite: crash.hit}
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, "gateway ready", func() bool {
		resp, err := http.Get(m.URL() + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return m
}

// refundPlatform drives refunds on one simulated platform.
type refundPlatform struct {
	id       returns.PlatformID
	mutation string // the mutation that pays the refund (or records the step)
	// open opens a refund-only request on the simulator.
	open func(t *testing.T) string
	// inject sets the fault up; clear takes every fault away.
	inject func(fault string)
	clear  func()
	// writes counts the platform's write calls (nil: no write API).
	writes func() int
	// reads counts the calls the gateway's poller makes.
	reads   func() int
	refunds func(caseID string) int
	// sellerCentre pays the refund where the platform has no API for it.
	sellerCentre func(t *testing.T, caseID string)
}

func refundPlatforms(sb *Sandbox) []*refundPlatform {
	xhsSim, aeSim, aliSim := sb.XHS, sb.AliExpress, sb.Alibaba
	return []*refundPlatform{
		{
			id: returns.XHS, mutation: "returnRefund",
			open: func(t *testing.T) string {
				id, err := xhsSim.Open("xhs-domestic", xhssim.OpenRequest{ReturnType: xhswire.ReturnTypeRefundAfterShip})
				if err != nil {
					t.Fatal(err)
				}
				return id
			},
			inject: func(f string) {
				apiFault(f, xhsSim.SetLatency, xhsSim.SetDown, func(k string, n int) {
					xhsSim.InjectFault(xhswire.MethodAuditReturns, xhssim.FaultKind(k), n)
				}, func(k string, n int) { xhsSim.InjectFault(xhswire.MethodGetAfterSaleInfo, xhssim.FaultKind(k), n) })
			},
			clear:   func() { xhsSim.SetLatency(0); xhsSim.SetDown(false); xhsSim.ClearFaults() },
			writes:  func() int { return xhsSim.Calls(xhswire.MethodAuditReturns) },
			reads:   func() int { return xhsSim.Calls(xhswire.MethodListAfterSaleInfos) },
			refunds: func(id string) int { return len(xhsSim.Refunds(id)) },
		},
		{
			id: returns.AliExpress, mutation: "returnApprove",
			open: func(t *testing.T) string {
				id, err := aeSim.Open(aliexpresssim.OpenRequest{})
				if err != nil {
					t.Fatal(err)
				}
				return id
			},
			inject: func(f string) {
				apiFault(f, aeSim.SetLatency, aeSim.SetDown, func(k string, n int) {
					aeSim.InjectFault(aliexpresswire.MethodSolutionAgree, aliexpresssim.FaultKind(k), n)
				}, func(k string, n int) {
					aeSim.InjectFault(aliexpresswire.MethodIssueDetail, aliexpresssim.FaultKind(k), n)
				})
			},
			clear:   func() { aeSim.SetLatency(0); aeSim.SetDown(false); aeSim.ClearFaults() },
			writes:  func() int { return aeSim.Calls(aliexpresswire.MethodSolutionAgree) },
			reads:   func() int { return aeSim.Calls(aliexpresswire.MethodIssueList) },
			refunds: func(id string) int { return len(aeSim.Refunds(id)) },
		},
		{
			// Alibaba.com has no write API: the gateway records the seller's
			// decision as a step, the seller pays in the seller centre, and
			// the faults hit the reads that bring the refund in.
			id: returns.Alibaba, mutation: "returnApprove",
			open: func(t *testing.T) string {
				id, err := aliSim.Open(alibabasim.OpenRequest{})
				if err != nil {
					t.Fatal(err)
				}
				return id
			},
			inject: func(f string) {
				switch f {
				case "slow":
					aliSim.SetLatency(100 * time.Millisecond)
				case "down":
					aliSim.SetDown(true)
				default:
					aliSim.InjectFault("", alibabasim.FaultKind(simFault(f)), 3)
				}
			},
			clear:   func() { aliSim.SetLatency(0); aliSim.SetDown(false); aliSim.ClearFaults() },
			reads:   func() int { return aliSim.Calls(alibabawire.MethodOrderList) },
			refunds: func(id string) int { return len(aliSim.Refunds(id)) },
			sellerCentre: func(t *testing.T, id string) {
				if err := aliSim.SellerCentre(id, returns.ActionApprove); err != nil {
					t.Fatal(err)
				}
			},
		},
	}
}

// simFault is the simulators' name of a fault.
func simFault(f string) string {
	switch f {
	case "throttling":
		return "THROTTLE"
	case "malformed-json":
		return "MALFORMED"
	case "error-envelope-200":
		return "AUTH" // an invalid-token envelope with HTTP 200
	case "applied-then-timeout":
		return "APPLIED_TIMEOUT"
	case "applied-then-dropped":
		return "APPLIED_DROP"
	}
	panic("no simulator fault " + f)
}

// apiFault sets up a fault for a platform with a write API. A write carried
// out and left unanswered comes with reads that fail until cleared, so that
// the read-back cannot tell either and the outcome stays unknown.
func apiFault(f string, latency func(time.Duration), down func(bool), write, read func(kind string, n int)) {
	switch f {
	case "slow":
		latency(100 * time.Millisecond)
	case "down":
		down(true)
	case "applied-then-timeout", "applied-then-dropped":
		write(simFault(f), 1)
		read("HTTP_500", 1_000_000)
	default:
		write(simFault(f), 1)
	}
}

// firstAnswers are the answers a refund may get while a fault is in force.
var firstAnswers = map[string][]string{
	"slow":                 {""},
	"down":                 {"PLATFORM_UNAVAILABLE", "OUTCOME_UNKNOWN"},
	"throttling":           {""},                         // retried by the client: never processed
	"malformed-json":       {"", "PLATFORM_UNAVAILABLE"}, // carried out and read back, or not processed
	"error-envelope-200":   {"PLATFORM_UNAVAILABLE"},     // refused credentials: nothing changed
	"applied-then-timeout": {"OUTCOME_UNKNOWN"},          // carried out, unanswered, unreadable
	"applied-then-dropped": {"OUTCOME_UNKNOWN"},          // idem
	"crash":                {"INTERNAL"},                 // the gateway died after the write
}

func mutate(t *testing.T, m *Main, mutation string, in map[string]any) (payloadView, []string) {
	t.Helper()
	q := fmt.Sprintf(`mutation($in: %sInput!) { %s(input: $in) { returnCase { %s } userErrors { code field message ruleId } replayed } }`,
		"R"+mutation[1:], mutation, caseFields)
	var d map[string]payloadView
	r := gql(t, m, q, map[string]any{"in": in}, &d)
	var errs []string
	for _, e := range r.Errors {
		errs = append(errs, e.Message)
	}
	return d[mutation], errs
}

func answerCode(p payloadView, gqlErrs []string) string {
	switch {
	case len(gqlErrs) > 0:
		return "INTERNAL"
	case len(p.UserErrors) > 0:
		return p.UserErrors[0].Code
	}
	return ""
}

// refundCase is one refund driven through one fault.
type refundCase struct {
	p     *refundPlatform
	fault string
	key   returns.CaseKey
	id    string // global id
	input map[string]any
}

// prepare opens a refund request on the platform and brings it into the
// gateway, with the mutation's input fixed once (a retry must send it unchanged).
func prepare(t *testing.T, m *Main, p *refundPlatform, fault string) *refundCase {
	t.Helper()
	rc := &refundCase{p: p, fault: fault}
	rc.key = returns.CaseKey{Platform: p.id, PlatformCaseID: p.open(t)}
	arrive(t, m, rc.key)
	rc.id = caseGlobalID(rc.key)
	var d struct {
		ReturnCase caseView `json:"returnCase"`
	}
	gql(t, m, `query($id: ID!) { returnCase(id: $id) { `+caseFields+` } }`, map[string]any{"id": rc.id}, &d)
	if !slices.Contains(d.ReturnCase.AllowedActions, p.mutation) {
		t.Fatalf("%s %s allows %v, not %s", p.id, rc.key.PlatformCaseID, d.ReturnCase.AllowedActions, p.mutation)
	}
	rc.input = map[string]any{"id": rc.id, "idempotencyKey": fmt.Sprintf("%s-%s-%s", p.id, fault, rc.key.PlatformCaseID)}
	if ack := acknowledgeAll(t, m, d.ReturnCase, p.mutation); len(ack) > 0 {
		rc.input["acknowledgeRules"] = ack
	}
	return rc
}

// settle retries the refund with the same key until it has an outcome, and
// checks that it is a success.
func (rc *refundCase) settle(t *testing.T, m *Main) payloadView {
	t.Helper()
	return rc.settleWithin(t, m, 30*time.Second, false)
}

// settleAfterCrash is settle for a key a crash left claimed: the claim
// stands (CONFLICT) until it is older than any request can hold one (3 ×
// the 3 s platform timeout, plus the clock-skew margin), as it may be
// another replica's live write.
func (rc *refundCase) settleAfterCrash(t *testing.T, m *Main) payloadView {
	t.Helper()
	return rc.settleWithin(t, m, 60*time.Second, true)
}

func (rc *refundCase) settleWithin(t *testing.T, m *Main, within time.Duration, claimed bool) payloadView {
	t.Helper()
	var last payloadView
	eventually(t, within, rc.fault+": the refund settles", func() bool {
		p, errs := mutate(t, m, rc.p.mutation, rc.input)
		last = p
		code := answerCode(p, errs)
		switch {
		case code == "":
			return true
		case code == "OUTCOME_UNKNOWN", code == "PLATFORM_UNAVAILABLE", claimed && code == "CONFLICT":
			return false
		}
		t.Fatalf("%s: retry answered %s %+v %v", rc.fault, code, p.UserErrors, errs)
		return false
	})
	return last
}

// check asserts exactly-once and that the gateway ends where the platform is.
func (rc *refundCase) check(t *testing.T, m *Main) {
	t.Helper()
	if rc.p.sellerCentre != nil {
		// The refund was paid in the seller centre, once.
		rc.p.sellerCentre(t, rc.key.PlatformCaseID)
	}
	if n := rc.p.refunds(rc.key.PlatformCaseID); n != 1 {
		t.Errorf("%s: the platform's ledger shows %d refunds of %s, want 1", rc.fault, n, rc.key.PlatformCaseID)
	}
	ctx := context.Background()
	var stored, fresh *returns.Case
	eventually(t, 30*time.Second, rc.fault+": the gateway's case equals the platform's", func() bool {
		var err error
		if stored, err = m.Store.GetCase(ctx, returns.OrgID(m.Config.Org), rc.key); err != nil {
			t.Fatal(err)
		}
		p, ok := m.Platforms.For(rc.key.Platform, stored.ShopID)
		if !ok {
			t.Fatalf("no connection for %s", stored.ShopID)
		}
		if fresh, err = p.GetCase(ctx, rc.key.PlatformCaseID); err != nil {
			return false
		}
		return stored.Status == fresh.Status && stored.PlatformStatus == fresh.PlatformStatus &&
			len(stored.PendingSteps) == 0
	})
	if stored.Status != returns.StatusRefunded && stored.Status != returns.StatusRefundPending {
		t.Errorf("%s: the case ends %s, want refunded", rc.fault, stored.Status)
	}
	// The refund is stored once: one event moves the case to it. The
	// seller's action has its own event, unless the platform's push or the
	// poller stored the change before the reconciler could (then that one
	// is the change's only event); a recorded seller-centre step has one.
	refunded := func(st *returns.Status) bool {
		return st != nil && (*st == returns.StatusRefunded || *st == returns.StatusRefundPending)
	}
	moves, actions := 0, 0
	for _, ev := range caseEvents(t, m, rc.key) {
		if refunded(&ev.Status) && !refunded(ev.PreviousStatus) {
			moves++
		}
		if ev.Source == returns.SourceMutation {
			actions++
		}
	}
	if moves != 1 {
		t.Errorf("%s: %d events move the case to its refund, want 1", rc.fault, moves)
	}
	if want := 1; actions > want || (rc.p.writes == nil && actions != want) {
		t.Errorf("%s: %d events record the seller's action, want %d", rc.fault, actions, want)
	}
}

// caseEvents returns the case's events, oldest first.
func caseEvents(t *testing.T, m *Main, k returns.CaseKey) []returns.Event {
	t.Helper()
	var out []returns.Event
	for after := int64(0); ; {
		evs, err := m.Store.EventsAfter(context.Background(), returns.OrgID(m.Config.Org), after, 500)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if ev.Key == k {
				out = append(out, ev)
			}
		}
		if len(evs) < 500 {
			return out
		}
		after = evs[len(evs)-1].Seq
	}
}

// Refunds on all three platforms through every fault: slow, down,
// throttling, malformed JSON, an error envelope with HTTP 200, a write
// carried out and then timed out or dropped (with the read-back failing
// too), and a crash of the gateway between the platform's write and the
// store. Each refund is in the platform's ledger exactly once, retries with
// the key never send a write whose outcome is unknown again, and the
// gateway's state ends equal to the platform's.
func TestRefundsExactlyOnceThroughEveryFault(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	sb, err := StartSandbox(SandboxOptions{Seed: 9, Cases: 60, Log: quiet, Policy: func(p adapters.Policy) adapters.Policy {
		// Fail fast: a write left unanswered times out in 300 ms, not 5 s.
		p.AttemptTimeout, p.CallTimeout = 300*time.Millisecond, 2*time.Second
		p.WaitMin, p.WaitMax = 10*time.Millisecond, 50*time.Millisecond
		p.Breaker.Cooldown = 100 * time.Millisecond
		return p
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	db := filepath.Join(t.TempDir(), "gw.db")
	crash := &crashSwitch{}
	m := faultsGateway(t, sb, db, crash)
	platforms := refundPlatforms(sb)

	t.Run("faults", func(t *testing.T) {
		for _, p := range platforms {
			t.Run(string(p.id), func(t *testing.T) {
				t.Parallel()
				for _, fault := range refundFaults {
					rc := prepare(t, m, p, fault)
					writes, reads := 0, p.reads()
					if p.writes != nil {
						writes = p.writes()
					}
					p.inject(fault)
					first, errs := mutate(t, m, p.mutation, rc.input)
					code := answerCode(first, errs)
					want := firstAnswers[fault]
					if p.writes == nil {
						want = []string{""} // a step recorded: the platform is not called
					}
					if !slices.Contains(want, code) {
						t.Fatalf("%s: first answer %q %+v %v, want one of %q", fault, code, first.UserErrors, errs, want)
					}
					t.Logf("%s: first answer %q", fault, code)
					if code == "OUTCOME_UNKNOWN" {
						// Unknown: the key is kept; a retry answers the same
						// and sends nothing.
						again, errs := mutate(t, m, p.mutation, rc.input)
						if c := answerCode(again, errs); c != "OUTCOME_UNKNOWN" {
							t.Fatalf("%s: a retry while unknown answered %q %+v", fault, c, again.UserErrors)
						}
						if first.UserErrors[0].Message == "" || first.ReturnCase == nil {
							t.Errorf("%s: the unknown answer has no message or case: %+v", fault, first)
						}
					}
					if p.writes == nil {
						// Nothing reaches the platform: let the fault meet
						// the poller before it clears.
						eventually(t, 30*time.Second, fault+": the poller meets the fault", func() bool { return p.reads() >= reads+3 })
					}
					p.clear()
					out := rc.settle(t, m)
					if p.writes != nil && (fault == "applied-then-timeout" || fault == "applied-then-dropped") {
						if n := p.writes() - writes; n != 1 || !out.Replayed {
							t.Errorf("%s: %d writes reached the platform (want 1), replayed %v", fault, n, out.Replayed)
						}
					}
					rc.check(t, m)
				}
			})
		}
	})
	if t.Failed() {
		return
	}

	// The gateway itself dies between the platform's write and the store
	// (Alibaba.com: between storing the step and completing its key), and a
	// new one starts on the same database and platforms.
	var crashed []*refundCase
	var writes []int
	for _, p := range platforms {
		rc := prepare(t, m, p, "crash")
		n := 0
		if p.writes != nil {
			n = p.writes()
		}
		// Alibaba.com's crash comes after the step is stored, before its
		// key is completed.
		crash.set(&rc.key)
		out, errs := mutate(t, m, p.mutation, rc.input)
		if c := answerCode(out, errs); c != "INTERNAL" {
			t.Fatalf("%s before the crash: answered %q %+v %v, want the crash", p.id, c, out.UserErrors, errs)
		}
		if p.writes != nil && p.refunds(rc.key.PlatformCaseID) != 1 {
			t.Fatalf("%s: the write did not reach the platform before the crash", p.id)
		}
		crashed, writes = append(crashed, rc), append(writes, n)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	m = faultsGateway(t, sb, db, crash)
	t.Cleanup(func() { m.Close() })
	for i, rc := range crashed {
		out := rc.settleAfterCrash(t, m)
		if !out.Replayed {
			t.Errorf("%s after the restart: the refund ran again instead of being replayed", rc.p.id)
		}
		if rc.p.writes != nil {
			if n := rc.p.writes() - writes[i]; n != 1 {
				t.Errorf("%s: %d writes reached the platform across the crash, want 1", rc.p.id, n)
			}
		}
		rc.check(t, m)
	}
}
