package transport

import (
	"bufio"
	"bytes"
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
	"path"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/gobwas/ws"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/returnsgw/returnsgw/returns"
)

// GraphQL over WebSocket.
//
// Websocket speaks both protocols clients use: graphql-transport-ws
// (the graphql-ws npm client; https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md)
// and the legacy graphql-ws of subscriptions-transport-ws. It is written for
// many idle subscribers rather than taken from gqlgen, whose transport keeps
// four goroutines and net/http's read and write buffers per connection (about
// 56 KiB a subscriber, measured with bench/subscribers_test.go). Here:
//   - the handler hijacks the connection and returns, which frees net/http's
//     goroutine and its 8 KiB of buffers; one reader goroutine with a shallow
//     stack and a 256-byte buffer remains;
//   - pings and the init timeout are timers, not goroutines;
//   - a subscription has no goroutine while nothing happens: its resolver
//     asks the bus to notify the transport (see Notifier), and a small pool of
//     pump goroutines, whose stacks have grown once, runs gqlgen's executor
//     for the subscriptions that have an event, instead of ten thousand
//     parked goroutines each growing its stack for the first event;
//   - writes are queued per connection and flushed by a goroutine that
//     exists only while there is something to write, so a client that reads
//     slowly holds up nobody else.
// A subscription whose resolver does not notify (deadline alerts) gets a
// goroutine of its own, as in gqlgen.
//
// The handshake and the frame headers are github.com/gobwas/ws's (it reads
// and writes headers in buffers the caller gives); what is built on them
// here is the message reader (fragments, control frames between them, the
// size bound, allocation as the payload arrives), the write queue, and the
// two protocols.

// The WebSocket subprotocols.
const (
	protoTransportWS = "graphql-transport-ws"
	protoLegacyWS    = "graphql-ws"
)

// Close codes: RFC 6455's and graphql-transport-ws's.
const (
	closeNormal         = 1000
	closeGoingAway      = 1001
	closeProtocolError  = 1002
	closeUnsupported    = 1003
	closeInvalidPayload = 1007
	closeTooBig         = 1009
	closeBadMessage     = 4400
	closeUnauthorized   = 4401
	closeForbidden      = 4403
	closeInitTimeout    = 4408
	closeDuplicateID    = 4409
	closeTooManyInits   = 4429
	closeRateLimited    = 4429 // graphql-transport-ws's code for too many inits is HTTP's 429 as well
)

const (
	// maxWSMessage bounds a client's message: a GraphQL document with variables.
	maxWSMessage = 1 << 20
	// wsReadChunk is how much more of a message is allocated at a time.
	wsReadChunk = 32 << 10
	// maxWSOperations bounds the operations one connection runs at once.
	maxWSOperations = 100
	// maxWSID bounds an operation's id: a running operation keeps it, and
	// every event repeats it (a UUID is 36 bytes).
	maxWSID = 128
	// wsBackpressure is how much may wait to be written to a connection
	// before its subscriptions stop taking events from the bus (and fall
	// behind there); maxWSQueued bounds everything else that waits, past
	// which a client that does not read is closed.
	wsBackpressure = 64 << 10
	maxWSQueued    = 4 << 20
	// wsWriteTimeout bounds a write: a client that does not read for that
	// long is gone.
	wsWriteTimeout = 10 * time.Second
	// wsQuickWrite is how long a pump waits for a socket to take a frame
	// before leaving it to a flusher goroutine.
	wsQuickWrite = 5 * time.Millisecond
	// wsCloseWait is how long a closing connection waits for the peer's close frame.
	wsCloseWait = 2 * time.Second
	// maxPumps bounds the goroutines that run subscriptions' events. Four
	// per processor do the work (fewer leave processors idle while they
	// are in write system calls); they rarely wait otherwise (writes are
	// queued), unless a subscription selects live platform data, which is
	// when more are started, up to this bound.
	maxPumps = 64
	// pumpStuck is how long the queue may go untouched before another pump starts.
	pumpStuck = 5 * time.Millisecond
)

// WebsocketOptions tune the WebSocket transport.
type WebsocketOptions struct {
	// Authenticate gets the connection_init payload (where clients put what
	// HTTP would carry in headers); see Authenticator.
	Authenticate Authenticator
	// InitTimeout closes a connection that has not sent connection_init in
	// time (default 10 s), so idle sockets cannot pile up.
	InitTimeout time.Duration
	// PingInterval is how often the server checks a quiet connection
	// (default 25 s): over graphql-transport-ws it sends a ping and closes
	// the connection when nothing (a pong) has come back by the next; over
	// the legacy graphql-ws it sends a keep-alive, whose write fails once
	// the peer is gone.
	PingInterval time.Duration
	// OriginPatterns are the browser origins, besides the gateway's own
	// host, allowed to open connections: host patterns as in path.Match
	// ("dashboard.example.com", "*.example.com"). Requests without an
	// Origin header (non-browser clients) are always allowed. The default
	// is same-origin only, against cross-site WebSocket hijacking: a page
	// on another site must not ride a user's session.
	OriginPatterns []string
	// Lifetime ends the connections when it is done (close code 1001, going
	// away): they outlive their HTTP request, so neither the request's
	// context nor http.Server.Shutdown ends them. Nil: they end with their
	// peer.
	Lifetime context.Context
	Log      *slog.Logger
	// Caps bound the subscriptions open at once (nil: no bound); one past
	// them is ended with a TOO_MANY_STREAMS error for its id.
	Caps *StreamCaps
}

