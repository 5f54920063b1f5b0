// Package xhssim simulates Xiaohongshu's (XHS) open platform for after-sales:
// an HTTP server that speaks the same wire format as the real gateway (one
// signed POST per method, the platform's envelope, its limits and status
// rules), seeded deterministically with realistic cases, with buyer-side
// controls and fault injection for tests and the sandbox. Like the platform,
// it pushes a signed message to a configured URL after every change to a
// case (see push.go).
//
// It is an independent oracle of the wire format: it shares only the wire
// types of package xhswire with the adapter, and signs and verifies with its
// own code.
package xhssim

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/returnsgw/returnsgw/adapters/simkit"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/returns"
)

// Shop is one merchant of the simulated platform.
type Shop struct {
	AccessToken string         // the merchant's authorization of the app
	ShopID      string         // the gateway's name for the shop
	Market      returns.Market // domestic or cross-border
	// SellerID is the platform's id of the shop, sent in push messages; empty
	// means one derived from ShopID (see Server.Shop).
	SellerID string
}

// Options configure a Server.
type Options struct {
	// AppID and AppSecret are the one app the platform knows: requests must
	// name the app and be signed with its secret.
	AppID     string
	AppSecret string
	// Shops are the merchants; empty means DefaultShops().
	Shops []Shop
	// Seed makes the seeded cases, ids and amounts repeatable.
	Seed int64
	// Now is the platform's clock; nil means time.Now.
	Now func() time.Time
	// Cases is how many cases are seeded, split over the shops; 0 means 240.
	Cases int
	// OnChange, if set, is called after every change to a case (by an API
	// call, a buyer control or a test hook), outside the server's lock.
	OnChange func(returnsID string)
	// PushURL is where push messages go, as the app's push URL configured on
	// the platform; empty means no pushes. After every change to a case the
	// server POSTs one push for it, asynchronously (see push.go).
	PushURL string
	// PushRetryDelay is how long a failed push waits for its one retry; 0
	// means DefaultPushRetryDelay, as on the platform.
	PushRetryDelay time.Duration
	// TokenTTL is the lifetime of the access tokens oauth.getAccessToken and
	// oauth.refreshToken issue (refresh tokens live twice as long); 0 means
	// the platform's 7 days (see oauth.go). The shops' preset tokens never expire.
	TokenTTL time.Duration
}

// DefaultShops returns the shops of a server configured without any: one
// domestic, one cross-border (bonded warehouse).
func DefaultShops() []Shop {
	return []Shop{
		{AccessToken: "sandbox-token-domestic", ShopID: "xhs-domestic", Market: returns.MarketDomestic,
			SellerID: "5f8e2c1a9b3d4e0001a7c001"},
		{AccessToken: "sandbox-token-crossborder", ShopID: "xhs-crossborder", Market: returns.MarketCrossBorderBonded,
			SellerID: "5f8e2c1a9b3d4e0001a7c002"},
	}
}

// DefaultCases is how many cases a server seeds unless told otherwise.
const DefaultCases = 240

// timestampTolerance is how far a request's timestamp may be from the
// platform's clock.
const timestampTolerance = 10 * time.Minute

// FaultKind is a failure a test can inject into a method's next calls.
type FaultKind string

// The injectable faults.
const (
	FaultHTTP500   FaultKind = "HTTP_500"  // an HTTP 500 with an HTML body, as a failing proxy answers
	FaultThrottle  FaultKind = "THROTTLE"  // the platform's throttling envelope (HTTP 200)
	FaultMalformed FaultKind = "MALFORMED" // HTTP 200 with a truncated JSON body
	FaultAuth      FaultKind = "AUTH"      // the envelope of an invalid access token (HTTP 200)
	// FaultAppliedTimeout carries the call out, then answers nothing until
	// the client gives up; FaultAppliedDrop carries it out, then closes the
	// connection unanswered.
	FaultAppliedTimeout FaultKind = simkit.AppliedTimeout
	FaultAppliedDrop    FaultKind = simkit.AppliedDrop
)

