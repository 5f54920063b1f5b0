package alibaba

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabawire"
	"github.com/returnsgw/returnsgw/returns"
)

func tokenSource(cfg Config) adapters.TokenSource {
	if cfg.Tokens != nil {
		return cfg.Tokens
	}
	return adapters.StaticToken(cfg.Session)
}

// session is the access token for this request.
func (a *Adapter) session() string {
	if a.tokens == nil { // an Adapter built without New
		return tokenSource(a.cfg).AccessToken()
	}
	return a.tokens.AccessToken()
}

// tokenSet makes a configured token source count as a session in New's
// required-field check.
func tokenSet(cfg Config) string {
	if cfg.Tokens != nil {
		return "(token source)"
	}
	return ""
}

// TokenConfig is what the token endpoint needs: the app, not a shop.
type TokenConfig struct {
	BaseURL      string // the TOP router URL
	AuthorizeURL string // "" means alibabawire.ProductionAuthorizeURL
	AppKey       string
	AppSecret    string
	Policy       adapters.Policy // zero: DefaultPolicy
	HTTPClient   *http.Client
	Now          func() time.Time
	Logger       *slog.Logger
}

// TokenEndpoint calls taobao.top.auth.token.create and .refresh.
type TokenEndpoint struct {
	cfg    TokenConfig
	client *adapters.Client
}

var _ adapters.TokenEndpoint = (*TokenEndpoint)(nil)

// NewTokenEndpoint validates the configuration.
func NewTokenEndpoint(cfg TokenConfig) (*TokenEndpoint, error) {
	if err := adapters.CheckTokenApp(returns.Alibaba, cfg.BaseURL, cfg.AppKey, cfg.AppSecret); err != nil {
		return nil, err
	}
	if cfg.AuthorizeURL == "" {
		cfg.AuthorizeURL = alibabawire.ProductionAuthorizeURL
	}
	if cfg.Policy == (adapters.Policy{}) {
		cfg.Policy = DefaultPolicy
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &TokenEndpoint{cfg: cfg, client: adapters.NewClient(returns.Alibaba, cfg.Policy, cfg.HTTPClient, cfg.Logger)}, nil
}

// AuthorizeURL is the seller's authorization page.
func (e *TokenEndpoint) AuthorizeURL(redirectURI, state string) string {
	q := url.Values{"response_type": {"code"}, "client_id": {e.cfg.AppKey}, "redirect_uri": {redirectURI},
		"state": {state}, "view": {"web"}, "sp": {"ICBU"}}
	return e.cfg.AuthorizeURL + "?" + q.Encode()
}

// Exchange calls taobao.top.auth.token.create with the redirect's code.
func (e *TokenEndpoint) Exchange(ctx context.Context, code string) (adapters.Token, error) {
	if code == "" {
		return adapters.Token{}, returns.Errorf(returns.CodeInvalid, "an authorization code is required").WithField("code")
	}
	return e.call(ctx, alibabawire.MethodTokenCreate, map[string]string{alibabawire.ParamCode: code})
}

// Refresh calls taobao.top.auth.token.refresh; keep the refresh token it answers.
func (e *TokenEndpoint) Refresh(ctx context.Context, refreshToken string) (adapters.Token, error) {
	if refreshToken == "" {
		return adapters.Token{}, returns.Errorf(returns.CodeInvalid, "a refresh token is required").WithField("refreshToken")
	}
	return e.call(ctx, alibabawire.MethodTokenRefresh, map[string]string{alibabawire.ParamRefreshToken: refreshToken})
}

func (e *TokenEndpoint) call(ctx context.Context, method string, biz map[string]string) (adapters.Token, error) {
	var out alibabawire.TokenResponse
	var tok adapters.Token
	_, err := e.client.Do(ctx, adapters.Call{
		Method:      method,
		URL:         e.cfg.BaseURL,
		ContentType: alibabawire.ContentTypeForm,
		Build: func() ([]byte, error) {
			p := map[string]string{}
			for k, v := range biz {
				p[k] = v
			}
			p[alibabawire.ParamMethod] = method
			p[alibabawire.ParamAppKey] = e.cfg.AppKey
			p[alibabawire.ParamTimestamp] = e.cfg.Now().In(alibabawire.TimestampZone()).Format(alibabawire.TimestampLayout)
			p[alibabawire.ParamVersion] = alibabawire.Version
			p[alibabawire.ParamFormat] = alibabawire.FormatJSON
			p[alibabawire.ParamSignMethod] = alibabawire.SignMethodMD5
			p[alibabawire.ParamSign] = sign(p, e.cfg.AppSecret)
			form := url.Values{}
			for k, v := range p {
				form.Set(k, v)
			}
			return []byte(form.Encode()), nil
		},
		Decode: func(status int, _ http.Header, body []byte) error {
			out = alibabawire.TokenResponse{}
			if err := decodeResponse(method, status, body, &out); err != nil {
				return err
			}
			t, err := decodeTokenResult(out.TokenResult)
			tok = t
			return err
		},
	})
	if err != nil {
		return adapters.Token{}, err
	}
	return tok, nil
}

// decodeTokenResult reads the token document inside token_result. An error
// never quotes it: it holds the tokens.
func decodeTokenResult(doc string) (adapters.Token, error) {
	malformed := func(why string) (adapters.Token, error) {
		return adapters.Token{}, &adapters.PlatformError{Kind: adapters.KindMalformed, Message: why}
	}
	var r alibabawire.TokenResult
	if doc == "" || json.Unmarshal([]byte(doc), &r) != nil {
		return malformed("token_result is not a token document")
	}
	access, err1 := millis(r.ExpireTime)
	refresh, err2 := millis(r.RefreshTokenValidTime)
	if err1 != nil || err2 != nil {
		return malformed("a token expiry is not a time")
	}
	t := adapters.Token{AccessToken: r.AccessToken, RefreshToken: r.RefreshToken, AccessExpiresAt: access,
		RefreshExpiresAt: refresh, SellerID: r.UserID.String(), SellerName: r.UserNick}
	if err := t.Validate(); err != nil {
		return malformed(err.Error())
	}
	return t, nil
}

func millis(n alibabawire.Number) (time.Time, error) {
	s := strings.TrimSpace(string(n))
	if s == "" {
		return time.Time{}, nil
	}
	v, err := alibabawire.Text(s).Int64()
	if err != nil || v < 0 {
		return time.Time{}, errors.New("not an epoch")
	}
	return time.UnixMilli(v), nil
}
