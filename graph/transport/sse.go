package transport

import (
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
)

// SSE serves subscriptions (and any operation) as Server-Sent Events: a POST
// with Accept: text/event-stream. It is gqlgen's SSE transport with the
// authentication hook in front and one repair: gqlgen's keep-alive goroutine
// may still write after Do has returned (it stops only when the request's
// context is cancelled, which net/http does after the handler returns), when
// the response belongs to net/http again. Writes after Do are dropped here.
type SSE struct {
	Authenticate Authenticator
	// KeepAlive is how often a comment is sent on a quiet stream, so that
	// proxies keep it open and a write finds a peer that left (0: never).
	KeepAlive time.Duration
}

var _ graphql.Transport = SSE{}

// Supports claims POST requests that accept an event stream.
func (t SSE) Supports(r *http.Request) bool { return transport.SSE{}.Supports(r) }

// Do authenticates the request and serves it.
func (t SSE) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	r, ok := authenticate(t.Authenticate, w, r)
	if !ok {
		return
	}
	sw := &sseWriter{w: w}
	transport.SSE{KeepAlivePingInterval: t.KeepAlive}.Do(sw, r, exec)
	sw.mu.Lock()
	sw.done = true
	sw.mu.Unlock()
}

var errStreamDone = errors.New("transport: the event stream has ended")

type sseWriter struct {
	w    http.ResponseWriter
	mu   sync.Mutex
	done bool
}

func (s *sseWriter) Header() http.Header { return s.w.Header() }

func (s *sseWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return 0, errStreamDone
	}
	return s.w.Write(b)
}

func (s *sseWriter) WriteHeader(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.done {
		s.w.WriteHeader(code)
	}
}

func (s *sseWriter) Flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.done {
		http.NewResponseController(s.w).Flush()
	}
}
