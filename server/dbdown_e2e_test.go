package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store/postgres/pgtest"
)

// cutProxy forwards TCP to a backend and can cut every connection and refuse
// new ones, as a database that goes away does.
type cutProxy struct {
	ln      net.Listener
	backend string
	down    atomic.Bool
	mu      sync.Mutex
	conns   map[net.Conn]bool
}

func newCutProxy(t *testing.T, backend string) *cutProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, backend: backend, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if p.down.Load() {
				c.Close()
				continue
			}
			b, err := net.Dial("tcp", backend)
			if err != nil {
				c.Close()
				continue
			}
			p.track(c, b)
			go func() { io.Copy(b, c); b.Close(); c.Close() }()
			go func() { io.Copy(c, b); b.Close(); c.Close() }()
		}
	}()
	return p
}

func (p *cutProxy) track(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		p.conns[c] = true
	}
}

func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// The database goes away for 10 s under load: requests get a clear error
// (STORE_UNAVAILABLE), never a hang or a 500; the pool recovers by itself;
// and a subscriber connected throughout gets every event of the log once.
func TestDatabaseGoesAway(t *testing.T) {
	url := pgtest.FreshURL(t, "")
	proxy := newCutProxy(t, "127.0.0.1:5432")
	viaProxy := strings.Replace(url, "127.0.0.1:5432", proxy.ln.Addr().String(), 1)
	if viaProxy == url {
		t.Skip("the test database is not on 127.0.0.1:5432")
	}
	key := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("s", 32)))
	m := NewMain()
	m.Stdout = io.Discard
	if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--db", viaProxy, "--sandbox", "true", "--demo-key", testKey,
		"--rate-limit", "0", "--poll-interval", "200ms", "--log-level", "error", "--sandbox-cases", "20"},
		func(k string) string {
			if k == "RETURNSGW_SECRET_KEY" {
				return key
			}
			return ""
		}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	eventually(t, 60*time.Second, "gateway not ready", func() bool {
		resp, err := http.Get(m.URL() + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	base := m.Bus.Len()
	sub := dialSubscription(t, ctx, m, changedSubscription, nil)
	waitSubscribers(t, m, base+1)
	var (
		mu   sync.Mutex
		seqs []string
		got  = map[string]int{} // events per platform case id
	)
	go func() {
		for {
			_, raw, err := sub.conn.Read(ctx)
			if err != nil {
				return
			}
			var msg struct {
				Type    string
				Payload struct {
					Data struct {
						ReturnCaseChanged eventView `json:"returnCaseChanged"`
					}
				}
			}
			if json.Unmarshal(raw, &msg) == nil && msg.Type == "next" {
				mu.Lock()
				seqs = append(seqs, msg.Payload.Data.ReturnCaseChanged.ID)
				got[msg.Payload.Data.ReturnCaseChanged.ReturnCase.PlatformCaseID]++
				mu.Unlock()
			}
		}
	}()

	// Load: list queries, one after another, each timed.
	query := func() (int, string, time.Duration) {
		t0 := time.Now()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, m.URL()+"/graphql",
			strings.NewReader(`{"query":"{ returnCases(first: 5) { totalCount } }"}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("request failed outright: %v", err)
		}
		defer resp.Body.Close()
		var r gqlResponse
		json.NewDecoder(resp.Body).Decode(&r)
		return resp.StatusCode, code(r), time.Since(t0)
	}
	if status, c, _ := query(); status != 200 || c != "" {
		t.Fatalf("before the outage: %d %s", status, c)
	}

	proxy.down.Store(true)
	proxy.cut()
	// Buyers act on the platforms meanwhile: the changes must arrive once
	// the database is back.
	var opened []string
	for range 3 {
		resp, err := http.Post(m.URL()+"/sandbox/simulate", "application/json", strings.NewReader(`{"platform": "ALIEXPRESS", "action": "open"}`))
		if err != nil {
			t.Fatal(err)
		}
		var r SimulateResponse
		json.NewDecoder(resp.Body).Decode(&r)
		resp.Body.Close()
		opened = append(opened, r.PlatformCaseID)
	}
	outage := time.After(10 * time.Second)
	sawUnavailable := false
loop:
	for {
		select {
		case <-outage:
			break loop
		default:
		}
		status, c, took := query()
		if status >= 500 && status != http.StatusServiceUnavailable {
			t.Fatalf("during the outage: HTTP %d", status)
		}
		if took > 5*time.Second {
			t.Fatalf("during the outage a request took %v", took)
		}
		if c == string(returns.CodeStoreUnavailable) {
			sawUnavailable = true
		} else if c != "" {
			t.Fatalf("during the outage: code %q, want STORE_UNAVAILABLE", c)
		}
		time.Sleep(100 * time.Millisecond) // a steady load, not a busy loop
	}
	if !sawUnavailable {
		t.Fatal("no request said the store was unavailable")
	}
	proxy.down.Store(false)

	eventually(t, 30*time.Second, "the pool never recovered", func() bool {
		status, c, _ := query()
		return status == 200 && c == ""
	})
	// Every event the log holds from the subscription's first on reached the
	// subscriber, once, once the relay and the pollers caught up.
	eventually(t, 60*time.Second, "the changes made during the outage never arrived", func() bool {
		evs, err := m.Store.EventsAfter(ctx, returns.OrgID(m.Config.Org), 0, 100000)
		if err != nil {
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		if len(seqs) == 0 || len(evs) < len(seqs) {
			return false
		}
		seen := map[string]int{}
		for _, s := range seqs {
			seen[s]++
			if seen[s] > 1 {
				t.Fatalf("event %s delivered twice", s)
			}
		}
		for _, id := range opened {
			created := 0
			for _, ev := range evs {
				if ev.Key.PlatformCaseID == id && ev.PreviousStatus == nil {
					created++
				}
			}
			if created > 1 {
				t.Fatalf("case %s was created %d times in the log", id, created)
			}
			if created == 0 || got[id] != 1 {
				return false
			}
		}
		return true
	})
}
