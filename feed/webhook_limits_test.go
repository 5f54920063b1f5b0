package feed

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store/sqlite"
)

// A hostile or confused pusher: a body over the limit is 413, a case no shop
// has is acknowledged (asking again would not help), and a case named many
// times in one push is fetched once.
func TestWebhookLimits(t *testing.T) {
	many := "[" + strings.TrimSuffix(strings.Repeat(`{"ID":"R1","Seller":"s1"},`, 5000), ",") + "]"
	tests := []struct {
		name        string
		body        string
		wantStatus  int
		wantStored  bool
		wantFetches int
	}{
		{"a body over 1 MiB", "[" + strings.Repeat(" ", 2<<20) + "]", http.StatusRequestEntityTooLarge, false, 0},
		{"a case no shop has", `[{"ID":"R9","Seller":"s1"}]`, http.StatusOK, false, 1},
		{"a case named 5000 times", many, http.StatusOK, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "push.db"), sqlite.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			shop := &pushShop{shop: "a", app: "app", secret: "s", seller: "s1", cases: map[string]*returns.Case{"R1": pushCase("a", "R1")}}
			h := &Webhook{Platform: returns.XHS, Connections: func() []returns.Platform { return []returns.Platform{shop} },
				Ingester: &Ingester{Store: st, Org: org, Log: quiet}, Log: quiet}
			req := httptest.NewRequest(http.MethodPost, "/webhooks/xhs", strings.NewReader(tt.body))
			req.Header.Set("X-App", "app")
			req.Header.Set("X-Secret", "s")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Errorf("status %d (%s), want %d", rec.Code, rec.Body, tt.wantStatus)
			}
			if shop.fetches != tt.wantFetches {
				t.Errorf("%d fetches, want %d", shop.fetches, tt.wantFetches)
			}
			_, err = st.GetCase(context.Background(), org, returns.CaseKey{Platform: returns.XHS, PlatformCaseID: "R1"})
			if stored := err == nil; stored != tt.wantStored {
				t.Errorf("R1 stored: %v, want %v", stored, tt.wantStored)
			}
		})
	}
}
