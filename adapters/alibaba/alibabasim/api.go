package alibabasim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabawire"
	"github.com/returnsgw/returnsgw/adapters/simkit"
	"github.com/returnsgw/returnsgw/returns"
)

// topError is an error_response to send.
type topError struct {
	code, msg, subCode, subMsg string
}

func errMissing(param string) *topError {
	return &topError{alibabawire.CodeMissingRequiredArguments, "Missing required arguments", alibabawire.SubCodeMissingParameter, param}
}

func errInvalid(format string, args ...any) *topError {
	return &topError{alibabawire.CodeInvalidArguments, "Invalid arguments", alibabawire.SubCodeInvalidParameter, fmt.Sprintf(format, args...)}
}

func errNoTrade(id string) *topError {
	return &topError{alibabawire.CodeRemoteServiceError, "Remote service error", alibabawire.SubCodeTradeNotExist,
		"The trade " + id + " does not exist"}
}

// serveRouter is the TOP router: one URL for every method.
func (s *Server) serveRouter(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		s.writeError(w, &topError{code: "9", msg: "Http Action Not Allowed"})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		s.writeError(w, &topError{code: alibabawire.CodeInvalidFormat, msg: "Invalid Format", subMsg: err.Error()})
		return
	}
	method := r.Form.Get(alibabawire.ParamMethod)
	s.mu.Lock()
	s.calls[method]++
	s.mu.Unlock()

	latency, down := s.Current()
	if !simkit.Delay(r.Context(), latency, s.done) {
		return
	}
	if down {
		http.Error(w, "502 Bad Gateway", http.StatusBadGateway)
		return
	}
	fault := s.takeFault(method)
	switch fault {
	case FaultHTTP500:
		http.Error(w, "500 Internal Server Error", http.StatusInternalServerError)
		return
	case FaultThrottle:
		s.writeError(w, &topError{alibabawire.CodeAppCallLimited, "App Call Limited", alibabawire.SubCodeAppAPILimited,
			"This ban will last for 1 more seconds"})
		return
	case FaultMalformed:
		w.Header().Set("Content-Type", alibabawire.ContentTypeResponse)
		fmt.Fprintf(w, `{"%s":{"value":{"trade_id":`, alibabawire.ResponseKey(method))
		return
	case FaultAuth:
		s.writeError(w, &topError{alibabawire.CodeInvalidSession, "Invalid session", "invalid-sessionkey", "the session key has expired"})
		return
	}
	if e := s.checkSystem(r.Form); e != nil {
		s.writeError(w, e)
		return
	}
	var (
		resp any
		e    *topError
	)
	switch method {
	case alibabawire.MethodOrderList:
		resp, e = s.orderList(r.Form)
	case alibabawire.MethodOrderGet:
		resp, e = s.orderGet(r.Form)
	case alibabawire.MethodFundGet:
		resp, e = s.fundGet(r.Form)
	case alibabawire.MethodLogisticsGet:
		resp, e = s.logisticsGet(r.Form)
	case alibabawire.MethodProductGet:
		resp, e = s.productGet(r.Form)
	case alibabawire.MethodTokenCreate, alibabawire.MethodTokenRefresh:
		resp, e = s.token(method, r.Form)
	}
	if simkit.Unanswered(fault) {
		simkit.Withhold(w, r, fault, s.done)
		return
	}
	if e != nil {
		s.writeError(w, e)
		return
	}
	s.writeJSON(w, map[string]any{alibabawire.ResponseKey(method): resp})
}

