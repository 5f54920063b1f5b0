package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var soak = flag.Duration("soak", 0, "run the soak test for this long (e.g. 10m) and print its table")

// The soak's load. Every loop is bounded by these counts and by the duration.
const (
	soakKey         = "rgw_0123456789abcdef_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
	soakWS          = 300                    // WebSocket subscribers, held throughout
	soakSSE         = 20                     // SSE subscribers, held throughout
	soakListEvery   = 50 * time.Millisecond  // a list page: 20/s
	soakNodeEvery   = 50 * time.Millisecond  // a node query: 20/s
	soakMutateEvery = 500 * time.Millisecond // an approve or reject: 2/s
	soakOpenEvery   = 3 * time.Second        // a buyer opens a case on each platform
	soakShipEvery   = time.Second            // a buyer ships an approved return
	soakSample      = 30 * time.Second
	soakMaxLoops    = 1 << 20 // no loop runs more often than this, whatever the duration
	soakHeapGrowth  = 0.50    // heap in use may grow this much from the first minute to the end
	soakGoGrowth    = 0.10    // goroutines likewise
)

// soakProbe is compiled into the soak's gateway binary only (go build
// -overlay), never into the product: it answers the process's heap in use
// after a GC and its goroutine count on a loopback port of its own, so the
// gateway runs as the real command while being measured from outside.
const soakProbe = `package main

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"runtime"
)

func init() {
	addr := os.Getenv("RETURNSGW_SOAK_PROBE")
	if addr == "" {
		return
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		panic(err)
	}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		json.NewEncoder(w).Encode(map[string]uint64{"heapInuse": ms.HeapInuse, "goroutines": uint64(runtime.NumGoroutine())})
	}))
}
`

// soakCounts are what the clients saw.
type soakCounts struct {
	requests, errors, fiveXX, events, refreshes, userErrors atomic.Int64
	mutations, applied, opened, shipped, refused            atomic.Int64
}

type soakRow struct {
	at                                  time.Duration
	heap                                uint64
	goroutines                          uint64
	requests, errors, events, refreshes int64
}