// Server is a simulated XHS open platform. Its outage (SetDown) fails every
// request at the connection level: the server accepts the request and closes
// the connection without answering, so a client sees an EOF, not an HTTP
// status. A response delayed by SetLatency ends early when its client goes
// away or the server closes.
type Server struct {
	simkit.Conditions

	appID    string
	secret   string
	now      func() time.Time
	onChange func(string)

	mu         sync.Mutex
	shops      map[string]*shopState // by access token
	shopByID   map[string]*shopState
	cases      map[string]*simCase
	ids        []string            // in creation order
	orderCases map[string][]string // case ids by order id
	rng        *rand.Rand
	seq        int64
	calls      map[string]int
	faults     simkit.Faults[FaultKind]
	ledger     simkit.Ledger

	srv     *http.Server
	closing chan struct{}
	close   sync.Once

	push pusher

	tokens *simkit.Tokens
}

type shopState struct {
	Shop
	addresses []xhswire.AddressRecord
}

type simCase struct {
	shopID    string
	info      xhswire.AfterSaleInfo
	logistics xhswire.LogisticsInfo
	records   []xhswire.NegotiateRecord
	order     *simOrder // the order behind the case
	extended  bool      // the merchant already extended the receipt deadline once
	// pushTags are the push tags of the case's last move, taken (and
	// cleared) by pushFor; nil means msg_after_sale_update.
	pushTags []string
}

// New returns a server seeded from opts.Seed.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if len(opts.Shops) == 0 {
		opts.Shops = DefaultShops()
	}
	if opts.Cases <= 0 {
		opts.Cases = DefaultCases
	}
	s := &Server{
		appID:      opts.AppID,
		secret:     opts.AppSecret,
		now:        opts.Now,
		onChange:   opts.OnChange,
		shops:      map[string]*shopState{},
		shopByID:   map[string]*shopState{},
		cases:      map[string]*simCase{},
		orderCases: map[string][]string{},
		rng:        rand.New(rand.NewPCG(uint64(opts.Seed), 0x58485353494d)),
		calls:      map[string]int{},
		closing:    make(chan struct{}),
	}
	s.tokens = newTokens(opts.Now, opts.TokenTTL)
	s.push.init(opts.PushURL, opts.PushRetryDelay, opts.AppID, opts.AppSecret, opts.Now)
	for i, sh := range opts.Shops {
		if sh.SellerID == "" {
			sh.SellerID = derivedSellerID(sh.ShopID)
		}
		st := &shopState{Shop: sh, addresses: addressBook(i, s.nowMS())}
		s.shops[sh.AccessToken] = st
		s.tokens.Register(sh.AccessToken, sh.ShopID)
		s.shopByID[sh.ShopID] = st
	}
	s.seed(opts.Shops, opts.Cases)
	return s
}

func (s *Server) nowMS() int64 { return s.now().UnixMilli() }

// Handler serves the gateway URL path (xhswire.GatewayPath).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+xhswire.GatewayPath, s.serveGateway)
	mux.HandleFunc("GET "+xhswire.AuthorizePath, s.serveAuthorize)
	return mux
}

// Start serves on a free port of 127.0.0.1 and returns the gateway URL to
// configure an adapter with (the full URL, path included).
func (s *Server) Start() (string, error) {
	srv, base, err := simkit.Serve(s.Handler())
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	return base + xhswire.GatewayPath, nil
}

// Close stops the server started by Start, ends any delayed response, and
// stops pushing: a push in flight is abandoned, a pending retry dropped, and
// no push goroutine outlives Close.
func (s *Server) Close() error {
	s.close.Do(func() {
		close(s.closing)
		s.push.close()
	})
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	return srv.Close()
}

// InjectFault makes the next count calls of method (any method when method is
// "") fail with kind.
func (s *Server) InjectFault(method string, kind FaultKind, count int) {
	s.faults.Inject(method, kind, count)
}

// ClearFaults drops the faults still queued.
func (s *Server) ClearFaults() { s.faults.Clear() }

// Calls counts the requests that named method, whatever their outcome
// (signature, faults and status checks included): a test asserts with it that
// an adapter did not call the platform at all. A request refused at the
// connection level (SetDown) is not counted.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// Refunds returns the refunds the platform paid on the case ("" for every
// case), oldest first: one entry each time a case is refunded, whatever
// became of the answer to the call that refunded it.
func (s *Server) Refunds(returnsID string) []simkit.Refund { return s.ledger.Refunds(returnsID) }