// checkSystem checks the system parameters in the order TOP's router does.
func (s *Server) checkSystem(form url.Values) *topError {
	method := form.Get(alibabawire.ParamMethod)
	switch method {
	case "":
		return &topError{code: alibabawire.CodeMissingMethod, msg: "Missing method"}
	case alibabawire.MethodOrderList, alibabawire.MethodOrderGet, alibabawire.MethodFundGet, alibabawire.MethodLogisticsGet,
		alibabawire.MethodProductGet, alibabawire.MethodTokenCreate, alibabawire.MethodTokenRefresh:
	default:
		return &topError{code: alibabawire.CodeInvalidMethod, msg: "Invalid method", subMsg: method}
	}
	switch form.Get(alibabawire.ParamAppKey) {
	case "":
		return &topError{code: alibabawire.CodeMissingAppKey, msg: "Missing app key"}
	case s.appKey:
	default:
		return &topError{code: alibabawire.CodeInvalidAppKey, msg: "Invalid app Key"}
	}
	switch form.Get(alibabawire.ParamVersion) {
	case "":
		return &topError{code: alibabawire.CodeMissingVersion, msg: "Missing version"}
	case alibabawire.Version:
	default:
		return &topError{code: alibabawire.CodeInvalidVersion, msg: "Invalid version"}
	}
	if f := form.Get(alibabawire.ParamFormat); f != "" && f != alibabawire.FormatJSON {
		return &topError{code: alibabawire.CodeInvalidFormat, msg: "Invalid format", subMsg: "the sandbox answers json only"}
	}
	ts := form.Get(alibabawire.ParamTimestamp)
	if ts == "" {
		return &topError{code: alibabawire.CodeMissingTimestamp, msg: "Missing timestamp"}
	}
	t, err := time.ParseInLocation(alibabawire.TimestampLayout, ts, time.FixedZone("CST", 8*3600))
	if err != nil {
		return &topError{code: alibabawire.CodeInvalidTimestamp, msg: "Invalid timestamp", subMsg: "timestamp must be yyyy-MM-dd HH:mm:ss in GMT+8"}
	}
	if d := t.Sub(s.now()); d > alibabawire.TimestampSkew || d < -alibabawire.TimestampSkew {
		return &topError{code: alibabawire.CodeInvalidTimestamp, msg: "Invalid timestamp",
			subMsg: fmt.Sprintf("timestamp is %s away from the server's time", d.Round(time.Second))}
	}
	tokenCall := method == alibabawire.MethodTokenCreate || method == alibabawire.MethodTokenRefresh
	if form.Get(alibabawire.ParamSession) == "" && !tokenCall {
		return &topError{code: alibabawire.CodeMissingSession, msg: "Missing session"}
	}
	if form.Get(alibabawire.ParamSign) == "" {
		return &topError{code: alibabawire.CodeMissingSignature, msg: "Missing signature"}
	}
	if sm := form.Get(alibabawire.ParamSignMethod); sm != "" && sm != alibabawire.SignMethodMD5 {
		return &topError{code: alibabawire.CodeInvalidSignature, msg: "Invalid signature", subMsg: "unsupported sign_method " + sm}
	}
	if !signatureValid(form, s.appSecret) {
		return &topError{code: alibabawire.CodeInvalidSignature, msg: "Invalid signature"}
	}
	if tokenCall {
		return nil
	}
	return s.checkSession(form.Get(alibabawire.ParamSession))
}

func (s *Server) writeError(w http.ResponseWriter, e *topError) {
	s.mu.Lock()
	s.requestNo++
	id := fmt.Sprintf("%013x", s.requestNo)
	s.mu.Unlock()
	body := map[string]any{"code": json.Number(e.code), "msg": e.msg, "request_id": id}
	if e.subCode != "" {
		body["sub_code"] = e.subCode
	}
	if e.subMsg != "" {
		body["sub_msg"] = e.subMsg
	}
	s.writeJSON(w, map[string]any{alibabawire.ErrorKey: body})
}

func (s *Server) writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", alibabawire.ContentTypeResponse)
	_, _ = w.Write(b)
}

// dataSelect splits a data_select list and checks every item is allowed.
func dataSelect(form url.Values, allowed ...string) (map[string]bool, *topError) {
	out := map[string]bool{}
	v := strings.TrimSpace(form.Get(alibabawire.ParamDataSelect))
	if v == "" {
		return out, nil
	}
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		ok := false
		for _, a := range allowed {
			ok = ok || item == a
		}
		if !ok {
			return nil, errInvalid("data_select %q is not one of %s", item, strings.Join(allowed, ","))
		}
		out[item] = true
	}
	return out, nil
}

