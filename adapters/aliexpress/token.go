package aliexpress

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
	"github.com/returnsgw/returnsgw/returns"
)

func tokenSource(cfg Config) adapters.TokenSource {
	if cfg.Tokens != nil {
		return cfg.Tokens
	}
	return adapters.StaticToken(cfg.AccessToken)
}

// TokenConfig is what the token endpoint needs: the app, not a shop.
type TokenConfig struct {
	BaseURL      string // e.g. https://api-sg.aliexpress.com
	AuthorizeURL string // "" means aliexpresswire.ProductionAuthorizeURL
	AppKey       string
	AppSecret    string
	Policy       adapters.Policy // zero: DefaultPolicy()
	HTTPClient   *http.Client
	Now          func() time.Time
	Logger       *slog.Logger
}

// TokenEndpoint calls /auth/token/create and /auth/token/refresh.
type TokenEndpoint struct {
	cfg    TokenConfig
	client *adapters.Client
}

var _ adapters.TokenEndpoint = (*TokenEndpoint)(nil)

// NewTokenEndpoint validates the configuration.
func NewTokenEndpoint(cfg TokenConfig) (*TokenEndpoint, error) {
	if err := adapters.CheckTokenApp(returns.AliExpress, cfg.BaseURL, cfg.AppKey, cfg.AppSecret); err != nil {
		return nil, err
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.AuthorizeURL == "" {
		cfg.AuthorizeURL = aliexpresswire.ProductionAuthorizeURL
	}
	if cfg.Policy == (adapters.Policy{}) {
		cfg.Policy = DefaultPolicy()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &TokenEndpoint{cfg: cfg, client: adapters.NewClient(returns.AliExpress, cfg.Policy, cfg.HTTPClient, cfg.Logger)}, nil
}

// AuthorizeURL is the seller's authorization page.
func (e *TokenEndpoint) AuthorizeURL(redirectURI, state string) string {
	q := url.Values{"response_type": {"code"}, "force_auth": {"true"}, "client_id": {e.cfg.AppKey},
		"redirect_uri": {redirectURI}, "state": {state}}
	return e.cfg.AuthorizeURL + "?" + q.Encode()
}

// Exchange calls /auth/token/create with the redirect's code.
func (e *TokenEndpoint) Exchange(ctx context.Context, code string) (adapters.Token, error) {
	if code == "" {
		return adapters.Token{}, returns.Errorf(returns.CodeInvalid, "an authorization code is required").WithField("code")
	}
	return e.call(ctx, aliexpresswire.PathTokenCreate, map[string]string{aliexpresswire.ParamCode: code})
}

// Refresh calls /auth/token/refresh; keep the refresh token it answers.
func (e *TokenEndpoint) Refresh(ctx context.Context, refreshToken string) (adapters.Token, error) {
	if refreshToken == "" {
		return adapters.Token{}, returns.Errorf(returns.CodeInvalid, "a refresh token is required").WithField("refreshToken")
	}
	return e.call(ctx, aliexpresswire.PathTokenRefresh, map[string]string{aliexpresswire.ParamRefresh: refreshToken})
}

func (e *TokenEndpoint) call(ctx context.Context, path string, business map[string]string) (adapters.Token, error) {
	body, err := e.client.Do(ctx, adapters.Call{
		Method:      path,
		URL:         e.cfg.BaseURL + aliexpresswire.RestPath + path,
		ContentType: formContentType,
		Build: func() ([]byte, error) {
			p := map[string]string{}
			for k, v := range business {
				p[k] = v
			}
			p[aliexpresswire.ParamAppKey] = e.cfg.AppKey
			p[aliexpresswire.ParamTimestamp] = strconv.FormatInt(e.cfg.Now().UnixMilli(), 10)
			p[aliexpresswire.ParamSignMethod] = aliexpresswire.SignMethodSHA256
			p[aliexpresswire.ParamSign] = Sign(e.cfg.AppSecret, path, p)
			form := url.Values{}
			for k, v := range p {
				form.Set(k, v)
			}
			return []byte(form.Encode()), nil
		},
		Decode: func(status int, _ http.Header, b []byte) error {
			_, err := decodeTokenResponse(b)
			return err
		},
	})
	if err != nil {
		return adapters.Token{}, err
	}
	return decodeTokenResponse(body)
}

// tokenErrorKinds classifies the token APIs' error codes; anything else goes
// through classify like any API error.
var tokenErrorKinds = map[string]adapters.ErrorKind{
	"IllegalRefreshToken": adapters.KindAuth,
	"InvalidCode":         adapters.KindAuth,
	"IllegalAccessToken":  adapters.KindAuth,
}

// decodeTokenResponse reads the flat token answer. An error never quotes the
// body: it holds the tokens.
func decodeTokenResponse(body []byte) (adapters.Token, error) {
	var r aliexpresswire.TokenResponse
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		return adapters.Token{}, &adapters.PlatformError{Kind: adapters.KindMalformed, Message: "the token answer is not JSON"}
	}
	if code := string(r.Code); code != "" && code != "0" {
		kind, ok := tokenErrorKinds[code]
		if !ok {
			kind = classify(&aliexpresswire.ErrorResponse{Code: r.Code, Msg: r.Message})
		}
		if strings.EqualFold(string(r.Type), "SYSTEM") && !ok {
			kind = adapters.KindUnavailable
		}
		return adapters.Token{}, &adapters.PlatformError{Kind: kind, Code: code, Message: string(r.Message)}
	}
	access, err1 := epochMillis(r.ExpireTime)
	refresh, err2 := epochMillis(r.RefreshTokenValidTime)
	if err1 != nil || err2 != nil {
		return adapters.Token{}, &adapters.PlatformError{Kind: adapters.KindMalformed, Message: "a token expiry is not a time"}
	}
	seller := string(r.SellerID)
	if seller == "" {
		seller = string(r.UserID)
	}
	t := adapters.Token{AccessToken: r.AccessToken, RefreshToken: r.RefreshToken, AccessExpiresAt: access,
		RefreshExpiresAt: refresh, SellerID: seller, SellerName: r.UserNick}
	if err := t.Validate(); err != nil {
		return adapters.Token{}, &adapters.PlatformError{Kind: adapters.KindMalformed, Message: err.Error()}
	}
	return t, nil
}

func epochMillis(n json.Number) (time.Time, error) {
	if n == "" {
		return time.Time{}, nil
	}
	v, err := n.Int64()
	if err != nil || v < 0 {
		return time.Time{}, errors.New("not an epoch")
	}
	return time.UnixMilli(v), nil
}