// CaseIDs lists the ids of the shop's cases in creation order; shopID ""
// lists every shop's.
func (s *Server) CaseIDs(shopID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, id := range s.ids {
		if shopID == "" || s.cases[id].shopID == shopID {
			out = append(out, id)
		}
	}
	return out
}

// Snapshot returns a copy of a case's platform record, parcels and
// negotiation records, as afterSale.getAfterSaleInfo would answer them.
func (s *Server) Snapshot(returnsID string) (xhswire.GetAfterSaleInfoData, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cases[returnsID]
	if !ok {
		return xhswire.GetAfterSaleInfoData{}, false
	}
	var out xhswire.GetAfterSaleInfoData
	b, _ := json.Marshal(c.detail(true))
	_ = json.Unmarshal(b, &out)
	return out, true
}

// Catalog returns the simulated product catalogue: every SKU id and its
// return-rules category, so that the sandbox can give an adapter the same one.
func (s *Server) Catalog() map[string]returns.Category {
	out := map[string]returns.Category{}
	for _, p := range catalogue {
		out[p.skuID] = p.category
	}
	return out
}

// apiError is a refusal in the platform's envelope.
type apiError struct {
	code int
	msg  string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s", e.code, e.msg) }

func errf(code int, format string, args ...any) *apiError {
	msg := xhswire.ErrorCodes[code].Msg
	if format != "" {
		msg += "：" + fmt.Sprintf(format, args...)
	}
	return &apiError{code: code, msg: msg}
}

// systemFields is what the simulator reads of a request before its method:
// the timestamp may come as a string or a number.
type systemFields struct {
	AppID       string          `json:"appId"`
	Timestamp   json.RawMessage `json:"timestamp"`
	Version     string          `json:"version"`
	Method      string          `json:"method"`
	Sign        string          `json:"sign"`
	AccessToken string          `json:"accessToken"`
}

// newEnvelopeMethods answer with the newer {code, msg, success, data} layer,
// as their specs describe; the others with {success, error_code, error_msg, data}.
var newEnvelopeMethods = map[string]bool{
	xhswire.MethodListAfterSaleInfos: true,
	xhswire.MethodGetAfterSaleInfo:   true,
	xhswire.MethodRejectReasons:      true,
}

func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	latency, down := s.Current()
	if down {
		simkit.HangUp(w)
		return
	}
	if !simkit.Delay(r.Context(), latency, s.closing) {
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return
	}
	var sys systemFields
	if err := json.Unmarshal(body, &sys); err != nil {
		writeEnvelope(w, false, nil, errf(xhswire.ErrParamInvalid, "请求体不是JSON对象"))
		return
	}

	s.mu.Lock()
	s.calls[sys.Method]++
	s.mu.Unlock()
	fault, _ := s.faults.Take(sys.Method, "")
	switch fault {
	case FaultHTTP500:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, "<html><body><h1>500 Internal Server Error</h1></body></html>")
		return
	case FaultMalformed:
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		_, _ = io.WriteString(w, `{"success":true,"error_code":0,"data":{"afterSaleInfo":{"returnsId":"R`)
		return
	case FaultThrottle:
		writeEnvelope(w, false, nil, errf(xhswire.ErrAppThrottled, ""))
		return
	case FaultAuth:
		writeEnvelope(w, false, nil, errf(xhswire.ErrTokenInvalid, ""))
		return
	}

	sh, aerr := s.authenticate(sys)
	if aerr != nil {
		writeEnvelope(w, false, nil, aerr)
		return
	}
	if oauthMethods[sys.Method] {
		data, aerr := s.serveOAuth(sys.Method, body)
		writeEnvelope(w, false, data, aerr)
		return
	}
	data, changed, pushes, aerr := s.dispatch(sh, sys.Method, body)
	if simkit.Unanswered(fault) {
		simkit.Withhold(w, r, fault, s.closing)
	} else {
		writeEnvelope(w, newEnvelopeMethods[sys.Method], data, aerr)
	}
	for _, p := range pushes {
		s.push.send(p)
	}
	if s.onChange != nil {
		for _, id := range changed {
			s.onChange(id)
		}
	}
}

