package xhs

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/returns"
)

type listedCase struct {
	id               string
	apply, updatedAt int64
}

// listFake answers afterSale.listAfterSaleInfos over a fixed set of cases,
// fails the test on any request beyond the platform's limits, and records
// every request.
type listFake struct {
	t     *testing.T
	cases []listedCase
	// total, if set, overrides the reported total of a window (to fake a
	// window too dense to page through).
	total func(start, end int64) int
	// status, if set, gives a case's status (default 1, pending review).
	status map[string]int

	mu   sync.Mutex
	reqs []xhswire.ListAfterSaleInfosRequest
}

func (f *listFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req xhswire.ListAfterSaleInfosRequest
	b, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(b, &req); err != nil {
		f.t.Errorf("bad body %s", b)
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()
	max := int64(xhswire.MaxCreatedWindowMS)
	if req.TimeType == xhswire.TimeTypeUpdated {
		max = xhswire.MaxUpdatedWindowMS
	}
	if req.PageNo < 1 || req.PageSize < 1 || req.PageSize > 100 || req.PageNo*req.PageSize > 50000 ||
		(req.TimeType != 1 && req.TimeType != 2) || req.EndTime <= req.StartTime || req.EndTime-req.StartTime > max {
		f.t.Errorf("request beyond the platform's limits: %+v", req)
		_, _ = io.WriteString(w, `{"success":false,"error_code":2001,"error_msg":"参数错误"}`)
		return
	}
	var hits []listedCase
	wanted := map[int]bool{}
	for _, s := range req.Statuses {
		wanted[s] = true
	}
	for _, c := range f.cases {
		if len(wanted) > 0 && !wanted[f.statusOf(c.id)] {
			continue
		}
		v := c.apply
		if req.TimeType == 2 {
			v = c.updatedAt
		}
		if v >= req.StartTime && v <= req.EndTime {
			hits = append(hits, c)
		}
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].id < hits[j].id })
	total := len(hits)
	if f.total != nil {
		if n := f.total(req.StartTime, req.EndTime); n > 0 {
			total = n
		}
	}
	data := xhswire.ListAfterSaleInfosData{TotalCount: total, PageNo: req.PageNo, PageSize: req.PageSize, AfterSaleBasicInfos: []xhswire.AfterSaleBasicInfo{}}
	for i := (req.PageNo - 1) * req.PageSize; i < len(hits) && i < req.PageNo*req.PageSize; i++ {
		data.AfterSaleBasicInfos = append(data.AfterSaleBasicInfos, xhswire.AfterSaleBasicInfo{
			ReturnsID: hits[i].id, Status: f.statusOf(hits[i].id), ApplyTime: hits[i].apply, UpdatedAt: hits[i].updatedAt, ExpireTime: -1})
	}
	out, _ := json.Marshal(map[string]any{"code": 0, "success": true, "data": data})
	_, _ = w.Write(out)
}

func (f *listFake) statusOf(id string) int {
	if s, ok := f.status[id]; ok {
		return s
	}
	return xhswire.StatusPendingReview
}

func (f *listFake) requests() []xhswire.ListAfterSaleInfosRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]xhswire.ListAfterSaleInfosRequest(nil), f.reqs...)
}

func listAdapter(t *testing.T, f *listFake, lookback time.Duration) *Adapter {
	t.Helper()
	return sweepAdapter(t, f, lookback, -1)
}