// TestSoak runs the gateway command (sandbox mode, simulators' tokens
// living 20 s so the connections refresh them every ~16 s) and holds mixed
// load on it for -soak: list and node queries, approve/reject mutations with
// idempotency keys, WebSocket and SSE subscribers receiving every change,
// and simulated buyers opening and shipping returns on all three platforms
// (XHS changes arrive by push, the others by poll). Every 30 s it samples
// the gateway's heap in use (after a GC) and goroutines; it fails if either
// grows more than the stated bound from the first minute to the end, or if
// any request got a 5xx.
// Run with: go test ./bench -run TestSoak -v -soak 10m -timeout 30m
func TestSoak(t *testing.T) {
	if *soak == 0 {
		t.Skip("soak test: run with -soak 10m")
	}
	if *soak < time.Minute {
		t.Fatal("-soak must be at least 1m: growth is measured from the first minute")
	}
	dir := t.TempDir()
	bin := buildSoakGateway(t, dir)
	addr, probe := freeAddr(t), freeAddr(t)
	base := "http://" + addr

	cmd := exec.Command(bin, "--addr", addr, "--db", filepath.Join(dir, "gw.db"), "--sandbox", "true",
		"--demo-key", soakKey, "--rate-limit", "0", "--sandbox-token-ttl", "20s", "--log-level", "info")
	cmd.Env = append(os.Environ(), "RETURNSGW_SOAK_PROBE="+probe)
	cmd.Stdout = io.Discard
	logs, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}()
	var c soakCounts
	var errMu sync.Mutex
	errSeen := map[string]int{}
	noteErr := func(what string) {
		errMu.Lock()
		defer errMu.Unlock()
		if len(errSeen) < 20 || errSeen[what] > 0 {
			errSeen[what]++
		}
	}
	var logTail sync.Mutex
	var lastErrors []string
	go func() {
		sc := bufio.NewScanner(logs)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			l := sc.Text()
			if strings.Contains(l, "token refreshed") {
				c.refreshes.Add(1)
			}
			if strings.Contains(l, "level=ERROR") {
				logTail.Lock()
				if len(lastErrors) < 20 {
					lastErrors = append(lastErrors, l)
				}
				logTail.Unlock()
			}
		}
	}()

	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := client.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("gateway not ready after 2 minutes")
		}
		time.Sleep(100 * time.Millisecond)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup

	// Subscribers first, so they see the whole run's changes.
	var subs []*wsClient
	for i := range soakWS {
		s, err := soakSubscribe(addr, subscriberQuery)
		if err != nil {
			t.Fatalf("subscriber %d: %v", i, err)
		}
		subs = append(subs, s)
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.read(func(msg []byte) {
				if bytes.Contains(msg, []byte(`"type":"next"`)) {
					c.events.Add(1)
				}
			})
		}()
	}
	for range soakSSE {
		wg.Add(1)
		go func() {
			defer wg.Done()
			soakSSESubscriber(ctx, t, base, &c)
		}()
	}

	start := time.Now()
	end := start.Add(*soak)
	every := func(d time.Duration, f func(i int)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(d)
			defer tick.Stop()
			for i := 0; i < soakMaxLoops && time.Now().Before(end); i++ {
				f(i)
				select {
				case <-tick.C:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	gql := func(query string, vars map[string]any, into any) {
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+soakKey)
		raw, status, err := soakDo(client, req)
		c.requests.Add(1)
		if err != nil || status >= 400 {
			c.errors.Add(1)
			noteErr(fmt.Sprintf("graphql: HTTP %d %v %.200s", status, err, raw))
			if status >= 500 {
				c.fiveXX.Add(1)
				t.Errorf("HTTP %d for %.80s: %.300s", status, query, raw)
			}
			return
		}
		var r struct {
			Data   json.RawMessage
			Errors []any
		}
		if json.Unmarshal(raw, &r) != nil || len(r.Errors) > 0 {
			c.errors.Add(1)
			noteErr(fmt.Sprintf("graphql: %.200s", raw))
			return
		}
		if into != nil {
			json.Unmarshal(r.Data, into)
		}
	}
	simulate := func(platform, action, id string) string {
		body, _ := json.Marshal(map[string]string{"platform": platform, "action": action, "platformCaseId": id})
		req, _ := http.NewRequest(http.MethodPost, base+"/sandbox/simulate", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		raw, status, err := soakDo(client, req)
		c.requests.Add(1)
		switch {
		case err != nil || status >= 500:
			c.errors.Add(1)
			noteErr(fmt.Sprintf("simulate %s %s: HTTP %d %v", platform, action, status, err))
			if status >= 500 {
				c.fiveXX.Add(1)
				t.Errorf("HTTP %d for simulate %s %s: %.300s", status, platform, action, raw)
			}
			return ""
		case status == http.StatusConflict || status == http.StatusBadRequest:
			// The simulator refuses: a move the case's status forbids, or
			// (Alibaba, after some 40 opens) no delivered order left to
			// open a return on. Not the gateway's error; counted apart.
			c.refused.Add(1)
			noteErr(fmt.Sprintf("refused: simulate %s %s: HTTP %d %.200s", platform, action, status, raw))
			return ""
		case status != http.StatusOK:
			c.errors.Add(1)
			noteErr(fmt.Sprintf("simulate %s %s: HTTP %d %.200s", platform, action, status, raw))
			return ""
		}
		var r struct{ PlatformCaseID string }
		json.Unmarshal(raw, &r)
		return r.PlatformCaseID
	}

	// The cases the loops work on: the newest page, refreshed by the list loop.
	type soakCase struct {
		ID, Platform, PlatformCaseID, Status string
		AllowedActions                       []string
	}
	var mu sync.Mutex
	var cases []soakCase
	every(soakListEvery, func(i int) {
		var d struct {
			ReturnCases struct{ Nodes []soakCase }
		}
		gql(`query { returnCases(first: 50) { totalCount nodes { id platform platformCaseId status allowedActions
			lines { category unitPrice { amount currencyCode } } } } }`, nil, &d)
		if len(d.ReturnCases.Nodes) > 0 {
			mu.Lock()
			cases = d.ReturnCases.Nodes
			mu.Unlock()
		}
	})
	pick := func(i int, ok func(soakCase) bool) (soakCase, bool) {
		mu.Lock()
		defer mu.Unlock()
		for j := range cases {
			if k := cases[(i+j)%len(cases)]; ok(k) {
				return k, true
			}
		}
		return soakCase{}, false
	}
	every(soakNodeEvery, func(i int) {
		if k, ok := pick(i, func(soakCase) bool { return true }); ok {
			gql(`query($id: ID!) { node(id: $id) { id ... on ReturnCase { status allowedActions deadlines { __typename } } } }`,
				map[string]any{"id": k.ID}, nil)
		}
	})
	every(soakMutateEvery, func(i int) {
		action := "returnApprove"
		if i%4 == 3 {
			action = "returnReject"
		}
		k, ok := pick(i, func(k soakCase) bool {
			for _, a := range k.AllowedActions {
				if a == action {
					return true
				}
			}
			return false
		})
		if !ok {
			return
		}
		in := map[string]any{"id": k.ID, "idempotencyKey": fmt.Sprintf("soak-%s-%s", action, k.ID)}
		input := "ReturnApproveInput"
		if action == "returnReject" {
			input = "ReturnRejectInput"
			in["grounds"] = []string{"DAMAGED_BY_BUYER"}
			in["note"] = "soak: the goods came back damaged"
		}
		var d map[string]struct {
			UserErrors []struct{ Code string }
		}
		gql(`mutation($in: `+input+`!) { `+action+`(input: $in) { returnCase { id status } userErrors { code message } replayed } }`,
			map[string]any{"in": in}, &d)
		c.mutations.Add(1)
		if p, ok := d[action]; ok && len(p.UserErrors) > 0 {
			c.userErrors.Add(1)
		} else if ok {
			c.applied.Add(1)
		}
	})
	platforms := []string{"XHS", "ALIBABA", "ALIEXPRESS"}
	every(soakOpenEvery, func(int) {
		for _, p := range platforms {
			if simulate(p, "open", "") != "" {
				c.opened.Add(1)
			}
		}
	})
	every(soakShipEvery, func(i int) {
		if k, ok := pick(i, func(k soakCase) bool { return k.Status == "AWAITING_BUYER_SHIPMENT" }); ok {
			if simulate(k.Platform, "ship", k.PlatformCaseID) != "" {
				c.shipped.Add(1)
			}
		}
	})

	// Samples: the first at 30 s, then every 30 s to the end.
	sample := func() soakRow {
		resp, err := client.Get("http://" + probe + "/")
		if err != nil {
			t.Fatalf("probe: %v", err)
		}
		var p struct{ HeapInuse, Goroutines uint64 }
		err = json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("probe: %v", err)
		}
		return soakRow{at: time.Since(start).Round(time.Second), heap: p.HeapInuse, goroutines: p.Goroutines,
			requests: c.requests.Load(), errors: c.errors.Load(), events: c.events.Load(), refreshes: c.refreshes.Load()}
	}
	var rows []soakRow
	tick := time.NewTicker(soakSample)
	for time.Now().Before(end) {
		<-tick.C
		rows = append(rows, sample())
	}
	tick.Stop()
	cancel()
	for _, s := range subs {
		s.close()
	}
	wg.Wait()

	t.Logf("gateway: the server command in sandbox mode, --sandbox-token-ttl 20s --rate-limit 0; GOMAXPROCS of this test %d", runtime.GOMAXPROCS(0))
	t.Logf("load: %d WebSocket + %d SSE subscribers; list 1/%v, node 1/%v, approve/reject 1/%v, open on each platform 1/%v, ship 1/%v",
		soakWS, soakSSE, soakListEvery, soakNodeEvery, soakMutateEvery, soakOpenEvery, soakShipEvery)
	t.Logf("| time | heap in use (MiB) | goroutines | requests | errors | events delivered | token refreshes |")
	t.Logf("|---|---|---|---|---|---|---|")
	for _, r := range rows {
		t.Logf("| %v | %.1f | %d | %d | %d | %d | %d |", r.at, float64(r.heap)/(1<<20), r.goroutines, r.requests, r.errors, r.events, r.refreshes)
	}
	t.Logf("mutations: %d sent, %d applied, %d answered with userErrors; buyers opened %d cases (XHS by push) and shipped %d returns; the simulators refused %d buyer actions",
		c.mutations.Load(), c.applied.Load(), c.userErrors.Load(), c.opened.Load(), c.shipped.Load(), c.refused.Load())
	errMu.Lock()
	for what, n := range errSeen {
		t.Logf("error ×%d: %s", n, what)
	}
	errMu.Unlock()
	logTail.Lock()
	for _, l := range lastErrors {
		t.Logf("gateway error log: %.400s", l)
	}
	logTail.Unlock()

	// From the sample at one minute to the last (a 1-minute run, for
	// debugging, compares its two samples).
	if len(rows) < 2 {
		t.Fatalf("%d samples", len(rows))
	}
	first, last := rows[min(1, len(rows)-2)], rows[len(rows)-1]
	heapGrowth := float64(last.heap)/float64(first.heap) - 1
	goGrowth := float64(last.goroutines)/float64(first.goroutines) - 1
	t.Logf("from %v to %v: heap %+.1f%% (bound %+.0f%%), goroutines %+.1f%% (bound %+.0f%%)",
		first.at, last.at, 100*heapGrowth, 100*soakHeapGrowth, 100*goGrowth, 100*soakGoGrowth)
	if heapGrowth > soakHeapGrowth {
		t.Errorf("heap in use grew %.1f%%, bound %.0f%%", 100*heapGrowth, 100*soakHeapGrowth)
	}
	if goGrowth > soakGoGrowth {
		t.Errorf("goroutines grew %.1f%%, bound %.0f%%", 100*goGrowth, 100*soakGoGrowth)
	}
	if n := c.fiveXX.Load(); n > 0 {
		t.Errorf("%d requests got a 5xx", n)
	}
	if last.refreshes == 0 {
		t.Error("no token was refreshed")
	}
	if last.events == 0 {
		t.Error("no subscriber got an event")
	}
}

// buildSoakGateway builds the server command with the probe added.
func buildSoakGateway(t *testing.T, dir string) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	probe := filepath.Join(dir, "soakprobe.go")
	if err := os.WriteFile(probe, []byte(soakProbe), 0o644); err != nil {
		t.Fatal(err)
	}
	overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{filepath.Join(root, "server", "zz_soakprobe.go"): probe}})
	ov := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(ov, overlay, 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "gateway")
	build := exec.Command("go", "build", "-overlay", ov, "-o", bin, "./server")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// freeAddr is a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func soakDo(client *http.Client, req *http.Request) ([]byte, int, error) {
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return raw, resp.StatusCode, err
}

