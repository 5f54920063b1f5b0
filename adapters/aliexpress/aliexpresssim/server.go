// Package aliexpresssim is a simulator of the AliExpress open platform's dispute
// ("issue") API: it speaks the same wire format as the real gateway
// (/sync, form parameters, HMAC-SHA256 signatures checked with its own
// code, {"<method>_response": ...} and error_response envelopes with HTTP
// 200), holds a deterministic seeded set of issues, enforces each action's
// preconditions and changes state as the platform does. Buyers are driven
// with Go methods (Open, Ship, Cancel, Escalate, Touch) and faults are
// injected for tests (SetLatency, SetDown, InjectFault; a call carried out
// and then left unanswered among them). Refunds is the ledger of the refunds
// it paid.
//
// It never imports the adapter (adapters/aliexpress): it is an independent
// oracle of the wire format and shares only the wire types (aliexpresswire).
package aliexpresssim

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
	"github.com/returnsgw/returnsgw/adapters/simkit"
	"github.com/returnsgw/returnsgw/returns"
)

// Options configures a simulator.
type Options struct {
	AppKey       string   // default "sandbox-app"
	AppSecret    string   // default "sandbox-secret"
	AccessTokens []string // tokens the shop authorized; default {"sandbox-token"}
	Seed         int64
	Now          func() time.Time // the platform's clock; default time.Now
	Cases        int              // seeded issues; default 120
	// OnChange is called after every change to an issue (by the seller
	// through the API or by a buyer method), outside the simulator's lock.
	OnChange func(issueID string)
	// TokenTTL is the lifetime of the access tokens /auth/token/create and
	// /auth/token/refresh issue (refresh tokens live twice as long); 0 means
	// DefaultAccessTTL. AccessTokens never expire.
	TokenTTL time.Duration
}

// FaultKind is a failure the simulator can be told to produce.
type FaultKind string

// The faults.
const (
	FaultHTTP500   FaultKind = "HTTP_500"  // an HTML 500 page, nothing processed
	FaultThrottle  FaultKind = "THROTTLE"  // error_response ApiCallLimit, nothing processed
	FaultMalformed FaultKind = "MALFORMED" // a truncated body after processing the request
	FaultAuth      FaultKind = "AUTH"      // error_response IllegalAccessToken
	// FaultAppliedTimeout carries the call out, then answers nothing until
	// the client gives up; FaultAppliedDrop carries it out, then closes the
	// connection unanswered.
	FaultAppliedTimeout FaultKind = simkit.AppliedTimeout
	FaultAppliedDrop    FaultKind = simkit.AppliedDrop
)

// AnyMethod makes InjectFault apply to every method.
const AnyMethod = "*"

// Server is one simulated AliExpress seller account. Its outage (SetDown)
// answers every request with HTTP 503, after any latency set by SetLatency.
type Server struct {
	simkit.Conditions

	opts Options

	mu        sync.Mutex
	rng       *rand.Rand
	issues    map[string]*issue
	order     []string          // issue ids, oldest first
	byOrder   map[string]string // order id to its oldest issue's id
	addresses []aliexpresswire.Address
	nextSeq   int64 // for solution, process and request ids
	faults    simkit.Faults[FaultKind]
	calls     map[string]int
	ledger    simkit.Ledger

	srv *http.Server

	tokens *simkit.Tokens
}

