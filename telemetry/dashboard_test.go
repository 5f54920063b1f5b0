package telemetry

import (
	"encoding/json"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// registered returns the metric names the registry describes, histograms'
// series (_bucket, _count, _sum) included.
func registered(m *Metrics) map[string]bool {
	ch := make(chan *prometheus.Desc, 256)
	go func() {
		m.Registry.Describe(ch)
		close(ch)
	}()
	fq := regexp.MustCompile(`fqName: "([^"]+)"`)
	names := map[string]bool{}
	for d := range ch {
		if mm := fq.FindStringSubmatch(d.String()); mm != nil {
			names[mm[1]] = true
			for _, s := range []string{"_bucket", "_count", "_sum"} {
				names[mm[1]+s] = true
			}
		}
	}
	return names
}

// Every metric docs/grafana-dashboard.json queries exists: a renamed metric
// must not leave an operator with an empty panel.
func TestDashboardUsesRealMetricNames(t *testing.T) {
	raw, err := os.ReadFile("../docs/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string `json:"title"`
		Panels []struct {
			Type    string `json:"type"`
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Query any `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("not a dashboard: %v", err)
	}
	var exprs []string
	for _, p := range dash.Panels {
		if p.Type != "row" && len(p.Targets) == 0 {
			t.Errorf("panel %q queries nothing", p.Title)
		}
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	for _, v := range dash.Templating.List {
		if s, ok := v.Query.(string); ok {
			exprs = append(exprs, s)
		}
	}
	known := registered(NewMetrics())
	// A metric name: ours, or the Go runtime's and the process's collectors'.
	metric := regexp.MustCompile(`\b(?:returnsgw|go|process)_[a-z0-9_]+\b`)
	used := map[string]bool{}
	for _, e := range exprs {
		for _, n := range metric.FindAllString(e, -1) {
			used[n] = true
		}
	}
	if len(used) < 12 {
		t.Fatalf("the dashboard uses only %d metrics: %v", len(used), used)
	}
	var missing []string
	for n := range used {
		if !known[n] {
			missing = append(missing, n)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("the dashboard queries metrics the gateway does not have: %s", strings.Join(missing, ", "))
	}
	// And every metric of ours is on the dashboard.
	for n := range known {
		if strings.HasPrefix(n, "returnsgw_") && !strings.HasSuffix(n, "_bucket") && !strings.HasSuffix(n, "_sum") &&
			!used[n] && !used[n+"_count"] && !used[n+"_bucket"] && !used[strings.TrimSuffix(n, "_count")+"_bucket"] {
			if strings.HasSuffix(n, "_count") && (used[strings.TrimSuffix(n, "_count")+"_bucket"]) {
				continue
			}
			if strings.HasSuffix(n, "_count") {
				continue
			}
			t.Errorf("metric %s is not on the dashboard", n)
		}
	}
}
