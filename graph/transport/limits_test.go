package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/vektah/gqlparser/v2/ast"
)

// Hostile clients against the transports: rate-limited callers, more
// streams than the caps allow, readers that never read, floods of
// subscribe messages, cross-origin callers, malformed bodies. After each, a
// plain query is answered within a second and the heap stays under a bound.

const transportHeapBound = 256 << 20

// limitsHandler serves es over every transport with the limits under test.
func limitsHandler(es graphql.ExecutableSchema, auth Authenticator, caps *StreamCaps, origins []string) *handler.Server {
	srv := handler.New(es)
	srv.AddTransport(HTTP{Authenticate: auth, CORSOrigins: origins})
	srv.AddTransport(NewWebsocket(WebsocketOptions{Authenticate: auth, Log: wsQuiet, Caps: caps}))
	srv.AddTransport(SSE{Authenticate: auth, Caps: caps, CORSOrigins: origins, WriteTimeout: 200 * time.Millisecond})
	srv.AroundOperations(WithStream)
	srv.AroundResponses(EndOfStream(testPresenter))
	srv.SetErrorPresenter(testPresenter)
	return srv
}

// greedyKeys is keys, but "Bearer greedy" has used up its allowance.
func greedyKeys(ctx context.Context, cred Credentials) (context.Context, error) {
	if cred.Authorization == "Bearer greedy" {
		return nil, &RateLimitError{RetryAfter: 1200 * time.Millisecond}
	}
	return keys(ctx, cred)
}

func owner(ctx context.Context) string {
	who, _ := ctx.Value(callerKey{}).(string)
	return who
}

