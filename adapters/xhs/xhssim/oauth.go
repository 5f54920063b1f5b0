package xhssim

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/returnsgw/returnsgw/adapters/simkit"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
)

// The platform's token lifetimes, per the official SDK's notes: access
// tokens 7 days, refresh tokens 14 days.
const (
	DefaultAccessTTL  = 7 * 24 * time.Hour
	DefaultRefreshTTL = 14 * 24 * time.Hour
)

var oauthMethods = map[string]bool{xhswire.MethodGetAccessToken: true, xhswire.MethodRefreshToken: true}

// RenewWindow is how close to its expiry an access token must be for
// oauth.refreshToken to issue new tokens; before, it answers the same ones
// (the official SDK's notes).
const RenewWindow = 30 * time.Minute

func newTokens(now func() time.Time, ttl time.Duration) *simkit.Tokens {
	t := simkit.NewTokens(now, DefaultAccessTTL, DefaultRefreshTTL)
	if ttl > 0 {
		t = simkit.NewTokens(now, ttl, 2*ttl)
	}
	t.RenewOnlyWithin(RenewWindow)
	return t
}

// Tokens is the simulator's OAuth state, for tests: issue codes, count token
// calls, revoke a seller's authorization.
func (s *Server) Tokens() *simkit.Tokens { return s.tokens }

// shopOfToken finds the shop an access token authorizes; an unknown and an
// expired token get the platform's one code for both.
func (s *Server) shopOfToken(token string) (*shopState, *apiError) {
	shopID, err := s.tokens.Check(token)
	if err != nil {
		return nil, errf(xhswire.ErrTokenInvalid, "")
	}
	s.mu.Lock()
	sh := s.shopByID[shopID]
	s.mu.Unlock()
	if sh == nil {
		return nil, errf(xhswire.ErrTokenInvalid, "")
	}
	return sh, nil
}

// serveOAuth answers oauth.getAccessToken and oauth.refreshToken.
func (s *Server) serveOAuth(method string, body []byte) (any, *apiError) {
	var pair simkit.TokenPair
	var err error
	switch method {
	case xhswire.MethodGetAccessToken:
		var req xhswire.GetAccessTokenRequest
		if json.Unmarshal(body, &req) != nil || req.Code == "" {
			return nil, errf(xhswire.ErrParamInvalid, "code不能为空")
		}
		pair, err = s.tokens.Exchange(req.Code)
		if err != nil {
			return nil, errf(xhswire.ErrAuthCodeInvalid, "")
		}
	default:
		var req xhswire.RefreshTokenRequest
		if json.Unmarshal(body, &req) != nil || req.RefreshToken == "" {
			return nil, errf(xhswire.ErrParamInvalid, "refreshToken不能为空")
		}
		pair, err = s.tokens.Refresh(req.RefreshToken)
		if errors.Is(err, simkit.ErrRefreshFailed) {
			return nil, errf(xhswire.ErrRefreshInvalid, "")
		}
	}
	s.mu.Lock()
	sh := s.shopByID[pair.Subject]
	s.mu.Unlock()
	return xhswire.TokenData{
		AccessToken:           pair.Access,
		AccessTokenExpiresAt:  json.Number(strconv.FormatInt(pair.AccessExpiresAt.UnixMilli(), 10)),
		RefreshToken:          pair.Refresh,
		RefreshTokenExpiresAt: json.Number(strconv.FormatInt(pair.RefreshExpiresAt.UnixMilli(), 10)),
		SellerID:              sh.SellerID,
		SellerName:            sh.ShopID,
	}, nil
}

// serveAuthorize is the seller centre's authorization page, as a seller who
// agrees at once: GET ?appId=&redirectUri=&state= (and, as on the mobile
// page, sellerId to pick the shop; the first shop otherwise) redirects to
// redirectUri with a code.
func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("appId") != s.appID {
		http.Error(w, "unknown appId", http.StatusBadRequest)
		return
	}
	subject, seller := "", q.Get("sellerId")
	s.mu.Lock()
	for id, sh := range s.shopByID {
		switch {
		case seller != "" && (seller == sh.SellerID || seller == id):
			subject = id
		case seller == "" && (subject == "" || id < subject):
			subject = id
		}
	}
	s.mu.Unlock()
	s.tokens.Authorize(w, r, q.Get("redirectUri"), q.Get("state"), subject)
}