// Websocket serves GraphQL over WebSocket (see above).
type Websocket struct {
	auth        Authenticator
	initTimeout time.Duration
	ping        time.Duration
	origins     []string
	lifetime    context.Context // nil: connections end only with their peer
	log         *slog.Logger
	caps        *StreamCaps
	pumps       pumps
}

var _ graphql.Transport = (*Websocket)(nil)

// NewWebsocket returns the WebSocket transport.
func NewWebsocket(o WebsocketOptions) *Websocket {
	if o.InitTimeout <= 0 {
		o.InitTimeout = 10 * time.Second
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 25 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Websocket{auth: o.Authenticate, initTimeout: o.InitTimeout, ping: o.PingInterval, origins: o.OriginPatterns,
		lifetime: o.Lifetime, log: o.Log, caps: o.Caps}
}

// Supports claims WebSocket upgrades.
func (t *Websocket) Supports(r *http.Request) bool { return isWebsocketUpgrade(r) }

// isWebsocketUpgrade reports whether r asks to upgrade to WebSocket (and not
// to anything else a client may offer, such as h2c).
func isWebsocketUpgrade(r *http.Request) bool {
	return headerHasToken(r.Header, "Upgrade", "websocket")
}

// Do upgrades the connection, hands it to its reader goroutine, and returns.
func (t *Websocket) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	if !t.originAllowed(r) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, "WebSocket connections from this origin are not allowed\n")
		return
	}
	u := ws.HTTPUpgrader{Timeout: wsWriteTimeout}
	if proto := pickSubprotocol(r.Header.Values("Sec-WebSocket-Protocol")); proto != "" {
		u.Protocol = func(p string) bool { return p == proto }
	}
	// The upgrader checks the handshake and answers a bad one itself (400,
	// 405, or 426 for another version).
	conn, brw, hs, err := u.Upgrade(r, w)
	if err != nil {
		if conn != nil {
			conn.Close()
		}
		return
	}
	// The connection is ours now: net/http's read deadline (ReadTimeout) and
	// the upgrader's write deadline must not cut it later. Reads are bounded
	// by the init timeout and the pings, writes each by its own deadline.
	conn.SetDeadline(time.Time{})
	// Whatever the client sent right after its handshake is in net/http's
	// buffer, which is not kept: it holds 4 KiB.
	var rd io.Reader = conn
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		rd = io.MultiReader(bytes.NewReader(bytes.Clone(b)), conn)
	}
	// The request's context ends when this handler returns; the
	// connection keeps its values, not its end.
	base, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	c := &wsConn{t: t, exec: exec, conn: conn, r: bufio.NewReaderSize(rd, 256), legacy: hs.Protocol != protoTransportWS,
		authorization: r.Header.Get("Authorization"), ctx: base, cancel: cancel, ops: map[string]*wsOp{}}
	go c.serve()
}

// originAllowed lets in requests without an Origin (not from a browser), from
// the gateway's own host, and from the configured origins.
func (t *Websocket) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, p := range t.origins {
		target := u.Host
		if strings.Contains(p, "://") {
			target = u.Scheme + "://" + u.Host
		}
		if ok, _ := path.Match(strings.ToLower(p), strings.ToLower(target)); ok {
			return true
		}
	}
	return false
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for part := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), token) {
				return true
			}
		}
	}
	return false
}

// pickSubprotocol prefers graphql-transport-ws; a client that offers neither
// is spoken to in the legacy protocol (as gqlgen does), without naming it.
func pickSubprotocol(offered []string) string {
	legacy := false
	for _, v := range offered {
		for p := range strings.SplitSeq(v, ",") {
			switch strings.TrimSpace(p) {
			case protoTransportWS:
				return protoTransportWS
			case protoLegacyWS:
				legacy = true
			}
		}
	}
	if legacy {
		return protoLegacyWS
	}
	return ""
}

// wsConn is one WebSocket connection.
type wsConn struct {
	t      *Websocket
	exec   graphql.GraphExecutor
	conn   net.Conn
	r      *bufio.Reader
	legacy bool
	// authorization is the upgrade request's Authorization header, for a
	// connection_init payload that carries none.
	authorization string
	// ctx is the connection's context; the reader alone replaces it, with
	// what the authentication hook returns. cancel ends every operation.
	ctx    context.Context
	cancel context.CancelFunc

	// Owned by the reader goroutine.
	initReceived bool
	acked        bool
	// takeOp is the authentication hook's per-operation limit (see
	// WithOperationLimit); nil: none.
	takeOp func() error

	closing atomic.Bool // a close frame is on its way: the reader waits for the peer's
	closed  atomic.Bool // the reader has finished

	wmu      sync.Mutex
	queue    *[]byte     // frames waiting for the flusher; nil when none
	inflight int         // bytes the flusher is writing
	writing  bool        // a flusher is running
	wdone    bool        // nothing more may be queued: the close frame is queued, or a write failed
	hangUp   bool        // close the socket once the flusher is done
	parked   []*wsStream // streams waiting for the queue to drain

	mu  sync.Mutex
	ops map[string]*wsOp // the running operations the client has not completed, by id
	// stopping counts the operations the client completed that are still
	// running (a seller action does not end when its caller leaves): they
	// keep their places under maxWSOperations until they end, though their
	// ids are the client's to reuse.
	stopping int
	pongDue  bool        // a ping went out and nothing came back since
	initT    *time.Timer // closes a connection that does not init in time
	pingT    *time.Timer
	stopLife func() bool
}