// orderList serves alibaba.seller.order.list: the seller's orders, newest
// modify date first, filtered by the query's status and date ranges
// (inclusive, to the second, in US Pacific time).
func (s *Server) orderList(form url.Values) (any, *topError) {
	rawQuery := form.Get(alibabawire.ParamOrderListQuery)
	if rawQuery == "" {
		return nil, errMissing(alibabawire.ParamOrderListQuery)
	}
	var present map[string]json.RawMessage
	if err := json.Unmarshal([]byte(rawQuery), &present); err != nil {
		return nil, errInvalid("%s is not a JSON object", alibabawire.ParamOrderListQuery)
	}
	for _, k := range []string{"role", "start_page", "page_size"} {
		if _, ok := present[k]; !ok {
			return nil, errMissing(alibabawire.ParamOrderListQuery + "." + k)
		}
	}
	var q alibabawire.OrderListQuery
	if err := json.Unmarshal([]byte(rawQuery), &q); err != nil {
		return nil, errInvalid("%s: %v", alibabawire.ParamOrderListQuery, err)
	}
	if q.Role != alibabawire.RoleSeller {
		return nil, errInvalid("role must be %q", alibabawire.RoleSeller)
	}
	if q.StartPage < 0 {
		return nil, errInvalid("start_page must be 0 or more")
	}
	if q.PageSize < 1 || q.PageSize > alibabawire.MaxPageSize {
		return nil, errInvalid("page_size must be between 1 and %d", alibabawire.MaxPageSize)
	}
	bound := func(name string, d *alibabawire.DateQuery) (time.Time, *topError) {
		if d == nil {
			return time.Time{}, nil
		}
		t, err := time.ParseInLocation(alibabawire.DateQueryLayout, d.DateStr, returns.Pacific)
		if err != nil {
			return time.Time{}, errInvalid("%s.date_str %q is not yyyy-MM-dd HH:mm:ss", name, d.DateStr)
		}
		return t, nil
	}
	cs, e1 := bound("create_date_start", q.CreateDateStart)
	ce, e2 := bound("create_date_end", q.CreateDateEnd)
	ms, e3 := bound("modified_date_start", q.ModifiedDateStart)
	me, e4 := bound("modified_date_end", q.ModifiedDateEnd)
	for _, e := range []*topError{e1, e2, e3, e4} {
		if e != nil {
			return nil, e
		}
	}
	in := func(t, lo, hi time.Time) bool {
		t = t.Truncate(time.Second)
		return (lo.IsZero() || !t.Before(lo)) && (hi.IsZero() || !t.After(hi))
	}

	s.mu.Lock()
	var hits []*order
	for _, o := range s.orders {
		if q.Status != "" && o.status != q.Status {
			continue
		}
		if in(o.created, cs, ce) && in(o.modified, ms, me) {
			hits = append(hits, o)
		}
	}
	sort.Slice(hits, func(i, j int) bool {
		if !hits[i].modified.Equal(hits[j].modified) {
			return hits[i].modified.After(hits[j].modified)
		}
		return hits[i].tradeID > hits[j].tradeID
	})
	total := len(hits)
	var items []alibabawire.OrderSummary
	for i := q.StartPage * q.PageSize; i < total && i < (q.StartPage+1)*q.PageSize; i++ {
		o := hits[i]
		items = append(items, alibabawire.OrderSummary{
			TradeID:    alibabawire.Text(o.tradeID),
			CreateDate: wireDate(o.created),
			ModifyDate: wireDate(o.modified),
		})
	}
	s.mu.Unlock()
	return alibabawire.OrderListResponse{
		Value: alibabawire.OrderListValue{
			OrderList:  alibabawire.Wrap("trade_ecology_order", items...),
			TotalCount: alibabawire.Number(strconv.Itoa(total)),
		},
		RequestID: s.newRequestID(),
	}, nil
}

// orderGet serves alibaba.seller.order.get.
func (s *Server) orderGet(form url.Values) (any, *topError) {
	id := form.Get(alibabawire.ParamTradeID)
	if id == "" {
		return nil, errMissing(alibabawire.ParamTradeID)
	}
	switch form.Get(alibabawire.ParamLanguage) {
	case "", alibabawire.LanguageEnglish, alibabawire.LanguageChinese:
	default:
		return nil, errInvalid("language must be en_US or zh_CN")
	}
	if _, e := dataSelect(form, "statusAction", "draft_role", "snapshot_product"); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	if !ok {
		return nil, errNoTrade(id)
	}
	return alibabawire.OrderGetResponse{Value: renderOrder(o), RequestID: s.newRequestIDLocked()}, nil
}

// fundGet serves alibaba.seller.order.fund.get; refund records only with
// data_select=fund_refund, as documented.
func (s *Server) fundGet(form url.Values) (any, *topError) {
	id := form.Get(alibabawire.ParamTradeID)
	if id == "" {
		return nil, errMissing(alibabawire.ParamTradeID)
	}
	sel, e := dataSelect(form, alibabawire.DataSelectServiceFee, alibabawire.DataSelectFundPay, alibabawire.DataSelectFundRefund)
	if e != nil {
		return nil, e
	}
	if len(sel) == 0 {
		sel = map[string]bool{alibabawire.DataSelectServiceFee: true, alibabawire.DataSelectFundPay: true}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	if !ok {
		return nil, errNoTrade(id)
	}
	return alibabawire.FundGetResponse{Value: renderFund(o, sel), RequestID: s.newRequestIDLocked()}, nil
}

// logisticsGet serves alibaba.seller.order.logistics.get; parcels only with
// data_select=logistic_order.
func (s *Server) logisticsGet(form url.Values) (any, *topError) {
	id := form.Get(alibabawire.ParamTradeID)
	if id == "" {
		return nil, errMissing(alibabawire.ParamTradeID)
	}
	sel, e := dataSelect(form, alibabawire.DataSelectLogisticOrder)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	if !ok {
		return nil, errNoTrade(id)
	}
	return alibabawire.LogisticsGetResponse{Value: renderLogistics(o, sel[alibabawire.DataSelectLogisticOrder]), RequestID: s.newRequestIDLocked()}, nil
}

func (s *Server) newRequestID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newRequestIDLocked()
}

func (s *Server) newRequestIDLocked() string {
	s.requestNo++
	return fmt.Sprintf("%013x", s.requestNo)
}
