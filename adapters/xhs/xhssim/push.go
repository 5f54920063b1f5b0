package xhssim

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/returns"
)

// Push messages, as the platform sends them: after every change to a case,
// one POST to the app's push URL with a JSON array of messages for that case
// (usually one; two when one step does two things, such as a confirmed
// receipt that also completes the refund). The headers carry the app key,
// the platform's clock in unix seconds, and the signature. A delivery that
// fails (no connection, a status other than 2xx, or an answer without
// success true) is retried once after PushRetryDelay, re-signed at the clock
// of the retry, then dropped. Deliveries run on their own goroutines, never
// under the server's lock, so that an API call never waits for a receiver;
// they may therefore arrive out of order, as on the platform.

// DefaultPushRetryDelay is how long the platform waits before its one retry
// of a push that failed.
const DefaultPushRetryDelay = 5 * time.Minute

// pushTimeout bounds one delivery attempt.
const pushTimeout = 10 * time.Second

// pusher delivers push messages.
type pusher struct {
	url        string
	appKey     string
	secret     string
	now        func() time.Time // the platform's clock, for the timestamp header
	retryDelay time.Duration
	transport  *http.Transport // its own, so that Close can close its idle connections
	client     *http.Client
	ctx        context.Context // cancelled by close
	cancel     context.CancelFunc

	mu      sync.Mutex
	idle    *sync.Cond // signalled when pending drops to 0
	pending int        // deliveries started and not yet delivered or dropped
	closed  bool
	drop    int // attempts still to fail on purpose (DropPushes)
	sent    int // attempts the receiver acknowledged
	failed  int // attempts that failed, retried or not
}

func (p *pusher) init(pushURL string, retryDelay time.Duration, appKey, secret string, now func() time.Time) {
	if retryDelay <= 0 {
		retryDelay = DefaultPushRetryDelay
	}
	p.url, p.appKey, p.secret, p.now = pushURL, appKey, secret, now
	p.retryDelay = retryDelay
	p.idle = sync.NewCond(&p.mu)
	p.ctx, p.cancel = context.WithCancel(context.Background())
	// The client exists even without a URL, so SetPushURL can add one later.
	p.transport = http.DefaultTransport.(*http.Transport).Clone()
	p.client = &http.Client{Transport: p.transport, Timeout: pushTimeout}
}

// target is the push URL now.
func (p *pusher) target() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.url
}

// SetPushURL sets (or, with "", clears) where push messages go, as changing
// the app's push URL on the open platform would. A gateway that learns its
// own address only once it listens sets it then.
func (s *Server) SetPushURL(u string) {
	s.push.mu.Lock()
	s.push.url = u
	s.push.mu.Unlock()
}

// send starts delivering one push; it does nothing without messages, without
// a push URL, or after close.
func (p *pusher) send(msgs []xhswire.PushMessage) {
	if len(msgs) == 0 || p.target() == "" {
		return
	}
	body, err := json.Marshal(msgs)
	if err != nil {
		return
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.pending++
	p.mu.Unlock()
	go p.deliver(body)
}

// deliver makes the first attempt and, if it fails, the one retry.
func (p *pusher) deliver(body []byte) {
	defer func() {
		p.mu.Lock()
		p.pending--
		if p.pending == 0 {
			p.idle.Broadcast()
		}
		p.mu.Unlock()
	}()
	if p.attempt(body) {
		return
	}
	t := time.NewTimer(p.retryDelay)
	select {
	case <-t.C:
	case <-p.ctx.Done():
		t.Stop()
		return
	}
	p.attempt(body)
}

// attempt makes one delivery attempt and counts it.
func (p *pusher) attempt(body []byte) bool {
	p.mu.Lock()
	dropped := p.drop > 0
	if dropped {
		p.drop--
	}
	p.mu.Unlock()
	ok := !dropped && p.post(body) == nil
	p.mu.Lock()
	if ok {
		p.sent++
	} else {
		p.failed++
	}
	p.mu.Unlock()
	return ok
}

// post sends the push signed at the clock's present and reads the answer.
func (p *pusher) post(body []byte) error {
	target := p.target()
	u, err := url.Parse(target)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(p.ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return err
	}
	ts := strconv.FormatInt(p.now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json;charset=utf-8")
	req.Header.Set(xhswire.PushHeaderAppKey, p.appKey)
	req.Header.Set(xhswire.PushHeaderTimestamp, ts)
	req.Header.Set(xhswire.PushHeaderSign, pushSignature(u.Path, u.Query(), p.appKey, ts, p.secret))
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return errors.New("xhssim: push answered HTTP " + strconv.Itoa(resp.StatusCode))
	}
	var reply xhswire.PushReply
	if err := json.Unmarshal(raw, &reply); err != nil || !reply.Success {
		return errors.New("xhssim: push not acknowledged: " + string(raw))
	}
	return nil
}

// close stops new pushes, abandons those in flight and waits until every
// delivery goroutine has returned.
func (p *pusher) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cancel()
	p.mu.Lock()
	for p.pending > 0 {
		p.idle.Wait()
	}
	p.mu.Unlock()
	if p.transport != nil {
		p.transport.CloseIdleConnections()
	}
}

