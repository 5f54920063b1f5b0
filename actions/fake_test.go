package actions

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/returns"
)

// performMode is how the fake platform answers Perform.
type performMode int

const (
	doneReadBack   performMode = iota // acts and reads the case back
	doneNoReadBack                    // acts but cannot read the case back
	refuseState                       // the case moved on (the buyer withdrew): INVALID_STATE
	refuseInvalid                     // the platform refuses the request: PLATFORM_REJECTED
	ambiguousDone                     // acts, then the answer is lost (a 502 after the write)
	ambiguousLost                     // the request is lost before the platform acted
	ambiguousMoved                    // the answer is lost, and meanwhile the buyer withdrew
	unreachable                       // the platform cannot be reached: certainly not acted
	brokenAdapter                     // an adapter bug: an error with no code
)

// fakePlatform is one shop on a platform whose API accepts the actions of
// api in each status and moves the case as leads says. It keeps its own copy
// of each case (the platform's truth) and counts what it was asked.
type fakePlatform struct {
	id    returns.PlatformID
	shop  string
	caps  returns.Capabilities
	api   map[returns.Status][]returns.Action
	leads map[returns.Action]returns.Status
	now   func() time.Time

	mu         sync.Mutex
	panicOnce  bool // the next Perform panics
	unreadable bool // GetCase fails as an unreachable platform's would
	truth      map[string]*returns.Case
	mode       performMode
	performs   int
	gets       int
	// gate, when set, holds every Perform until it is closed; started hears
	// of each Perform as it begins.
	gate    chan struct{}
	started chan struct{}
	// ctxErrs are the errors of Perform's context seen once the gate opened.
	ctxErrs []error
}

var _ returns.Platform = (*fakePlatform)(nil)

func (p *fakePlatform) ID() returns.PlatformID { return p.id }

func (p *fakePlatform) Shop() returns.Shop {
	return returns.Shop{ID: p.shop, Platform: p.id, Name: "Test shop"}
}

func (p *fakePlatform) Capabilities() returns.Capabilities { return p.caps }

func (p *fakePlatform) AllowedActions(c *returns.Case) []returns.Action { return p.api[c.Status] }

func (p *fakePlatform) ListChanges(context.Context, string, time.Time) (returns.ChangeBatch, error) {
	return returns.ChangeBatch{CaughtUp: true}, nil
}

func (p *fakePlatform) GetCase(_ context.Context, id string) (*returns.Case, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gets++
	if p.unreadable {
		return nil, &adapters.PlatformError{Platform: p.id, Method: "get", Kind: adapters.KindUnavailable}
	}
	c, ok := p.truth[id]
	if !ok {
		return nil, &adapters.PlatformError{Platform: p.id, Method: "get", Kind: adapters.KindNotFound}
	}
	return clone(c), nil
}

// put sets the platform's truth for a case.
func (p *fakePlatform) put(c *returns.Case) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.truth == nil {
		p.truth = map[string]*returns.Case{}
	}
	p.truth[c.PlatformCaseID] = clone(c)
}

func (p *fakePlatform) setUnreadable(v bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.unreadable = v
}

func (p *fakePlatform) setMode(m performMode) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode = m
}

func (p *fakePlatform) counts() (performs, gets int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.performs, p.gets
}

// move changes the platform's truth, as the platform itself would.
func (p *fakePlatform) move(id string, to returns.Status) *returns.Case {
	c := p.truth[id]
	c.Status = to
	c.PlatformStatus = returns.PlatformStatus{Code: "S_" + string(to), Label: string(to)}
	c.UpdatedAt = c.UpdatedAt.Add(time.Minute)
	return clone(c)
}

func (p *fakePlatform) Perform(ctx context.Context, req returns.ActionRequest) (*returns.ActionResult, error) {
	p.mu.Lock()
	p.performs++
	gate, started := p.gate, p.started
	if p.panicOnce {
		p.panicOnce = false
		p.mu.Unlock()
		panic("the adapter panicked")
	}
	p.mu.Unlock()
	if started != nil {
		started <- struct{}{}
	}
	if gate != nil {
		<-gate
		p.mu.Lock()
		p.ctxErrs = append(p.ctxErrs, ctx.Err())
		p.mu.Unlock()
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	id := req.Case.PlatformCaseID
	c, ok := p.truth[id]
	if !ok {
		return nil, &adapters.PlatformError{Platform: p.id, Method: "act", Kind: adapters.KindNotFound}
	}
	// Like every real adapter, check the platform's own status first.
	allowed := false
	for _, a := range p.api[c.Status] {
		allowed = allowed || a == req.Action
	}
	if !allowed {
		return nil, &adapters.PlatformError{Platform: p.id, Method: "act", Kind: adapters.KindState, Code: "WRONG_STATUS",
			Message: "the case is " + string(c.Status)}
	}
	to := p.leads[req.Action]
	lost := &adapters.PlatformError{Platform: p.id, Method: "act", Kind: adapters.KindUnavailable, HTTPStatus: 502, Ambiguous: true}
	switch p.mode {
	case doneReadBack:
		return &returns.ActionResult{Case: p.move(id, to), Expected: to}, nil
	case doneNoReadBack:
		p.move(id, to)
		return &returns.ActionResult{Expected: to}, nil
	case refuseState:
		p.move(id, returns.StatusCancelled)
		return nil, &adapters.PlatformError{Platform: p.id, Method: "act", Kind: adapters.KindState, Code: "WRONG_STATUS",
			Message: "the buyer has withdrawn the request"}
	case refuseInvalid:
		return nil, &adapters.PlatformError{Platform: p.id, Method: "act", Kind: adapters.KindInvalid, Code: "BAD_REASON",
			Message: "the reason id is not valid"}
	case ambiguousDone:
		p.move(id, to)
		return nil, lost
	case ambiguousLost:
		return nil, lost
	case ambiguousMoved:
		p.move(id, returns.StatusCancelled)
		return nil, lost
	case unreachable:
		return nil, &adapters.PlatformError{Platform: p.id, Method: "act", Kind: adapters.KindUnavailable}
	}
	return nil, errors.New("fake adapter: decoding the answer panicked")
}

// centrePlatform is a fakePlatform whose seller centre offers the actions of
// centre in each status.
type centrePlatform struct {
	*fakePlatform
	centre map[returns.Status][]returns.Action
}

var _ returns.SellerCentre = (*centrePlatform)(nil)

func (p *centrePlatform) SellerCentreActions(c *returns.Case) []returns.Action {
	return p.centre[c.Status]
}

func (p *centrePlatform) SellerCentreURL(c *returns.Case, a returns.Action) string {
	return "https://seller.example.com/aftersale/" + c.PlatformCaseID + "?step=" + string(a)
}

func clone(c *returns.Case) *returns.Case {
	cp := *c
	cp.PendingSteps = append([]returns.PendingStep(nil), c.PendingSteps...)
	cp.Lines = append([]returns.Line(nil), c.Lines...)
	if c.Raw != nil {
		cp.Raw = map[string]string{}
		for k, v := range c.Raw {
			cp.Raw[k] = v
		}
	}
	return &cp
}