// soakSubscribe is subscribe with the API key on the upgrade request.
func soakSubscribe(host, query string) (*wsClient, error) {
	conn, err := net.DialTimeout("tcp", host, 30*time.Second)
	if err != nil {
		return nil, err
	}
	c := &wsClient{conn: conn, br: bufio.NewReaderSize(conn, 512)}
	var key [16]byte
	rand.Read(key[:])
	k := base64.StdEncoding.EncodeToString(key[:])
	fmt.Fprintf(conn, "GET /graphql HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\nAuthorization: Bearer %s\r\n\r\n", host, k, soakKey)
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

// soakSSESubscriber holds one SSE subscription until ctx ends, counting its
// events.
func soakSSESubscriber(ctx context.Context, t *testing.T, base string, c *soakCounts) {
	body, _ := json.Marshal(map[string]string{"query": subscriberQuery})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+soakKey)
	resp, err := http.DefaultTransport.RoundTrip(req)
	c.requests.Add(1)
	if err != nil {
		if ctx.Err() == nil {
			c.errors.Add(1)
			t.Errorf("SSE: %v", err)
		}
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		c.errors.Add(1)
		if resp.StatusCode >= 500 {
			c.fiveXX.Add(1)
		}
		t.Errorf("SSE: HTTP %d", resp.StatusCode)
		return
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if sc.Text() == "event: next" {
			c.events.Add(1)
		}
	}
}
