package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"
	"github.com/coder/websocket"

	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabasim"
	"github.com/returnsgw/returnsgw/graph"
	"github.com/returnsgw/returnsgw/graph/transport"
	"github.com/returnsgw/returnsgw/returns"
)

// startGatewayWith is startGateway with a chance to set the program up before it runs.
func startGatewayWith(t *testing.T, setup func(*Main)) *Main {
	t.Helper()
	m := NewMain()
	m.Stdout = io.Discard
	args := []string{"--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "gw.db"), "--sandbox", "true",
		"--poll-interval", "200ms", "--log-level", "error", "--sandbox-cases", "40", "--demo-key", testKey, "--rate-limit", "0"}
	if err := m.ParseFlags(args, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(m)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	eventually(t, 60*time.Second, "gateway not ready", func() bool {
		resp, err := http.Get(m.URL() + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return m
}

func wsURL(m *Main) string { return "ws" + strings.TrimPrefix(m.URL(), "http") + "/graphql" }

// eventView is a ReturnCaseEvent as the tests select it.
type eventView struct {
	ID                string   `json:"id"`
	PreviousStatus    *string  `json:"previousStatus"`
	Status            string   `json:"status"`
	Source            string   `json:"source"`
	OccurredAt        string   `json:"occurredAt"`
	Action            *string  `json:"action"`
	AcknowledgedRules []string `json:"acknowledgedRules"`
	ReturnCase        struct {
		ID             string `json:"id"`
		Platform       string `json:"platform"`
		PlatformCaseID string `json:"platformCaseId"`
		Status         string `json:"status"`
	} `json:"returnCase"`
}

const eventFields = `id previousStatus status source occurredAt action acknowledgedRules
	returnCase { id platform platformCaseId status }`

const changedSubscription = `subscription($filter: ReturnCaseFilter, $after: ID) {
	returnCaseChanged(filter: $filter, after: $after) { ` + eventFields + ` } }`

// nodeSub is one run of e2e/subscribe.mjs: the graphql-ws npm client.
type nodeSub struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan map[string]json.RawMessage
	exited chan struct{} // closed once the process has exited; err says how
	err    error
	events []eventView // every event received so far, in order
}

func startNodeSub(t *testing.T, node string, m *Main, vars map[string]any) *nodeSub {
	t.Helper()
	v, _ := json.Marshal(vars)
	cmd := exec.Command(node, "subscribe.mjs", wsURL(m), changedSubscription, string(v))
	cmd.Env = append(os.Environ(), "RETURNSGW_KEY="+testKey)
	cmd.Dir = filepath.Join("..", "e2e")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &nodeSub{t: t, cmd: cmd, stdin: stdin, lines: make(chan map[string]json.RawMessage, 1000), exited: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var line map[string]json.RawMessage
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				t.Errorf("subscribe.mjs wrote %q", sc.Text())
				continue
			}
			s.lines <- line
		}
		close(s.lines)
		if err := cmd.Wait(); err != nil {
			s.err = fmt.Errorf("%v: %s", err, stderr.String())
		}
		close(s.exited)
	}()
	t.Cleanup(func() {
		stdin.Close()
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
	})
	return s
}

// waitFor reads the client's output until an event passes the test, and returns it.
func (s *nodeSub) waitFor(what string, d time.Duration, ok func(eventView) bool) eventView {
	s.t.Helper()
	timeout := time.After(d)
	for {
		select {
		case line, open := <-s.lines:
			if !open {
				s.t.Fatalf("the graphql-ws client exited before %s", what)
			}
			if raw, has := line["error"]; has {
				s.t.Fatalf("the graphql-ws client reported an error before %s: %s", what, raw)
			}
			raw, has := line["next"]
			if !has {
				continue
			}
			var res struct {
				Data struct {
					ReturnCaseChanged eventView `json:"returnCaseChanged"`
				} `json:"data"`
				Errors json.RawMessage `json:"errors"`
			}
			if err := json.Unmarshal(raw, &res); err != nil || len(res.Errors) > 0 {
				s.t.Fatalf("subscription result %s (%v)", raw, err)
			}
			ev := res.Data.ReturnCaseChanged
			s.events = append(s.events, ev)
			if ok(ev) {
				return ev
			}
		case <-timeout:
			s.t.Fatalf("after %v: no event: %s", d, what)
		}
	}
}

// waitConnected waits for connection_ack.
func (s *nodeSub) waitConnected() {
	s.t.Helper()
	select {
	case line := <-s.lines:
		if _, ok := line["connected"]; !ok {
			s.t.Fatalf("first line of the graphql-ws client: %v", line)
		}
	case <-time.After(30 * time.Second):
		s.t.Fatal("the graphql-ws client never connected")
	}
}

// close disconnects the client cleanly and waits for it to exit.
func (s *nodeSub) close() {
	s.t.Helper()
	io.WriteString(s.stdin, "close\n")
	for range s.lines {
	}
	<-s.exited
	if s.err != nil {
		s.t.Fatalf("graphql-ws client: %v", s.err)
	}
}

func seqOf(t *testing.T, id string) int64 {
	t.Helper()
	seq, err := graph.ParseEventID(id)
	if err != nil {
		t.Fatalf("event id %q: %v", id, err)
	}
	return seq
}

// waitSubscribers waits until the bus has n subscriptions.
func waitSubscribers(t *testing.T, m *Main, n int) {
	t.Helper()
	eventually(t, 30*time.Second, fmt.Sprintf("the bus never had %d subscriptions", n), func() bool { return m.Bus.Len() == n })
}

// With the graphql-ws npm client: a platform change arrives as an event, a
// mutation as a MUTATION event, and a client that reconnects with the last id
// it saw gets what it missed exactly once, then the live changes.
func TestSubscriptionWithGraphQLWSClient(t *testing.T) {
	node := requireNode(t)
	m := startGatewayWith(t, nil)
	sb := m.Sandbox
	base := m.Bus.Len()

	a := startNodeSub(t, node, m, nil)
	a.waitConnected()
	waitSubscribers(t, m, base+1)

	// A buyer opens a request on Alibaba.com: the poller brings it in.
	opened, err := sb.Alibaba.Open(alibabasim.OpenRequest{ReturnGoods: true, Description: "subscribed"})
	if err != nil {
		t.Fatal(err)
	}
	ev := a.waitFor("the new Alibaba.com case", 30*time.Second, func(e eventView) bool { return e.ReturnCase.PlatformCaseID == opened })
	if ev.Source != "POLL" || ev.PreviousStatus != nil || ev.Status != "REQUESTED" || ev.ReturnCase.Platform != "ALIBABA" ||
		ev.ReturnCase.Status != ev.Status || ev.Action != nil || ev.OccurredAt == "" || len(ev.AcknowledgedRules) != 0 {
		t.Errorf("event of a new case: %+v", ev)
	}

	// The seller approves an XHS request through the API.
	c := findCase(t, m, map[string]any{"platforms": []string{"XHS"}, "statuses": []string{"REQUESTED"}, "kinds": []string{"RETURN_AND_REFUND"}}, "returnApprove")
	ack := acknowledgeAll(t, m, c, "returnApprove")
	if p := approve(t, m, map[string]any{"id": c.ID, "idempotencyKey": "sub-approve", "acknowledgeRules": ack}); len(p.UserErrors) > 0 {
		t.Fatalf("approve: %+v", p.UserErrors)
	}
	ev = a.waitFor("the approval", 30*time.Second, func(e eventView) bool { return e.ReturnCase.ID == c.ID && e.Source == "MUTATION" })
	if ev.Action == nil || *ev.Action != "returnApprove" || ev.PreviousStatus == nil || *ev.PreviousStatus != "REQUESTED" ||
		ev.Status != "AWAITING_BUYER_SHIPMENT" || strings.Join(ev.AcknowledgedRules, ",") != strings.Join(ack, ",") {
		t.Errorf("event of the approval: %+v", ev)
	}
	seenByA := map[string]bool{}
	for _, e := range a.events {
		if seenByA[e.ID] {
			t.Errorf("event %s delivered twice", e.ID)
		}
		seenByA[e.ID] = true
	}
	last := a.events[len(a.events)-1].ID
	a.close()
	waitSubscribers(t, m, base)

	// While nobody listens, another request arrives.
	missed, err := sb.Alibaba.Open(alibabasim.OpenRequest{Description: "while disconnected"})
	if err != nil {
		t.Fatal(err)
	}
	org := returns.OrgID(m.Config.Org)
	eventually(t, 30*time.Second, "the request made while disconnected was never stored", func() bool {
		_, err := m.Store.GetCase(context.Background(), org, returns.CaseKey{Platform: returns.Alibaba, PlatformCaseID: missed})
		return err == nil
	})

	// Reconnect, resuming after the last event seen: the missed one comes
	// from the log, then a live one.
	b := startNodeSub(t, node, m, map[string]any{"after": last})
	b.waitConnected()
	b.waitFor("the event missed while disconnected", 30*time.Second, func(e eventView) bool { return e.ReturnCase.PlatformCaseID == missed })
	waitSubscribers(t, m, base+1)
	live, err := sb.Alibaba.Open(alibabasim.OpenRequest{Description: "after reconnecting"})
	if err != nil {
		t.Fatal(err)
	}
	b.waitFor("a live event after the replay", 30*time.Second, func(e eventView) bool { return e.ReturnCase.PlatformCaseID == live })
	b.close()

	seen := map[string]bool{}
	missedEvents := 0
	for _, e := range b.events {
		if seen[e.ID] || seenByA[e.ID] {
			t.Errorf("event %s (%s %s) delivered twice", e.ID, e.ReturnCase.PlatformCaseID, e.Source)
		}
		seen[e.ID] = true
		if seqOf(t, e.ID) <= seqOf(t, last) {
			t.Errorf("event %s is not after %s", e.ID, last)
		}
		if e.ReturnCase.PlatformCaseID == missed {
			missedEvents++
		}
	}
	if missedEvents != 1 {
		t.Errorf("the missed event arrived %d times", missedEvents)
	}
	// No gap: every event the log holds after `last`, up to the last one
	// received, was received. (Live events come in the order they were
	// published, which two writers storing at once may swap.)
	var upTo int64
	var got []int64
	for _, e := range b.events {
		upTo = max(upTo, seqOf(t, e.ID))
		got = append(got, seqOf(t, e.ID))
	}
	evs, err := m.Store.EventsAfter(context.Background(), org, seqOf(t, last), 10000)
	if err != nil {
		t.Fatal(err)
	}
	var logged []int64
	for _, e := range evs {
		if e.Seq <= upTo {
			logged = append(logged, e.Seq)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, logged) {
		t.Errorf("resumed stream has events %v; the log has %v", got, logged)
	}
}

// sseEvents reads a text/event-stream response, sending each result's data.
func sseEvents(t *testing.T, body io.Reader, out chan<- json.RawMessage) {
	defer close(out)
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			out <- json.RawMessage(data)
		}
	}
}