// authenticate checks the app, the timestamp, the signature and the access
// token, in the order a gateway would.
func (s *Server) authenticate(sys systemFields) (*shopState, *apiError) {
	if sys.AppID == "" || sys.AppID != s.appID {
		return nil, errf(xhswire.ErrAppInvalid, "")
	}
	if sys.Version != xhswire.Version {
		return nil, errf(xhswire.ErrParamInvalid, "version必须为%s", xhswire.Version)
	}
	ts := strings.Trim(string(sys.Timestamp), `"`)
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sec <= 0 {
		return nil, errf(xhswire.ErrParamInvalid, "timestamp必须为秒级时间戳")
	}
	if d := s.now().Sub(time.Unix(sec, 0)); d > timestampTolerance || d < -timestampTolerance {
		return nil, errf(xhswire.ErrTimestampExpired, "")
	}
	want := signature(sys.Method, sys.AppID, ts, sys.Version, s.secret)
	if subtle.ConstantTimeCompare([]byte(want), []byte(sys.Sign)) != 1 {
		return nil, errf(xhswire.ErrSignInvalid, "")
	}
	if oauthMethods[sys.Method] {
		return nil, nil // the authorization methods carry no access token
	}
	return s.shopOfToken(sys.AccessToken)
}

// signature is the platform's signature, computed independently of the
// adapter: md5 over the method, then the query of appId, timestamp and
// version, then the secret, in lower-case hex.
func signature(method, appID, timestamp, version, secret string) string {
	h := md5.New()
	for _, part := range []string{method, "?", "appId=", appID, "&", "timestamp=", timestamp, "&", "version=", version, secret} {
		_, _ = io.WriteString(h, part)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func writeEnvelope(w http.ResponseWriter, newLayer bool, data any, aerr *apiError) {
	env := map[string]any{}
	ok := aerr == nil
	env["success"] = ok
	code, msg := 0, "成功"
	if !ok {
		code, msg = aerr.code, aerr.msg
	}
	if newLayer {
		env["code"], env["msg"] = code, msg
	} else {
		env["error_code"] = code
		if !ok {
			env["error_msg"] = msg
		}
	}
	if ok {
		env["data"] = data
	}
	b, err := json.Marshal(env)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	_, _ = w.Write(b)
}

// dispatch runs a method for the shop under the server's lock and returns
// its data, encoded before the lock is released (it shares the case's
// parcels and slices), the cases it changed and their push messages, built
// under the lock too so that they describe this change and no later one.
func (s *Server) dispatch(sh *shopState, method string, body []byte) (json.RawMessage, []string, [][]xhswire.PushMessage, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, changed, aerr := s.run(sh, method, body)
	if aerr != nil {
		return nil, nil, nil, aerr
	}
	var pushes [][]xhswire.PushMessage
	for _, id := range changed {
		pushes = append(pushes, s.pushFor(s.cases[id]))
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, nil, nil, errf(xhswire.ErrSystem, "%v", err)
	}
	return raw, changed, pushes, nil
}

// run runs a method; the caller holds the lock.
func (s *Server) run(sh *shopState, method string, body []byte) (any, []string, *apiError) {
	switch method {
	case xhswire.MethodListAfterSaleInfos:
		var req xhswire.ListAfterSaleInfosRequest
		if err := decode(body, &req); err != nil {
			return nil, nil, err
		}
		d, err := s.list(sh, req)
		return d, nil, err
	case xhswire.MethodGetAfterSaleInfo:
		var req xhswire.GetAfterSaleInfoRequest
		if err := decode(body, &req); err != nil {
			return nil, nil, err
		}
		c, err := s.find(sh, req.ReturnsID)
		if err != nil {
			return nil, nil, err
		}
		return c.detail(req.NeedNegotiateRecord), nil, nil
	case xhswire.MethodAuditReturns:
		var req xhswire.AuditReturnsRequest
		if err := decode(body, &req); err != nil {
			return nil, nil, err
		}
		return s.audit(sh, req)
	case xhswire.MethodConfirmReceive:
		var req xhswire.ConfirmReceiveRequest
		if err := decode(body, &req); err != nil {
			return nil, nil, err
		}
		return s.confirmReceive(sh, req)
	case xhswire.MethodReceiveAndShip:
		var req xhswire.ReceiveAndShipRequest
		if err := decode(body, &req); err != nil {
			return nil, nil, err
		}
		return s.receiveAndShip(sh, req)
	case xhswire.MethodRejectReasons:
		var req xhswire.RejectReasonsRequest
		if err := decode(body, &req); err != nil {
			return nil, nil, err
		}
		d, err := s.rejectReasons(sh, req)
		return d, nil, err
	case xhswire.MethodGetOrderDetail:
		var req xhswire.GetOrderDetailRequest
		if err := decode(body, &req); err != nil {
			return nil, nil, err
		}
		o, err := s.findOrder(sh, req.OrderID)
		if err != nil {
			return nil, nil, err
		}
		return o.detail, nil, nil
	case xhswire.MethodGetOrderTracking:
		var req xhswire.GetOrderTrackingRequest
		if err := decode(body, &req); err != nil {
			return nil, nil, err
		}
		o, err := s.findOrder(sh, req.OrderID)
		if err != nil {
			return nil, nil, err
		}
		return o.track, nil, nil
	case xhswire.MethodGetItemInfo:
		var req xhswire.GetItemInfoRequest
		if err := decode(body, &req); err != nil {
			return nil, nil, err
		}
		d, err := itemInfo(req.ItemID)
		return d, nil, err
	case xhswire.MethodGetAddressRecord:
		var req xhswire.GetAddressRecordRequest
		if err := decode(body, &req); err != nil {
			return nil, nil, err
		}
		d, err := addressPage(sh, req)
		return d, nil, err
	}
	return nil, nil, errf(xhswire.ErrMethodUnknown, "%s", method)
}

func decode(body []byte, v any) *apiError {
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return errf(xhswire.ErrParamInvalid, "字段%s类型错误", te.Field)
		}
		return errf(xhswire.ErrParamInvalid, "请求体无法解析")
	}
	return nil
}

