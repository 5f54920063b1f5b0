package aliexpresssim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
	"github.com/returnsgw/returnsgw/adapters/simkit"
)

// Token lifetimes of the simulator. ASSUMPTION: AliExpress publishes no
// fixed lifetime; answers seen in integrators' code carry expires_in of days
// to a year depending on the app. These are the sandbox's choice.
const (
	DefaultAccessTTL  = 7 * 24 * time.Hour
	DefaultRefreshTTL = 30 * 24 * time.Hour
)

// The seller the simulator's one account stands for.
const (
	sellerID   = "2000000001"
	sellerNick = "sandbox-ae-seller"
)

func newTokens(o Options) *simkit.Tokens {
	t := simkit.NewTokens(o.Now, DefaultAccessTTL, DefaultRefreshTTL)
	if o.TokenTTL > 0 {
		t = simkit.NewTokens(o.Now, o.TokenTTL, 2*o.TokenTTL)
	}
	for _, tok := range o.AccessTokens {
		t.Register(tok, sellerID)
	}
	return t
}

// Tokens is the simulator's OAuth state, for tests.
func (s *Server) Tokens() *simkit.Tokens { return s.tokens }

// serveAuthorize is the seller's authorization page, as a seller who agrees
// at once: it redirects to redirect_uri with a code and the state.
func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != s.opts.AppKey || q.Get("response_type") != "code" {
		http.Error(w, "unknown client_id or response_type", http.StatusBadRequest)
		return
	}
	s.tokens.Authorize(w, r, q.Get("redirect_uri"), q.Get("state"), sellerID)
}

// serveToken answers /rest/auth/token/create and /rest/auth/token/refresh
// with the flat token answer, or the IOP error object with HTTP 200.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	latency, down := s.Current()
	if !simkit.Delay(r.Context(), latency, nil) {
		return
	}
	if down {
		http.Error(w, "<html><body>503 Service Temporarily Unavailable</body></html>", http.StatusServiceUnavailable)
		return
	}
	path := strings.TrimPrefix(r.URL.Path, aliexpresswire.RestPath)
	s.mu.Lock()
	s.calls[path]++
	rid := s.requestID()
	s.mu.Unlock()
	fail := func(typ, code, msg string) {
		writeToken(w, aliexpresswire.TokenResponse{Type: aliexpresswire.Text(typ), Code: aliexpresswire.Text(code),
			Message: aliexpresswire.Text(msg), RequestID: aliexpresswire.Text(rid)})
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		fail("ISV", "InvalidParameter", "Unreadable form body")
		return
	}
	p := map[string]string{}
	for k, vs := range r.PostForm {
		p[k] = vs[0]
	}
	switch {
	case p[aliexpresswire.ParamAppKey] != s.opts.AppKey:
		fail("ISV", "InvalidAppKey", "The specified app key is invalid")
		return
	case !hmac.Equal([]byte(strings.ToUpper(p[aliexpresswire.ParamSign])), []byte(restSignature(s.opts.AppSecret, path, p))):
		fail("ISV", "IncompleteSignature", "The request signature does not conform to platform standards")
		return
	}
	ms, err := strconv.ParseInt(p[aliexpresswire.ParamTimestamp], 10, 64)
	if d := s.opts.Now().Sub(time.UnixMilli(ms)); err != nil || d > aliexpresswire.TimestampToleranceSecs*time.Second || d < -aliexpresswire.TimestampToleranceSecs*time.Second {
		fail("ISV", "InvalidTimestamp", "The timestamp is too far from the platform's clock")
		return
	}
	var pair simkit.TokenPair
	switch path {
	case aliexpresswire.PathTokenCreate:
		if pair, err = s.tokens.Exchange(p[aliexpresswire.ParamCode]); err != nil {
			fail("ISP", "InvalidCode", "Invalid authorization code")
			return
		}
	case aliexpresswire.PathTokenRefresh:
		if pair, err = s.tokens.Refresh(p[aliexpresswire.ParamRefresh]); err != nil {
			fail("ISV", "IllegalRefreshToken", "The specified refresh token is invalid or expired")
			return
		}
	default:
		fail("ISV", "InvalidApiPath", "The specified API path is invalid")
		return
	}
	now := s.opts.Now()
	num := func(n int64) json.Number { return json.Number(strconv.FormatInt(n, 10)) }
	writeToken(w, aliexpresswire.TokenResponse{
		Code: "0", RequestID: aliexpresswire.Text(rid),
		AccessToken: pair.Access, RefreshToken: pair.Refresh,
		ExpireTime: num(pair.AccessExpiresAt.UnixMilli()), RefreshTokenValidTime: num(pair.RefreshExpiresAt.UnixMilli()),
		ExpiresIn:        num(int64(pair.AccessExpiresAt.Sub(now) / time.Second)),
		RefreshExpiresIn: num(int64(pair.RefreshExpiresAt.Sub(now) / time.Second)),
		UserID:           sellerID, SellerID: sellerID, UserNick: sellerNick, Account: sellerNick,
		AccountPlatform: "seller_center", Locale: "en_US", SP: "ae",
	})
}

func writeToken(w http.ResponseWriter, r aliexpresswire.TokenResponse) {
	b, _ := json.Marshal(r)
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	_, _ = w.Write(b)
}

// restSignature is the /rest signature: the API path, then every parameter
// but sign sorted by name as name+value, HMAC-SHA256, upper-case hex.
func restSignature(secret, path string, p map[string]string) string {
	names := make([]string, 0, len(p))
	for k := range p {
		if k != aliexpresswire.ParamSign {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(path))
	for _, k := range names {
		mac.Write([]byte(k))
		mac.Write([]byte(p[k]))
	}
	return strings.ToUpper(hex.EncodeToString(mac.Sum(nil)))
}
