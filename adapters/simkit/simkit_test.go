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