func (s *Server) find(sh *shopState, id string) (*simCase, *apiError) {
	if id == "" {
		return nil, errf(xhswire.ErrParamInvalid, "returnsId不能为空")
	}
	c, ok := s.cases[id]
	if !ok || c.shopID != sh.ShopID {
		return nil, errf(xhswire.ErrAfterSaleNotFound, "%s", id)
	}
	return c, nil
}

// list answers afterSale.listAfterSaleInfos within the platform's limits.
func (s *Server) list(sh *shopState, req xhswire.ListAfterSaleInfosRequest) (*xhswire.ListAfterSaleInfosData, *apiError) {
	switch {
	case req.PageNo < 1:
		return nil, errf(xhswire.ErrParamInvalid, "pageNo从1开始")
	case req.PageSize < 1 || req.PageSize > xhswire.MaxPageSize:
		return nil, errf(xhswire.ErrParamInvalid, "pageSize须大于0且小于等于%d", xhswire.MaxPageSize)
	case req.PageNo*req.PageSize > xhswire.MaxPageProduct:
		return nil, errf(xhswire.ErrParamInvalid, "pageNo*pageSize不能超过%d", xhswire.MaxPageProduct)
	case req.OrderID == "" && req.TimeType == 0:
		return nil, errf(xhswire.ErrParamInvalid, "包裹号和时间类型至少传一个")
	}
	if req.TimeType != 0 {
		var max int64
		switch req.TimeType {
		case xhswire.TimeTypeCreated:
			max = xhswire.MaxCreatedWindowMS
		case xhswire.TimeTypeUpdated:
			max = xhswire.MaxUpdatedWindowMS
		default:
			return nil, errf(xhswire.ErrParamInvalid, "timeType只能为1或2")
		}
		switch {
		case req.StartTime <= 0 || req.EndTime <= 0:
			return nil, errf(xhswire.ErrParamInvalid, "选择时间类型后startTime和endTime必传")
		case req.EndTime <= req.StartTime:
			return nil, errf(xhswire.ErrParamInvalid, "时间终点应当大于时间起点")
		case req.EndTime-req.StartTime > max:
			return nil, errf(xhswire.ErrParamInvalid, "时间范围超过限制")
		}
	}
	statuses := intSet(req.Statuses)
	types := intSet(req.ReturnTypes)
	var hits []*simCase
	for _, id := range s.ids {
		c := s.cases[id]
		if c.shopID != sh.ShopID {
			continue
		}
		if req.OrderID != "" && c.info.OrderID != req.OrderID {
			continue
		}
		if len(statuses) > 0 && !statuses[c.info.Status] {
			continue
		}
		if len(types) > 0 && !types[c.info.ReturnType] {
			continue
		}
		if req.TimeType != 0 {
			t := c.timeOf(req.TimeType)
			if t < req.StartTime || t > req.EndTime {
				continue
			}
		}
		hits = append(hits, c)
	}
	// Newest first, as the seller centre lists them; ties by id so that
	// pages are stable.
	sort.SliceStable(hits, func(i, j int) bool {
		ti, tj := hits[i].timeOf(req.TimeType), hits[j].timeOf(req.TimeType)
		if ti != tj {
			return ti > tj
		}
		return hits[i].info.ReturnsID < hits[j].info.ReturnsID
	})
	out := &xhswire.ListAfterSaleInfosData{TotalCount: len(hits), PageNo: req.PageNo, PageSize: req.PageSize,
		AfterSaleBasicInfos: []xhswire.AfterSaleBasicInfo{}}
	for i := (req.PageNo - 1) * req.PageSize; i < len(hits) && i < req.PageNo*req.PageSize; i++ {
		out.AfterSaleBasicInfos = append(out.AfterSaleBasicInfos, hits[i].basic())
	}
	return out, nil
}