// The transports other than graphql-ws's client, on one gateway.
func TestSubscriptionTransports(t *testing.T) {
	m := startGatewayWith(t, nil)
	t.Run("server-sent events", func(t *testing.T) { testSSE(t, m) })
	t.Run("legacy graphql-ws protocol", func(t *testing.T) { testLegacyProtocol(t, m) })
	t.Run("graphql-transport-ws protocol", func(t *testing.T) { testTransportWSProtocol(t, m) })
	t.Run("a subscriber that stops reading", func(t *testing.T) { testSlowSubscriber(t, m) })
}

// A WebSocket subscriber that stops reading while changes pour in is
// dropped by the bus, publishing goes on, and once it reads again it gets
// what was queued for it, then an error that says where to resume.
func testSlowSubscriber(t *testing.T, m *Main) {
	base := m.Bus.Len()
	c := dialRaw(t, m, "graphql-transport-ws")
	c.conn.(*net.TCPConn).SetReadBuffer(4096)
	c.init()
	c.text(`{"type":"subscribe","id":"slow","payload":{"query":"subscription { returnCaseChanged(filter: {orderId: \"slow-order\"}) { id } }"}}`)
	waitSubscribers(t, m, base+1)
	org := returns.OrgID(m.Config.Org)
	cs := &returns.Case{Platform: returns.XHS, PlatformCaseID: "slow-case", OrderID: "slow-order", Status: returns.StatusClosed}
	seq := int64(1 << 40) // far past the log: these changes exist only on the bus
	deadline := time.Now().Add(30 * time.Second)
	for m.Bus.Len() > base {
		if time.Now().After(deadline) {
			t.Fatalf("the bus still holds the subscriber after %d changes", seq-1<<40)
		}
		seq++
		m.Bus.Publish(returns.Event{Seq: seq, Org: org, Key: cs.Key(), Status: cs.Status, Source: returns.SourcePoll}, cs)
	}
	var last string
	for n := 0; ; n++ {
		msg := c.message()
		if msg["type"] == "next" {
			last = fmt.Sprint(msg["payload"].(map[string]any)["data"].(map[string]any)["returnCaseChanged"].(map[string]any)["id"])
			continue
		}
		errs, _ := msg["payload"].([]any)
		if msg["type"] != "error" || msg["id"] != "slow" || len(errs) != 1 {
			t.Fatalf("after %d events, want the error that ends the subscription, got %v", n, msg)
		}
		ext, _ := errs[0].(map[string]any)["extensions"].(map[string]any)
		if ext["code"] != "FELL_BEHIND" || ext["after"] != last || last == "" {
			t.Errorf("after %d events (the last %s): %v", n, last, errs[0])
		}
		break
	}
}

