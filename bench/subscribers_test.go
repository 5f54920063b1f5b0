package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/actions"
	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/feed"
	"github.com/returnsgw/returnsgw/graph"
	"github.com/returnsgw/returnsgw/graph/transport"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/sqlite"
)

// subscribers is how many WebSocket subscribers the load test holds; rounds
// is how many changes it publishes to them.
const (
	subscribers = 10000
	rounds      = 2
)

// subscriberQuery is what a dashboard subscribes to.
const subscriberQuery = `subscription { returnCaseChanged {
  id status previousStatus source occurredAt returnCase { id platform platformCaseId status }
} }`

// clientsEnv, when set, makes TestSubscribersClients the client side of
// TestSubscribers: the URL to connect to.
const clientsEnv = "RETURNSGW_BENCH_SUBSCRIBERS_URL"

// TestSubscribers holds 10,000 concurrent WebSocket subscribers
// (graphql-transport-ws) on one gateway handler — the real graph handler
// and transports, on a real HTTP server — publishes one change, and
// measures how long it takes to reach every subscriber, what an idle
// subscriber costs the server, and that the server's goroutines return to
// their baseline once the subscribers leave.
//
// The clients run in a separate process (this test binary again, as
// TestSubscribersClients), so the server's memory and goroutines are
// measured alone. Latency is from just before Publish in the server process
// to the client reading the "next" message, by the wall clock both share.
// Run with: go test ./bench -run TestSubscribers -v -load
func TestSubscribers(t *testing.T) {
	if !*load {
		t.Skip("load test: run with -load")
	}
	raiseFileLimit(t)
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "subs.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bus := feed.NewBus(0)
	defer bus.Close()
	svc := actions.New(actions.Options{Store: st, Platforms: adapters.NewRegistry(), Log: quiet, Publish: bus.Publish})
	res := graph.NewResolver(graph.Deps{Store: st, Platforms: adapters.NewRegistry(), Actions: svc, Bus: bus, Log: quiet})
	// The server's authentication hook: the organisation, set at connection_init.
	gql := graph.NewHandler(res, graph.HandlerOptions{Authenticate: func(ctx context.Context, _ transport.Credentials) (context.Context, error) {
		return graph.WithOrg(ctx, org), nil
	}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: gql, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()

	// The change to publish, stored the ordinary way.
	now := time.Now().UTC()
	r, err := st.UpsertCase(ctx, org, &returns.Case{Platform: returns.XHS, PlatformCaseID: "load-1", ShopID: "shop", OrderID: "o-1",
		Kind: returns.KindReturnAndRefund, Status: returns.StatusRequested, Reason: returns.ReasonSizeFit, Market: returns.MarketDomestic,
		CreatedAt: now, UpdatedAt: now}, store.Change{Source: returns.SourcePoll})
	if err != nil {
		t.Fatal(err)
	}

	runtime.GC()
	runtime.GC()
	goroutinesBefore := runtime.NumGoroutine()
	memBefore := serverMemory()

	cmd := exec.Command(os.Args[0], "-test.run=^TestSubscribersClients$", "-test.v", "-test.timeout=10m")
	cmd.Env = append(os.Environ(), clientsEnv+"=http://"+ln.Addr().String()+"/graphql")
	cmd.Stderr = os.Stderr
	toChild, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	fromChild, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(fromChild)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	expect := func(prefix string, d time.Duration) string {
		t.Helper()
		timeout := time.After(d)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("the client process exited before %q", prefix)
				}
				if rest, ok := strings.CutPrefix(l, prefix); ok {
					return strings.TrimSpace(rest)
				}
			case <-timeout:
				t.Fatalf("no %q from the client process after %v", prefix, d)
			}
		}
	}

	connectTime := expect("READY", 5*time.Minute)
	deadline := time.Now().Add(time.Minute)
	for bus.Len() < subscribers {
		if time.Now().After(deadline) {
			t.Fatalf("%d subscriptions on the bus, want %d", bus.Len(), subscribers)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Several cycles: the stacks that grew while subscribing shrink only
	// by half at each.
	for range 5 {
		runtime.GC()
	}
	memIdle := serverMemory()
	goroutinesIdle := runtime.NumGoroutine()

	// The first change after subscribing is the one measured (each
	// subscription then formats its first event); a second one shows a
	// steady state.
	var lat [rounds][]string
	var publishTook [rounds]time.Duration
	for round := range rounds {
		if round > 0 {
			now := time.Now().UTC()
			c := *r.Case
			c.Status, c.UpdatedAt = returns.StatusAwaitingBuyerShipment, now
			if r, err = st.UpsertCase(ctx, org, &c, store.Change{Source: returns.SourcePoll}); err != nil {
				t.Fatal(err)
			}
		}
		start := time.Now()
		bus.Publish(*r.Event, r.Case)
		publishTook[round] = time.Since(start)
		fmt.Fprintf(toChild, "PUBLISHED %d %d\n", round, start.UnixNano())
		lat[round] = strings.Fields(expect("LATENCY", 2*time.Minute))
		if len(lat[round]) != 4 {
			t.Fatalf("latency line %v", lat[round])
		}
	}

	// Idle again, having formatted events: what a long-lived dashboard costs.
	for range 5 {
		runtime.GC()
	}
	memAfterEvents := serverMemory()

	fmt.Fprintln(toChild, "CLOSE")
	expect("CLOSED", 2*time.Minute)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("client process: %v", err)
	}
	goroutinesAfter := runtime.NumGoroutine()
	deadline = time.Now().Add(time.Minute)
	for goroutinesAfter > goroutinesBefore || bus.Len() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("goroutines %d, bus %d a minute after the subscribers left; before: %d", goroutinesAfter, bus.Len(), goroutinesBefore)
		}
		time.Sleep(50 * time.Millisecond)
		goroutinesAfter = runtime.NumGoroutine()
	}

	kib := func(m uint64) float64 { return float64(m-memBefore) / subscribers / 1024 }
	t.Logf("GOMAXPROCS=%d; %d subscribers connected in %s; the clients run in a separate process; Publish took %v and %v",
		runtime.GOMAXPROCS(0), subscribers, connectTime, publishTook[0].Round(time.Microsecond), publishTook[1].Round(time.Microsecond))
	t.Logf("| subscribers | change | delivered | p50 | p99 | max |")
	t.Logf("|---|---|---|---|---|---|")
	for round, name := range []string{"first (the measure)", "second"} {
		l := lat[round]
		t.Logf("| %d | %s | %s | %s | %s | %s |", subscribers, name, l[0], l[1], l[2], l[3])
	}
	t.Logf("| server heap+stack per idle subscriber | after it got two events | server goroutines per idle subscriber | goroutines after they left |")
	t.Logf("|---|---|---|---|")
	t.Logf("| %.1f KiB | %.1f KiB | %.2f | %d (baseline %d) |", kib(memIdle), kib(memAfterEvents),
		float64(goroutinesIdle-goroutinesBefore)/subscribers, goroutinesAfter, goroutinesBefore)
}

