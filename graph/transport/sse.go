package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// SSE serves subscriptions (and any operation) as Server-Sent Events: a POST
// with Accept: text/event-stream, answered with "event: next" for each result
// and "event: complete" at the end, as gqlgen's SSE transport does. It is
// written here rather than taken from gqlgen's, which reads a body of any
// size, echoes a malformed one back and writes it raw to the standard logger,
// and has no write deadline. Here:
//   - the request is read as the HTTP transport reads it: 1 MiB at most
//     (413), a bad body is 400 with a typed error that does not quote it;
//   - a request the authentication hook refuses is 401 (429 when rate
//     limited), an operation that does not parse or validate is 400 (413 over
//     the token limit), a subscription past the stream caps is 429; all
//     before the stream starts, as JSON;
//   - each write to the stream has a deadline: a reader that does not read
//     is cut, and its subscription ends;
//   - nothing is written after Do returns.
type SSE struct {
	Authenticate Authenticator
	// KeepAlive is how often a comment is sent on a quiet stream, so that
	// proxies keep it open and a write finds a peer that left (0: never).
	KeepAlive time.Duration
	// WriteTimeout bounds each write (default 10 s).
	WriteTimeout time.Duration
	// Caps bound the streams open at once (nil: no bound).
	Caps *StreamCaps
	// CORSOrigins: see HTTP.
	CORSOrigins []string
}

var _ graphql.Transport = SSE{}

// Supports claims POST requests that accept an event stream.
func (t SSE) Supports(r *http.Request) bool { return transport.SSE{}.Supports(r) }

// Do authenticates the request and serves it.
func (t SSE) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	cors(t.CORSOrigins).headers(w, r)
	w.Header().Set("Content-Type", mediaJSON+"; charset=utf-8") // until the stream starts
	r, ok := authenticate(t.Authenticate, w, r, true)
	if !ok {
		return
	}
	start := graphql.Now()
	params, status, msg := readPost(w, r)
	if params == nil {
		writeError(w, status, msg)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	ctx := r.Context()
	rc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		code := http.StatusBadRequest
		if hasCode(resp.Errors, CodeTokenLimit) {
			code = http.StatusRequestEntityTooLarge
		}
		writeRequestError(w, code, resp)
		return
	}
	if rc.Operation.Operation == ast.Subscription {
		release, err := t.Caps.acquire(ctx)
		if err != nil {
			writeRequestError(w, http.StatusTooManyRequests, &graphql.Response{Errors: gqlerror.List{err}})
			return
		}
		defer release()
	}
	ctx, cancel := context.WithCancel(graphql.WithOperationContext(ctx, rc))
	defer cancel()

	timeout := t.WriteTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	s := &sseStream{w: w, ctl: http.NewResponseController(w), timeout: timeout, cancel: cancel}
	defer s.end()
	// The body is read: the stream outlives the server's ReadTimeout, whose
	// deadline would otherwise cancel the request when it passes.
	_ = s.ctl.SetReadDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if !s.write([]byte(":\n\n")) {
		return
	}
	if t.KeepAlive > 0 {
		go s.keepAlive(ctx, t.KeepAlive)
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	for {
		resp := responses(ctx)
		if resp == nil {
			break
		}
		const head = "event: next\ndata: "
		ev, err := appendResponse(append(make([]byte, 0, len(resp.Data)+84), head...), resp)
		if err == nil && bytes.IndexByte(ev[len(head):], '\n') >= 0 {
			// A line break would end the event early: compact it (the
			// executor writes none, so this is only a guard).
			var b bytes.Buffer
			err = json.Compact(&b, ev[len(head):])
			ev = append([]byte(head), b.Bytes()...)
		}
		if err != nil {
			ev = []byte("event: next\ndata: {\"errors\":[{\"message\":\"internal error\"}]}")
		}
		ev = append(ev, "\n\n"...)
		if !s.write(ev) {
			return
		}
	}
	s.write([]byte("event: complete\n\n"))
}

// sseStream writes one event stream: each write with a deadline, none after
// the end.
type sseStream struct {
	w       http.ResponseWriter
	ctl     *http.ResponseController
	timeout time.Duration
	cancel  context.CancelFunc

	mu   sync.Mutex
	done bool
}

// write writes and flushes b; a write that fails or times out ends the
// stream (the client is gone or does not read) and reports false.
func (s *sseStream) write(b []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return false
	}
	_ = s.ctl.SetWriteDeadline(time.Now().Add(s.timeout))
	_, err := s.w.Write(b)
	if err == nil {
		err = s.ctl.Flush()
	}
	if err != nil {
		s.done = true
		s.cancel()
		return false
	}
	return true
}

// keepAlive sends a comment every interval until the stream ends.
func (s *sseStream) keepAlive(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if !s.write([]byte(": ping\n\n")) {
				return
			}
		}
	}
}

// end stops writes: the response belongs to net/http again once Do returns.
func (s *sseStream) end() {
	s.mu.Lock()
	s.done = true
	s.mu.Unlock()
	s.cancel()
}