// Over Server-Sent Events, with a filter: the change arrives, and only
// changes that pass the filter do.
func testSSE(t *testing.T, m *Main) {
	base := m.Bus.Len()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	body, _ := json.Marshal(map[string]any{"query": changedSubscription, "variables": map[string]any{"filter": map[string]any{"platforms": []string{"ALIBABA"}}}})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, m.URL()+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("HTTP %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	results := make(chan json.RawMessage, 100)
	go sseEvents(t, resp.Body, results)
	waitSubscribers(t, m, base+1)

	id, err := m.Sandbox.Alibaba.Open(alibabasim.OpenRequest{Description: "over SSE"})
	if err != nil {
		t.Fatal(err)
	}
	timeout := time.After(30 * time.Second)
	for found := false; !found; {
		select {
		case raw, ok := <-results:
			if !ok {
				t.Fatal("the event stream ended")
			}
			var res struct {
				Data struct {
					ReturnCaseChanged eventView `json:"returnCaseChanged"`
				} `json:"data"`
				Errors json.RawMessage `json:"errors"`
			}
			if err := json.Unmarshal(raw, &res); err != nil || len(res.Errors) > 0 {
				t.Fatalf("result %s (%v)", raw, err)
			}
			ev := res.Data.ReturnCaseChanged
			if ev.ReturnCase.Platform != "ALIBABA" {
				t.Errorf("the filter let through %+v", ev)
			}
			found = ev.ReturnCase.PlatformCaseID == id && ev.Source == "POLL"
		case <-timeout:
			t.Fatal("no event over SSE")
		}
	}
	cancel()
	waitSubscribers(t, m, base)
}

// The legacy graphql-ws protocol (subscriptions-transport-ws), with gqlgen's
// own client: an event arrives; a malformed or foreign `after` is INVALID.
func testLegacyProtocol(t *testing.T, m *Main) {
	base := m.Bus.Len()
	c := client.New(m.http.Handler, client.Path("/graphql"))

	sub := c.Websocket(`subscription { returnCaseChanged(filter: {platforms: [ALIBABA]}) { ` + eventFields + ` } }`)
	defer sub.Close()
	waitSubscribers(t, m, base+1)
	id, err := m.Sandbox.Alibaba.Open(alibabasim.OpenRequest{Description: "legacy protocol"})
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		ev  eventView
		err error
	}
	next := make(chan result)
	go func() {
		for {
			var resp struct{ ReturnCaseChanged eventView }
			err := sub.Next(&resp)
			next <- result{resp.ReturnCaseChanged, err}
			if err != nil {
				return
			}
		}
	}()
	timeout := time.After(30 * time.Second)
	for found := false; !found; {
		select {
		case r := <-next:
			if r.err != nil {
				t.Fatalf("next: %v", r.err)
			}
			found = r.ev.ReturnCase.PlatformCaseID == id
		case <-timeout:
			sub.Close()
			t.Fatal("no event over the legacy protocol")
		}
	}
	sub.Close()
	<-next // the reader ends with the connection
	waitSubscribers(t, m, base)

	foreign := base64.RawURLEncoding.EncodeToString([]byte("ReturnCase:XHS:1"))
	for _, after := range []string{"%%%", foreign} {
		var resp struct{ ReturnCaseChanged *eventView }
		err := c.WebsocketOnce(`subscription($a: ID) { returnCaseChanged(after: $a) { id } }`, &resp, client.Var("a", after))
		if err == nil || !strings.Contains(err.Error(), `"INVALID"`) || !strings.Contains(err.Error(), `"after"`) {
			t.Errorf("after %q: %v", after, err)
		}
	}
	var resp struct{ ReturnDeadlineApproaching *struct{ ID string } }
	err = c.WebsocketOnce(`subscription { returnDeadlineApproaching(within: 0) { id } }`, &resp)
	if err == nil || !strings.Contains(err.Error(), `"INVALID"`) {
		t.Errorf("within: 0: %v", err)
	}
	if n := m.Bus.Len(); n != base {
		t.Errorf("refused subscriptions left %d on the bus", n-base)
	}
}

