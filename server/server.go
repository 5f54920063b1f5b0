package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/returnsgw/returnsgw/actions"
	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/auth"
	"github.com/returnsgw/returnsgw/feed"
	"github.com/returnsgw/returnsgw/graph"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/server/console"
	"github.com/returnsgw/returnsgw/server/graphiql"
	"github.com/returnsgw/returnsgw/store"
)

// Main is the program: parse the configuration, run, close. Tests start the
// whole gateway through it on :0.
type Main struct {
	Config Config
	Log    *slog.Logger
	Now    func() time.Time
	// Stdout receives --help and the start-up banner.
	Stdout io.Writer

	Store  store.Store
	Access store.Access
	// Auth checks API keys and manages organisations and keys.
	Auth *auth.Service
	// DemoKey is the sandbox's API key (empty outside sandbox mode).
	DemoKey   string
	Platforms *adapters.Registry
	Pollers   []*feed.Poller
	Ingester  *feed.Ingester
	// Sandbox is sandbox mode's simulators. Given before Run (tests: a
	// gateway restarted against the same simulated platforms), it is used
	// as it is: neither started, nor cleared from the store, nor closed.
	Sandbox *Sandbox
	Actions *actions.Service
	// TuneActions, when set, adjusts the seller actions' options before
	// they start (tests: the reconciler's waits, a crash hook).
	TuneActions func(*actions.Options)
	// Bus carries every stored change to the subscriptions; Deadlines raises
	// the deadline alerts.
	Bus *feed.Bus
	// Relay publishes the shared log's events (PostgreSQL); nil on SQLite.
	Relay *feed.Relay
	// PollLeaseTTL is how long a replica's poll lease lasts unrenewed (0: the
	// poller's default); tests shorten it.
	PollLeaseTTL   time.Duration
	replica        string
	limiter        *keyLimiter
	db             backend // the store as opened, before any wrapping
	noLeaseRelease bool    // tests: Close as a crash would, leases left to lapse
	Deadlines      *feed.DeadlineTimer
	// Connections keeps the shops' OAuth tokens fresh (see oauth.go).
	Connections *Connections
	// GraphOptions tune the GraphQL handler (zero: its defaults); Run sets
	// the authentication hook unless one is given.
	GraphOptions graph.HandlerOptions
	// HTTPLimits are the HTTP server's deadlines (zero: defaults; see limits.go).
	HTTPLimits HTTPLimits

	listener    net.Listener
	http        *http.Server
	cancel      context.CancelFunc
	stopStreams context.CancelFunc
	wg          sync.WaitGroup
	closers     []func() error
	observability
}

// NewMain returns a program with defaults.
func NewMain() *Main {
	return &Main{
		Log:    slog.New(slog.NewTextHandler(os.Stderr, nil)),
		Now:    time.Now,
		Stdout: os.Stdout,
	}
}

// ParseFlags reads the configuration from arguments and the environment.
func (m *Main) ParseFlags(args []string, getenv func(string) string) error {
	if err := m.Config.Parse(args, getenv, m.Stdout); err != nil {
		return err
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(m.Config.LogLevel))
	m.Log = newLogger(os.Stderr, m.Config.LogFormat, level)
	return nil
}

// URL is where the gateway listens, once Run has returned.
func (m *Main) URL() string {
	if m.listener == nil {
		return ""
	}
	addr := m.listener.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, fmt.Sprint(addr.Port))
}

