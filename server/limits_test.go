package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// The attacks at the top of issue 9, against the whole gateway on :0.
// During and after each, a plain query from a well-behaved client is
// answered within a second, and the heap stays under serverHeapBound.

const serverHeapBound = 384 << 20

// lockedBuffer is a log destination that tests read while the server writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// plainQuery asserts that a well-behaved query is answered within a second
// and that the heap is under the bound.
func plainQuery(t *testing.T, m *Main) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, m.URL()+"/graphql",
		strings.NewReader(`{"query":"{ returnCases(first: 5) { totalCount } }"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("a plain query was not answered within a second: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(b, []byte(`"totalCount"`)) {
		t.Fatalf("a plain query: HTTP %d %s", resp.StatusCode, b)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if ms.HeapInuse > serverHeapBound {
		t.Errorf("heap in use %d MB, over %d MB", ms.HeapInuse>>20, serverHeapBound>>20)
	}
}

func fragmentBombDoc(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "query { ...F%d }\nfragment F0 on Query { returnCases(first: 1) { totalCount } }\n", n-1)
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i-1, i-1)
	}
	return b.String()
}

// zeros is an endless body.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestHostileClients(t *testing.T) {
	logs := &lockedBuffer{}
	m := startGatewayWith(t, func(m *Main) {
		m.Log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelError}))
		m.HTTPLimits = HTTPLimits{ReadHeaderTimeout: 300 * time.Millisecond, ReadTimeout: time.Second, IdleTimeout: 500 * time.Millisecond}
	})
	addr := strings.TrimPrefix(m.URL(), "http://")
	post := func(accept string, body io.Reader) (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodPost, m.URL()+"/graphql", body)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", accept)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return &http.Response{StatusCode: 0}, []byte(err.Error())
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	query := func(q string) io.Reader {
		return strings.NewReader(`{"query":` + fmt.Sprintf("%q", q) + `}`)
	}

	tests := []struct {
		name   string
		attack func(t *testing.T)
	}{
		{"a 1.6 KB document of 39 fragments each spreading the one before twice", func(t *testing.T) {
			doc := fragmentBombDoc(39)
			resp, b := post("application/json", query(doc))
			if resp.StatusCode != 200 || !bytes.Contains(b, []byte(`"totalCount"`)) {
				t.Errorf("%d bytes: HTTP %d %.300s", len(doc), resp.StatusCode, b)
			}
		}},
		{"195 KiB of nested list literals", func(t *testing.T) {
			doc := `{ returnCases(filter: { shopIds: ` + strings.Repeat("[", 100000) + `"s"` + strings.Repeat("]", 100000) + ` }) { totalCount } }`
			resp, b := post("application/json", query(doc))
			if resp.StatusCode != http.StatusRequestEntityTooLarge || !bytes.Contains(b, []byte("TOKEN_LIMIT_EXCEEDED")) {
				t.Errorf("HTTP %d %.300s", resp.StatusCode, b)
			}
		}},
		{"a 100 MiB SSE body", func(t *testing.T) {
			resp, b := post("text/event-stream", io.LimitReader(zeros{}, 100<<20))
			if resp.StatusCode != http.StatusRequestEntityTooLarge && resp.StatusCode != 0 {
				// 0: the server answered 413 and closed while the client was still sending.
				t.Errorf("HTTP %d %.300s", resp.StatusCode, b)
			}
		}},
		{"a malformed 5 MiB SSE body with newlines that forge a log entry", func(t *testing.T) {
			body := `{"query": "{ x }` + "\ntime=2026-01-01T00:00:00Z level=ERROR msg=forged\n" + strings.Repeat("y", 5<<20)
			resp, b := post("text/event-stream", strings.NewReader(body))
			if resp.StatusCode != http.StatusRequestEntityTooLarge && resp.StatusCode != 0 {
				t.Errorf("HTTP %d %.300s", resp.StatusCode, b)
			}
			resp, b = post("text/event-stream", strings.NewReader(`{"query": "{ x }`+"\ntime=2026-01-01T00:00:00Z level=ERROR msg=forged\n"))
			if resp.StatusCode != http.StatusBadRequest || bytes.Contains(b, []byte("forged")) {
				t.Errorf("HTTP %d %.300s", resp.StatusCode, b)
			}
			if strings.Contains(logs.String(), "msg=forged") {
				t.Errorf("a forged log entry: %s", logs.String())
			}
		}},
		{"150 connections trickling a byte of headers at a time", func(t *testing.T) {
			trickle(t, addr, 150, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "+strings.Repeat("a", 1000))
		}},
		{"150 connections trickling a body", func(t *testing.T) {
			trickle(t, addr, 150, "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"+
				strings.Repeat(" ", 100000), "\r\n\r\n")
		}},
		{"idle keep-alive connections", func(t *testing.T) {
			var conns []net.Conn
			for range 50 {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
				conns = append(conns, c)
			}
			for _, c := range conns {
				br := bufio.NewReader(c)
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				c.SetReadDeadline(time.Now().Add(20 * time.Second))
				if _, err := br.ReadByte(); err == nil || isTimeout(err) {
					t.Errorf("an idle connection was not closed: %v", err)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan struct{})
			go func() {
				defer close(done)
				tt.attack(t)
			}()
			plainQuery(t, m)
			select {
			case <-done:
			case <-time.After(60 * time.Second):
				t.Fatal("the attack did not end in 60 s")
			}
			plainQuery(t, m)
		})
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// trickle opens n connections that send what a byte at a time, one every
// 100 ms (after the part before the marker, if any, at once), and waits for
// the server to cut each.
func trickle(t *testing.T, addr string, n int, what string, after ...string) {
	t.Helper()
	start, slow := "", what
	if len(after) > 0 {
		i := strings.Index(what, after[0]) + len(after[0])
		start, slow = what[:i], what[i:]
	}
	var wg sync.WaitGroup
	cut := make(chan time.Duration, n)
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		began := time.Now()
		io.WriteString(c, start)
		wg.Add(2)
		stop := make(chan struct{})
		go func() {
			defer wg.Done()
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for i := 0; i < len(slow); i++ {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				if _, err := c.Write([]byte{slow[i]}); err != nil {
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			defer close(stop)
			// The server closes the connection (after an error answer, if any).
			c.SetReadDeadline(time.Now().Add(30 * time.Second))
			io.Copy(io.Discard, c)
			cut <- time.Since(began)
		}()
	}
	wg.Wait()
	close(cut)
	var worst time.Duration
	for d := range cut {
		worst = max(worst, d)
	}
	if worst > 10*time.Second {
		t.Errorf("a trickling connection was held %v", worst)
	}
	t.Logf("%d trickling connections cut, the last after %v", n, worst)
}

// A request that outlives ReadTimeout once its body is read is not
// cancelled by it (net/http cancels the context when the read deadline
// passes): a mutation waiting on a platform, an event stream.
func TestReadDeadlineLiftedAfterTheBody(t *testing.T) {
	const readTimeout = 200 * time.Millisecond
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
			http.Error(w, "cancelled", http.StatusServiceUnavailable)
		case <-time.After(3 * readTimeout):
			io.WriteString(w, "ok")
		}
	})
	srv := httptest.NewUnstartedServer(nil)
	srv.Config = newHTTPServer(h, slog.New(slog.DiscardHandler), HTTPLimits{ReadTimeout: readTimeout})
	srv.Start()
	defer srv.Close()
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		req, _ := http.NewRequest(method, srv.URL, strings.NewReader(`{"query":"{ x }"}`))
		if method == http.MethodGet {
			req.Body, req.ContentLength = nil, 0
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "ok" {
			t.Errorf("%s: HTTP %d %s", method, resp.StatusCode, b)
		}
	}
}

// The standard logger goes through slog: a library's message with a
// client's newlines in it is one quoted entry, not a forged second one.
func TestStdLogThroughSlog(t *testing.T) {
	var out bytes.Buffer
	defer func() { log.SetOutput(os.Stderr); log.SetFlags(log.LstdFlags) }()
	routeStdLog(slog.New(slog.NewTextHandler(&out, nil)))
	log.Printf("decoding error: body:%s", "{\ntime=2026-01-01T00:00:00Z level=ERROR msg=forged")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "level=WARN") || !strings.Contains(lines[0], `\nt`) {
		t.Errorf("logged %q", out.String())
	}
}
