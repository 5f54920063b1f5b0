package simkit

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"
)

func TestFaultsTakeOwnMethodFirstThenAny(t *testing.T) {
	var f Faults[string]
	f.Inject("*", "any", 1)
	f.Inject("get", "own", 2)
	f.Inject("get", "ignored", 0)
	want := []struct {
		method string
		kind   string
		ok     bool
	}{
		{"get", "own", true},
		{"get", "own", true},
		{"get", "any", true},
		{"get", "", false},
		{"list", "", false},
	}
	for i, w := range want {
		kind, ok := f.Take(w.method, "*")
		if kind != w.kind || ok != w.ok {
			t.Fatalf("take %d (%s) = %q, %v; want %q, %v", i, w.method, kind, ok, w.kind, w.ok)
		}
	}
	f.Inject("get", "own", 5)
	f.Inject("*", "any", 5)
	f.Clear()
	if kind, ok := f.Take("get", "*"); ok {
		t.Fatalf("after Clear: %q", kind)
	}
}

func TestDelayEndsEarly(t *testing.T) {
	if !Delay(context.Background(), 0, nil) {
		t.Fatal("no latency must not abandon the request")
	}
	if !Delay(context.Background(), time.Millisecond, nil) {
		t.Fatal("a latency waited out must not abandon the request")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if Delay(ctx, time.Hour, nil) {
		t.Fatal("a gone client must abandon the request")
	}
	stop := make(chan struct{})
	close(stop)
	if Delay(context.Background(), time.Hour, stop) {
		t.Fatal("a closing simulator must abandon the request")
	}
}

func TestConditionsAndServe(t *testing.T) {
	var c Conditions
	if l, d := c.Current(); l != 0 || d {
		t.Fatalf("zero value = %v, %v; want up with no latency", l, d)
	}
	c.SetLatency(time.Second)
	c.SetDown(true)
	if l, d := c.Current(); l != time.Second || !d {
		t.Fatalf("Current = %v, %v; want 1s, down", l, d)
	}

	srv, base, err := Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.URL.Path)
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	resp, err := http.Get(base + "/ping")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "/ping" {
		t.Fatalf("served %q, want /ping", body)
	}
}

// A request carried out and then withheld: the client gets no answer, as a
// timeout (after it gives up) or at once as a dropped connection, and the
// handler's effect is there either way.
func TestWithholdLeavesAnAppliedRequestUnanswered(t *testing.T) {
	for _, kind := range []string{AppliedTimeout, AppliedDrop} {
		t.Run(kind, func(t *testing.T) {
			var ledger Ledger
			srv, base, err := Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ledger.Pay(Refund{CaseID: "c1", Amount: "1.00", Currency: "CNY"})
				if !Unanswered(kind) {
					t.Errorf("%s is not an unanswered fault", kind)
				}
				Withhold(w, r, kind, nil)
			}))
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			ctx := context.Background()
			if kind == AppliedTimeout {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, 50*time.Millisecond)
				defer cancel()
			}
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/refund", nil)
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				resp.Body.Close()
				t.Fatalf("got an answer (HTTP %d), want none", resp.StatusCode)
			}
			if kind == AppliedTimeout && ctx.Err() == nil {
				t.Fatalf("the client saw %v before its deadline, want a timeout", err)
			}
			if kind == AppliedDrop && ctx.Err() != nil {
				t.Fatalf("the client timed out, want a dropped connection")
			}
			if got := ledger.Refunds("c1"); len(got) != 1 {
				t.Fatalf("ledger has %d refunds of c1, want 1", len(got))
			}
		})
	}
	if Unanswered("HTTP_500") {
		t.Fatal("HTTP_500 is answered")
	}
}

func TestWithholdEndsWhenTheSimulatorStops(t *testing.T) {
	stop := make(chan struct{})
	done := make(chan struct{})
	srv, base, err := Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		close(stop)
		Withhold(w, r, AppliedTimeout, stop)
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if resp, err := http.Post(base, "text/plain", nil); err == nil {
		resp.Body.Close()
		t.Fatal("got an answer, want a hang-up")
	}
	<-done
}

func TestLedgerByCase(t *testing.T) {
	var l Ledger
	l.Pay(Refund{CaseID: "a", Amount: "1"})
	l.Pay(Refund{CaseID: "b", Amount: "2"})
	l.Pay(Refund{CaseID: "a", Amount: "3"})
	if got := l.Refunds("a"); len(got) != 2 || got[0].Amount != "1" || got[1].Amount != "3" {
		t.Fatalf("refunds of a = %+v", got)
	}
	if got := l.Refunds(""); len(got) != 3 {
		t.Fatalf("all refunds = %+v", got)
	}
}