// Run starts everything and returns once the gateway is listening; it keeps
// running in the background until Close.
func (m *Main) Run(ctx context.Context) error {
	c := &m.Config
	if c.Org == "" {
		c.Org = "demo"
	}
	org := returns.OrgID(c.Org)
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.cancel = cancel
	if err := m.observe(ctx); err != nil {
		return err
	}

	st, err := m.openStore(ctx)
	if err != nil {
		return err
	}
	m.Store, m.Access, m.db = m.observeStore(st), st, st
	m.closers = append(m.closers, st.Close)

	m.Platforms = adapters.NewRegistry()
	if m.Connections, err = m.startConnections(ctx, st); err != nil {
		return err
	}
	interval := c.PollInterval
	if m.Sandbox != nil {
		for _, p := range m.Sandbox.Platforms {
			m.Platforms.Add(p)
		}
		if interval == 0 {
			interval = time.Second
		}
	} else if c.SandboxOn() {
		var sb *Sandbox
		if c.SandboxURL != "" {
			// A standalone sandbox that replicas share: its cases outlive
			// this process, so nothing stored is cleared.
			sb, err = remoteSandbox(ctx, c.SandboxURL, SandboxOptions{Now: m.Now, Log: m.Log, Tokens: m.Connections.sourceFor(org)})
		} else {
			if err := m.freshSandbox(ctx, org); err != nil {
				return err
			}
			sb, err = StartSandbox(SandboxOptions{Seed: c.Seed, Cases: c.SandboxCases, Now: m.Now, Log: m.Log,
				TokenTTL: c.SandboxTokenTTL, Tokens: m.Connections.sourceFor(org)})
		}
		if err != nil {
			return fmt.Errorf("start sandbox: %w", err)
		}
		m.Sandbox = sb
		m.closers = append(m.closers, sb.Close)
		if err := m.Connections.startSandbox(ctx, org, sb); err != nil {
			return err
		}
		for _, p := range sb.Platforms {
			m.Platforms.Add(p)
		}
		if interval == 0 {
			// The simulators are local: poll every second so a change reaches
			// dashboards promptly even where the platform has no push.
			interval = time.Second
		}
	} else {
		if len(c.Shops) == 0 {
			return errors.New("no platform connections configured: give --config with shops, or run with --sandbox=true")
		}
		if err := m.Connections.startLive(ctx, org, c.Shops); err != nil {
			return err
		}
		ps, err := connect(append(c.Shops, m.Connections.storedShops(org, c.Shops)...), m.Now, m.Log, m.Connections.storedSource(org))
		if err != nil {
			return err
		}
		for _, p := range ps {
			m.Platforms.Add(p)
		}
	}
	if m.Sandbox != nil && c.SandboxURL == "" {
		// A standalone sandbox shared by replicas is left to its seller: routes
		// are the organisation's data, saved through the API.
		m.seedSandboxRoutes(ctx, org)
	}
	if interval == 0 {
		interval = 5 * time.Minute
	}
	if err := m.setupAuth(ctx, org); err != nil {
		return err
	}

	// Platform changes and seller actions go through the same log and bus.
	// On a log that several replicas share, they reach the bus through the
	// relay, so every replica publishes every change in the log's order.
	m.Bus = feed.NewBus(0)
	publish := m.Bus.Publish
	if shared, ok := st.(feed.SharedLog); ok {
		m.Relay = feed.NewRelay(shared, st, m.Bus.Publish, m.Log)
		publish = m.Relay.Publisher()
	}
	locks := &feed.CaseLocks{}
	ingester := &feed.Ingester{Store: m.Store, Org: org, Log: m.Log, Publish: publish, Locks: locks}
	m.Ingester = ingester
	if c.ConfigFile == "" {
		c.Rules = returns.DefaultRulePolicy()
	}
	aopts := actions.Options{Store: m.Store, Platforms: m.Platforms, Now: m.Now, Log: m.Log, Policy: c.PolicyFor,
		Publish: publish, Locks: locks, Routes: st, Templates: st}
	aopts.ExportReturns = st                 // export returns: the workflow's own tables, beside the cases
	aopts.EvidenceExists = st.EvidenceExists // inspections and export returns cite the case's stored evidence
	if m.TuneActions != nil {
		m.TuneActions(&aopts)
	}
	m.Actions = actions.New(aopts)
	// Replicas on one database take turns: a connection's poller runs only
	// on the replica that holds its lease.
	leaser, _ := st.(feed.Leaser)
	m.replica = replicaID()
	for _, p := range m.Platforms.All() {
		m.Pollers = append(m.Pollers, &feed.Poller{Platform: p, Ingester: ingester, Interval: interval, Now: m.Now, Log: m.Log,
			Lease: leaser, Holder: m.replica, LeaseTTL: m.PollLeaseTTL})
	}
	m.Deadlines = &feed.DeadlineTimer{Store: m.Store, Orgs: []returns.OrgID{org}, Bus: m.Bus, Policy: m.Actions.Policy,
		Now: m.Now, Log: m.Log}
	m.observeParts()

	resolver := graph.NewResolver(graph.Deps{Store: m.Store, Platforms: m.Platforms, Org: org, Actions: m.Actions, Pollers: m.Pollers,
		Bus: m.Bus, Deadlines: m.Deadlines, Auth: m.Auth, Connections: m.Connections, Timeline: m.db, Now: m.Now, Log: m.Log,
		Evidence: m.db, Routes: st, Templates: st,
		Analytics: m.db})
	gopts := m.GraphOptions
	gopts.Telemetry = m.graphTelemetry(gopts.Telemetry)
	if gopts.Authenticate == nil {
		m.limiter = newKeyLimiter(c.RateLimit)
		gopts.Authenticate = m.authenticate
		gopts.RequireScopes = true
		gopts.StreamOwner = streamOwner
	}
	// The sandbox's GraphiQL documents the schema; elsewhere the schema is
	// not shown to whoever asks unless the operator says so.
	gopts.Introspection = gopts.Introspection || m.Sandbox != nil || c.Introspection
	if len(c.CORSOrigins) > 0 {
		gopts.CORSOrigins = c.CORSOrigins
		for _, o := range c.CORSOrigins {
			if u, err := url.Parse(o); err == nil && u.Host != "" {
				gopts.OriginPatterns = append(gopts.OriginPatterns, u.Host)
			}
		}
	}
	streams, stopStreams := context.WithCancel(context.Background())
	m.stopStreams = stopStreams
	gopts.Lifetime = streams
	gql := graph.NewHandler(resolver, gopts)

	mux := http.NewServeMux()
	mux.Handle("/graphql", endWith(streams, gql))
	mux.Handle("GET "+graph.AnalyticsCSVPath, analyticsCSV(gql))
	mux.Handle("/graphiql/", http.StripPrefix("/graphiql/", graphiql.Handler(m.DemoKey)))
	mux.Handle("/console/", http.StripPrefix("/console/", console.Handler(m.DemoKey)))
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/graphiql/", http.StatusFound)
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("/readyz", m.readyz)
	// Evidence files: uploads and downloads with the same keys and hook as GraphQL.
	evidence := graph.NewEvidenceHandler(resolver, graph.EvidenceOptions{Authenticate: gopts.Authenticate,
		RequireScopes: gopts.RequireScopes, MaxFileBytes: c.EvidenceMaxBytes, QuotaBytes: c.EvidenceQuotaBytes})
	mux.Handle("/evidence", evidence)
	mux.Handle("/evidence/", evidence)
	m.routeWebhooks(mux, ingester)
	m.Connections.routeOAuth(mux)
	if m.Sandbox != nil && m.Sandbox.XHS != nil {
		m.Sandbox.routes(mux)
	}

	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.Addr, err)
	}
	m.listener = ln
	m.http = newHTTPServer(m.observeHTTP(m.hostGuard(mux)), m.Log, m.HTTPLimits)
	m.Connections.listening(m.URL())
	if m.Sandbox != nil && m.Sandbox.XHS != nil {
		// The XHS simulator pushes to our webhook, as XHS pushes to an app's URL.
		m.Sandbox.listening(m.URL())
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		if err := m.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("http server", "err", err)
		}
	}()
	for _, p := range m.Pollers {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			p.Run(runCtx)
		}()
	}
	if m.Relay != nil {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			m.Relay.Run(runCtx)
		}()
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		m.Deadlines.Run(runCtx)
	}()
	// Settles the keys of writes whose outcome is unknown, those a crash
	// left first.
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		m.Actions.RunReconciler(runCtx, []returns.OrgID{org})
	}()
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		m.Connections.Manager.Run(runCtx)
	}()
	mode := "live"
	if m.Sandbox != nil {
		mode = "sandbox"
	}
	m.Log.Info("returns gateway listening", "url", m.URL(), "graphql", m.URL()+"/graphql",
		"graphiql", m.URL()+"/graphiql/", "console", m.URL()+"/console/", "mode", mode, "db", redactDB(c.DB), "connections", len(m.Pollers))
	return nil
}

