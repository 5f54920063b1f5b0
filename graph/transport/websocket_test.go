package transport

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

var wsQuiet = slog.New(slog.DiscardHandler)

// wsServer serves the test schema over the transports, WebSocket included, on loopback.
func wsServer(t *testing.T) string {
	t.Helper()
	return serve(t, (&tickFeed{}).handler(nil, WebsocketOptions{Log: wsQuiet}))
}

// wsFrames is a client's side of a WebSocket connection, written frame by frame.
type wsFrames struct {
	t    *testing.T
	conn net.Conn
	br   *bufio.Reader
}

func dialWS(t *testing.T, addr string) *wsFrames {
	t.Helper()
	return dialWSWith(t, addr, "")
}

// dialWSWith is dialWS with more header lines ("Name: value\r\n") in the handshake.
func dialWSWith(t *testing.T, addr, header string) *wsFrames {
	t.Helper()
	return dialWSProto(t, addr, protoTransportWS, header)
}

// dialWSProto is dialWSWith offering the subprotocol proto.
func dialWSProto(t *testing.T, addr, proto, header string) *wsFrames {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	key := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef"))
	fmt.Fprintf(conn, "GET /graphql HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: %s\r\n%s\r\n", addr, key, proto, header)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: HTTP %d", resp.StatusCode)
	}
	return &wsFrames{t: t, conn: conn, br: br}
}

// header writes a masked frame's header declaring the length n, and returns its mask.
func (c *wsFrames) header(fin bool, op byte, n uint64) [4]byte {
	c.t.Helper()
	b0 := op
	if fin {
		b0 |= 0x80
	}
	b := []byte{b0}
	switch {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n <= 0xffff:
		b = binary.BigEndian.AppendUint16(append(b, 0x80|126), uint16(n))
	default:
		b = binary.BigEndian.AppendUint64(append(b, 0x80|127), n)
	}
	mask := [4]byte{7, 1, 2, 9}
	if _, err := c.conn.Write(append(b, mask[:]...)); err != nil {
		c.t.Fatal(err)
	}
	return mask
}

func (c *wsFrames) frame(fin bool, op byte, payload []byte) {
	c.t.Helper()
	mask := c.header(fin, op, uint64(len(payload)))
	p := bytes.Clone(payload)
	for i := range p {
		p[i] ^= mask[i%4]
	}
	if _, err := c.conn.Write(p); err != nil {
		c.t.Fatal(err)
	}
}