// serverMemory is what the process holds for live objects and goroutine stacks.
func serverMemory() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse + ms.StackInuse
}

// raiseFileLimit lifts the soft limit on open files to the hard limit: each
// subscriber is a socket on both sides. (Go does this at start-up on Linux
// since 1.19; doing it here says so, and covers other set-ups.)
func raiseFileLimit(t *testing.T) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			t.Fatal(err)
		}
	}
	if lim.Cur < subscribers+1000 {
		t.Skipf("the open-file limit is %d; %d subscribers need more (raise the hard limit: ulimit -Hn)", lim.Cur, subscribers)
	}
}

// TestSubscribersClients is the client process of TestSubscribers; it does
// nothing unless that test starts it. It connects the subscribers and says
// READY; on "PUBLISHED <round> <unix ns>" it waits for every subscriber's
// event of that round and says LATENCY delivered p50 p99 max; on CLOSE it
// disconnects them all and says CLOSED.
func TestSubscribersClients(t *testing.T) {
	url := os.Getenv(clientsEnv)
	if url == "" {
		t.Skip("the client side of TestSubscribers")
	}
	raiseFileLimit(t)
	host := strings.TrimPrefix(url, "http://")
	host, path, _ := strings.Cut(host, "/")
	path = "/" + path

	start := time.Now()
	var received [rounds][]atomic.Int64 // unix ns of each event's arrival
	var got [rounds]sync.WaitGroup
	for round := range rounds {
		received[round] = make([]atomic.Int64, subscribers)
		got[round].Add(subscribers)
	}
	clients := make([]*wsClient, subscribers)
	var dial sync.WaitGroup
	sem := make(chan struct{}, 64)
	var failed atomic.Value
	for i := range clients {
		dial.Add(1)
		sem <- struct{}{}
		go func() {
			defer dial.Done()
			defer func() { <-sem }()
			c, err := subscribe(host, path, subscriberQuery)
			if err != nil {
				failed.Store(fmt.Errorf("subscriber %d: %w", i, err))
				return
			}
			clients[i] = c
		}()
	}
	dial.Wait()
	if err, ok := failed.Load().(error); ok {
		t.Fatal(err)
	}
	var readers sync.WaitGroup
	for i, c := range clients {
		readers.Add(1)
		go func() {
			defer readers.Done()
			round := 0
			c.read(func(msg []byte) {
				if round < rounds && bytes.Contains(msg, []byte(`"type":"next"`)) {
					received[round][i].Store(time.Now().UnixNano())
					got[round].Done()
					round++
				}
			})
		}()
	}
	fmt.Printf("READY %v\n", time.Since(start).Round(time.Millisecond))

	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		cmd, arg, _ := strings.Cut(in.Text(), " ")
		switch cmd {
		case "PUBLISHED":
			r, a, _ := strings.Cut(arg, " ")
			round, _ := strconv.Atoi(r)
			at, _ := strconv.ParseInt(a, 10, 64)
			all := make(chan struct{})
			go func() { got[round].Wait(); close(all) }()
			select {
			case <-all:
			case <-time.After(time.Minute):
				n := 0
				for i := range received[round] {
					if received[round][i].Load() != 0 {
						n++
					}
				}
				t.Fatalf("%d of %d subscribers got event %d within a minute", n, subscribers, round+1)
			}
			lat := make([]time.Duration, subscribers)
			for i := range received[round] {
				lat[i] = time.Duration(received[round][i].Load() - at)
			}
			slices.Sort(lat)
			ms := func(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }
			fmt.Printf("LATENCY %d/%d %v %v %v\n", subscribers, subscribers, ms(lat[len(lat)/2]), ms(lat[len(lat)*99/100]), ms(lat[len(lat)-1]))
		case "CLOSE":
			for _, c := range clients {
				c.close()
			}
			readers.Wait()
			fmt.Println("CLOSED")
			return
		}
	}
}