// sandboxMarker is the cursor that marks an organisation's data as written in
// sandbox mode.
const sandboxMarker = "sandbox"

// freshSandbox clears what an earlier sandbox run stored: the simulators
// start afresh with every run (their state lives in memory), so the last
// run's cases, events and cursors would contradict them. It refuses to touch
// an organisation whose data was not written in sandbox mode.
func (m *Main) freshSandbox(ctx context.Context, org returns.OrgID) error {
	marker, err := m.Store.Cursor(ctx, org, sandboxMarker)
	if err != nil {
		return err
	}
	if marker == "" {
		page, err := m.Store.ListCases(ctx, org, store.ListQuery{First: 1})
		if err != nil {
			return err
		}
		if page.TotalCount > 0 {
			return fmt.Errorf("sandbox mode: organisation %q in %s holds data that sandbox mode did not write; give another --org or --db", org, m.Config.DB)
		}
	} else if err := m.Store.ResetOrganisation(ctx, org); err != nil {
		return err
	} else if err := m.db.ResetRoutes(ctx, org); err != nil {
		return err
	}
	return m.Store.SetCursor(ctx, org, sandboxMarker, m.Now().UTC().Format(time.RFC3339))
}

// endWith ends the event streams (SSE) when ctx ends: http.Server.Shutdown
// would wait for them, and a stream is never idle. (WebSocket connections
// end with the handler's Lifetime.)
func endWith(ctx context.Context, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
			next.ServeHTTP(w, r)
			return
		}
		rctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		stop := context.AfterFunc(ctx, cancel)
		defer stop()
		next.ServeHTTP(w, r.WithContext(rctx))
	})
}

