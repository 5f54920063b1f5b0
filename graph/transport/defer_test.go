package transport

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

func TestDefers(t *testing.T) {
	tests := []struct {
		doc  string
		want bool
	}{
		{`{ whoami }`, false},
		{`{ ... on Query { whoami } }`, false},
		{`{ ... @defer { whoami } }`, true},
		{`{ ... @defer(if: false) { whoami } }`, true}, // refused all the same: simple, and nothing is lost
		{`{ ...F @defer } fragment F on Query { whoami }`, true},
		{`{ ...F } fragment F on Query { ... @defer(label: "x") { whoami } }`, true},
		{`{ ...F } fragment F on Query { whoami }`, false},
		{`{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }`, false}, // a cycle ends
		{`query Q { whoami } query R { ... @defer { whoami } }`, false},               // only the operation run
	}
	for _, tt := range tests {
		doc, err := parser.ParseQuery(&ast.Source{Input: tt.doc})
		if err != nil {
			t.Fatal(err)
		}
		if got := defers(doc, doc.Operations[0]); got != tt.want {
			t.Errorf("defers(%s) = %v, want %v", tt.doc, got, tt.want)
		}
	}
}

// Over HTTP a deferred fragment would come back as null with hasNext and
// nothing after: the request is refused. Over WebSocket each part arrives.
func TestDeferOverEachTransport(t *testing.T) {
	addr := wsServer(t)
	resp, err := http.Post("http://"+addr+"/graphql", "application/json", strings.NewReader(`{"query":"{ ... @defer { whoami } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "@defer") {
		t.Fatalf("HTTP: %d %s; want 400 naming @defer", resp.StatusCode, body)
	}

	c := dialWS(t, addr)
	c.conn.SetDeadline(time.Now().Add(10 * time.Second))
	c.frame(true, 0x1, []byte(`{"type":"connection_init"}`))
	c.frame(true, 0x1, []byte(`{"type":"subscribe","id":"d","payload":{"query":"{ ... @defer(label: \"later\") { whoami } }"}}`))
	var got []string
	for {
		_, p, ok := c.read()
		if !ok {
			t.Fatalf("the connection ended after %q", got)
		}
		var m struct {
			Type    string
			Payload json.RawMessage
		}
		json.Unmarshal(p, &m)
		if m.Type == "connection_ack" {
			continue
		}
		got = append(got, m.Type+" "+string(m.Payload))
		if m.Type == "complete" || m.Type == "error" {
			break
		}
	}
	if len(got) != 3 || !strings.Contains(got[0], `"hasNext":true`) || !strings.Contains(got[1], `"label":"later"`) || !strings.HasPrefix(got[2], "complete") {
		t.Fatalf("WebSocket: %q; want the initial result, the deferred part, complete", got)
	}
}
