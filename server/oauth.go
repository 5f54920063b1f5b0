package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/alibaba"
	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabawire"
	"github.com/returnsgw/returnsgw/adapters/aliexpress"
	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
	"github.com/returnsgw/returnsgw/adapters/xhs"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	shopconn "github.com/returnsgw/returnsgw/connect"
	"github.com/returnsgw/returnsgw/graph"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/secrets"
	"github.com/returnsgw/returnsgw/store"
)

// oauthApp is the gateway's app on one platform: its credentials and where
// the platform's token API and authorization page are.
type oauthApp struct {
	id, secret   string
	baseURL      string // the API URL an adapter is configured with
	authorizeURL string // "" means the platform's production page
	policy       adapters.Policy
}

// Connections is the shop-connection side of the gateway: the manager that
// keeps tokens fresh, and the OAuth flow (shopConnect and the callback).
type Connections struct {
	Manager  *shopconn.Manager
	Store    store.ConnectionStore
	Keys     *secrets.Keyring
	stateKey []byte
	now      func() time.Time

	mu           sync.Mutex
	apps         map[returns.PlatformID]oauthApp
	callbackBase string
	alerts       *alertHub
	// used are the nonces of states already presented to the callback
	// (until they expire): a state works once, so a leaked or a tenant's
	// own state cannot drive the platform's token API over and over.
	used      map[string]int64
	lastPrune time.Time
}

var _ graph.ShopConnections = (*Connections)(nil)

// stateTTL is how long a shopConnect authorization URL works.
const stateTTL = 15 * time.Minute

// startConnections loads the sealing key and starts the connection manager.
func (m *Main) startConnections(ctx context.Context, st store.ConnectionStore) (*Connections, error) {
	key, err := secrets.Load(secrets.Source{Env: m.Config.SecretKey, File: m.Config.SecretKeyFile,
		DataDir: m.dataDir(), Sandbox: m.Config.SandboxOn()})
	if err != nil {
		return nil, err
	}
	c := &Connections{Store: st, Keys: secrets.NewKeyring(key), stateKey: key.Derive("oauth state"), now: m.Now,
		apps: map[returns.PlatformID]oauthApp{}, alerts: newAlertHub(), used: map[string]int64{}}
	c.Manager, err = shopconn.New(shopconn.Options{Store: st, Keys: c.Keys, Endpoints: c.endpoint, Now: m.Now, Log: m.Log,
		OnAlert: c.alerts.publish})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// addApp registers the gateway's app on a platform.
func (c *Connections) addApp(p returns.PlatformID, a oauthApp) {
	c.mu.Lock()
	c.apps[p] = a
	c.mu.Unlock()
}

// endpoint builds a platform's token endpoint for the app.
func (c *Connections) endpoint(p returns.PlatformID, appID, appSecret string) (adapters.TokenEndpoint, error) {
	c.mu.Lock()
	a, ok := c.apps[p]
	c.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("no app configured on %s", p)
	}
	switch p {
	case returns.XHS:
		return xhs.NewTokenEndpoint(xhs.TokenConfig{BaseURL: a.baseURL, AuthorizeURL: a.authorizeURL, AppID: appID, AppSecret: appSecret, Policy: a.policy, Now: c.now})
	case returns.AliExpress:
		return aliexpress.NewTokenEndpoint(aliexpress.TokenConfig{BaseURL: a.baseURL, AuthorizeURL: a.authorizeURL, AppKey: appID, AppSecret: appSecret, Policy: a.policy, Now: c.now})
	case returns.Alibaba:
		return alibaba.NewTokenEndpoint(alibaba.TokenConfig{BaseURL: a.baseURL, AuthorizeURL: a.authorizeURL, AppKey: appID, AppSecret: appSecret, Policy: a.policy, Now: c.now})
	}
	return nil, fmt.Errorf("unknown platform %s", p)
}

