// Package alibabasim simulates Alibaba.com's open platform for the order APIs
// the gateway reads: alibaba.seller.order.list, .get, .fund.get and
// .logistics.get on a TOP router, with real md5 signatures, timestamp and
// session checks, TOP's error envelope, page-size limits and required
// parameters. It is seeded deterministically with orders and refund records
// over the last 28 days of its clock.
//
// Buyers are played through Go methods (Open, Ship, Cancel, Escalate, Touch)
// and the seller's steps in the web seller centre through SellerCentre, so a
// sandbox can drive every flow; each change moves the order's modify date as
// the platform does. Faults (latency, outage, HTTP 500, throttling, malformed
// bodies, refused credentials, calls left unanswered, unknown statuses) can be
// injected, and Refunds is the ledger of the refunds the seller centre paid.
//
// The simulator never imports the adapter: it verifies signatures and
// formats dates with its own code, so it is an independent oracle of the
// wire format.
package alibabasim

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabawire"
	"github.com/returnsgw/returnsgw/adapters/simkit"
	"github.com/returnsgw/returnsgw/returns"
)

// Defaults for a sandbox that configures nothing.
const (
	DefaultAppKey    = "alibaba-sandbox-app"
	DefaultAppSecret = "alibaba-sandbox-secret"
	DefaultSession   = "alibaba-sandbox-session"
	DefaultCases     = 120
)

// Options configures a simulator.
type Options struct {
	AppKey    string   // the app key it accepts (empty: DefaultAppKey)
	AppSecret string   // the secret it verifies signatures with (empty: DefaultAppSecret)
	Sessions  []string // the access tokens it accepts (empty: DefaultSession)
	Seed      int64    // seeds the generated data; the same seed gives the same data
	Now       func() time.Time
	Cases     int // refund records to seed (0: DefaultCases)
	// OnChange, when set, is called after every change to a refund record
	// (outside the simulator's lock), with the record's case id.
	OnChange func(caseID string)
	// TokenTTL is the lifetime of the sessions taobao.top.auth.token.create
	// and .refresh issue (refresh tokens live twice as long); 0 means
	// DefaultAccessTTL. Sessions never expire.
	TokenTTL time.Duration
}

// FaultKind is a failure the simulator can inject.
type FaultKind string

// The injectable faults.
const (
	FaultHTTP500   FaultKind = "HTTP_500"  // HTTP 500 with a plain-text body
	FaultThrottle  FaultKind = "THROTTLE"  // TOP error 7, App Call Limited
	FaultMalformed FaultKind = "MALFORMED" // HTTP 200 with a truncated JSON body
	FaultAuth      FaultKind = "AUTH"      // TOP error 27, Invalid session
	// FaultAppliedTimeout carries the call out, then answers nothing until
	// the client gives up; FaultAppliedDrop carries it out, then closes the
	// connection unanswered. (Every method here reads: what they show is
	// that an unanswered read leaves nothing changed.)
	FaultAppliedTimeout FaultKind = simkit.AppliedTimeout
	FaultAppliedDrop    FaultKind = simkit.AppliedDrop
)

// UnknownStatus is the refund status InjectUnknownStatus sets: one the
// adapter has never seen.
const UnknownStatus = "WAIT_PLATFORM_RISK_REVIEW"

// Server is a running (or runnable) simulator. Its outage (SetDown) answers
// every request with HTTP 502, as the platform's load balancer would, after
// any latency set by SetLatency.
type Server struct {
	simkit.Conditions

	appKey, appSecret string
	sessions          map[string]bool
	now               func() time.Time
	onChange          func(string)

	mu        sync.Mutex
	orders    map[string]*order
	caseIDs   []string // in seeding order, then opening order
	products  []*product
	faults    []*fault // in injection order
	calls     map[string]int
	ledger    simkit.Ledger
	nextID    int64
	requestNo int64

	done     chan struct{}
	doneOnce sync.Once
	srv      *http.Server

	tokens *simkit.Tokens
}

type fault struct {
	method    string // "" for every method
	kind      FaultKind
	remaining int
}