// wsOp is one running operation.
type wsOp struct {
	cancel context.CancelFunc
	// release gives back a subscription's place under the stream caps.
	release atomic.Pointer[func()]
	// Guarded by wsConn.mu: the client completed the operation (it is out
	// of ops and counted in stopping), and done has run.
	stopped, ended bool
	// silent, guarded by wsConn.wmu, is set when the client completes the
	// operation: nothing more of it is queued, so that a client that reuses
	// the id hears only of the new operation.
	silent bool
}

// end cancels the operation and gives back its place (once).
func (op *wsOp) end() {
	op.cancel()
	if f := op.release.Swap(nil); f != nil {
		(*f)()
	}
}

// serve reads the client's messages until the connection ends.
func (c *wsConn) serve() {
	defer c.finish()
	c.mu.Lock()
	c.initT = time.AfterFunc(c.t.initTimeout, func() { c.fail(closeInitTimeout, "Connection initialisation timeout") })
	if c.t.lifetime != nil {
		c.stopLife = context.AfterFunc(c.t.lifetime, func() { c.fail(closeGoingAway, "the gateway is shutting down") })
	}
	c.mu.Unlock()
	for {
		msg, err := c.readMessage()
		if err != nil {
			var ce *wsCloseError
			if errors.As(err, &ce) && !c.closing.Load() {
				c.fail(ce.code, ce.reason)
				continue // wait for the peer's close frame
			}
			return
		}
		if c.closing.Load() {
			continue
		}
		c.mu.Lock()
		c.pongDue = false // anything from the peer shows it is alive
		c.mu.Unlock()
		if c.legacy {
			c.handleLegacy(msg)
		} else {
			c.handle(msg)
		}
	}
}

// finish ends every operation and releases the connection.
func (c *wsConn) finish() {
	c.cancel()
	c.closed.Store(true)
	c.mu.Lock()
	for _, op := range c.ops {
		op.end() // the streams' places, at once: they end with the connection
	}
	if c.initT != nil {
		c.initT.Stop()
	}
	if c.pingT != nil {
		c.pingT.Stop()
	}
	if c.stopLife != nil {
		c.stopLife()
	}
	c.mu.Unlock()
	c.wmu.Lock()
	c.wdone = true
	if c.writing {
		// The flusher writes what is queued (a close frame, say) and hangs up.
		c.hangUp = true
		c.wmu.Unlock()
		return
	}
	parked := c.parked
	c.parked = nil
	c.wmu.Unlock()
	c.conn.Close()
	c.t.pumps.resume(parked)
}

// fail closes the connection with a code and reason: the close frame is
// queued last, the reader waits a moment for the peer's, then the socket
// closes. Any goroutine may call it.
func (c *wsConn) fail(code int, reason string) {
	if !c.closing.CompareAndSwap(false, true) {
		return
	}
	c.cancel()
	// A control frame carries at most 125 bytes: the code and 123 of reason.
	for len(reason) > 123 {
		_, size := utf8.DecodeLastRuneInString(reason)
		reason = reason[:len(reason)-size]
	}
	c.enqueue(ws.OpClose, ws.NewCloseFrameBody(ws.StatusCode(code), reason), true)
	// The reader sees the peer's close frame, or this deadline.
	c.conn.SetReadDeadline(time.Now().Add(wsCloseWait))
}