// A WebSocket connection's life: a connection that never sends
// connection_init is closed once InitTimeout passes; one that stops
// answering pings is closed after the next ping; the authentication hook
// refuses a connection (4403, and the legacy protocol hears why first);
// closing the gateway closes the connections it accepted (1001).
func TestWebsocketConnectionLifecycle(t *testing.T) {
	m := startGatewayWith(t, func(m *Main) {
		m.GraphOptions.InitTimeout = 300 * time.Millisecond
		m.GraphOptions.PingInterval = 200 * time.Millisecond
		m.GraphOptions.Authenticate = func(ctx context.Context, cred transport.Credentials) (context.Context, error) {
			if cred.Authorization != "Bearer let me in" {
				return nil, errors.New("no valid key")
			}
			return graph.WithOrg(ctx, returns.OrgID(m.Config.Org)), nil
		}
	})
	t.Run("init timeout", func(t *testing.T) { testInitTimeout(t, m) })
	t.Run("pings", func(t *testing.T) { testPings(t, m) })
	t.Run("authentication, then shutdown", func(t *testing.T) { testAuthenticationAndShutdown(t, m) })
}

func testPings(t *testing.T, m *Main) {
	deaf := dialRaw(t, m, "graphql-transport-ws")
	deaf.text(`{"type":"connection_init","payload":{"Authorization":"Bearer let me in"}}`)
	if msg := deaf.message(); msg["type"] != "connection_ack" {
		t.Fatalf("want connection_ack, got %v", msg)
	}
	if msg := deaf.message(); msg["type"] != "ping" {
		t.Errorf("want a ping, got %v", msg)
	}
	deaf.conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	if _, err := io.ReadAll(deaf.br); err != nil {
		t.Errorf("a client that does not answer pings was not hung up on: %v", err)
	}
}

