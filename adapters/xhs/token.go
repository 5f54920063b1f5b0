package xhs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/returns"
)

// TokenConfig is what the token endpoint needs: the app, not a shop.
type TokenConfig struct {
	BaseURL      string // the gateway URL, e.g. xhswire.ProductionURL
	AuthorizeURL string // the seller's authorization page; "" means xhswire.ProductionAuthorizeURL
	AppID        string
	AppSecret    string
	Policy       adapters.Policy // zero: DefaultPolicy
	HTTPClient   *http.Client
	Now          func() time.Time
	Logger       *slog.Logger
}

// TokenEndpoint calls oauth.getAccessToken and oauth.refreshToken.
type TokenEndpoint struct {
	cfg    TokenConfig
	client *adapters.Client
}

var _ adapters.TokenEndpoint = (*TokenEndpoint)(nil)

// NewTokenEndpoint validates the configuration.
func NewTokenEndpoint(cfg TokenConfig) (*TokenEndpoint, error) {
	if err := adapters.CheckTokenApp(returns.XHS, cfg.BaseURL, cfg.AppID, cfg.AppSecret); err != nil {
		return nil, err
	}
	if cfg.AuthorizeURL == "" {
		cfg.AuthorizeURL = xhswire.ProductionAuthorizeURL
	}
	if cfg.Policy == (adapters.Policy{}) {
		cfg.Policy = DefaultPolicy
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &TokenEndpoint{cfg: cfg, client: adapters.NewClient(returns.XHS, cfg.Policy, cfg.HTTPClient, cfg.Logger)}, nil
}

// AuthorizeURL is the seller centre's authorization page for the app.
func (e *TokenEndpoint) AuthorizeURL(redirectURI, state string) string {
	q := url.Values{"appId": {e.cfg.AppID}, "redirectUri": {redirectURI}, "state": {state}}
	return e.cfg.AuthorizeURL + "?" + q.Encode()
}

// Exchange calls oauth.getAccessToken with the redirect's code.
func (e *TokenEndpoint) Exchange(ctx context.Context, code string) (adapters.Token, error) {
	if code == "" {
		return adapters.Token{}, returns.Errorf(returns.CodeInvalid, "an authorization code is required").WithField("code")
	}
	return e.call(ctx, xhswire.MethodGetAccessToken, xhswire.GetAccessTokenRequest{Code: code})
}

// Refresh calls oauth.refreshToken. The answer may carry a new refresh
// token: the caller must keep it, as the old one stops working.
func (e *TokenEndpoint) Refresh(ctx context.Context, refreshToken string) (adapters.Token, error) {
	if refreshToken == "" {
		return adapters.Token{}, returns.Errorf(returns.CodeInvalid, "a refresh token is required").WithField("refreshToken")
	}
	return e.call(ctx, xhswire.MethodRefreshToken, xhswire.RefreshTokenRequest{RefreshToken: refreshToken})
}

func (e *TokenEndpoint) call(ctx context.Context, method string, business any) (adapters.Token, error) {
	body, err := e.client.Do(ctx, adapters.Call{
		Method:      method,
		URL:         e.cfg.BaseURL,
		ContentType: "application/json;charset=utf-8",
		// Not a write: a repeated exchange of one code gives the same token
		// (per the SDK's notes) and a repeated refresh at worst rotates again.
		Build:  func() ([]byte, error) { return e.body(method, business) },
		Decode: decodeEnvelope,
	})
	if err != nil {
		return adapters.Token{}, err
	}
	return decodeToken(method, body)
}

// body is the signed request: the system fields without accessToken, and the
// business field beside them.
func (e *TokenEndpoint) body(method string, business any) ([]byte, error) {
	ts := strconv.FormatInt(e.cfg.Now().Unix(), 10)
	obj := map[string]any{}
	b, err := json.Marshal(business)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		return nil, err
	}
	sys := xhswire.OAuthSystem{AppID: e.cfg.AppID, Timestamp: ts, Version: xhswire.Version, Method: method,
		Sign: sign(method, e.cfg.AppID, ts, xhswire.Version, e.cfg.AppSecret)}
	obj["appId"], obj["timestamp"], obj["version"], obj["method"], obj["sign"] = sys.AppID, sys.Timestamp, sys.Version, sys.Method, sys.Sign
	return json.Marshal(obj)
}

// decodeToken reads the envelope's data. Errors never quote the body: it
// holds the tokens.
func decodeToken(method string, body []byte) (adapters.Token, error) {
	malformed := func(why string) (adapters.Token, error) {
		return adapters.Token{}, &adapters.PlatformError{Platform: returns.XHS, Method: method, Kind: adapters.KindMalformed, Message: why}
	}
	var env xhswire.Envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return malformed("the answer is not an envelope")
	}
	var d xhswire.TokenData
	dec := json.NewDecoder(bytes.NewReader(env.Data))
	dec.UseNumber()
	if len(env.Data) == 0 || dec.Decode(&d) != nil {
		return malformed("the answer's data is not a token")
	}
	access, err1 := epoch(d.AccessTokenExpiresAt)
	refresh, err2 := epoch(d.RefreshTokenExpiresAt)
	if err1 != nil || err2 != nil {
		return malformed("a token expiry is not a time")
	}
	t := adapters.Token{AccessToken: d.AccessToken, RefreshToken: d.RefreshToken, AccessExpiresAt: access,
		RefreshExpiresAt: refresh, SellerID: d.SellerID, SellerName: d.SellerName}
	if err := t.Validate(); err != nil {
		return malformed(err.Error())
	}
	return t, nil
}

// epoch reads unix milliseconds, or seconds when the number is too small to be
// milliseconds (the SDKs' descriptions of refreshTokenExpiresAt disagree).
func epoch(n json.Number) (time.Time, error) {
	if n == "" {
		return time.Time{}, nil
	}
	v, err := n.Int64()
	if err != nil || v < 0 {
		return time.Time{}, errors.New("not an epoch")
	}
	if v < 1e12 {
		return time.Unix(v, 0), nil
	}
	return time.UnixMilli(v), nil
}