// handle reads one graphql-transport-ws message.
func (c *wsConn) handle(msg []byte) {
	var m struct {
		Type    string          `json:"type"`
		ID      string          `json:"id"`
		Payload json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(msg, &m); err != nil || m.Type == "" {
		c.fail(closeBadMessage, "Invalid message received")
		return
	}
	switch m.Type {
	case "connection_init":
		if c.initReceived {
			c.fail(closeTooManyInits, "Too many initialisation requests")
			return
		}
		c.initReceived = true
		if code, reason := c.initialise(m.Payload); code != 0 {
			c.fail(code, reason)
			return
		}
		c.send("connection_ack", "", nil)
	case "ping":
		c.send("pong", "", m.Payload)
	case "pong":
	case "subscribe":
		switch {
		case !c.acked:
			c.fail(closeUnauthorized, "Unauthorized")
		case m.ID == "":
			c.fail(closeBadMessage, "Invalid message received: a subscribe needs an id")
		case len(m.ID) > maxWSID:
			c.fail(closeBadMessage, fmt.Sprintf("Invalid message received: ids are limited to %d bytes", maxWSID))
		case !c.start(m.ID, m.Payload):
			c.fail(closeDuplicateID, "Subscriber for "+m.ID+" already exists")
		}
	case "complete":
		c.stop(m.ID)
	default:
		c.fail(closeBadMessage, "Invalid message received: unknown type "+strconv.Quote(m.Type))
	}
}

// handleLegacy reads one message of the legacy graphql-ws protocol.
func (c *wsConn) handleLegacy(msg []byte) {
	var m struct {
		Type    string          `json:"type"`
		ID      string          `json:"id"`
		Payload json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(msg, &m); err != nil || m.Type == "" {
		c.sendConnectionError("invalid message")
		c.fail(closeProtocolError, "invalid message")
		return
	}
	switch m.Type {
	case "connection_init":
		if c.initReceived {
			c.sendConnectionError("the connection is already initialised")
			return
		}
		c.initReceived = true
		if code, reason := c.initialise(m.Payload); code != 0 {
			c.sendConnectionError(reason)
			c.fail(code, reason)
			return
		}
		c.send("connection_ack", "", nil)
		c.send("ka", "", nil)
	case "start":
		switch {
		case !c.acked:
			c.sendErrors(nil, m.ID, gqlerror.List{{Message: "the connection is not initialised", Extensions: map[string]any{"code": "UNAUTHORIZED"}}})
		case len(m.ID) > maxWSID:
			c.sendErrors(nil, m.ID, gqlerror.List{{Message: fmt.Sprintf("operation ids are limited to %d bytes", maxWSID),
				Extensions: map[string]any{"code": CodeBadRequest}}})
		case !c.start(m.ID, m.Payload):
			c.sendErrors(nil, m.ID, gqlerror.List{{Message: "an operation with id " + strconv.Quote(m.ID) + " is already running", Extensions: map[string]any{"code": "BAD_REQUEST"}}})
		}
	case "stop":
		c.stop(m.ID)
	case "connection_terminate":
		c.fail(closeNormal, "terminated")
	default:
		c.sendConnectionError("unexpected message " + strconv.Quote(m.Type))
		c.fail(closeProtocolError, "unexpected message")
	}
}

// initialise runs the authentication hook and, if it accepts, starts the
// pings. It returns 0, or the close code and reason that refuse the
// connection (4429 when the hook says the caller is rate limited).
func (c *wsConn) initialise(raw json.RawMessage) (int, string) {
	c.mu.Lock()
	c.initT.Stop()
	c.mu.Unlock()
	var payload map[string]any
	if len(raw) > 0 && string(raw) != "null" {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&payload); err != nil {
			return closeForbidden, "Forbidden"
		}
	}
	if c.t.auth != nil {
		cred := Credentials{Authorization: c.authorization, Payload: payload, Stream: true}
		if a, ok := authorization(payload); ok {
			cred.Authorization = a
		}
		ctx, err := c.t.auth(c.ctx, cred)
		var rl *RateLimitError
		if errors.As(err, &rl) {
			return closeRateLimited, fmt.Sprintf("Too many requests: retry after %d s", rl.retryAfterSeconds())
		}
		if err != nil {
			c.t.log.Info("websocket connection refused", "err", err)
			return closeForbidden, "Forbidden"
		}
		// Credentials that stop being valid (a revoked key) end the
		// connection, not only its running operations.
		base := c.ctx
		context.AfterFunc(ctx, func() {
			if base.Err() == nil {
				c.fail(closeForbidden, "Forbidden: the credentials are no longer valid")
			}
		})
		c.ctx = ctx
		c.takeOp = operationLimit(ctx)
	}
	c.acked = true
	c.mu.Lock()
	c.pingT = time.AfterFunc(c.t.ping, c.keepAlive)
	c.mu.Unlock()
	return 0, ""
}

// keepAlive pings the client (graphql-transport-ws: a client that has not
// answered the previous ping is gone) or sends a keep-alive (legacy).
func (c *wsConn) keepAlive() {
	if c.legacy {
		c.send("ka", "", nil)
	} else {
		c.mu.Lock()
		due := c.pongDue
		c.pongDue = true
		c.mu.Unlock()
		if due {
			c.t.log.Debug("websocket peer did not answer a ping; closing")
			c.cancel()
			c.conn.Close()
			return
		}
		c.send("ping", "", nil)
	}
	c.mu.Lock()
	if !c.closed.Load() {
		c.pingT.Reset(c.t.ping)
	}
	c.mu.Unlock()
}

// start runs an operation; it reports false if one with the id is running.
// An operation over maxWSOperations, or refused by the per-operation limit
// (the API key's rate limit, as each HTTP request is), is answered with an
// error for its id.
func (c *wsConn) start(id string, payload json.RawMessage) bool {
	c.mu.Lock()
	if _, dup := c.ops[id]; dup {
		c.mu.Unlock()
		return false
	}
	if len(c.ops)+c.stopping >= maxWSOperations {
		c.mu.Unlock()
		c.sendErrors(nil, id, gqlerror.List{{Message: fmt.Sprintf("at most %d operations may run on one connection", maxWSOperations),
			Extensions: map[string]any{"code": "BAD_REQUEST"}}})
		return true
	}
	c.mu.Unlock()
	// Only the reader adds operations: what was checked above still holds.
	if c.takeOp != nil {
		if err := c.takeOp(); err != nil {
			c.sendErrors(nil, id, gqlerror.List{operationRefused(err)})
			return true
		}
	}
	c.mu.Lock()
	ctx, cancel := context.WithCancel(c.ctx)
	op := &wsOp{cancel: cancel}
	c.ops[id] = op
	c.mu.Unlock()
	go c.run(ctx, op, id, payload)
	return true
}

// operationRefused is the error that answers an operation the per-operation
// limit refused.
func operationRefused(err error) *gqlerror.Error {
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return &gqlerror.Error{Message: "too many requests; retry after " + strconv.Itoa(rl.retryAfterSeconds()) + " s",
			Extensions: map[string]any{"code": CodeRateLimited}}
	}
	return &gqlerror.Error{Message: returns.ErrorMessage(err), Extensions: map[string]any{"code": string(returns.ErrorCodeOf(err))}}
}