func sweepAdapter(t *testing.T, f *listFake, lookback, horizon time.Duration) *Adapter {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	a, err := New(Config{
		BaseURL: srv.URL, AppID: testAppID, AppSecret: testSecret, AccessToken: "token-1",
		Shop: returns.Shop{ID: "shop-1", Market: returns.MarketDomestic}, Policy: testPolicy, Lookback: lookback,
		SweepHorizon: horizon,
		Now:          func() time.Time { return fakeNow }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// walkAll follows the change list until caught up.
func walkAll(t *testing.T, a *Adapter, cursor string, now time.Time) ([]returns.CaseRef, string, int) {
	t.Helper()
	var refs []returns.CaseRef
	for step := 1; step < 10000; step++ {
		b, err := a.ListChanges(context.Background(), cursor, now)
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, b.Refs...)
		cursor = b.Cursor
		if b.CaughtUp {
			return refs, cursor, step
		}
	}
	t.Fatal("never caught up")
	return nil, "", 0
}

// TestListChangesWindows walks a platform whose cases sit on window
// boundaries: the backfill covers [now-lookback, T0) by creation time in
// 24 h windows without gaps or overlaps, every case is listed once, and the
// incremental walk follows update time from T0 in 30 min windows, a minute
// behind now.
func TestListChangesWindows(t *testing.T) {
	now := fakeNow.UnixMilli()
	const dayMS, minMS = 24 * 3600 * 1000, 60 * 1000
	start := now - 3*dayMS
	f := &listFake{t: t}
	// Cases on the edges of the backfill's windows and of the look-back.
	for i, apply := range []int64{start, start + 1, start + dayMS - 1, start + dayMS, start + 2*dayMS, now - 1} {
		f.cases = append(f.cases, listedCase{fmt.Sprintf("R%02d", i), apply, apply})
	}
	// A case older than the look-back is not backfilled.
	f.cases = append(f.cases, listedCase{"R-old", start - 1, start - 1})
	// 250 cases in one day: three pages.
	for i := 0; i < 250; i++ {
		apply := start + dayMS + 1000 + int64(i)
		f.cases = append(f.cases, listedCase{fmt.Sprintf("R1%03d", i), apply, apply})
	}
	a := listAdapter(t, f, 3*24*time.Hour)

	refs, cursor, steps := walkAll(t, a, "", fakeNow)
	seen := map[string]int{}
	for _, r := range refs {
		seen[r.PlatformCaseID]++
	}
	for _, c := range f.cases {
		want := 1
		if c.id == "R-old" {
			want = 0
		}
		if seen[c.id] != want {
			t.Errorf("case %s (applied %d) listed %d times, want %d", c.id, c.apply, seen[c.id], want)
		}
	}
	if steps != 4 {
		t.Errorf("backfill of 3 days took %d steps, want 3 windows and one caught-up step", steps)
	}
	reqs := f.requests()
	next := start
	for _, r := range reqs {
		if r.PageNo > 1 {
			continue
		}
		if r.TimeType != 1 || r.StartTime != next {
			t.Errorf("backfill window %+v does not start at %d", r, next)
		}
		next = r.EndTime + 1
	}
	if next != now {
		t.Errorf("backfill ended at %d, want T0 %d", next, now)
	}

	// 95 minutes later, a case changed 70 minutes after T0 and one in the
	// last minute (not yet indexed, by the lag).
	f.mu.Lock()
	f.cases = append(f.cases, listedCase{"R-changed", start, now + 70*minMS}, listedCase{"R-late", start, now + 94*minMS + 30000})
	f.reqs = nil
	f.mu.Unlock()
	later := fakeNow.Add(95 * time.Minute)
	refs, cursor, _ = walkAll(t, a, cursor, later)
	if len(refs) != 1 || refs[0].PlatformCaseID != "R-changed" {
		t.Errorf("incremental walk listed %v, want only R-changed", refs)
	}
	next = now
	for _, r := range f.requests() {
		if r.TimeType != 2 || r.StartTime != next || r.EndTime-r.StartTime >= 30*minMS {
			t.Errorf("incremental window %+v: want timeType 2 from %d, under 30 min", r, next)
		}
		next = r.EndTime + 1
	}
	if want := later.Add(-time.Minute).UnixMilli(); next != want {
		t.Errorf("incremental walk ended at %d, want now-1min %d", next, want)
	}

	// The late case appears once the lag has passed.
	refs, _, _ = walkAll(t, a, cursor, later.Add(2*time.Minute))
	if len(refs) != 1 || refs[0].PlatformCaseID != "R-late" {
		t.Errorf("after the lag, listed %v, want R-late", refs)
	}
}

// TestListChangesNarrowsDenseWindow: a window with more cases than the
// platform pages through (pageNo×pageSize ≤ 50,000) is narrowed until it fits.
func TestListChangesNarrowsDenseWindow(t *testing.T) {
	f := &listFake{t: t, total: func(start, end int64) int {
		if end-start > 3*3600*1000 {
			return 60000
		}
		return 0
	}}
	a := listAdapter(t, f, 2*24*time.Hour)
	b, err := a.ListChanges(context.Background(), "", fakeNow)
	if err != nil {
		t.Fatal(err)
	}
	c, err := decodeCursor(b.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	begin := fakeNow.Add(-48 * time.Hour).UnixMilli()
	if span := c.From - begin; span <= 0 || span > 3*3600*1000 {
		t.Errorf("after a dense window the cursor moved %d ms, want a narrowed window of at most 3 h", span)
	}
	for _, r := range f.requests() {
		if r.PageNo > 1 {
			t.Errorf("paged through a window too dense to list: %+v", r)
		}
	}
}

func TestListChangesBadCursor(t *testing.T) {
	a := listAdapter(t, &listFake{t: t}, 0)
	for _, cur := range []string{"garbage", "e30", (cursor{V: 9, Phase: phaseBackfill, T0: 1}).encode()} {
		if _, err := a.ListChanges(context.Background(), cur, fakeNow); returns.ErrorCodeOf(err) != returns.CodeInvalid {
			t.Errorf("ListChanges(%q) = %v, want INVALID", cur, err)
		}
	}
}

func TestWindowEnd(t *testing.T) {
	tests := []struct{ from, limit, max, want int64 }{
		{0, 100, 30, 30},
		{0, 20, 30, 20},
		{0, 31, 30, 29}, // never leave a 1 ms remainder the platform cannot be asked for
		{0, 32, 30, 30},
	}
	for _, tt := range tests {
		if got := windowEnd(tt.from, tt.limit, tt.max); got != tt.want {
			t.Errorf("windowEnd(%d, %d, %d) = %d, want %d", tt.from, tt.limit, tt.max, got, tt.want)
		}
	}
}

// TestFirstWalkSweepsOpenCasesBeyondTheLookback: a case opened before the
// look-back and still open (under platform mediation, say) is listed by the
// first walk's sweep; a closed one that old is not, nor an open one beyond
// the sweep's horizon; later walks do not sweep again.
func TestFirstWalkSweepsOpenCasesBeyondTheLookback(t *testing.T) {
	now := fakeNow.UnixMilli()
	const dayMS = 24 * 3600 * 1000
	f := &listFake{t: t, status: map[string]int{
		"R-mediation": xhswire.StatusPlatformIntervening, "R-closed": xhswire.StatusCompleted, "R-ancient": xhswire.StatusPendingReview,
	}}
	f.cases = []listedCase{
		{"R-mediation", now - 6*dayMS, now - 5*dayMS},
		{"R-closed", now - 6*dayMS, now - 5*dayMS},
		{"R-ancient", now - 12*dayMS, now - 12*dayMS},
		{"R-recent", now - dayMS, now - dayMS},
	}
	a := sweepAdapter(t, f, 3*24*time.Hour, 10*24*time.Hour)
	refs, cursor, steps := walkAll(t, a, "", fakeNow)
	seen := map[string]int{}
	for _, r := range refs {
		seen[r.PlatformCaseID]++
	}
	if seen["R-mediation"] != 1 || seen["R-recent"] != 1 || seen["R-closed"] != 0 || seen["R-ancient"] != 0 {
		t.Errorf("first walk listed %v; want R-mediation and R-recent once, not R-closed nor R-ancient", seen)
	}
	if steps != 7+3+1 {
		t.Errorf("the walk took %d steps; want 7 sweep windows, 3 backfill windows and one caught-up step", steps)
	}
	for _, r := range f.requests() {
		sweep := len(r.Statuses) > 0
		if sweep && (r.TimeType != xhswire.TimeTypeCreated || r.EndTime >= now-3*dayMS) {
			t.Errorf("a sweep request outside [horizon, look-back): %+v", r)
		}
	}
	before := len(f.requests())
	if _, _, _ = walkAll(t, a, cursor, fakeNow.Add(time.Hour)); len(f.requests())-before > 3 {
		t.Errorf("a later walk made %d requests; it follows updates only", len(f.requests())-before)
	}
}