func testInitTimeout(t *testing.T, m *Main) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, wsURL(m), &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	if conn.Subprotocol() != "graphql-transport-ws" {
		t.Errorf("subprotocol %q", conn.Subprotocol())
	}
	_, msg, err := conn.Read(ctx)
	if err == nil {
		t.Fatalf("the server sent %s instead of closing", msg)
	}
	if ctx.Err() != nil {
		t.Fatal("the connection was still open after 20 s")
	}
	if code := websocket.CloseStatus(err); code != 4408 {
		t.Errorf("closed with %d, want 4408 (connection initialisation timeout): %v", code, err)
	}
}

// wsClient is a bare graphql-transport-ws client: connection_init, then
// subscribe, then read.
type wsClient struct {
	conn *websocket.Conn
}

func dialSubscription(t *testing.T, ctx context.Context, m *Main, query string, vars map[string]any) *wsClient {
	t.Helper()
	c := dialInit(t, ctx, m, testKey)
	c.send(t, ctx, map[string]any{"type": "subscribe", "id": "1", "payload": map[string]any{"query": query, "variables": vars}})
	return c
}

// dialInit opens a graphql-transport-ws connection as key and waits for its
// connection_ack; the connection closes with the test.
func dialInit(t *testing.T, ctx context.Context, m *Main, key string) *wsClient {
	t.Helper()
	conn, _, err := websocket.Dial(ctx, wsURL(m), &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	c := &wsClient{conn}
	c.send(t, ctx, map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + key}})
	if msg := c.read(t, ctx); msg["type"] != "connection_ack" {
		t.Fatalf("want connection_ack, got %v", msg)
	}
	return c
}

func (c *wsClient) send(t *testing.T, ctx context.Context, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	if err := c.conn.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
}

func (c *wsClient) read(t *testing.T, ctx context.Context) map[string]any {
	t.Helper()
	_, b, err := c.conn.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var msg map[string]any
	if err := json.Unmarshal(b, &msg); err != nil {
		t.Fatal(err)
	}
	return msg
}