func intSet(xs []int) map[int]bool {
	m := map[int]bool{}
	for _, x := range xs {
		m[x] = true
	}
	return m
}

func (c *simCase) timeOf(timeType int) int64 {
	if timeType == xhswire.TimeTypeUpdated {
		return c.info.UpdatedAt
	}
	return c.info.ApplyTime
}

func (c *simCase) basic() xhswire.AfterSaleBasicInfo {
	i := c.info
	return xhswire.AfterSaleBasicInfo{
		ReturnsID: i.ReturnsID, ReturnType: i.ReturnType, ReasonID: i.ReasonID, ReasonNameZh: i.ReasonNameZh,
		Status: i.Status, UserID: i.UserID, OrderID: i.OrderID, ApplyTime: i.ApplyTime, UpdatedAt: i.UpdatedAt,
		ExpireTime: i.ExpireTime, Desc: i.Desc, ReturnsTag: i.ReturnsTag, ExpectedRefundAmountYuan: i.ExpectedRefundAmountYuan,
	}
}

// detail is getAfterSaleInfo's data. It shares the case's parcels and
// slices, so it must be encoded under the lock.
func (c *simCase) detail(negotiation bool) *xhswire.GetAfterSaleInfoData {
	info := c.info
	lg := c.logistics
	d := &xhswire.GetAfterSaleInfoData{AfterSaleInfo: &info, LogisticsInfo: &lg}
	if negotiation {
		d.NegotiateRecords = append([]xhswire.NegotiateRecord{}, c.records...)
	}
	return d
}

// record appends a negotiation node at the platform's clock.
func (s *Server) record(c *simCase, ms int64, role int, title string, attrs ...xhswire.NegotiateAttribute) {
	c.records = append(c.records, xhswire.NegotiateRecord{
		Title: title, OperatorRole: role, OperatorRoleName: roleNames[role], Attributes: attrs,
		Time: time.UnixMilli(ms).In(returns.Shanghai).Format(xhswire.NegotiateTimeLayout),
	})
}

// The operator roles of negotiation records, numbered as push messages
// number requestFrom.
const (
	roleBuyer    = 1
	roleSeller   = 2
	rolePlatform = 3
	roleSystem   = 4
)

var roleNames = map[int]string{roleBuyer: "买家", roleSeller: "商家", rolePlatform: "平台客服", roleSystem: "系统"}

func attr(key, desc string) xhswire.NegotiateAttribute {
	return xhswire.NegotiateAttribute{Type: 1, Key: key, Desc: desc}
}