// New returns a seeded simulator.
func New(o Options) *Server {
	if o.AppKey == "" {
		o.AppKey = "sandbox-app"
	}
	if o.AppSecret == "" {
		o.AppSecret = "sandbox-secret"
	}
	if len(o.AccessTokens) == 0 {
		o.AccessTokens = []string{"sandbox-token"}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Cases <= 0 {
		o.Cases = 120
	}
	s := &Server{
		opts:    o,
		rng:     rand.New(rand.NewPCG(uint64(o.Seed), uint64(o.Seed)^0x9e3779b97f4a7c15)),
		issues:  map[string]*issue{},
		byOrder: map[string]string{},
		calls:   map[string]int{},
	}
	s.tokens = newTokens(o)
	s.seed()
	return s
}

// AppKey, AppSecret and AccessToken are the credentials an adapter needs.
func (s *Server) AppKey() string { return s.opts.AppKey }

// AppSecret is the app's signing secret.
func (s *Server) AppSecret() string { return s.opts.AppSecret }

// AccessToken is the first authorized token.
func (s *Server) AccessToken() string { return s.opts.AccessTokens[0] }

// Start serves the simulator on 127.0.0.1 at a free port and returns its base URL.
func (s *Server) Start() (string, error) {
	srv, base, err := simkit.Serve(s.Handler())
	if err != nil {
		return "", err
	}
	s.srv = srv
	return base, nil
}

// Close stops a started simulator; requests in flight are cut off.
func (s *Server) Close() error {
	if s.srv == nil {
		return nil
	}
	return s.srv.Close()
}

// InjectFault makes the next count calls of method (AnyMethod: of any
// method) fail with kind.
func (s *Server) InjectFault(method string, kind FaultKind, count int) {
	s.faults.Inject(method, kind, count)
}

// ClearFaults drops the faults still queued.
func (s *Server) ClearFaults() { s.faults.Clear() }

// Refunds returns the refunds the platform paid on the issue ("" for every
// issue), oldest first: one entry each time a solution is performed with
// money back, whatever became of the answer to the call that caused it.
func (s *Server) Refunds(issueID string) []simkit.Refund { return s.ledger.Refunds(issueID) }

// Calls reports how many requests for method reached the simulator
// (faulted ones included).
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// Handler is the platform's HTTP interface.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", s.serve)
	mux.HandleFunc("POST "+aliexpresswire.RestPath+"/auth/", s.serveToken)
	mux.HandleFunc("GET "+aliexpresswire.AuthorizePath, s.serveAuthorize)
	return mux
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	latency, down := s.Current()
	if !simkit.Delay(r.Context(), latency, nil) {
		return
	}
	if down {
		http.Error(w, "<html><body>503 Service Temporarily Unavailable</body></html>", http.StatusServiceUnavailable)
		return
	}
	if r.URL.Path != aliexpresswire.SyncPath {
		s.writeError(w, "", apiError{Code: "InvalidApiPath", Msg: "The specified API path is invalid"})
		return
	}
	if r.Method != http.MethodPost {
		s.writeError(w, "", apiError{Code: "InvalidParameter", Msg: "Only POST is supported"})
		return
	}
	// A file upload (multipart) may carry an image; every other call is a
	// small form.
	multipartBody := strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data")
	limit := int64(1 << 20)
	if multipartBody {
		limit = aliexpresswire.MaxImageBytes + 1<<20
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	form := url.Values{}
	var file []byte
	if multipartBody {
		if err := r.ParseMultipartForm(limit); err != nil {
			s.writeError(w, "", apiError{Code: "InvalidParameter", Msg: "Unreadable multipart body"})
			return
		}
		form = r.MultipartForm.Value
		if fhs := r.MultipartForm.File[aliexpresswire.ParamImageBytes]; len(fhs) == 1 {
			f, err := fhs[0].Open()
			if err == nil {
				file, err = io.ReadAll(f)
				f.Close()
			}
			if err != nil {
				s.writeError(w, "", apiError{Code: "InvalidParameter", Msg: "Unreadable file part"})
				return
			}
		}
	} else {
		if err := r.ParseForm(); err != nil {
			s.writeError(w, "", apiError{Code: "InvalidParameter", Msg: "Unreadable form body"})
			return
		}
		form = r.PostForm
	}
	params := map[string]string{}
	for k, vs := range form {
		if len(vs) > 1 {
			s.writeError(w, "", apiError{Code: "InvalidParameter", Msg: fmt.Sprintf("Parameter %q is repeated", k)})
			return
		}
		params[k] = vs[0]
	}
	method := params[aliexpresswire.ParamMethod]
	if q := r.URL.Query().Get(aliexpresswire.ParamMethod); q != "" {
		if method != "" && method != q {
			s.writeError(w, method, apiError{Code: "InvalidParameter", Msg: "method in the URL and the body differ"})
			return
		}
		method = q
		if _, ok := params[aliexpresswire.ParamMethod]; !ok {
			// A method given only in the URL is still signed as a parameter.
			params[aliexpresswire.ParamMethod] = q
		}
	}
	s.mu.Lock()
	s.calls[method]++
	s.mu.Unlock()
	f, faulted := s.faults.Take(method, AnyMethod)
	if faulted {
		switch f {
		case FaultHTTP500:
			http.Error(w, "<html><body>500 Internal Server Error</body></html>", http.StatusInternalServerError)
			return
		case FaultThrottle:
			s.writeError(w, method, apiError{Code: "ApiCallLimit", Msg: "The request has failed due to api call limit",
				SubMsg: "This ban will last 1 more seconds"})
			return
		case FaultAuth:
			s.writeError(w, method, apiError{Code: "IllegalAccessToken", Msg: "The specified access token is invalid or expired"})
			return
		}
	}
	if e := s.authenticate(params); e != nil {
		s.writeError(w, method, *e)
		return
	}
	var resp any
	var e *apiError
	if method == aliexpresswire.MethodIssueImageUpload {
		resp, e = s.imageUpload(params, file)
	} else {
		resp, e = s.dispatch(method, params)
	}
	if e != nil {
		s.writeError(w, method, *e)
		return
	}
	body, err := aliexpresswire.EncodeSuccess(method, resp)
	if err != nil {
		s.writeError(w, method, apiError{Code: "SystemError", Msg: err.Error()})
		return
	}
	if faulted && simkit.Unanswered(f) {
		simkit.Withhold(w, r, f, nil) // Close cuts a held request off
		return
	}
	if faulted && f == FaultMalformed {
		// The request was carried out; the answer is cut off on the way.
		body = body[:len(body)/2]
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	_, _ = w.Write(body)
}

// apiError is an error_response the simulator sends.
type apiError struct {
	Code, Msg, SubCode, SubMsg string
}

func (s *Server) writeError(w http.ResponseWriter, method string, e apiError) {
	s.mu.Lock()
	rid := s.requestID()
	s.mu.Unlock()
	body, _ := json.Marshal(aliexpresswire.ErrorEnvelope{ErrorResponse: &aliexpresswire.ErrorResponse{
		Code: aliexpresswire.Text(e.Code), Msg: aliexpresswire.Text(e.Msg), SubCode: aliexpresswire.Text(e.SubCode),
		SubMsg: aliexpresswire.Text(e.SubMsg), RequestID: aliexpresswire.Text(rid)}})
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(http.StatusOK) // the platform reports errors with 200
	_, _ = w.Write(body)
}

// requestID returns a fresh request id; s.mu must be held.
func (s *Server) requestID() string {
	s.nextSeq++
	return fmt.Sprintf("2140eaab%016x", s.nextSeq)
}

// authenticate checks the system parameters the way the gateway does: app
// key, signature (the simulator's own implementation of the documented
// algorithm), timestamp window and access token.
func (s *Server) authenticate(p map[string]string) *apiError {
	if p[aliexpresswire.ParamAppKey] != s.opts.AppKey {
		return &apiError{Code: "InvalidAppKey", Msg: "The specified app key is invalid"}
	}
	if p[aliexpresswire.ParamSignMethod] != aliexpresswire.SignMethodSHA256 {
		return &apiError{Code: "InvalidParameter", Msg: "sign_method must be sha256"}
	}
	if p[aliexpresswire.ParamSign] == "" {
		return &apiError{Code: "MissingParameter", Msg: `The input parameter "sign" that is mandatory for processing this request is not supplied`}
	}
	if !hmac.Equal([]byte(strings.ToUpper(p[aliexpresswire.ParamSign])), []byte(signature(s.opts.AppSecret, p))) {
		return &apiError{Code: "IncompleteSignature", Msg: "The request signature does not conform to platform standards"}
	}
	ms, err := strconv.ParseInt(p[aliexpresswire.ParamTimestamp], 10, 64)
	if err != nil {
		return &apiError{Code: "InvalidTimestamp", Msg: "The timestamp is not in milliseconds"}
	}
	if d := s.opts.Now().Sub(time.UnixMilli(ms)); d > aliexpresswire.TimestampToleranceSecs*time.Second || d < -aliexpresswire.TimestampToleranceSecs*time.Second {
		return &apiError{Code: "InvalidTimestamp", Msg: "The timestamp is too far from the platform's clock"}
	}
	if _, err := s.tokens.Check(p[aliexpresswire.ParamAccessToken]); err != nil {
		return &apiError{Code: "IllegalAccessToken", Msg: "The specified access token is invalid or expired"}
	}
	if v := p[aliexpresswire.ParamVersion]; v != "" && v != aliexpresswire.APIVersion {
		return &apiError{Code: "InvalidParameter", Msg: "Unsupported version " + v}
	}
	if f := p[aliexpresswire.ParamFormat]; f != "" && f != aliexpresswire.FormatJSON {
		return &apiError{Code: "InvalidParameter", Msg: "Only json format is supported"}
	}
	return nil
}

// signature computes the expected sign for /sync: HMAC-SHA256 over every
// parameter but sign, sorted by name, as name+value pairs, upper-case hex.
func signature(secret string, p map[string]string) string {
	names := make([]string, 0, len(p))
	for k := range p {
		if k != aliexpresswire.ParamSign {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	mac := hmac.New(sha256.New, []byte(secret))
	for _, k := range names {
		mac.Write([]byte(k))
		mac.Write([]byte(p[k]))
	}
	return strings.ToUpper(hex.EncodeToString(mac.Sum(nil)))
}

func (s *Server) dispatch(method string, p map[string]string) (any, *apiError) {
	switch method {
	case aliexpresswire.MethodIssueList:
		return s.issueList(p)
	case aliexpresswire.MethodIssueDetail:
		return s.issueDetail(p)
	case aliexpresswire.MethodSolutionAgree:
		return s.solutionAgree(p)
	case aliexpresswire.MethodSolutionSave:
		return s.solutionSave(p)
	case aliexpresswire.MethodSellerAddresses:
		return s.sellerAddresses(p)
	case aliexpresswire.MethodFindOrderByID:
		return s.findOrder(p)
	case aliexpresswire.MethodProductInfo:
		return s.productInfo(p)
	case aliexpresswire.MethodSellerSubmitArbi:
		return s.sellerSubmitArbi(p)
	case "":
		return nil, &apiError{Code: "MissingParameter", Msg: `The input parameter "method" that is mandatory for processing this request is not supplied`}
	}
	return nil, &apiError{Code: "InvalidApiPath", Msg: "The specified API " + method + " does not exist"}
}

func missing(name string) *apiError {
	return &apiError{Code: "MissingParameter",
		Msg: fmt.Sprintf("The input parameter %q that is mandatory for processing this request is not supplied", name)}
}

func invalid(name, why string) *apiError {
	return &apiError{Code: "InvalidParameter", Msg: fmt.Sprintf("The input parameter %q is invalid: %s", name, why)}
}

// The business errors come the legacy way: code 15, a specific isv. sub_code.
func notFound() *apiError {
	return &apiError{Code: "15", Msg: "Remote service error", SubCode: "isv.issue_not_exist", SubMsg: "The issue does not exist"}
}

func badState(why string) *apiError {
	return &apiError{Code: "15", Msg: "Remote service error", SubCode: "isv.issue_status_not_allowed",
		SubMsg: "The issue status does not allow this operation: " + why}
}

// notify calls OnChange for each id, outside the lock.
func (s *Server) notify(ids ...string) {
	if s.opts.OnChange == nil {
		return
	}
	for _, id := range ids {
		s.opts.OnChange(id)
	}
}

// Catalog maps the simulator's product ids to their categories, as a
// shop's catalog would for the adapter.
func (s *Server) Catalog() func(productID string) returns.Category {
	cats := map[string]returns.Category{}
	for _, p := range products {
		cats[p.id] = p.category
	}
	return func(id string) returns.Category {
		if c, ok := cats[id]; ok {
			return c
		}
		return returns.CategoryGeneral
	}
}

// CaseIDs lists every issue id, oldest first.
func (s *Server) CaseIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.order...)
}

// Shutdown is Close with a context, for graceful stops.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.srv == nil {
		return nil
	}
	return s.srv.Shutdown(ctx)
}