// readyz answers 200 once the database answers a ping, the bus delivers,
// and every poller has finished a first attempt; a platform that is down does
// not make the gateway unready (queries about the others work), it is
// reported in the body with each connection.
func (m *Main) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	type conn struct {
		Platform  returns.PlatformID `json:"platform"`
		Shop      string             `json:"shop"`
		Synced    bool               `json:"synced"`
		Standby   bool               `json:"standby,omitempty"` // another replica polls it
		LastError string             `json:"lastError,omitempty"`
	}
	body := struct {
		Status      string `json:"status"`
		Store       string `json:"store"`
		Bus         string `json:"bus"`
		Connections []conn `json:"connections"`
	}{Status: "ready", Store: "ok", Bus: "ok"}
	ready := true
	if err := m.pingStore(ctx); err != nil {
		ready, body.Store = false, "unavailable"
	}
	if err := m.busReady(); err != nil {
		ready, body.Bus = false, "unavailable"
	}
	for _, p := range m.Pollers {
		h := p.Health()
		body.Connections = append(body.Connections, conn{Platform: p.Platform.ID(), Shop: p.Platform.Shop().ID,
			Synced: h.CaughtUpOnce, Standby: h.Standby, LastError: h.LastError})
		if !h.CaughtUpOnce && !h.Standby && h.LastError == "" {
			ready = false
		}
	}
	code := http.StatusOK
	switch {
	case body.Store != "ok" || body.Bus != "ok":
		body.Status, code = "unavailable", http.StatusServiceUnavailable
	case !ready:
		body.Status, code = "starting", http.StatusServiceUnavailable
	}
	writeJSON(w, code, body)
}

// Close stops the gateway gracefully: subscriptions end (told to resume
// later) and their connections close, no new requests, in-flight ones finish
// (up to 25 s), pollers and the deadline timer stop, then simulators and the
// store close.
func (m *Main) Close() error {
	var errs []error
	if m.Bus != nil {
		m.Bus.Close()
	}
	if m.stopStreams != nil {
		m.stopStreams()
	}
	if m.http != nil {
		// Long enough for a seller action's platform write and read-back,
		// and a push's fetches (20 s each), to finish and be stored: cutting
		// them off would leave an action done on the platform but not here.
		ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		if err := m.http.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
		cancel()
	}
	if m.cancel != nil {
		m.cancel()
	}
	m.wg.Wait()
	// A clean stop hands the poll leases on at once; a crash leaves them to
	// lapse (PollLeaseTTL).
	if r, ok := m.db.(interface {
		ReleaseLease(ctx context.Context, name, holder string) error
	}); ok && !m.noLeaseRelease {
		for _, p := range m.Pollers {
			if err := r.ReleaseLease(context.Background(), feed.CursorName(p.Platform), m.replica); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for i := len(m.closers) - 1; i >= 0; i-- {
		if err := m.closers[i](); err != nil {
			errs = append(errs, err)
		}
	}
	m.closers = nil
	return errors.Join(errs...)
}

// shutdownGrace bounds how long Close waits for requests in flight.
const shutdownGrace = 25 * time.Second

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