// wellBehaved asserts that a plain query is answered within a second, and
// that the heap is under the bound.
func wellBehaved(t *testing.T, addr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/graphql", strings.NewReader(`{"query":"{ whoami }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer plain")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("a plain query was not answered within a second: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"whoami":"plain"`) {
		t.Fatalf("a plain query: HTTP %d %s", resp.StatusCode, b)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if ms.HeapInuse > transportHeapBound {
		t.Errorf("heap in use %d MB, over %d MB", ms.HeapInuse>>20, transportHeapBound>>20)
	}
}

// waitFor waits for cond, which an event the test caused makes true.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 10 s", what)
		}
		runtime.Gosched()
	}
}

func sseRequest(t *testing.T, addr, authorization, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", authorization)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func errorCode(t *testing.T, body []byte) string {
	t.Helper()
	var out struct {
		Errors []struct{ Extensions struct{ Code string } }
	}
	if err := json.Unmarshal(body, &out); err != nil || len(out.Errors) == 0 {
		t.Fatalf("not an error answer: %s", body)
	}
	return out.Errors[0].Extensions.Code
}

func TestRateLimited(t *testing.T) {
	addr := serve(t, limitsHandler((&tickFeed{}).schema(), greedyKeys, nil, nil))
	for _, accept := range []string{"application/json", "text/event-stream"} {
		resp, body := postWhoami(t, addr, "Bearer greedy", accept)
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "2" || errorCode(t, []byte(body)) != CodeRateLimited {
			t.Errorf("%s: HTTP %d Retry-After %q %s", accept, resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
	}
	c := dialWS(t, addr)
	c.frame(true, 0x1, []byte(`{"type":"connection_init","payload":{"Authorization":"Bearer greedy"}}`))
	if code := c.closeFrame(); code != 4429 {
		t.Errorf("WebSocket closed with %d, want 4429", code)
	}
	wellBehaved(t, addr)
}

// initWS opens a graphql-transport-ws connection as who.
func initWS(t *testing.T, addr, who string) *wsFrames {
	t.Helper()
	c := dialWS(t, addr)
	c.frame(true, 0x1, fmt.Appendf(nil, `{"type":"connection_init","payload":{"Authorization":"Bearer %s"}}`, who))
	if _, p, _ := c.read(); !bytes.Contains(p, []byte("connection_ack")) {
		t.Fatalf("no ack: %s", p)
	}
	return c
}

func subscribe(c *wsFrames, id string) {
	c.frame(true, 0x1, fmt.Appendf(nil, `{"type":"subscribe","id":%q,"payload":{"query":"subscription { ticks }"}}`, id))
}

func TestStreamCaps(t *testing.T) {
	feed := &tickFeed{}
	caps := &StreamCaps{Max: 3, PerOwner: 2, Owner: owner}
	addr := serve(t, limitsHandler(feed.schema(), keys, caps, nil))

	ann := initWS(t, addr, "ann")
	subscribe(ann, "a1")
	subscribe(ann, "a2")
	waitFor(t, "ann's two subscriptions", func() bool { return feed.len() == 2 })
	subscribe(ann, "a3") // over ann's own cap
	if _, p, _ := ann.read(); !bytes.Contains(p, []byte(`"type":"error","id":"a3"`)) || !bytes.Contains(p, []byte(CodeTooManyStreams)) {
		t.Errorf("a third stream of one owner: %s", p)
	}
	bob := initWS(t, addr, "bob")
	subscribe(bob, "b1")
	waitFor(t, "bob's subscription", func() bool { return feed.len() == 3 })
	subscribe(bob, "b2") // over the overall cap
	if _, p, _ := bob.read(); !bytes.Contains(p, []byte(`"id":"b2"`)) || !bytes.Contains(p, []byte(CodeTooManyStreams)) {
		t.Errorf("a stream over the overall cap: %s", p)
	}
	resp := sseRequest(t, addr, "Bearer cy", `{"query":"subscription { ticks }"}`)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusTooManyRequests || errorCode(t, body) != CodeTooManyStreams {
		t.Errorf("SSE over the cap: HTTP %d %s", resp.StatusCode, body)
	}
	wellBehaved(t, addr) // queries are not streams

	// A stream that ends gives its place back; so does a connection that ends.
	ann.frame(true, 0x1, []byte(`{"type":"complete","id":"a1"}`))
	waitFor(t, "a1's place given back", func() bool { return caps.Open() == 2 })
	subscribe(bob, "b3")
	waitFor(t, "bob's second subscription", func() bool { return caps.Open() == 3 && feed.len() == 3 })
	ann.conn.Close()
	waitFor(t, "ann's places given back", func() bool { return caps.Open() == 2 })
	bob.conn.Close()
	waitFor(t, "bob's places given back", func() bool { return caps.Open() == 0 })
}

// floodSchema's subscription has a 64 KiB event ready whenever asked: a
// client that does not read fills the socket at once. ended hears of each
// stream whose context ended.
func floodSchema(ended chan<- string) graphql.ExecutableSchema {
	big := fmt.Appendf(nil, `{"ticks":1,"pad":%q}`, strings.Repeat("x", 64<<10))
	return &graphql.ExecutableSchemaMock{
		SchemaFunc: func() *ast.Schema { return testSchema },
		ComplexityFunc: func(context.Context, string, string, int, map[string]any) (int, bool) {
			return 1, true
		},
		ExecFunc: func(ctx context.Context) graphql.ResponseHandler {
			switch graphql.GetOperationContext(ctx).Operation.Operation {
			case ast.Query:
				return graphql.OneShot(&graphql.Response{Data: fmt.Appendf(nil, `{"whoami":%q}`, owner(ctx))})
			case ast.Subscription:
				context.AfterFunc(ctx, func() { ended <- "ended" })
				return func(ctx context.Context) *graphql.Response {
					if ctx.Err() != nil {
						return nil
					}
					return &graphql.Response{Data: big}
				}
			}
			return graphql.OneShot(graphql.ErrorResponse(ctx, "no mutations"))
		},
	}
}

// Readers that never read are cut: SSE by its write deadline, WebSocket by
// its queue bound; their subscriptions end.
func TestReadersThatNeverReadAreCut(t *testing.T) {
	ended := make(chan string, 16)
	caps := &StreamCaps{Max: 100}
	addr := serve(t, limitsHandler(floodSchema(ended), keys, caps, nil))
	for _, transport := range []string{"SSE", "WebSocket"} {
		t.Run(transport, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if transport == "SSE" {
				body := `{"query":"subscription { ticks }"}`
				fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: %d\r\n\r\n%s",
					addr, len(body), body)
			} else {
				c := initWS(t, addr, "slow")
				conn = c.conn
				subscribe(c, "s")
			}
			// The client reads nothing more.
			select {
			case <-ended:
			case <-time.After(30 * time.Second):
				t.Fatal("a reader that never reads was not cut in 30 s")
			}
			waitFor(t, "the stream's place given back", func() bool { return caps.Open() == 0 })
			wellBehaved(t, addr)
		})
	}
}

// A flood of subscribe messages on one connection runs at most
// maxWSOperations of them; the rest are refused, and every place is given
// back when the connection ends.
func TestWebsocketSubscribeFlood(t *testing.T) {
	feed := &tickFeed{}
	caps := &StreamCaps{Max: 10000}
	addr := serve(t, limitsHandler(feed.schema(), keys, caps, nil))
	c := initWS(t, addr, "flood")
	var refused atomic.Int64
	go func() {
		// Read whatever comes, so that the flood is not cut for not reading.
		for {
			_, p, ok := c.read()
			if !ok {
				return
			}
			if bytes.Contains(p, []byte(`"type":"error"`)) {
				refused.Add(1)
			}
		}
	}()
	var b bytes.Buffer
	for i := range 5000 {
		fmt.Fprintf(&b, `{"type":"subscribe","id":"f%d","payload":{"query":"subscription { ticks }"}}`, i)
		c.frame(true, 0x1, b.Bytes())
		b.Reset()
	}
	waitFor(t, "the flood refused", func() bool { return refused.Load() == 5000-maxWSOperations })
	wellBehaved(t, addr)
	if n := caps.Open(); n != maxWSOperations {
		t.Errorf("%d streams open on one connection, want %d", n, maxWSOperations)
	}
	c.conn.Close()
	waitFor(t, "every place given back", func() bool { return caps.Open() == 0 && feed.len() == 0 })
	wellBehaved(t, addr)
}

func TestCORS(t *testing.T) {
	es := (&tickFeed{}).schema()
	off := serve(t, limitsHandler(es, keys, nil, nil))
	on := serve(t, limitsHandler(es, keys, nil, []string{"https://app.example.com"}))
	do := func(addr, method, origin string) *http.Response {
		req, _ := http.NewRequest(method, "http://"+addr+"/graphql", strings.NewReader(`{"query":"{ whoami }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	tests := []struct {
		name, addr, method, origin string
		status                     int
		allow                      string
	}{
		{"off: no CORS header", off, "POST", "https://app.example.com", 200, ""},
		{"off: no preflight", off, "OPTIONS", "https://app.example.com", 405, ""},
		{"an allowed origin", on, "POST", "https://app.example.com", 200, "https://app.example.com"},
		{"another origin", on, "POST", "https://evil.example.com", 200, ""},
		{"a near miss", on, "POST", "https://app.example.com.evil.net", 200, ""},
		{"a preflight", on, "OPTIONS", "https://app.example.com", 204, "https://app.example.com"},
		{"another origin's preflight", on, "OPTIONS", "https://evil.example.com", 204, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := do(tt.addr, tt.method, tt.origin)
			if resp.StatusCode != tt.status || resp.Header.Get("Access-Control-Allow-Origin") != tt.allow {
				t.Errorf("HTTP %d, Access-Control-Allow-Origin %q; want %d %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"), tt.status, tt.allow)
			}
			if tt.addr == off {
				for k := range resp.Header {
					if strings.HasPrefix(k, "Access-Control-") {
						t.Errorf("CORS is off, yet %s", k)
					}
				}
			}
			if tt.method == "OPTIONS" && tt.allow != "" && !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
				t.Errorf("preflight allows headers %q", resp.Header.Get("Access-Control-Allow-Headers"))
			}
		})
	}
}

