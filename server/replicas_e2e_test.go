package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/graph"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store/postgres/pgtest"
)

// startReplica runs one gateway on the shared database and standalone sandbox.
func startReplica(t *testing.T, dbURL, sandboxURL string) *Main {
	t.Helper()
	key := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", 32)))
	env := map[string]string{"RETURNSGW_SECRET_KEY": key}
	m := NewMain()
	m.Stdout = io.Discard
	if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--db", dbURL, "--sandbox-url", sandboxURL,
		"--demo-key", testKey, "--poll-interval", "200ms", "--log-level", "error"}, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	m.PollLeaseTTL = 2 * time.Second
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	eventually(t, 60*time.Second, "replica not ready", func() bool {
		resp, err := http.Get(m.URL() + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return m
}

// Two gateway replicas on one fresh PostgreSQL database and one standalone
// sandbox behave as one gateway: a subscriber on B sees what A does, one
// idempotency key sent to both acts once, B takes over polling when A dies
// holding the leases, and a lost bus connection loses no event.
func TestTwoReplicasOnePostgres(t *testing.T) {
	dbURL := pgtest.FreshURL(t, "")
	sb, ln, err := serveSandbox("127.0.0.1:0", SandboxOptions{Seed: 7, Cases: 20, Now: time.Now}, "")
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	sandboxURL := "http://" + ln.Addr().String()

	a := startReplica(t, dbURL, sandboxURL)
	b := startReplica(t, dbURL, sandboxURL)
	// B found every connection's lease held by A.
	for _, p := range b.Pollers {
		if h := p.Health(); !h.Standby {
			t.Fatalf("B polls %s/%s too: %+v", p.Platform.ID(), p.Platform.Shop().ID, h)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	base := b.Bus.Len()
	onB := dialSubscription(t, ctx, b, changedSubscription, nil)
	waitSubscribers(t, b, base+1)
	var (
		mu       sync.Mutex
		received []eventView
	)
	arrived := make(chan eventView, 1000)
	go func() {
		for {
			_, raw, err := onB.conn.Read(ctx)
			if err != nil {
				close(arrived)
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
			if json.Unmarshal(raw, &msg) != nil || msg.Type != "next" {
				continue
			}
			ev := msg.Payload.Data.ReturnCaseChanged
			mu.Lock()
			received = append(received, ev)
			mu.Unlock()
			arrived <- ev
		}
	}()
	waitFor := func(what string, ok func(eventView) bool) eventView {
		t.Helper()
		for {
			select {
			case ev, open := <-arrived:
				if !open {
					t.Fatalf("B's subscription ended before %s", what)
				}
				if ok(ev) {
					return ev
				}
			case <-ctx.Done():
				t.Fatalf("no event on B: %s", what)
			}
		}
	}
	approvable := func(m *Main, skip map[string]bool) caseView {
		t.Helper()
		var page struct {
			ReturnCases struct{ Nodes []caseView } `json:"returnCases"`
		}
		gql(t, m, `{ returnCases(first: 100, filter: {platforms: [XHS], statuses: [REQUESTED]}) { nodes { id platform platformCaseId status allowedActions } } }`, nil, &page)
		for _, c := range page.ReturnCases.Nodes {
			for _, act := range c.AllowedActions {
				if act == "returnApprove" && !skip[c.ID] {
					return c
				}
			}
		}
		t.Fatal("no XHS case to approve")
		return caseView{}
	}

	// 1. Approve through A; the event reaches B's subscriber.
	first := approvable(a, nil)
	t0 := time.Now()
	r := gql(t, a, `mutation($id: ID!) { returnApprove(input: {id: $id, idempotencyKey: "one"}) { userErrors { code message } } }`,
		map[string]any{"id": first.ID}, nil)
	if len(r.Errors) > 0 || strings.Contains(string(r.Data), `"code"`) {
		t.Fatalf("approve through A: %s %+v", r.Data, r.Errors)
	}
	waitFor("A's approval", func(ev eventView) bool { return ev.ReturnCase.ID == first.ID && ev.Source == "MUTATION" })
	t.Logf("A's approval reached B's subscriber in %v", time.Since(t0))

	// 2. One idempotency key sent to both replicas at the same moment: one
	// platform call, one event.
	second := approvable(a, map[string]bool{first.ID: true})
	calls := sb.XHS.Calls(xhswire.MethodAuditReturns)
	var wg sync.WaitGroup
	answers := make([]string, 2)
	for i, m := range []*Main{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := gql(t, m, `mutation($id: ID!) { returnApprove(input: {id: $id, idempotencyKey: "both"}) { replayed userErrors { code } } }`,
				map[string]any{"id": second.ID}, nil)
			answers[i] = string(r.Data)
		}()
	}
	wg.Wait()
	if got := sb.XHS.Calls(xhswire.MethodAuditReturns) - calls; got != 1 {
		t.Fatalf("one key on two replicas made %d platform calls (answers %v)", got, answers)
	}
	waitFor("the keyed approval", func(ev eventView) bool { return ev.ReturnCase.ID == second.ID && ev.Source == "MUTATION" })
	key, _ := graph.ParseCaseID(second.ID)
	evs, err := a.Store.EventsAfter(ctx, returns.OrgID(a.Config.Org), 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		if ev.Key == key && ev.Source == returns.SourceMutation {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d MUTATION events for the keyed approval, want 1", n)
	}

	// 3. A dies holding the poll leases: B takes over, and a buyer's new
	// AliExpress request (poll only) reaches B's subscriber.
	a.noLeaseRelease = true
	a.Close()
	body := strings.NewReader(`{"platform": "ALIEXPRESS", "action": "open"}`)
	resp, err := http.Post(sandboxURL+"/sandbox/simulate", "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	var opened SimulateResponse
	json.NewDecoder(resp.Body).Decode(&opened)
	resp.Body.Close()
	if opened.PlatformCaseID == "" {
		t.Fatalf("simulate: HTTP %d", resp.StatusCode)
	}
	waitFor("the AliExpress request polled by B", func(ev eventView) bool {
		return ev.ReturnCase.PlatformCaseID == opened.PlatformCaseID && ev.Source == "POLL"
	})

	// 4. B's bus connection (its LISTEN session) is cut; a change made
	// meanwhile still arrives, from the log.
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	admin := pgtest.Connect(t)
	defer admin.Close(context.Background())
	tag, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN%'`, cfg.Database)
	if err != nil || tag.RowsAffected() < 1 {
		t.Fatalf("cutting B's listener: %v (%d)", err, tag.RowsAffected())
	}
	third := approvable(b, map[string]bool{first.ID: true, second.ID: true})
	gql(t, b, `mutation($id: ID!) { returnApprove(input: {id: $id}) { userErrors { code } } }`, map[string]any{"id": third.ID}, nil)
	waitFor("the approval after the cut", func(ev eventView) bool { return ev.ReturnCase.ID == third.ID && ev.Source == "MUTATION" })

	// Every event of the log since B subscribed reached it, once, in order.
	mu.Lock()
	got := append([]eventView(nil), received...)
	mu.Unlock()
	firstSeq, _ := graph.ParseEventID(got[0].ID)
	lastSeq, _ := graph.ParseEventID(got[len(got)-1].ID)
	logged, err := b.Store.EventsAfter(ctx, returns.OrgID(b.Config.Org), firstSeq-1, 10000)
	if err != nil {
		t.Fatal(err)
	}
	var want []int64
	for _, ev := range logged {
		if ev.Seq <= lastSeq {
			want = append(want, ev.Seq)
		}
	}
	var seqs []int64
	for _, ev := range got {
		s, _ := graph.ParseEventID(ev.ID)
		seqs = append(seqs, s)
	}
	if !sort.SliceIsSorted(seqs, func(i, j int) bool { return seqs[i] < seqs[j] }) || fmt.Sprint(seqs) != fmt.Sprint(want) {
		t.Fatalf("B's subscriber got %v; the log has %v", seqs, want)
	}
}