// New returns a seeded simulator. Start serves it on loopback; Handler serves
// it anywhere.
func New(opts Options) (*Server, error) {
	if opts.Cases < 0 {
		return nil, errors.New("alibabasim: negative Cases")
	}
	if opts.Cases == 0 {
		opts.Cases = DefaultCases
	}
	if opts.AppKey == "" {
		opts.AppKey = DefaultAppKey
	}
	if opts.AppSecret == "" {
		opts.AppSecret = DefaultAppSecret
	}
	if len(opts.Sessions) == 0 {
		opts.Sessions = []string{DefaultSession}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		appKey:    opts.AppKey,
		appSecret: opts.AppSecret,
		sessions:  map[string]bool{},
		now:       opts.Now,
		onChange:  opts.OnChange,
		orders:    map[string]*order{},
		calls:     map[string]int{},
		done:      make(chan struct{}),
	}
	s.tokens = newTokens(opts)
	for _, t := range opts.Sessions {
		s.sessions[t] = true
		s.tokens.Register(t, sellerUserID)
	}
	s.seed(opts.Seed, opts.Cases)
	return s, nil
}

// Handler serves the TOP router at alibabawire.RouterPath.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(alibabawire.RouterPath, s.serveRouter)
	mux.HandleFunc("GET "+alibabawire.AuthorizePath, s.serveAuthorize)
	return mux
}

// Start serves the simulator on 127.0.0.1 on a free port and returns the
// router URL to configure the adapter with.
func (s *Server) Start() (string, error) {
	srv, base, err := simkit.Serve(s.Handler())
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	return base + alibabawire.RouterPath, nil
}

// Close stops serving and aborts responses that are being delayed.
func (s *Server) Close() error {
	s.doneOnce.Do(func() { close(s.done) })
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		return srv.Close()
	}
	return nil
}

// Catalog tells the return-rule category of the simulator's products, as a
// seller's own catalogue would; pass it to the adapter's Config.Catalog.
func (s *Server) Catalog() func(productID string) returns.Category {
	m := map[string]returns.Category{}
	s.mu.Lock()
	for _, p := range s.products {
		m[p.id] = p.category
	}
	s.mu.Unlock()
	return func(productID string) returns.Category { return m[productID] }
}

// AppKey is the app key the simulator accepts.
func (s *Server) AppKey() string { return s.appKey }

// AppSecret is the secret the simulator verifies signatures with.
func (s *Server) AppSecret() string { return s.appSecret }

// Session is one access token the simulator accepts.
func (s *Server) Session() string {
	var ts []string
	for t := range s.sessions {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	return ts[0]
}

// CaseIDs lists every refund record as a case id "<trade_id>-<refund_id>".
func (s *Server) CaseIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.caseIDs...)
}

// InjectFault makes the next count requests for method ("" for any method)
// fail with the fault.
func (s *Server) InjectFault(method string, kind FaultKind, count int) {
	if count <= 0 {
		return
	}
	s.mu.Lock()
	s.faults = append(s.faults, &fault{method: method, kind: kind, remaining: count})
	s.mu.Unlock()
}

// ClearFaults drops the faults still queued.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// Calls reports how many requests for method reached the simulator,
// including the ones that failed.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// Refunds returns the refunds the platform paid on the case ("" for every
// case), oldest first: one entry each time the seller centre pays one out.
func (s *Server) Refunds(caseID string) []simkit.Refund { return s.ledger.Refunds(caseID) }

// InjectUnknownStatus gives the case's refund record a status the adapter has
// never seen (UnknownStatus), as a platform change, and returns it.
func (s *Server) InjectUnknownStatus(caseID string) (string, error) {
	err := s.change(caseID, func(o *order, r *refund, now time.Time) error {
		r.status = UnknownStatus
		return nil
	})
	if err != nil {
		return "", err
	}
	return UnknownStatus, nil
}

// takeFault returns the fault to inject for a request for method, if any.
func (s *Server) takeFault(method string) FaultKind {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.method != "" && f.method != method {
			continue
		}
		f.remaining--
		if f.remaining <= 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return f.kind
	}
	return ""
}