// read returns the server's next frame; ok is false once the connection ended.
func (c *wsFrames) read() (op byte, payload []byte, ok bool) {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	var h [2]byte
	if _, err := io.ReadFull(c.br, h[:]); err != nil {
		return 0, nil, false
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var x [2]byte
		io.ReadFull(c.br, x[:])
		n = uint64(binary.BigEndian.Uint16(x[:]))
	case 127:
		var x [8]byte
		io.ReadFull(c.br, x[:])
		n = binary.BigEndian.Uint64(x[:])
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(c.br, payload); err != nil {
		return 0, nil, false
	}
	return h[0] & 0x0f, payload, true
}

// closeFrame reads until the server's close frame and returns its code (1005: none).
func (c *wsFrames) closeFrame() int {
	c.t.Helper()
	for {
		op, p, ok := c.read()
		if !ok {
			c.t.Fatal("the connection ended without a close frame")
		}
		if op == 0x8 {
			if len(p) < 2 {
				return 1005
			}
			return int(binary.BigEndian.Uint16(p))
		}
	}
}

// The frames a client may get wrong, and the close code each earns. The
// server answers every one and stays up (the last case checks it still
// accepts connections).
func TestWebsocketFramesAClientGetsWrong(t *testing.T) {
	addr := wsServer(t)
	closeWith := func(code int, reason string) func(c *wsFrames) {
		return func(c *wsFrames) {
			c.frame(true, 0x8, append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...))
		}
	}
	tests := []struct {
		name string
		run  func(c *wsFrames)
		want int
	}{
		{"a continuation whose length wraps the message's around", func(c *wsFrames) {
			c.frame(false, 0x1, []byte(`{"type":`))
			c.header(true, 0x0, ^uint64(0)-3) // 8 + this is 4, modulo 2^64
		}, closeTooBig},
		{"a continuation declaring more than the limit", func(c *wsFrames) {
			c.frame(false, 0x1, []byte(`{"type":`))
			c.header(true, 0x0, maxWSMessage)
		}, closeTooBig},
		{"a close frame of one byte", func(c *wsFrames) { c.frame(true, 0x8, []byte{0x03}) }, closeProtocolError},
		{"a close code below 1000", closeWith(999, ""), closeProtocolError},
		{"the reserved close code 1004", closeWith(1004, ""), closeProtocolError},
		{"the close code 1005, which is never sent", closeWith(1005, ""), closeProtocolError},
		{"the close code 1006, which is never sent", closeWith(1006, ""), closeProtocolError},
		{"the close code 1015, which is never sent", closeWith(1015, ""), closeProtocolError},
		{"an unassigned close code", closeWith(2000, ""), closeProtocolError},
		{"a close code past 4999", closeWith(5000, ""), closeProtocolError},
		{"a close reason that is not UTF-8", closeWith(1000, "\xff\xfe"), closeInvalidPayload},
		{"a close without a code", func(c *wsFrames) { c.frame(true, 0x8, nil) }, closeNormal},
		{"a close with 1001 and a reason", closeWith(1001, "bye"), closeGoingAway},
		{"a close with an application's code", closeWith(4321, "done"), 4321},
		{"a close with a registered code", closeWith(3000, ""), 3000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialWS(t, addr)
			c.t = t
			tt.run(c)
			if code := c.closeFrame(); code != tt.want {
				t.Errorf("closed with %d, want %d", code, tt.want)
			}
		})
	}
	c := dialWS(t, addr)
	c.frame(true, 0x1, []byte(`{"type":"connection_init"}`))
	if op, p, ok := c.read(); !ok || op != 0x1 || !strings.Contains(string(p), "connection_ack") {
		t.Errorf("after the cases above: opcode %d %q (%v), want connection_ack", op, p, ok)
	}
}

