package connect

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/secrets"
	"github.com/returnsgw/returnsgw/store"
)

// fakeEndpoint is a platform's token API whose answers a test scripts.
type fakeEndpoint struct {
	mu      sync.Mutex
	now     func() time.Time
	ttl     time.Duration
	valid   map[string]bool // refresh tokens the platform accepts
	seq     int
	calls   int
	answers []error // the next refreshes fail with these (nil: succeed)
	// sameUntil, when set, makes the platform answer current unchanged
	// while more than sameUntil of its life remains (XHS's rule).
	sameUntil time.Duration
	current   adapters.Token
}

func (f *fakeEndpoint) AuthorizeURL(r, s string) string { return "https://example.test/authorize" }

func (f *fakeEndpoint) Exchange(context.Context, string) (adapters.Token, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.issue(), nil
}

func (f *fakeEndpoint) issue() adapters.Token {
	f.seq++
	rt := fmt.Sprintf("refresh-secret-%d", f.seq)
	f.valid[rt] = true
	return adapters.Token{AccessToken: fmt.Sprintf("access-secret-%d", f.seq), RefreshToken: rt,
		AccessExpiresAt: f.now().Add(f.ttl), RefreshExpiresAt: f.now().Add(10 * f.ttl), SellerID: "seller"}
}

func (f *fakeEndpoint) Refresh(_ context.Context, rt string) (adapters.Token, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if len(f.answers) > 0 {
		err := f.answers[0]
		f.answers = f.answers[1:]
		if err != nil {
			return adapters.Token{}, err
		}
	}
	if !f.valid[rt] {
		return adapters.Token{}, &adapters.PlatformError{Kind: adapters.KindAuth, Code: "IllegalRefreshToken"}
	}
	if f.sameUntil > 0 && f.current.AccessExpiresAt.Sub(f.now()) > f.sameUntil {
		return f.current, nil
	}
	delete(f.valid, rt) // rotation
	f.current = f.issue()
	return f.current, nil
}

func (f *fakeEndpoint) isValid(rt string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.valid[rt]
}

func (f *fakeEndpoint) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

var (
	unavailable = &adapters.PlatformError{Kind: adapters.KindUnavailable, Message: "down"}
	refused     = &adapters.PlatformError{Kind: adapters.KindAuth, Code: "1008", Message: "refreshToken无效或已过期"}
)

type rig struct {
	m      *Manager
	st     *memStore
	ep     *fakeEndpoint
	alerts chan Alert
	log    *bytes.Buffer
	keys   *secrets.Keyring
}

const org returns.OrgID = "org-1"