// sandboxApps registers the sandbox's apps, whose pages are the simulators'.
func (c *Connections) sandboxApps(sb *Sandbox) {
	xhsBase := sb.URLs[returns.XHS]
	c.addApp(returns.XHS, oauthApp{id: sandboxXHSAppID, secret: sandboxXHSSecret, baseURL: xhsBase,
		authorizeURL: strings.TrimSuffix(xhsBase, xhswire.GatewayPath) + xhswire.AuthorizePath, policy: sandboxPolicy(xhs.DefaultPolicy)})
	c.addApp(returns.AliExpress, oauthApp{id: sandboxAEKey, secret: sandboxAESecret, baseURL: sb.URLs[returns.AliExpress],
		authorizeURL: sb.URLs[returns.AliExpress] + aliexpresswire.AuthorizePath, policy: sandboxPolicy(aliexpress.DefaultPolicy())})
	ali := sb.URLs[returns.Alibaba]
	c.addApp(returns.Alibaba, oauthApp{id: sandboxAliKey, secret: sandboxAliSecret, baseURL: ali,
		authorizeURL: strings.TrimSuffix(ali, alibabawire.RouterPath) + alibabawire.AuthorizePath, policy: sandboxPolicy(alibaba.DefaultPolicy)})
}

// authorizeSandbox connects every sandbox shop through its platform's real
// OAuth flow over HTTP: the simulator's authorization page (a seller who
// agrees at once) redirects with a code, which is exchanged for tokens.
func (c *Connections) authorizeSandbox(ctx context.Context, org returns.OrgID, sb *Sandbox) error {
	noFollow := &http.Client{Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, p := range sb.Platforms {
		shop := p.Shop()
		c.mu.Lock()
		app := c.apps[shop.Platform]
		c.mu.Unlock()
		ep, err := c.endpoint(shop.Platform, app.id, app.secret)
		if err != nil {
			return err
		}
		page := ep.AuthorizeURL("http://127.0.0.1/oauth/callback/"+strings.ToLower(string(shop.Platform)), "sandbox")
		if shop.Platform == returns.XHS {
			page += "&" + url.Values{"sellerId": {shop.ID}}.Encode()
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, page, nil)
		resp, err := noFollow.Do(req)
		if err != nil {
			return fmt.Errorf("sandbox: authorize %s/%s: %w", shop.Platform, shop.ID, err)
		}
		resp.Body.Close()
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || resp.StatusCode != http.StatusFound || loc.Query().Get("code") == "" {
			return fmt.Errorf("sandbox: authorize %s/%s: the page answered %d without a code", shop.Platform, shop.ID, resp.StatusCode)
		}
		tok, err := ep.Exchange(ctx, loc.Query().Get("code"))
		if err != nil {
			return fmt.Errorf("sandbox: exchange the code of %s/%s: %w", shop.Platform, shop.ID, err)
		}
		if _, err := c.Manager.Connect(ctx, org, shop.Platform, shop.ID, app.id, app.secret, tok); err != nil {
			return fmt.Errorf("sandbox: store the connection of %s/%s: %w", shop.Platform, shop.ID, err)
		}
	}
	return nil
}

// listening sets the base of the callback URL once the gateway listens.
func (c *Connections) listening(base string) {
	c.mu.Lock()
	c.callbackBase = base
	c.mu.Unlock()
}

// oauthState is what a signed state carries.
type oauthState struct {
	Org      returns.OrgID      `json:"o"`
	Platform returns.PlatformID `json:"p"`
	Shop     string             `json:"s"`
	Expires  int64              `json:"e"`
	Nonce    string             `json:"n"`
}

func (c *Connections) signState(s oauthState) string {
	b, _ := json.Marshal(s)
	payload := base64.RawURLEncoding.EncodeToString(b)
	m := hmac.New(sha256.New, c.stateKey)
	m.Write([]byte(payload))
	return payload + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (c *Connections) verifyState(text string) (oauthState, error) {
	var s oauthState
	payload, sig, ok := strings.Cut(text, ".")
	if !ok || len(text) > 1024 {
		return s, errors.New("malformed state")
	}
	m := hmac.New(sha256.New, c.stateKey)
	m.Write([]byte(payload))
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, m.Sum(nil)) {
		return s, errors.New("the state was not issued by this gateway")
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || json.Unmarshal(b, &s) != nil {
		return s, errors.New("malformed state")
	}
	if c.now().Unix() > s.Expires {
		return s, errors.New("the authorization link has expired; start again with shopConnect")
	}
	return s, nil
}

// Begin answers shopConnect: the platform's authorization page for the app,
// with a signed state that names the organisation and shop and expires.
func (c *Connections) Begin(ctx context.Context, org returns.OrgID, platform returns.PlatformID, shopID string) (graph.ShopConnectStart, error) {
	if !platform.Valid() {
		return graph.ShopConnectStart{}, returns.Errorf(returns.CodeInvalid, "unknown platform %q", platform).WithField("platform")
	}
	if shopID == "" || len(shopID) > 128 {
		return graph.ShopConnectStart{}, returns.Errorf(returns.CodeInvalid, "a shop id of 1 to 128 characters is required").WithField("shopId")
	}
	c.mu.Lock()
	app, ok := c.apps[platform]
	base := c.callbackBase
	c.mu.Unlock()
	if !ok || base == "" {
		return graph.ShopConnectStart{}, returns.Errorf(returns.CodeUnsupported, "no app is configured on %s", platform).WithField("platform")
	}
	ep, err := c.endpoint(platform, app.id, app.secret)
	if err != nil {
		return graph.ShopConnectStart{}, err
	}
	nonce := make([]byte, 12)
	_, _ = rand.Read(nonce)
	exp := c.now().Add(stateTTL)
	state := c.signState(oauthState{Org: org, Platform: platform, Shop: shopID, Expires: exp.Unix(), Nonce: hex.EncodeToString(nonce)})
	u := ep.AuthorizeURL(base+"/oauth/callback/"+strings.ToLower(string(platform)), state)
	if platform == returns.XHS {
		// The simulator needs to know which of its shops authorizes; the
		// real page knows the seller who is logged in and ignores this.
		u += "&" + url.Values{"sellerId": {shopID}}.Encode()
	}
	return graph.ShopConnectStart{AuthorizationURL: u, State: state, ExpiresAt: exp}, nil
}

// Status reports a shop's connection for platforms { health }.
func (c *Connections) Status(org returns.OrgID, platform returns.PlatformID, shopID string) (shopconn.Status, bool) {
	return c.Manager.Status(org, platform, shopID)
}

// Alerts streams the organisation's lost authorizations.
func (c *Connections) Alerts(ctx context.Context, org returns.OrgID) <-chan shopconn.Alert {
	return c.alerts.subscribe(ctx, org)
}

// callback serves GET /oauth/callback/{platform}: the platform's redirect
// with the code and our state. It never echoes the code or the state.
func (c *Connections) callback(w http.ResponseWriter, r *http.Request) {
	platform := returns.PlatformID(strings.ToUpper(r.PathValue("platform")))
	q := r.URL.Query()
	fail := func(code int, msg string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(code)
		fmt.Fprintf(w, "<!doctype html><title>Shop not connected</title><p>The shop was not connected: %s</p>", html.EscapeString(msg))
	}
	if e := q.Get("error"); e != "" {
		fail(http.StatusBadRequest, "the seller did not authorize the app")
		return
	}
	st, err := c.verifyState(q.Get("state"))
	if err != nil {
		fail(http.StatusBadRequest, err.Error())
		return
	}
	if st.Platform != platform {
		fail(http.StatusBadRequest, "the state belongs to another platform")
		return
	}
	code := q.Get("code")
	if code == "" || len(code) > 512 {
		fail(http.StatusBadRequest, "no authorization code")
		return
	}
	if !c.claim(st) {
		fail(http.StatusBadRequest, "this authorization link was already used; start again with shopConnect")
		return
	}
	c.mu.Lock()
	app, ok := c.apps[platform]
	c.mu.Unlock()
	if !ok {
		fail(http.StatusBadRequest, "no app is configured on this platform")
		return
	}
	ep, err := c.endpoint(platform, app.id, app.secret)
	if err != nil {
		fail(http.StatusBadRequest, "no app is configured on this platform")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	tok, err := ep.Exchange(ctx, code)
	if err != nil {
		var pe *adapters.PlatformError
		if errors.As(err, &pe) {
			fail(http.StatusBadGateway, pe.UserMessage())
		} else {
			fail(http.StatusBadGateway, "the platform could not be reached")
		}
		return
	}
	if _, err := c.Manager.Connect(ctx, st.Org, platform, st.Shop, app.id, app.secret, tok); err != nil {
		if re := (*returns.Error)(nil); errors.As(err, &re) && re.Code == returns.CodeConflict {
			fail(http.StatusConflict, re.Message)
			return
		}
		fail(http.StatusInternalServerError, "the connection could not be stored")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<!doctype html><title>Shop connected</title><p>Shop %s on %s is connected. You can close this page.</p>",
		html.EscapeString(st.Shop), html.EscapeString(string(platform)))
}

// claim marks a state used; false if it was already. Expired nonces are
// dropped at most once a minute (their states fail verifyState anyway).
func (c *Connections) claim(st oauthState) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.used == nil {
		c.used = map[string]int64{}
	}
	if now.Sub(c.lastPrune) >= time.Minute {
		c.lastPrune = now
		for n, exp := range c.used {
			if now.Unix() > exp {
				delete(c.used, n)
			}
		}
	}
	if _, ok := c.used[st.Nonce]; ok {
		return false
	}
	c.used[st.Nonce] = st.Expires
	return true
}

// routeOAuth adds the callback route.
func (c *Connections) routeOAuth(mux *http.ServeMux) {
	mux.HandleFunc("GET /oauth/callback/{platform}", c.callback)
}

// alertHub fans lost-authorization alerts out to subscribers, per
// organisation. A subscriber that does not keep up misses alerts rather than
// holding the refresher up.
type alertHub struct {
	mu   sync.Mutex
	subs map[chan shopconn.Alert]returns.OrgID
}

func newAlertHub() *alertHub { return &alertHub{subs: map[chan shopconn.Alert]returns.OrgID{}} }

func (h *alertHub) publish(a shopconn.Alert) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch, org := range h.subs {
		if org == a.Org {
			select {
			case ch <- a:
			default:
			}
		}
	}
}

// len is how many subscribers there are.
func (h *alertHub) len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

func (h *alertHub) subscribe(ctx context.Context, org returns.OrgID) <-chan shopconn.Alert {
	ch := make(chan shopconn.Alert, 16)
	h.mu.Lock()
	h.subs[ch] = org
	h.mu.Unlock()
	go func() {
		<-ctx.Done()
		h.mu.Lock()
		delete(h.subs, ch)
		close(ch)
		h.mu.Unlock()
	}()
	return ch
}

// sourceFor gives the sandbox's adapters their token sources.
func (c *Connections) sourceFor(org returns.OrgID) func(returns.PlatformID, string) adapters.TokenSource {
	return func(p returns.PlatformID, shop string) adapters.TokenSource {
		return c.Manager.TokenSource(org, p, shop)
	}
}

// startSandbox registers the simulators' apps and connects every sandbox
// shop through its OAuth flow.
func (c *Connections) startSandbox(ctx context.Context, org returns.OrgID, sb *Sandbox) error {
	c.sandboxApps(sb)
	return c.authorizeSandbox(ctx, org, sb)
}

// startLive registers the apps of the config file's shops (the first shop of
// each platform names the app) and loads the stored connections. A shop of
// the config file keeps its static token; shopConnect re-authorizes it.
func (c *Connections) startLive(ctx context.Context, org returns.OrgID, shops []ShopConfig) error {
	for _, s := range shops {
		c.mu.Lock()
		_, ok := c.apps[s.Platform]
		c.mu.Unlock()
		if !ok {
			c.addApp(s.Platform, oauthApp{id: s.AppID, secret: s.AppSecret, baseURL: s.BaseURL})
		}
	}
	return c.Manager.Load(ctx, org)
}

// storedSource gives a config file's shop the token of its stored connection
// when it has one (it was connected with shopConnect), else nil.
func (c *Connections) storedSource(org returns.OrgID) func(returns.PlatformID, string) adapters.TokenSource {
	return func(p returns.PlatformID, shop string) adapters.TokenSource {
		if _, ok := c.Manager.Status(org, p, shop); !ok {
			return nil
		}
		return c.Manager.TokenSource(org, p, shop)
	}
}

// storedShops are the shops connected with shopConnect that the config file
// does not name: they are served like the config file's, on their platform's
// app, with the stored tokens. (A shop connected while the gateway runs is
// served from the next start.)
func (c *Connections) storedShops(org returns.OrgID, configured []ShopConfig) []ShopConfig {
	known := map[string]bool{}
	for _, s := range configured {
		known[string(s.Platform)+"/"+s.ID] = true
	}
	var out []ShopConfig
	for _, st := range c.Manager.Statuses(org) {
		if known[string(st.Platform)+"/"+st.ShopID] {
			continue
		}
		c.mu.Lock()
		app, ok := c.apps[st.Platform]
		c.mu.Unlock()
		secret, err := c.Manager.AppSecret(org, st.Platform, st.ShopID)
		if !ok || err != nil {
			continue // no app on the platform any more: nothing can sign its calls
		}
		out = append(out, ShopConfig{Platform: st.Platform, ID: st.ShopID, BaseURL: app.baseURL, AppID: st.AppID,
			AppSecret: secret, SellerID: st.SellerID})
	}
	return out
}