// A frame is read as it arrives: a client that declares a large message and
// sends little of it does not make the server allocate the whole of it.
func TestWebsocketReadAllocatesWhatArrives(t *testing.T) {
	var in bytes.Buffer
	in.Write([]byte{0x81, 0x80 | 127})
	in.Write(binary.BigEndian.AppendUint64(nil, maxWSMessage))
	in.Write([]byte{1, 2, 3, 4})  // the mask
	in.WriteString(`{"type":"x"`) // and then the client stops
	r := bufio.NewReaderSize(&in, 256)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := readMessage(r, nil)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("err %v, want the connection's end", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > maxWSMessage/4 {
		t.Errorf("reading 11 bytes of a message that declared %d allocated %d bytes", maxWSMessage, n)
	}
}

// watchedConn is a connection whose writes a test sees frame by frame, as
// they are made.
type watchedConn struct {
	net.Conn
	onFrame func(op byte, payload []byte)
}

func (w *watchedConn) Write(b []byte) (int, error) {
	for rest := b; len(rest) >= 2; {
		n, h := uint64(rest[1]&0x7f), 2
		switch n {
		case 126:
			n, h = uint64(binary.BigEndian.Uint16(rest[2:])), 4
		case 127:
			n, h = binary.BigEndian.Uint64(rest[2:]), 10
		}
		w.onFrame(rest[0]&0x0f, rest[h:h+int(n)])
		rest = rest[h+int(n):]
	}
	return len(b), nil
}

func (w *watchedConn) SetWriteDeadline(time.Time) error { return nil }

// An operation's id is free again by the time the client hears that the
// operation is over (complete, or error), so that a client that reuses it
// at once is not closed with 4409 (Subscriber already exists).
func TestWebsocketIDIsFreeWhenTheOperationEnds(t *testing.T) {
	feed := &tickFeed{}
	exec := feed.executor()
	type end struct {
		typ, id string
		running bool // the id was still taken when the message was written
	}
	ends := make(chan end, 10)
	server, client := net.Pipe()
	defer client.Close()
	ctx, cancel := context.WithCancel(context.Background())
	c := &wsConn{t: NewWebsocket(WebsocketOptions{InitTimeout: time.Hour, PingInterval: time.Hour, Log: wsQuiet}), exec: exec,
		ctx: ctx, cancel: cancel, ops: map[string]*wsOp{}, acked: true}
	c.conn = &watchedConn{Conn: server, onFrame: func(op byte, p []byte) {
		var m struct{ Type, ID string }
		if op != 0x1 || json.Unmarshal(p, &m) != nil || m.Type != "complete" && m.Type != "error" {
			return
		}
		c.mu.Lock()
		_, running := c.ops[m.ID]
		c.mu.Unlock()
		ends <- end{m.Type, m.ID, running}
	}}
	defer c.finish()

	tests := []struct {
		name, msg string
		before    func() // what ends the operation, once it runs
		want      end
	}{
		{"a query", `{"type":"subscribe","id":"q","payload":{"query":"{ whoami }"}}`, nil, end{"complete", "q", false}},
		{"a document that does not validate", `{"type":"subscribe","id":"v","payload":{"query":"{ nothingHere }"}}`, nil,
			end{"error", "v", false}},
		{"a payload without a query", `{"type":"subscribe","id":"p","payload":{"variables":{}}}`, nil, end{"error", "p", false}},
		{"a subscription the gateway ends", `{"type":"subscribe","id":"s","payload":{"query":"subscription { ticks }"}}`,
			func() {
				for feed.len() == 0 {
					runtime.Gosched()
				}
				feed.end(errors.New("the gateway is shutting down"))
			}, end{"error", "s", false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.handle([]byte(tt.msg))
			if tt.before != nil {
				tt.before()
			}
			select {
			case got := <-ends:
				if got != tt.want {
					t.Errorf("got %+v, want %+v", got, tt.want)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the operation never ended")
			}
		})
	}
}

// A subscription whose resolver takes a Notifier is run by the pumps when
// told: each value arrives as "next", and the error that ends the stream as
// "error".
func TestWebsocketNotifiedSubscription(t *testing.T) {
	feed := &tickFeed{}
	addr := serve(t, feed.handler(nil, WebsocketOptions{Log: wsQuiet}))
	c := dialWS(t, addr)
	c.frame(true, 0x1, []byte(`{"type":"connection_init"}`))
	c.read()
	c.frame(true, 0x1, []byte(`{"type":"subscribe","id":"t","payload":{"query":"subscription { ticks }"}}`))
	for feed.len() == 0 {
		runtime.Gosched()
	}
	feed.tick(1)
	feed.tick(2)
	for _, want := range []string{`{"type":"next","id":"t","payload":{"data":{"ticks":1}}}`, `{"type":"next","id":"t","payload":{"data":{"ticks":2}}}`} {
		if _, p, _ := c.read(); string(p) != want {
			t.Errorf("got %s, want %s", p, want)
		}
	}
	feed.end(errors.New("fell behind"))
	if _, p, _ := c.read(); !strings.Contains(string(p), `"type":"error","id":"t"`) || !strings.Contains(string(p), "fell behind") {
		t.Errorf("got %s, want the error that ended the stream", p)
	}
	feed.mu.Lock()
	defer feed.mu.Unlock()
	if feed.notified != 1 {
		t.Errorf("%d subscriptions took a Notifier, want 1", feed.notified)
	}
}