func newRig(t *testing.T, ttl time.Duration, answers ...error) *rig {
	key, _, err := secrets.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{st: newMemStore(time.Now), ep: &fakeEndpoint{now: time.Now, ttl: ttl, valid: map[string]bool{}, answers: answers},
		alerts: make(chan Alert, 10), log: &bytes.Buffer{}, keys: secrets.NewKeyring(key)}
	r.m, err = New(Options{Store: r.st, Keys: r.keys,
		Endpoints: func(returns.PlatformID, string, string) (adapters.TokenEndpoint, error) { return r.ep, nil },
		OnAlert:   func(a Alert) { r.alerts <- a }, RetryMin: 5 * time.Second, RetryMax: time.Minute,
		Log: slog.New(slog.NewTextHandler(r.log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *rig) connect(t *testing.T) adapters.Token {
	tok, _ := r.ep.Exchange(context.Background(), "code")
	if _, err := r.m.Connect(context.Background(), org, returns.XHS, "shop", "app", "app-secret-value", tok); err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestRefreshAtEightyPercent: nothing happens before 80% of the token's
// life, one refresh happens then, and the adapter's token source and the
// store hold the rotated tokens.
func TestRefreshAtEightyPercent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, 100*time.Second)
		first := r.connect(t)
		src := r.m.TokenSource(org, returns.XHS, "shop")
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go r.m.Run(ctx)

		time.Sleep(79 * time.Second)
		synctest.Wait()
		if n := r.ep.Calls(); n != 0 {
			t.Fatalf("%d refreshes before 80%% of the token's life", n)
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if n := r.ep.Calls(); n != 1 {
			t.Fatalf("%d refreshes at 80%%, want 1", n)
		}
		if src.AccessToken() == first.AccessToken || src.AccessToken() == "" {
			t.Error("the adapter's token source still holds the old token")
		}
		c, _ := r.st.GetConnection(ctx, org, returns.XHS, "shop")
		rt, err := r.keys.Open(c.RefreshToken, aad(org, returns.XHS, "shop", "refresh"))
		if err != nil || rt == first.RefreshToken || !r.ep.isValid(rt) {
			t.Errorf("the rotated refresh token was not kept: %v", err)
		}
		// The next refresh comes 80% into the new token's life, and so on.
		time.Sleep(80 * time.Second)
		synctest.Wait()
		if n := r.ep.Calls(); n != 2 {
			t.Errorf("%d refreshes after two lifetimes, want 2", n)
		}
	})
}

// TestRefusedRefreshNeedsReauthorization: a refusal is final: one call, the
// state, one alert, and no further calls however long the manager runs.
func TestRefusedRefreshNeedsReauthorization(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, time.Hour, refused)
		r.connect(t)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go r.m.Run(ctx)
		time.Sleep(30 * 24 * time.Hour)
		synctest.Wait()
		if n := r.ep.Calls(); n != 1 {
			t.Fatalf("a refused refresh was tried %d times, want 1", n)
		}
		st, _ := r.m.Status(org, returns.XHS, "shop")
		c, _ := r.st.GetConnection(ctx, org, returns.XHS, "shop")
		if st.State != store.ConnectionNeedsReauthorization || c.State != store.ConnectionNeedsReauthorization {
			t.Fatalf("state %s (stored %s), want NEEDS_REAUTHORIZATION", st.State, c.State)
		}
		if len(r.alerts) != 1 {
			t.Fatalf("%d alerts, want 1", len(r.alerts))
		}
		a := <-r.alerts
		if a.ShopID != "shop" || !strings.Contains(a.Reason, "AUTH 1008") {
			t.Errorf("alert %+v", a)
		}
		// Authorizing again brings the shop back.
		r.connect(t)
		if st, _ := r.m.Status(org, returns.XHS, "shop"); st.State != store.ConnectionActive || st.NextRefresh.IsZero() {
			t.Errorf("after authorizing again: %+v", st)
		}
	})
}

// TestTransientFailuresBackOff: an unreachable platform is retried after
// 5 s, 10 s, 20 s, 40 s, then every minute (RetryMax), until it answers.
func TestTransientFailuresBackOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, time.Hour, unavailable, unavailable, unavailable, unavailable, unavailable)
		r.connect(t)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go r.m.Run(ctx)
		time.Sleep(48 * time.Minute) // 80% of the hour: the first attempt
		synctest.Wait()
		if r.ep.Calls() != 1 {
			t.Fatalf("%d calls at 80%%, want 1", r.ep.Calls())
		}
		for i, gap := range []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, time.Minute} {
			time.Sleep(gap - time.Millisecond)
			synctest.Wait()
			if r.ep.Calls() != i+1 {
				t.Fatalf("retry %d came before %v", i+1, gap)
			}
			time.Sleep(time.Millisecond)
			synctest.Wait()
			if r.ep.Calls() != i+2 {
				t.Fatalf("retry %d did not come after %v", i+1, gap)
			}
		}
		if st, _ := r.m.Status(org, returns.XHS, "shop"); st.State != store.ConnectionActive || len(r.alerts) != 0 {
			t.Fatalf("after the platform recovered: %+v, %d alerts", st, len(r.alerts))
		}
	})
}

// TestPlatformDownUntilRefreshTokenExpires: retries stay bounded (one a
// minute at most) and the connection is given up, with one alert, when the
// refresh token (10 hours) would expire before the next attempt.
func TestPlatformDownUntilRefreshTokenExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		answers := make([]error, 2000)
		for i := range answers {
			answers[i] = unavailable
		}
		r := newRig(t, time.Hour, answers...)
		r.connect(t)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go r.m.Run(ctx)
		time.Sleep(11 * time.Hour)
		synctest.Wait()
		st, _ := r.m.Status(org, returns.XHS, "shop")
		if st.State != store.ConnectionNeedsReauthorization || len(r.alerts) != 1 {
			t.Fatalf("state %s with %d alerts, want NEEDS_REAUTHORIZATION and 1", st.State, len(r.alerts))
		}
		// 9h12m of retries at most one a minute, after the first few.
		if n := r.ep.Calls(); n < 500 || n > 560 {
			t.Errorf("%d attempts while the platform was down, want about 550", n)
		}
		n := r.ep.Calls()
		time.Sleep(24 * time.Hour)
		synctest.Wait()
		if r.ep.Calls() != n {
			t.Error("a connection given up is still refreshed")
		}
	})
}