// After the clients of every kind disconnect — WebSocket, resumed
// WebSocket, deadline alerts, SSE — the gateway's goroutines return to
// their baseline.
func TestSubscriptionsLeaveNoGoroutines(t *testing.T) {
	m := startGatewayWith(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := m.Bus.Len()
	// Let the pollers settle into their keep-alive connections to the
	// simulators, so that the baseline counts them.
	waitPollRounds(t, m, 2)
	runtime.GC()
	baseline := runtime.NumGoroutine()

	first, err := m.Store.EventsAfter(ctx, returns.OrgID(m.Config.Org), 0, 1)
	if err != nil || len(first) == 0 {
		t.Fatalf("no event to resume after: %v", err)
	}
	const n = 20
	var clients []*wsClient
	for i := range n {
		vars := map[string]any{}
		if i%2 == 1 {
			vars["after"] = graph.EventID(first[0].Seq)
		}
		clients = append(clients, dialSubscription(t, ctx, m, changedSubscription, vars))
	}
	alerts := dialSubscription(t, ctx, m, `subscription { returnDeadlineApproaching(within: 2592000) { id deadline dueAt } }`, nil)
	var sse []*http.Response
	for range 5 {
		body, _ := json.Marshal(map[string]any{"query": changedSubscription})
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, m.URL()+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		sse = append(sse, resp)
	}
	waitSubscribers(t, m, base+n+5)
	// A resumed stream replays the log: its first event comes at once.
	if msg := clients[1].read(t, ctx); msg["type"] != "next" {
		t.Fatalf("resumed stream: %v", msg)
	}
	if during := runtime.NumGoroutine(); during <= baseline {
		t.Fatalf("%d goroutines with %d subscriptions open, %d before: is the test measuring anything?", during, n+6, baseline)
	}

	var wg sync.WaitGroup
	for _, c := range append(clients, alerts) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.conn.Close(websocket.StatusNormalClosure, "bye")
		}()
	}
	for _, resp := range sse {
		resp.Body.Close()
	}
	wg.Wait()
	http.DefaultClient.CloseIdleConnections()
	waitSubscribers(t, m, base)
	deadline := time.Now().Add(20 * time.Second)
	for now := runtime.NumGoroutine(); now > baseline; now = runtime.NumGoroutine() {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutines did not return to their baseline: %d, then %d; now:\n%s", baseline, now, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// rawWS is a WebSocket client that writes frames byte by byte, so that the
// tests can break the protocol on purpose.
type rawWS struct {
	t    *testing.T
	conn net.Conn
	br   *bufio.Reader
}

func dialRaw(t *testing.T, m *Main, protocol string) *rawWS {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(m.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	key := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef"))
	fmt.Fprintf(conn, "GET /graphql HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: %s\r\n\r\n", strings.TrimPrefix(m.URL(), "http://"), key, protocol)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Protocol") != protocol {
		t.Fatalf("handshake: HTTP %d, protocol %q", resp.StatusCode, resp.Header.Get("Sec-WebSocket-Protocol"))
	}
	return &rawWS{t: t, conn: conn, br: br}
}

// frame writes one frame, masked unless told otherwise; length is the
// length declared (-1: the payload's).
func (c *rawWS) frame(fin bool, op byte, payload []byte, masked bool, length int) {
	c.t.Helper()
	b0 := op
	if fin {
		b0 |= 0x80
	}
	if length < 0 {
		length = len(payload)
	}
	var m byte
	if masked {
		m = 0x80
	}
	b := []byte{b0}
	switch {
	case length < 126:
		b = append(b, m|byte(length))
	case length <= 0xffff:
		b = append(b, m|126, byte(length>>8), byte(length))
	default:
		b = append(b, m|127)
		for i := 7; i >= 0; i-- {
			b = append(b, byte(length>>(8*i)))
		}
	}
	key := [4]byte{1, 2, 3, 4}
	if masked {
		b = append(b, key[:]...)
		for i, x := range payload {
			b = append(b, x^key[i%4])
		}
	} else {
		b = append(b, payload...)
	}
	if _, err := c.conn.Write(b); err != nil {
		c.t.Fatal(err)
	}
}

func (c *rawWS) text(s string) { c.t.Helper(); c.frame(true, 0x1, []byte(s), true, -1) }

// read returns the next frame from the server.
func (c *rawWS) read() (op byte, payload []byte) {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	var h [2]byte
	if _, err := io.ReadFull(c.br, h[:]); err != nil {
		c.t.Fatalf("read: %v", err)
	}
	if h[1]&0x80 != 0 {
		c.t.Fatal("the server masked a frame")
	}
	n := int(h[1] & 0x7f)
	switch n {
	case 126:
		var x [2]byte
		io.ReadFull(c.br, x[:])
		n = int(x[0])<<8 | int(x[1])
	case 127:
		c.t.Fatal("unexpectedly large frame")
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(c.br, payload); err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return h[0] & 0x0f, payload
}

// message returns the next protocol message.
func (c *rawWS) message() map[string]any {
	c.t.Helper()
	op, p := c.read()
	if op != 0x1 {
		c.t.Fatalf("want a text message, got opcode %d: %q", op, p)
	}
	var msg map[string]any
	if err := json.Unmarshal(p, &msg); err != nil {
		c.t.Fatalf("not JSON: %s", p)
	}
	return msg
}

// closeCode reads until the server's close frame and returns its code.
func (c *rawWS) closeCode() int {
	c.t.Helper()
	for {
		op, p := c.read()
		if op == 0x8 {
			if len(p) < 2 {
				return 1005
			}
			return int(p[0])<<8 | int(p[1])
		}
	}
}

func (c *rawWS) init() {
	c.t.Helper()
	c.text(`{"type":"connection_init","payload":{"Authorization":"Bearer ` + testKey + `"}}`)
	if msg := c.message(); msg["type"] != "connection_ack" {
		c.t.Fatalf("want connection_ack, got %v", msg)
	}
}

// The graphql-transport-ws protocol, message by message and frame by frame:
// what a client gets for each mistake (the protocol's close codes), and the
// parts of RFC 6455 a client may use (fragments, pings between them).
func testTransportWSProtocol(t *testing.T, m *Main) {
	sub := `{"type":"subscribe","id":"s1","payload":{"query":"subscription { returnCaseChanged { id } }"}}`
	tests := []struct {
		name  string
		run   func(c *rawWS)
		close int // the close code expected after run; 0: the connection stays open
	}{
		{"subscribe before connection_init", func(c *rawWS) { c.text(sub) }, 4401},
		{"a second connection_init", func(c *rawWS) { c.init(); c.text(`{"type":"connection_init"}`) }, 4429},
		{"a subscription id in use", func(c *rawWS) { c.init(); c.text(sub); c.text(sub) }, 4409},
		{"not JSON", func(c *rawWS) { c.text(`{"type":`) }, 4400},
		{"an unknown message type", func(c *rawWS) { c.text(`{"type":"hello"}`) }, 4400},
		{"an unmasked frame", func(c *rawWS) { c.frame(true, 0x1, []byte(`{"type":"connection_init"}`), false, -1) }, 1002},
		{"a binary message", func(c *rawWS) { c.frame(true, 0x2, []byte{1, 2, 3}, true, -1) }, 1003},
		{"a message over 1 MiB", func(c *rawWS) { c.frame(true, 0x1, []byte("{}"), true, 2<<20) }, 1009},
		{"text that is not UTF-8", func(c *rawWS) { c.frame(true, 0x1, []byte{'"', 0xff, '"'}, true, -1) }, 1007},
		{"a continuation without a start", func(c *rawWS) { c.frame(true, 0x0, []byte("x"), true, -1) }, 1002},
		{"a client's close", func(c *rawWS) { c.init(); c.frame(true, 0x8, []byte{0x03, 0xe8}, true, -1) }, 1000},
		{"a fragmented message with a ping between the fragments", func(c *rawWS) {
			c.frame(false, 0x1, []byte(`{"type":"conn`), true, -1)
			c.frame(true, 0x9, []byte("hi"), true, -1)
			c.frame(true, 0x0, []byte(`ection_init","payload":{"Authorization":"Bearer `+testKey+`"}}`), true, -1)
			if op, p := c.read(); op != 0xA || string(p) != "hi" {
				t.Errorf("want pong \"hi\", got opcode %d %q", op, p)
			}
			if msg := c.message(); msg["type"] != "connection_ack" {
				t.Errorf("want connection_ack, got %v", msg)
			}
		}, 0},
		{"the protocol's ping", func(c *rawWS) {
			c.init()
			c.text(`{"type":"ping","payload":{"n":1}}`)
			if msg := c.message(); msg["type"] != "pong" || fmt.Sprint(msg["payload"]) != "map[n:1]" {
				t.Errorf("want pong with the ping's payload, got %v", msg)
			}
		}, 0},
		{"a query, not a subscription", func(c *rawWS) {
			c.init()
			c.text(`{"type":"subscribe","id":"q","payload":{"query":"{ returnCases(first: 1) { totalCount } }"}}`)
			if msg := c.message(); msg["type"] != "next" || msg["id"] != "q" || !strings.Contains(fmt.Sprint(msg["payload"]), "totalCount") {
				t.Errorf("want the query's result, got %v", msg)
			}
			if msg := c.message(); msg["type"] != "complete" || msg["id"] != "q" {
				t.Errorf("want complete, got %v", msg)
			}
		}, 0},
		{"a document that does not validate", func(c *rawWS) {
			c.init()
			c.text(`{"type":"subscribe","id":"v","payload":{"query":"subscription { nothingHere }"}}`)
			if msg := c.message(); msg["type"] != "error" || msg["id"] != "v" || !strings.Contains(fmt.Sprint(msg["payload"]), "nothingHere") {
				t.Errorf("want an error message, got %v", msg)
			}
		}, 0},
		{"a payload without a query", func(c *rawWS) {
			c.init()
			c.text(`{"type":"subscribe","id":"p","payload":{"variables":[]}}`)
			if msg := c.message(); msg["type"] != "error" || msg["id"] != "p" {
				t.Errorf("want an error message, got %v", msg)
			}
		}, 0},
		{"complete stops a subscription", func(c *rawWS) {
			base := m.Bus.Len()
			c.init()
			c.text(sub)
			waitSubscribers(t, m, base+1)
			c.text(`{"type":"complete","id":"s1"}`)
			waitSubscribers(t, m, base)
			// The id may be used again, and nothing came for the one stopped.
			c.text(`{"type":"subscribe","id":"s1","payload":{"query":"{ __typename }"}}`)
			if msg := c.message(); msg["type"] != "next" || msg["id"] != "s1" {
				t.Errorf("after complete, want the new operation's result, got %v", msg)
			}
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialRaw(t, m, "graphql-transport-ws")
			c.t = t
			tt.run(c)
			if tt.close == 0 {
				return
			}
			if code := c.closeCode(); code != tt.close {
				t.Errorf("closed with %d, want %d", code, tt.close)
			}
		})
	}
}

func testAuthenticationAndShutdown(t *testing.T, m *Main) {
	c := dialRaw(t, m, "graphql-transport-ws")
	c.text(`{"type":"connection_init","payload":{"Authorization":"Bearer guess"}}`)
	if code := c.closeCode(); code != 4403 {
		t.Errorf("refused connection closed with %d, want 4403", code)
	}
	legacy := dialRaw(t, m, "graphql-ws")
	legacy.text(`{"type":"connection_init","payload":{"Authorization":"Bearer guess"}}`)
	if msg := legacy.message(); msg["type"] != "connection_error" {
		t.Errorf("legacy protocol: want connection_error, got %v", msg)
	}
	if code := legacy.closeCode(); code != 4403 {
		t.Errorf("legacy protocol: closed with %d, want 4403", code)
	}

	ok := dialRaw(t, m, "graphql-transport-ws")
	ok.text(`{"type":"connection_init","payload":{"Authorization":"Bearer let me in"}}`)
	if msg := ok.message(); msg["type"] != "connection_ack" {
		t.Fatalf("want connection_ack, got %v", msg)
	}
	base := m.Bus.Len()
	ok.text(`{"type":"subscribe","id":"1","payload":{"query":"subscription { returnCaseChanged { id } }"}}`)
	waitSubscribers(t, m, base+1)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	for {
		op, p := ok.read()
		if op == 0x8 {
			if code := int(p[0])<<8 | int(p[1]); code != 1001 {
				t.Errorf("closed with %d when the gateway shut down, want 1001", code)
			}
			break
		}
		if msg := string(p); !strings.Contains(msg, "SHUTTING_DOWN") {
			t.Errorf("before closing, the server sent %s", msg)
		}
	}
}