// wsClient is a minimal graphql-transport-ws client over a raw WebSocket:
// enough frames for the load test and no more, so that 10,000 of them stay cheap.
type wsClient struct {
	conn net.Conn
	br   *bufio.Reader
	wmu  sync.Mutex
}

// subscribe connects, inits, and starts one subscription.
func subscribe(host, path, query string) (*wsClient, error) {
	conn, err := net.DialTimeout("tcp", host, 30*time.Second)
	if err != nil {
		return nil, err
	}
	c := &wsClient{conn: conn, br: bufio.NewReaderSize(conn, 512)}
	var key [16]byte
	rand.Read(key[:])
	k := base64.StdEncoding.EncodeToString(key[:])
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n", path, host, k)
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		conn.Close()
		return nil, err
	}
	sum := sha1.Sum([]byte(k + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		conn.Close()
		return nil, fmt.Errorf("handshake: HTTP %d", resp.StatusCode)
	}
	conn.SetDeadline(time.Now().Add(time.Minute))
	defer conn.SetDeadline(time.Time{})
	if err := c.write(`{"type":"connection_init"}`); err != nil {
		return nil, err
	}
	op, msg, err := c.frame()
	if err != nil || op != 1 || !strings.Contains(string(msg), `"connection_ack"`) {
		conn.Close()
		return nil, fmt.Errorf("no connection_ack: %s %v", msg, err)
	}
	payload, _ := json.Marshal(map[string]any{"query": query})
	if err := c.write(`{"type":"subscribe","id":"1","payload":` + string(payload) + `}`); err != nil {
		conn.Close()
		return nil, err
	}
	return c, nil
}

// write sends a text frame, masked as a client must.
func (c *wsClient) write(text string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.writeFrame(0x1, []byte(text))
}

func (c *wsClient) writeFrame(op byte, payload []byte) error {
	b := []byte{0x80 | op}
	switch n := len(payload); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n < 1<<16:
		b = append(b, 0x80|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	var mask [4]byte
	rand.Read(mask[:])
	b = append(b, mask[:]...)
	for i, x := range payload {
		b = append(b, x^mask[i%4])
	}
	_, err := c.conn.Write(b)
	return err
}

// frame reads one whole frame (the server sends each message unfragmented).
func (c *wsClient) frame() (op byte, payload []byte, err error) {
	var h [2]byte
	if _, err := io.ReadFull(c.br, h[:]); err != nil {
		return 0, nil, err
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var x [2]byte
		if _, err := io.ReadFull(c.br, x[:]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(x[:]))
	case 127:
		var x [8]byte
		if _, err := io.ReadFull(c.br, x[:]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(x[:])
	}
	if n > 1<<20 {
		return 0, nil, errors.New("frame too large")
	}
	payload = make([]byte, n)
	_, err = io.ReadFull(c.br, payload)
	return h[0] & 0x0f, payload, err
}

// read hands every text message to f, answering the server's pings, until
// the connection ends.
func (c *wsClient) read(f func([]byte)) {
	for {
		op, msg, err := c.frame()
		if err != nil {
			return
		}
		switch op {
		case 0x1:
			if bytes.Contains(msg, []byte(`"type":"ping"`)) {
				c.write(`{"type":"pong"}`)
				continue
			}
			f(msg)
		case 0x8:
			return
		case 0x9:
			c.wmu.Lock()
			c.writeFrame(0xA, msg)
			c.wmu.Unlock()
		}
	}
}

// close says goodbye with a close frame and hangs up.
func (c *wsClient) close() {
	c.wmu.Lock()
	c.writeFrame(0x8, []byte{0x03, 0xe8}) // 1000: normal closure
	c.wmu.Unlock()
	c.conn.Close()
}