// A malformed SSE body is neither echoed back nor written to the standard
// logger (gqlgen's SSE transport did both: newlines in it forged log lines).
func TestSSEMalformedBody(t *testing.T) {
	var logged bytes.Buffer
	log.SetOutput(&logged)
	defer log.SetOutput(os.Stderr)
	addr := serve(t, limitsHandler((&tickFeed{}).schema(), keys, nil, nil))
	forged := "\ntime=2026-01-01T00:00:00Z level=ERROR msg=forged\n"
	for _, body := range []string{`{"query": "{ whoami }"` + forged, `{"query": ` + forged + `}`, forged, `[` + strings.Repeat("x", 5<<20)} {
		resp := sseRequest(t, addr, "Bearer plain", body)
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("HTTP %d: %.200s", resp.StatusCode, b)
		}
		if bytes.Contains(b, []byte("forged")) || bytes.Contains(b, []byte("xxxx")) {
			t.Errorf("the body was echoed: %.200s", b)
		}
		if c := errorCode(t, b); c != CodeBadRequest && c != CodeRequestTooLarge {
			t.Errorf("code %q", c)
		}
	}
	if logged.Len() > 0 {
		t.Errorf("written to the standard logger: %.300s", logged.String())
	}
	wellBehaved(t, addr)
}