// TestNoSecretInLogs: the log of a connect, refreshes, a transient failure
// and a refusal shows no secret or token.
func TestNoSecretInLogs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, 100*time.Second, nil, unavailable, refused)
		tok := r.connect(t)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go r.m.Run(ctx)
		time.Sleep(24 * time.Hour)
		synctest.Wait()
		if r.ep.Calls() != 3 {
			t.Fatalf("%d calls, want 3", r.ep.Calls())
		}
		log := r.log.String()
		for _, s := range []string{"app-secret-value", tok.AccessToken, tok.RefreshToken, "access-secret-", "refresh-secret-"} {
			if strings.Contains(log, s) {
				t.Errorf("the log shows %q:\n%s", s, log)
			}
		}
		c, _ := r.st.GetConnection(ctx, org, returns.XHS, "shop")
		if strings.Contains(fmt.Sprintf("%+v", c), "secret-") {
			t.Error("the store holds a secret in the clear")
		}
	})
}

// TestRotate: after a rotation the connections open with the new key alone.
func TestRotate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, time.Hour)
		tok := r.connect(t)
		newKey, _, _ := secrets.GenerateKey()
		oldKeys := r.keys
		both := secrets.NewKeyring(newKey, keyOf(t, oldKeys))
		n, err := Rotate(t.Context(), r.st, both)
		if err != nil || n != 1 {
			t.Fatalf("rotated %d (%v), want 1", n, err)
		}
		m2, err := New(Options{Store: r.st, Keys: secrets.NewKeyring(newKey),
			Endpoints: func(returns.PlatformID, string, string) (adapters.TokenEndpoint, error) { return r.ep, nil }})
		if err != nil {
			t.Fatal(err)
		}
		if err := m2.Load(t.Context(), org); err != nil {
			t.Fatal(err)
		}
		if got := m2.TokenSource(org, returns.XHS, "shop").AccessToken(); got != tok.AccessToken {
			t.Error("the rotated access token does not open with the new key")
		}
		// The old key alone no longer opens them.
		m3, _ := New(Options{Store: r.st, Keys: oldKeys,
			Endpoints: func(returns.PlatformID, string, string) (adapters.TokenEndpoint, error) { return r.ep, nil }})
		if err := m3.Load(t.Context(), org); err == nil {
			t.Error("the old key still opens the rotated tokens")
		}
	})
}

// keyOf digs the primary key out of a one-key keyring, for TestRotate.
func keyOf(t *testing.T, r *secrets.Keyring) *secrets.Key {
	t.Helper()
	return r.Primary()
}

// TestSameTokenAnsweredAsksAgainNearExpiry: XHS answers a refresh with the
// same tokens while more than 30 minutes remain; the manager then asks again
// 20 minutes before the expiry, once, instead of at 80% of what is left.
func TestSameTokenAnsweredAsksAgainNearExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, 10*time.Hour)
		first := r.connect(t)
		r.ep.sameUntil = 30 * time.Minute
		r.ep.current = first
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go r.m.Run(ctx)
		time.Sleep(8*time.Hour + time.Second) // 80%: the platform answers the same token
		synctest.Wait()
		if r.ep.Calls() != 1 || r.m.TokenSource(org, returns.XHS, "shop").AccessToken() != first.AccessToken {
			t.Fatalf("%d calls at 80%%", r.ep.Calls())
		}
		time.Sleep(time.Hour + 39*time.Minute) // 9h40m: 20 minutes before the expiry
		synctest.Wait()
		if r.ep.Calls() != 1 {
			t.Fatalf("%d calls before expiry-20m, want 1", r.ep.Calls())
		}
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		if r.ep.Calls() != 2 || r.m.TokenSource(org, returns.XHS, "shop").AccessToken() == first.AccessToken {
			t.Fatalf("%d calls after expiry-20m, want 2 with a new token", r.ep.Calls())
		}
	})
}
