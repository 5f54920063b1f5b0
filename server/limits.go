package main

import (
	"io"
	"log"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// HTTPLimits are the HTTP server's deadlines, so that connections that
// trickle bytes, or never finish a body, or sit idle, are cut.
//
// WriteTimeout cannot be the server's own: it would cut the event streams
// and WebSocket connections, which live for hours. It is set per request,
// for every request but those; the streams have a deadline on each write
// instead (see the transports). ReadTimeout bounds the headers and the body;
// once the body has been read its deadline is lifted, or net/http would
// cancel the request's context when it passes (a mutation waiting on a
// platform, a stream).
type HTTPLimits struct {
	ReadHeaderTimeout time.Duration // default 10 s
	ReadTimeout       time.Duration // default 30 s
	WriteTimeout      time.Duration // default 60 s: a platform write and its read-back fit
	IdleTimeout       time.Duration // default 2 min
	MaxHeaderBytes    int           // default 64 KiB
}

func (l HTTPLimits) withDefaults() HTTPLimits {
	if l.ReadHeaderTimeout <= 0 {
		l.ReadHeaderTimeout = 10 * time.Second
	}
	if l.ReadTimeout <= 0 {
		l.ReadTimeout = 30 * time.Second
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = 60 * time.Second
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = 2 * time.Minute
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = 64 << 10
	}
	return l
}

// newHTTPServer returns the gateway's HTTP server with its limits; the
// server's own errors (TLS handshakes, bad requests) go to the log.
func newHTTPServer(h http.Handler, logger *slog.Logger, l HTTPLimits) *http.Server {
	l = l.withDefaults()
	return &http.Server{
		Handler:           withDeadlines(h, l),
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// withDeadlines sets a request's write deadline (not a stream's) and lifts
// the read deadline once the body is read.
func withDeadlines(next http.Handler, l HTTPLimits) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		// Only /graphql's streams bound each write themselves; elsewhere the
		// headers are a client's claim and must not lift the deadline.
		stream := r.URL.Path == "/graphql" &&
			(r.Header.Get("Upgrade") != "" || strings.Contains(r.Header.Get("Accept"), "text/event-stream"))
		if !stream {
			_ = rc.SetWriteDeadline(time.Now().Add(l.WriteTimeout))
		}
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			_ = rc.SetReadDeadline(time.Time{})
		} else {
			r.Body = &liftOnEOF{ReadCloser: r.Body, rc: rc}
		}
		next.ServeHTTP(w, r)
	})
}

// liftOnEOF lifts the read deadline when the body has been read.
type liftOnEOF struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *liftOnEOF) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// routeStdLog sends the standard logger's output (libraries that use the
// log package) through slog, whose handlers quote what they are given: a
// client's bytes in a library's message cannot forge a log line, and
// --log-level applies.
func routeStdLog(logger *slog.Logger) {
	log.SetFlags(0)
	log.SetOutput(slog.NewLogLogger(logger.Handler(), slog.LevelWarn).Writer())
}