// stop ends an operation at the client's request. Its id is free at once
// (graphql-transport-ws: a client that completed an operation may use its id
// again), but the operation keeps its place under maxWSOperations until it
// ends: cancelling does not stop what runs detached from its caller (a
// seller action), and a client that subscribes and completes in a loop
// must not run any number of them at once.
func (c *wsConn) stop(id string) {
	c.mu.Lock()
	op := c.ops[id]
	if op != nil {
		delete(c.ops, id)
		op.stopped = true
		c.stopping++
	}
	c.mu.Unlock()
	if op == nil {
		return
	}
	// No further message of it: the protocol asks for none after the
	// client's complete, and the id may be reused next.
	c.wmu.Lock()
	op.silent = true
	c.wmu.Unlock()
	op.cancel()
}

// done forgets an operation that ended, and gives back its place (once).
func (c *wsConn) done(id string, op *wsOp) {
	op.end()
	c.mu.Lock()
	if !op.ended {
		op.ended = true
		if op.stopped {
			c.stopping--
		} else if c.ops[id] == op {
			delete(c.ops, id)
		}
	}
	c.mu.Unlock()
}

// run parses, validates and starts an operation. A query or mutation is
// answered here; a subscription's events are run by the pumps when its
// resolver notifies (or else by a goroutine of its own).
func (c *wsConn) run(ctx context.Context, op *wsOp, id string, payload json.RawMessage) {
	handedOver := false
	defer func() {
		if v := recover(); v != nil {
			c.t.log.Error("websocket operation panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if !handedOver {
				c.done(id, op)
			}
			c.sendErrors(op, id, gqlerror.List{{Message: "internal error", Extensions: map[string]any{"code": string(returns.CodeInternal)}}})
		}
		if !handedOver {
			c.done(id, op)
		}
	}()
	start := graphql.Now()
	params := &graphql.RawParams{}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber() // numbers stay exact, as over HTTP
	// Each message that ends an operation goes out after done, which frees
	// its id: a client may reuse the id as soon as it hears the end.
	if err := dec.Decode(params); err != nil || params.Query == "" && params.Extensions == nil {
		c.done(id, op)
		c.sendErrors(op, id, gqlerror.List{{Message: "the payload must be an object with a query (a string), and variables and extensions (objects) if any",
			Extensions: map[string]any{"code": "BAD_REQUEST"}}})
		return
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	ctx = graphql.StartOperationTrace(ctx)
	rc, errs := c.exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := c.exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		c.done(id, op)
		c.sendErrors(op, id, resp.Errors)
		return
	}
	if rc.Operation.Operation == ast.Subscription {
		release, cerr := c.t.caps.acquire(ctx)
		if cerr != nil {
			c.done(id, op)
			c.sendErrors(op, id, gqlerror.List{cerr})
			return
		}
		op.release.Store(&release)
		if c.closed.Load() {
			// The connection ended meanwhile; finish may not have seen the place.
			c.done(id, op)
			return
		}
	}
	ctx = graphql.WithOperationContext(ctx, rc)
	st := &wsStream{c: c, op: op, id: id, end: &wsEnd{}}
	ctx = context.WithValue(context.WithValue(ctx, wsEndKey{}, st.end), wsStreamKey{}, st)
	responses, ctx := c.exec.DispatchOperation(ctx, rc)
	if rc.Operation.Operation != ast.Subscription {
		// One result, or more with @defer: each deferred fragment is a
		// later one, and nil ends them.
		for resp := responses(ctx); resp != nil && ctx.Err() == nil; resp = responses(ctx) {
			c.next(op, id, resp)
		}
		if ctx.Err() == nil {
			c.done(id, op)
			c.sendParts(op, "complete", id)
		}
		return
	}
	handedOver = true
	st.ctx, st.responses = ctx, responses
	if st.claimed {
		st.activate()
	} else {
		go st.own()
	}
}

// wsStream is a subscription's stream of events under the WebSocket transport.
type wsStream struct {
	c         *wsConn
	op        *wsOp
	id        string
	end       *wsEnd
	claimed   bool // set by the resolver, before ctx and responses
	ctx       context.Context
	responses graphql.ResponseHandler

	pending   atomic.Int64 // notifications not yet read: each is one receive that will not block
	active    atomic.Bool  // ctx and responses are set
	scheduled atomic.Bool  // queued for, or running on, a pump
	over      bool         // owned by the pump that runs it
}

// notify is told of one thing to read on the subscription's channel. It
// may be called under the bus's lock: it only counts and queues.
func (st *wsStream) notify() {
	st.pending.Add(1)
	if st.active.Load() && st.scheduled.CompareAndSwap(false, true) {
		st.c.t.pumps.schedule(st)
	}
}

// activate lets the pumps run the stream, with what was notified meanwhile.
func (st *wsStream) activate() {
	st.active.Store(true)
	if st.pending.Load() > 0 && st.scheduled.CompareAndSwap(false, true) {
		st.c.t.pumps.schedule(st)
	}
}