// An operation the client completes keeps its place under maxWSOperations
// until it ends: cancelling does not end what runs detached from its caller
// (a seller action), so a client that subscribes and completes in a loop
// would otherwise run any number at once. Its id is free at once, as
// graphql-transport-ws has it: a client that reuses it gets the new
// operation's answer, not 4409, and nothing of the old one.
func TestCompletedOperationsKeepTheirPlaceUntilTheyEnd(t *testing.T) {
	var running, ended atomic.Int64
	release := make(chan struct{})
	es := &graphql.ExecutableSchemaMock{
		SchemaFunc:     func() *ast.Schema { return testSchema },
		ComplexityFunc: func(context.Context, string, string, int, map[string]any) (int, bool) { return 1, true },
		ExecFunc: func(ctx context.Context) graphql.ResponseHandler {
			hold := graphql.GetOperationContext(ctx).Operation.Name == "Hold"
			answered := false
			return func(context.Context) *graphql.Response {
				if answered {
					return nil
				}
				answered = true
				if hold {
					// Like a seller action on a detached context: the
					// client's complete does not end it.
					running.Add(1)
					<-release
					defer ended.Add(1)
				}
				return &graphql.Response{Data: []byte(`{"whoami":"x"}`)}
			}
		},
	}
	addr := serve(t, limitsHandler(es, keys, nil, nil))
	c := initWS(t, addr, "ana")
	send := func(id, name string) {
		c.frame(true, 0x1, fmt.Appendf(nil, `{"type":"subscribe","id":%q,"payload":{"query":"query %s { whoami }"}}`, id, name))
	}
	type msg struct{ Type, ID, Payload string }
	read := func() msg {
		t.Helper()
		op, p, ok := c.read()
		if !ok || op != 0x1 {
			t.Fatalf("want a message, got opcode %d %q (connection open: %v)", op, p, ok)
		}
		var m struct {
			Type, ID string
			Payload  json.RawMessage
		}
		json.Unmarshal(p, &m)
		return msg{m.Type, m.ID, string(m.Payload)}
	}

	const held = maxWSOperations - 1
	for i := range held {
		send(fmt.Sprint("op", i), "Hold")
	}
	waitFor(t, "the held operations running", func() bool { return running.Load() == held })
	for i := range held {
		c.frame(true, 0x1, fmt.Appendf(nil, `{"type":"complete","id":"op%d"}`, i))
	}
	// op0 is completed but still running: its id is the client's again.
	send("op0", "Quick")
	if m := read(); m.Type != "next" || m.ID != "op0" {
		t.Fatalf("a reused id: want its next, got %+v", m)
	}
	if m := read(); m.Type != "complete" || m.ID != "op0" {
		t.Fatalf("a reused id: want its complete, got %+v", m)
	}
	// One more takes the last place; past it, operations are refused
	// while the completed ones run.
	send("last", "Hold")
	waitFor(t, "the last place taken", func() bool { return running.Load() == held+1 })
	send("extra", "Quick")
	if m := read(); m.Type != "error" || m.ID != "extra" || !strings.Contains(m.Payload, "at most") {
		t.Fatalf("an operation over maxWSOperations, counting completed ones still running: got %+v", m)
	}
	// Once they end, their places are free; the completed ones say nothing.
	close(release)
	if m := read(); m.Type != "next" || m.ID != "last" {
		t.Fatalf("want last's next, got %+v", m)
	}
	if m := read(); m.Type != "complete" || m.ID != "last" {
		t.Fatalf("want last's complete, got %+v", m)
	}
	waitFor(t, "the held operations ended", func() bool { return ended.Load() == held+1 })
	deadline := time.Now().Add(5 * time.Second)
	for i := 0; ; i++ {
		id := fmt.Sprint("after", i)
		send(id, "Quick")
		m := read()
		if m.ID != id {
			t.Fatalf("a message of a completed operation: %+v", m)
		}
		if m.Type == "next" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the completed operations' places were not given back: %+v", m)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// An operation id over maxWSID bytes is refused: a running operation keeps
// its id and every event repeats it, so ids of up to a message's megabyte
// would let one connection's subscriptions hold 100 MiB. graphql-transport-ws
// closes with 4400 (as for any invalid message); the legacy protocol answers
// the id with an error. An id of maxWSID bytes runs.
func TestLongOperationIDsAreRefused(t *testing.T) {
	feed := &tickFeed{}
	addr := serve(t, limitsHandler(feed.schema(), keys, nil, nil))
	ok := strings.Repeat("i", maxWSID)
	long := strings.Repeat("i", maxWSID+1)

	c := initWS(t, addr, "ana")
	c.frame(true, 0x1, fmt.Appendf(nil, `{"type":"subscribe","id":%q,"payload":{"query":"{ whoami }"}}`, ok))
	if _, p, _ := c.read(); !bytes.Contains(p, []byte(`"type":"next","id":"`+ok+`"`)) {
		t.Fatalf("an id of %d bytes: %s", maxWSID, p)
	}
	c.read() // its complete
	subscribe(c, long)
	if code := c.closeFrame(); code != closeBadMessage {
		t.Errorf("an id of %d bytes: closed with %d, want %d", len(long), code, closeBadMessage)
	}

	legacy := dialWSProto(t, addr, protoLegacyWS, "")
	legacy.frame(true, 0x1, []byte(`{"type":"connection_init","payload":{"Authorization":"Bearer ana"}}`))
	if _, p, _ := legacy.read(); !bytes.Contains(p, []byte("connection_ack")) {
		t.Fatalf("legacy: no ack: %s", p)
	}
	legacy.frame(true, 0x1, fmt.Appendf(nil, `{"type":"start","id":%q,"payload":{"query":"subscription { ticks }"}}`, long))
	for {
		_, p, ok := legacy.read()
		if !ok {
			t.Fatal("legacy: the connection ended")
		}
		if bytes.Contains(p, []byte(`"type":"ka"`)) {
			continue
		}
		var m struct {
			Type, ID string
			Payload  []struct{ Extensions struct{ Code string } }
		}
		json.Unmarshal(p, &m)
		if m.Type != "error" || m.ID != long || len(m.Payload) != 1 || m.Payload[0].Extensions.Code != CodeBadRequest {
			t.Errorf("legacy: an id of %d bytes: %s", len(long), p)
		}
		break
	}
	if n := feed.len(); n != 0 {
		t.Errorf("%d subscriptions run with over-long ids", n)
	}
	wellBehaved(t, addr)
}

// The per-operation limit an Authenticator puts in the context
// (WithOperationLimit) is taken for each operation a WebSocket connection
// starts, in both protocols: one it refuses is answered RATE_LIMITED for its
// id, and the connection goes on.
func TestWebsocketOperationLimit(t *testing.T) {
	var tokens atomic.Int64
	limited := func(ctx context.Context, cred Credentials) (context.Context, error) {
		ctx, err := keys(ctx, cred)
		if err != nil {
			return nil, err
		}
		return WithOperationLimit(ctx, func() error {
			if tokens.Add(-1) < 0 {
				return &RateLimitError{RetryAfter: 1500 * time.Millisecond}
			}
			return nil
		}), nil
	}
	addr := serve(t, limitsHandler((&tickFeed{}).schema(), limited, nil, nil))
	for _, proto := range []string{protoTransportWS, protoLegacyWS} {
		t.Run(proto, func(t *testing.T) {
			tokens.Store(1)
			c := dialWSProto(t, addr, proto, "")
			c.frame(true, 0x1, []byte(`{"type":"connection_init","payload":{"Authorization":"Bearer ana"}}`))
			if _, p, _ := c.read(); !bytes.Contains(p, []byte("connection_ack")) {
				t.Fatalf("no ack: %s", p)
			}
			typ := "subscribe"
			if proto == protoLegacyWS {
				typ = "start"
			}
			// read returns the next message but keep-alives.
			read := func() string {
				for {
					_, p, ok := c.read()
					if !ok {
						t.Fatal("the connection ended")
					}
					if !bytes.Contains(p, []byte(`"type":"ka"`)) {
						return string(p)
					}
				}
			}
			for _, id := range []string{"1", "2"} {
				c.frame(true, 0x1, fmt.Appendf(nil, `{"type":%q,"id":%q,"payload":{"query":"{ whoami }"}}`, typ, id))
			}
			var got []string
			for len(got) < 3 { // 1's result and its end, and 2's refusal
				got = append(got, read())
			}
			all := strings.Join(got, "\n")
			if !strings.Contains(all, `"id":"1","payload":{"data":{"whoami":"ana"}}`) ||
				!strings.Contains(all, `"type":"error","id":"2","payload":[{"message":"too many requests; retry after 2 s","extensions":{"code":"RATE_LIMITED"}}]`) {
				t.Errorf("one token, two operations:\n%s", all)
			}
			tokens.Store(1)
			c.frame(true, 0x1, fmt.Appendf(nil, `{"type":%q,"id":"3","payload":{"query":"{ whoami }"}}`, typ))
			if p := read(); !strings.Contains(p, `"id":"3","payload":{"data"`) {
				t.Errorf("a token later: %s", p)
			}
		})
	}
}
