package alibabasim

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabawire"
	"github.com/returnsgw/returnsgw/adapters/simkit"
)

// Token lifetimes of the simulator. ASSUMPTION: a TOP session's lifetime is
// set per app (its r1/w1 levels); these are the sandbox's choice.
const (
	DefaultAccessTTL  = 7 * 24 * time.Hour
	DefaultRefreshTTL = 30 * 24 * time.Hour
)

// The seller the simulator's one account stands for.
const (
	sellerUserID = "2200000000001"
	sellerNick   = "sandbox-icbu-seller"
)

func newTokens(o Options) *simkit.Tokens {
	if o.TokenTTL > 0 {
		return simkit.NewTokens(o.Now, o.TokenTTL, 2*o.TokenTTL)
	}
	return simkit.NewTokens(o.Now, DefaultAccessTTL, DefaultRefreshTTL)
}

// Tokens is the simulator's OAuth state, for tests.
func (s *Server) Tokens() *simkit.Tokens { return s.tokens }

// checkSession refuses an unknown or expired session as TOP does: code 27.
func (s *Server) checkSession(session string) *topError {
	_, err := s.tokens.Check(session)
	switch {
	case errors.Is(err, simkit.ErrTokenExpired):
		return &topError{code: alibabawire.CodeInvalidSession, msg: "Invalid session", subCode: "session-expired", subMsg: "the session key has expired"}
	case err != nil:
		return &topError{code: alibabawire.CodeInvalidSession, msg: "Invalid session", subCode: "invalid-sessionkey"}
	}
	return nil
}

// serveAuthorize is the seller's authorization page, as a seller who agrees
// at once: it redirects to redirect_uri with a code and the state.
func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != s.appKey || q.Get("response_type") != "code" {
		http.Error(w, "unknown client_id or response_type", http.StatusBadRequest)
		return
	}
	s.tokens.Authorize(w, r, q.Get("redirect_uri"), q.Get("state"), sellerUserID)
}

// token serves taobao.top.auth.token.create and .refresh.
func (s *Server) token(method string, form url.Values) (any, *topError) {
	var pair simkit.TokenPair
	var err error
	if method == alibabawire.MethodTokenCreate {
		if form.Get(alibabawire.ParamCode) == "" {
			return nil, &topError{code: alibabawire.CodeMissingRequiredArguments, msg: "Missing required arguments:code"}
		}
		if pair, err = s.tokens.Exchange(form.Get(alibabawire.ParamCode)); err != nil {
			return nil, &topError{code: alibabawire.CodeRemoteServiceError, msg: "Remote service error",
				subCode: alibabawire.SubCodeInvalidCode, subMsg: "the authorization code is invalid or expired"}
		}
	} else {
		if form.Get(alibabawire.ParamRefreshToken) == "" {
			return nil, &topError{code: alibabawire.CodeMissingRequiredArguments, msg: "Missing required arguments:refresh_token"}
		}
		if pair, err = s.tokens.Refresh(form.Get(alibabawire.ParamRefreshToken)); err != nil {
			return nil, &topError{code: alibabawire.CodeRemoteServiceError, msg: "Remote service error",
				subCode: alibabawire.SubCodeInvalidRefreshToken, subMsg: "the refresh token is invalid or expired"}
		}
	}
	ms := func(t time.Time) alibabawire.Number { return alibabawire.Number(strconv.FormatInt(t.UnixMilli(), 10)) }
	doc, _ := json.Marshal(alibabawire.TokenResult{
		AccessToken: pair.Access, RefreshToken: pair.Refresh,
		ExpireTime: ms(pair.AccessExpiresAt), RefreshTokenValidTime: ms(pair.RefreshExpiresAt),
		UserID: sellerUserID, UserNick: sellerNick, SP: "icbu", Locale: "en_US",
		R1Valid: ms(pair.AccessExpiresAt), R2Valid: ms(pair.AccessExpiresAt), W1Valid: ms(pair.AccessExpiresAt), W2Valid: ms(pair.AccessExpiresAt),
	})
	return alibabawire.TokenResponse{TokenResult: string(doc)}, nil
}