// pump sends what the stream was notified of; a pump goroutine runs it.
func (st *wsStream) pump() {
	defer func() {
		if v := recover(); v != nil {
			st.c.t.log.Error("websocket subscription panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			st.over = true
			st.c.done(st.id, st.op)
			st.c.sendErrors(st.op, st.id, gqlerror.List{{Message: "internal error", Extensions: map[string]any{"code": string(returns.CodeInternal)}}})
		}
	}()
	for {
		for !st.over && st.pending.Load() > 0 {
			if st.c.park(st) {
				return // still scheduled: the flusher resumes it
			}
			st.pending.Add(-1)
			// Something is on the channel (or it is closed): this does not block.
			resp := st.responses(st.ctx)
			if resp == nil {
				st.over = true
				st.finish()
				break
			}
			st.c.next(st.op, st.id, resp)
		}
		// Read over before letting go: once scheduled is false another
		// worker may run the stream and write it.
		over := st.over
		st.scheduled.Store(false)
		// A notification that came after the last look schedules it again.
		if over || st.pending.Load() == 0 || !st.scheduled.CompareAndSwap(false, true) {
			return
		}
	}
}

// own runs a stream whose resolver does not notify, on a goroutine of its own.
func (st *wsStream) own() {
	defer func() {
		if v := recover(); v != nil {
			st.c.t.log.Error("websocket subscription panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			st.c.done(st.id, st.op)
			st.c.sendErrors(st.op, st.id, gqlerror.List{{Message: "internal error", Extensions: map[string]any{"code": string(returns.CodeInternal)}}})
		}
	}()
	for {
		resp := st.responses(st.ctx)
		if resp == nil {
			st.finish()
			return
		}
		st.c.next(st.op, st.id, resp)
	}
}

// finish forgets the operation and tells the client how the stream ended
// (unless it stopped it or left), in that order: the id is free again when
// the client hears of the end.
func (st *wsStream) finish() {
	left := st.ctx.Err() != nil
	st.c.done(st.id, st.op)
	if left {
		return
	}
	if len(st.end.errs) > 0 {
		st.c.sendErrors(st.op, st.id, st.end.errs)
		return
	}
	st.c.sendParts(st.op, "complete", st.id)
}

// pumps run the streams that have events on a few goroutines, which exist
// only while there is work: four per processor, and more, up to maxPumps,
// while the queue is not moving (pumps waiting on live platform data).
type pumps struct {
	mu       sync.Mutex
	queue    []*wsStream
	head     int
	running  int
	lastTake time.Time // when a pump last took a stream off the queue, or it last became non-empty
}

func (p *pumps) schedule(st *wsStream) {
	p.mu.Lock()
	if p.head == len(p.queue) {
		p.lastTake = time.Now() // the queue was empty: nothing is stuck
	}
	p.queue = append(p.queue, st)
	start := p.running < 4*runtime.GOMAXPROCS(0) ||
		p.running < maxPumps && time.Since(p.lastTake) > pumpStuck
	if start {
		p.running++
	}
	p.mu.Unlock()
	if start {
		go p.work()
	}
}

// resume reschedules streams that were parked (they are still marked scheduled).
func (p *pumps) resume(parked []*wsStream) {
	for _, st := range parked {
		p.schedule(st)
	}
}

func (p *pumps) work() {
	for {
		p.mu.Lock()
		if p.head == len(p.queue) {
			clear(p.queue)
			p.queue, p.head = p.queue[:0], 0
			p.running--
			p.mu.Unlock()
			return
		}
		st := p.queue[p.head]
		p.queue[p.head] = nil
		p.head++
		p.lastTake = time.Now()
		p.mu.Unlock()
		st.pump()
	}
}

// next sends one result.
func (c *wsConn) next(op *wsOp, id string, resp *graphql.Response) {
	typ := "next"
	if c.legacy {
		typ = "data"
	}
	if len(resp.Errors) == 0 && len(resp.Extensions) == 0 && resp.Label == "" && resp.Path == nil && resp.HasNext == nil && len(resp.Data) > 0 {
		// The common case, without encoding the data a second time.
		c.sendParts(op, typ, id, []byte(`{"data":`), resp.Data, []byte{'}'})
		return
	}
	b, err := json.Marshal(resp)
	if err != nil {
		c.t.log.Error("encode a subscription result", "err", err)
		b = []byte(`{"errors":[{"message":"internal error"}]}`)
	}
	c.sendParts(op, typ, id, b)
}

// sendErrors ends an operation with errors: graphql-transport-ws's error
// message, or the legacy protocol's. op is nil for an id refused before it
// ran.
func (c *wsConn) sendErrors(op *wsOp, id string, errs gqlerror.List) {
	b, err := json.Marshal(errs)
	if err != nil {
		b = []byte(`[{"message":"internal error"}]`)
	}
	c.sendParts(op, "error", id, b)
}

func (c *wsConn) sendConnectionError(msg string) {
	b, _ := json.Marshal(map[string]string{"message": msg})
	c.send("connection_error", "", b)
}

// send queues one protocol message: {"type":..., "id":..., "payload":...}.
func (c *wsConn) send(typ, id string, payload []byte) {
	if payload == nil {
		c.sendParts(nil, typ, id)
		return
	}
	c.sendParts(nil, typ, id, payload)
}

// sendParts queues a message whose payload is the parts put together (none:
// no payload), about op if not nil: nothing is queued once the client has
// completed op.
func (c *wsConn) sendParts(op *wsOp, typ, id string, payload ...[]byte) {
	bp := wsBufs.Get().(*[]byte)
	b := append((*bp)[:0], `{"type":"`...)
	b = append(b, typ...)
	b = append(b, '"')
	if id != "" {
		b = append(b, `,"id":`...)
		b = appendJSONString(b, id)
	}
	if len(payload) > 0 {
		b = append(b, `,"payload":`...)
		n := len(b)
		for _, p := range payload {
			b = append(b, p...)
		}
		if len(b) == n {
			b = append(b, "{}"...)
		}
	}
	b = append(b, '}')
	c.enqueueFor(op, ws.OpText, b, false)
	*bp = b
	putBuf(bp)
}

var wsBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// putBuf returns a buffer to the pool, unless an outsized message grew it.
func putBuf(bp *[]byte) {
	if cap(*bp) <= 64<<10 {
		*bp = (*bp)[:0]
		wsBufs.Put(bp)
	}
}

// appendJSONString appends s as a JSON string (ids are the client's: anything goes).
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	return append(append(append(b, '"'), s...), '"')
}

// enqueue queues one frame and makes sure it gets written: at once, if no
// write is under way and the socket takes it (the common case), else by a
// flusher goroutine. After the close frame (last), nothing more is queued.
func (c *wsConn) enqueue(op ws.OpCode, payload []byte, last bool) {
	c.enqueueFor(nil, op, payload, last)
}

// enqueueFor is enqueue for a message about an operation (nil: none), which
// is dropped once the client has completed the operation.
func (c *wsConn) enqueueFor(about *wsOp, op ws.OpCode, payload []byte, last bool) {
	c.wmu.Lock()
	if c.wdone || about != nil && about.silent {
		c.wmu.Unlock()
		return
	}
	if last {
		c.wdone = true
	}
	if c.queue == nil {
		c.queue = wsBufs.Get().(*[]byte)
	}
	// The header is built in the queue's own spare room and appended onto
	// itself: no buffer of its own. Appending to the queue does not fail.
	q := slices.Grow(*c.queue, ws.MaxHeaderSize+len(payload))
	_ = ws.WriteHeaderBuffer((*appender)(&q), ws.Header{Fin: true, OpCode: op, Length: int64(len(payload))},
		q[len(q):len(q)+ws.MaxHeaderSize])
	q = append(q, payload...)
	*c.queue = q
	if len(q) > maxWSQueued {
		// The client reads far slower than it is written to.
		c.wdone = true
		c.wmu.Unlock()
		c.cancel()
		c.conn.Close()
		return
	}
	if c.writing {
		c.wmu.Unlock()
		return
	}
	c.writing = true
	c.wmu.Unlock()
	c.write(true)
}

// write writes the queue until it is empty; the caller has set c.writing.
// In quick mode (a pump or the reader, which must not wait on one client)
// it writes one round with a short deadline and leaves whatever the socket
// did not take, or whatever was queued meanwhile, to a flusher goroutine.
// Streams parked for the queue to drain go back to the pumps. A write that
// fails, or times out in a flusher, ends the connection.
func (c *wsConn) write(quick bool) {
	for round := 0; ; round++ {
		c.wmu.Lock()
		q := c.queue
		c.queue = nil
		var parked []*wsStream
		if q == nil || len(*q) < wsBackpressure/2 {
			parked, c.parked = c.parked, nil
		}
		if q == nil {
			c.writing = false
			hangUp := c.hangUp
			c.wmu.Unlock()
			if hangUp {
				c.conn.Close()
			}
			c.t.pumps.resume(parked)
			return
		}
		if quick && round > 0 {
			// More was queued during the quick write: a flusher takes over.
			c.queue = q
			c.wmu.Unlock()
			c.t.pumps.resume(parked)
			go c.write(false)
			return
		}
		c.inflight = len(*q)
		c.wmu.Unlock()
		c.t.pumps.resume(parked)
		timeout := wsWriteTimeout
		if quick {
			timeout = wsQuickWrite
		}
		c.conn.SetWriteDeadline(time.Now().Add(timeout))
		n, err := c.conn.Write(*q)
		if err != nil && quick && errors.Is(err, os.ErrDeadlineExceeded) {
			// The socket is full: a flusher writes the rest, before anything queued since.
			c.wmu.Lock()
			rest := wsBufs.Get().(*[]byte)
			*rest = append(append((*rest)[:0], (*q)[n:]...), c.queueBytes()...)
			if c.queue != nil {
				putBuf(c.queue)
			}
			c.queue, c.inflight = rest, 0
			c.wmu.Unlock()
			putBuf(q)
			go c.write(false)
			return
		}
		putBuf(q)
		if err != nil {
			c.wmu.Lock()
			c.wdone, c.writing, c.inflight = true, false, 0
			if c.queue != nil {
				putBuf(c.queue)
				c.queue = nil
			}
			parked, c.parked = c.parked, nil
			c.wmu.Unlock()
			c.cancel()
			c.conn.Close()
			c.t.pumps.resume(parked)
			return
		}
		c.wmu.Lock()
		c.inflight = 0
		c.wmu.Unlock()
	}
}

func (c *wsConn) queueBytes() []byte {
	if c.queue == nil {
		return nil
	}
	return *c.queue
}

// park holds a stream back while the connection's queue is long, so that a
// client that reads slowly falls behind on the bus (and is told so) instead
// of piling up frames here. It reports whether the stream was parked; the
// flusher resumes it.
func (c *wsConn) park(st *wsStream) bool {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.wdone || !c.writing {
		return false
	}
	n := c.inflight
	if c.queue != nil {
		n += len(*c.queue)
	}
	if n < wsBackpressure {
		return false
	}
	c.parked = append(c.parked, st)
	return true
}

// appender is a frame queue that ws.WriteHeaderBuffer writes to.
type appender []byte

func (a *appender) Write(p []byte) (int, error) {
	*a = append(*a, p...)
	return len(p), nil
}

// wsCloseError is a reason to close the connection found while reading.
type wsCloseError struct {
	code   int
	reason string
}

func (e *wsCloseError) Error() string { return fmt.Sprintf("websocket: %d %s", e.code, e.reason) }

// readMessage returns the client's next text message, answering pings and
// closes on the way. The error is a *wsCloseError when the client broke the
// protocol, anything else when the connection ended.
func (c *wsConn) readMessage() ([]byte, error) {
	msg, err := readMessage(c.r, func(p []byte) { c.enqueue(ws.OpPong, p, false) })
	var closed peerClosed
	if errors.As(err, &closed) {
		c.closeReceived(int(closed))
		return nil, io.EOF
	}
	return msg, err
}

// peerClosed is the peer's close frame, as the code to answer it with.
type peerClosed int

func (e peerClosed) Error() string { return fmt.Sprintf("websocket: the peer closed (%d)", int(e)) }

// readMessage reads a client's frames from r up to the end of a text
// message, and returns the message. It hands pings' payloads to ping. The
// error is a *wsCloseError when the client broke the protocol, peerClosed
// when it sent a close frame, anything else when r ended.
//
// A message may come in fragments, with control frames between them; it is
// bounded by maxWSMessage, and allocated as it arrives, not as declared: a
// client that declares a megabyte and sends a byte holds a chunk.
func readMessage(r io.Reader, ping func([]byte)) ([]byte, error) {
	var msg []byte
	state := ws.StateServerSide
	hb := make([]byte, ws.MaxHeaderSize-2) // one header buffer for the message's frames
	for {
		h, err := ws.ReadHeaderBuffer(r, hb)
		if err != nil {
			if errors.Is(err, ws.ErrHeaderLengthMSB) {
				return nil, errTooBig
			}
			if errors.Is(err, ws.ErrHeaderLengthUnexpected) {
				return nil, &wsCloseError{closeProtocolError, err.Error()}
			}
			return nil, err
		}
		if err := ws.CheckHeader(h, state); err != nil {
			if h.OpCode == ws.OpBinary && errors.Is(err, ws.ErrProtocolContinuationExpected) {
				return nil, errBinary
			}
			return nil, &wsCloseError{closeProtocolError, err.Error()}
		}
		if h.OpCode.IsControl() { // whole, small, and allowed between fragments
			p := make([]byte, h.Length)
			if _, err := io.ReadFull(r, p); err != nil {
				return nil, err
			}
			ws.Cipher(p, h.Mask, 0)
			switch h.OpCode {
			case ws.OpClose:
				return nil, closeAnswer(p)
			case ws.OpPing:
				if ping != nil {
					ping(p)
				}
			}
			continue
		}
		if h.OpCode == ws.OpBinary {
			return nil, errBinary
		}
		// The length alone first: a sum would wrap around.
		if h.Length > maxWSMessage || int64(len(msg))+h.Length > maxWSMessage {
			return nil, errTooBig
		}
		start, n := len(msg), int(h.Length)
		for len(msg)-start < n {
			k := min(n-(len(msg)-start), wsReadChunk)
			msg = append(msg, make([]byte, k)...)
			if _, err := io.ReadFull(r, msg[len(msg)-k:]); err != nil {
				return nil, err
			}
		}
		ws.Cipher(msg[start:], h.Mask, 0)
		if !h.Fin {
			state = state.Set(ws.StateFragmented)
			continue
		}
		if !utf8.Valid(msg) {
			return nil, &wsCloseError{closeInvalidPayload, "text messages must be UTF-8"}
		}
		if msg == nil {
			msg = []byte{}
		}
		return msg, nil
	}
}

var (
	errTooBig = &wsCloseError{closeTooBig, fmt.Sprintf("messages are limited to %d bytes", maxWSMessage)}
	errBinary = &wsCloseError{closeUnsupported, "binary messages are not part of the protocol"}
)

// closeAnswer reads the peer's close frame: the answer echoes its code, or is
// 1002 or 1007 for a malformed one (no code: 1000).
func closeAnswer(p []byte) peerClosed {
	if len(p) == 0 {
		return closeNormal
	}
	if len(p) == 1 {
		return closeProtocolError
	}
	code, reason := ws.ParseCloseFrameDataUnsafe(p)
	switch {
	case !validCloseCode(int(code)):
		return closeProtocolError
	case !utf8.ValidString(reason):
		return closeInvalidPayload
	}
	return peerClosed(code)
}

// validCloseCode reports whether a peer may send the code (RFC 6455 7.4 and
// IANA's registry): 1004 is reserved, 1005, 1006 and 1015 are never sent,
// and the rest below 3000 are unassigned. (ws.CheckCloseFrameData refuses
// 1012-1014 too, which IANA registered after RFC 6455.)
func validCloseCode(code int) bool {
	return code >= 1000 && code <= 1003 || code >= 1007 && code <= 1014 || code >= 3000 && code <= 4999
}

// closeReceived answers the peer's close frame with code, unless we sent ours
// first.
func (c *wsConn) closeReceived(code int) {
	if c.closing.CompareAndSwap(false, true) {
		c.cancel()
		c.enqueue(ws.OpClose, ws.NewCloseFrameBody(ws.StatusCode(code), ""), true)
	}
}