// pushSignature is the platform's signature of a push, computed
// independently of the adapter: md5 over the path, "?", the query
// parameters and the app-key and timestamp headers as name=value pairs in
// name order (values in order within a name) joined by "&", and the secret,
// in lower-case hex. The body is not signed.
func pushSignature(path string, query url.Values, appKey, timestamp, secret string) string {
	params := url.Values{}
	for name, values := range query {
		params[name] = append([]string(nil), values...)
	}
	params.Add(xhswire.PushHeaderAppKey, appKey)
	params.Add(xhswire.PushHeaderTimestamp, timestamp)
	names := make([]string, 0, len(params))
	for name := range params {
		names = append(names, name)
	}
	sort.Strings(names)
	if path == "" {
		path = "/"
	}
	h := md5.New()
	_, _ = io.WriteString(h, path+"?")
	sep := ""
	for _, name := range names {
		values := params[name]
		sort.Strings(values)
		for _, v := range values {
			_, _ = io.WriteString(h, sep+name+"="+v)
			sep = "&"
		}
	}
	_, _ = io.WriteString(h, secret)
	return hex.EncodeToString(h.Sum(nil))
}

// pushFor returns the push messages of the case's last move and clears its
// tags; the caller holds the lock.
func (s *Server) pushFor(c *simCase) []xhswire.PushMessage {
	tags := c.pushTags
	c.pushTags = nil
	if len(tags) == 0 {
		tags = []string{xhswire.TagAfterSaleUpdate}
	}
	data, err := json.Marshal(xhswire.PushAfterSaleData{
		ReturnsID:  c.info.ReturnsID,
		OrderID:    c.info.OrderID,
		ReturnType: c.info.ReturnType,
		// Every simulated case is opened by its buyer.
		RequestFrom: xhswire.RequestFromBuyer,
		RefundFee:   refundFee(c.info),
		UpdateTime:  c.info.UpdatedAt,
	})
	if err != nil {
		return nil
	}
	sellerID := ""
	if sh := s.shopByID[c.shopID]; sh != nil {
		sellerID = sh.SellerID
	}
	out := make([]xhswire.PushMessage, len(tags))
	for i, tag := range tags {
		out[i] = xhswire.PushMessage{MsgTag: tag, SellerID: sellerID, Data: string(data)}
	}
	return out
}

// refundFee is the refund of a case without freight, in yuan: the refunded
// amount once refunded, the expected one before.
func refundFee(i xhswire.AfterSaleInfo) json.Number {
	amount := i.ExpectedRefundAmountYuan
	if i.RefundStatus == xhswire.RefundSucceeded && i.RefundAmountYuan != "" {
		amount = i.RefundAmountYuan
	}
	total, err1 := returns.ParseMoney(string(amount), "CNY")
	ship, err2 := returns.ParseMoney(string(i.AppliedShipFeeAmountYuan), "CNY")
	if err1 != nil {
		return "0"
	}
	fen := total.Minor
	if err2 == nil && ship.Minor <= fen {
		fen -= ship.Minor
	}
	return yuan(fen)
}

// derivedSellerID is the seller id of a shop configured without one: stable,
// and shaped like the platform's (24 hex digits).
func derivedSellerID(shopID string) string {
	sum := md5.Sum([]byte("xhssim-seller:" + shopID))
	return hex.EncodeToString(sum[:])[:24]
}

// Shop returns a shop as the server knows it, with its SellerID filled in.
func (s *Server) Shop(shopID string) (Shop, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh, ok := s.shopByID[shopID]
	if !ok {
		return Shop{}, false
	}
	return sh.Shop, true
}

// DropPushes makes the next n delivery attempts fail before anything is
// sent, as a push the receiver never got; each is counted as failed and
// retried like any failed delivery.
func (s *Server) DropPushes(n int) {
	s.push.mu.Lock()
	s.push.drop += n
	s.push.mu.Unlock()
}

// Pushes counts delivery attempts: sent, those the receiver acknowledged;
// failed, the others (a push dropped after its retry counts twice).
func (s *Server) Pushes() (sent, failed int) {
	s.push.mu.Lock()
	defer s.push.mu.Unlock()
	return s.push.sent, s.push.failed
}

// WaitPushes waits until every push started so far has been delivered or
// dropped, retries included.
func (s *Server) WaitPushes() {
	s.push.mu.Lock()
	for s.push.pending > 0 {
		s.push.idle.Wait()
	}
	s.push.mu.Unlock()
}
