package telemetry

import (
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestOperationLabelIsBounded(t *testing.T) {
	m := NewMetrics()
	for _, tc := range []struct{ in, want string }{
		{"", "anonymous"},
		{"FirstCases", "FirstCases"},
		{"has space", "other"},
		{"drop\ntable", "other"},
		{strings.Repeat("a", 65), "other"},
		{"_ok_9", "_ok_9"},
	} {
		if got := m.OperationLabel(tc.in); got != tc.want {
			t.Errorf("OperationLabel(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for i := range 500 {
		m.OperationLabel(fmt.Sprintf("Op%d", i))
	}
	if got := m.OperationLabel("Op499"); got != "other" {
		t.Fatalf("the 500th distinct name is %q: a client could grow the metrics without bound", got)
	}
	if got := m.OperationLabel("FirstCases"); got != "FirstCases" {
		t.Fatalf("a name seen before the bound: %q", got)
	}
}

func TestHandlerServesTheGatewaysMetrics(t *testing.T) {
	m := NewMetrics()
	m.GraphQLRequests.WithLabelValues("FirstCases", "query").Observe(0.003)
	m.EventsPublished.Inc()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`returnsgw_graphql_request_duration_seconds_count{operation="FirstCases",type="query"} 1`,
		"returnsgw_events_published_total 1",
		"go_goroutines",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
